//! "What can I apply for?": the `/match` steps. Step one asks who you are (an applicant kind of
//! `text/data/vocabulary.toml`), step two what you need (the needs of the schemes open to that
//! kind), and the result ranks the schemes with a one-line reason from structured fields: the
//! scheme's `applicants` (you apply directly), its `benefits` (someone applies for you), its
//! `needs` and its status. Closed schemes are never offered.
//!
//! Callback data: `m` (step one), `m:<applicant>` (step two), `m:<applicant>:<need>` or
//! `m:<applicant>:*` (the result).

use super::action::{Action, MatchStep};
use super::i18n::{message, t};
use super::{Button, Para, Reply, details_button, display_name};
use crate::corpus::{ApplyThrough, Category, Corpus, Scheme, Status};
use crate::text::Lang;

/// Applicant kinds offered in step one, in button order (vocabulary keys).
pub const WHO: [&str; 14] = [
    "individual",
    "student",
    "graduate",
    "researcher",
    "overseas-talent",
    "start-up",
    "sme",
    "company",
    "manufacturer",
    "university",
    "rd-centre",
    "school",
    "fund-manager",
    "accelerator",
];

/// The most schemes a result lists (the rest are a /schemes away).
const MAX_RESULTS: usize = 8;

/// How a scheme fits an applicant kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// The kind applies itself.
    Direct,
    /// Someone else applies and the kind gains (a student whose university applies).
    Through,
}

fn fit(s: &Scheme, applicant: &str) -> Option<Fit> {
    if s.status == Status::Closed {
        return None;
    }
    if s.accepts(applicant) {
        Some(Fit::Direct)
    } else if s.benefits.iter().any(|b| b == applicant) {
        Some(Fit::Through)
    } else {
        None
    }
}

/// "I am …" in words, for step one's buttons (the key itself for a kind not in [`WHO`]).
fn who_label(key: &str, lang: Lang) -> String {
    if WHO.contains(&key) {
        message(lang, &format!("who-{key}"), None)
    } else {
        key.to_owned()
    }
}

/// A need in words (the key itself for one the vocabulary does not have).
fn need_label(key: &str, lang: Lang) -> String {
    if crate::text::vocabulary::need_keys().contains(&key) {
        message(lang, &format!("need-{key}"), None)
    } else {
        key.to_owned()
    }
}

/// Step one: "Who are you?", one button per applicant kind (`m:<applicant>`).
#[must_use]
pub fn match_who(lang: Lang) -> Reply {
    let paras = vec![
        Para::default().bold(t!(lang, "match-title")),
        Para::default().text(t!(lang, "match-step-1")),
    ];
    let buttons: Vec<Button> = WHO
        .iter()
        .filter_map(|k| {
            let step = MatchStep::need(k)?;
            Some(Button::action(
                who_label(k, lang),
                Action::Match(step),
                lang,
            ))
        })
        .collect();
    Reply::from_paras(&paras, buttons.chunks(2).map(<[Button]>::to_vec).collect())
}

/// Step two: "What do you need?", one button per need served by the schemes open to
/// `applicant` (`m:<applicant>:<need>`), and "anything" (`m:<applicant>:*`). With no scheme
/// for that kind, the (empty) result straight away.
#[must_use]
pub fn match_need(corpus: &Corpus, applicant: &str, lang: Lang) -> Reply {
    let mut needs: Vec<&str> = Vec::new();
    for s in corpus
        .schemes
        .iter()
        .filter(|s| fit(s, applicant).is_some())
    {
        for n in &s.needs {
            if !needs.contains(&n.as_str()) {
                needs.push(n);
            }
        }
    }
    if needs.len() < 2 {
        return match_result(corpus, applicant, None, lang);
    }
    needs.sort_unstable();
    let paras = vec![
        Para::default().bold(who_label(applicant, lang)),
        Para::default().text(t!(lang, "match-step-2")),
    ];
    let mut buttons: Vec<Button> = needs
        .iter()
        .filter_map(|n| {
            let step = MatchStep::result(applicant, Some(n))?;
            Some(Button::action(
                need_label(n, lang),
                Action::Match(step),
                lang,
            ))
        })
        .collect();
    buttons.extend(
        MatchStep::result(applicant, None)
            .map(|step| Button::action(t!(lang, "match-everything"), Action::Match(step), lang)),
    );
    Reply::from_paras(&paras, buttons.chunks(2).map(<[Button]>::to_vec).collect())
}

/// The result: schemes `applicant` can apply to or gain from, those serving `need` first, then
/// those they apply to themselves, open before upcoming, each with a one-line reason.
#[must_use]
pub fn match_result(corpus: &Corpus, applicant: &str, need: Option<&str>, lang: Lang) -> Reply {
    let status_rank = |s: &Scheme| match s.status {
        Status::Open => 0,
        Status::Ongoing => 1,
        Status::Upcoming => 2,
        Status::NotAnnounced => 3,
        Status::Closed => 4,
    };
    let serves = |s: &Scheme| need.is_some_and(|n| s.needs.iter().any(|x| x == n));
    let mut picked: Vec<(usize, Fit)> = corpus
        .schemes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| fit(s, applicant).map(|f| (i, f)))
        .filter(|&(i, _)| need.is_none() || serves(&corpus.schemes[i]))
        .collect();
    picked.sort_by_key(|&(i, f)| {
        let s = &corpus.schemes[i];
        (
            f,
            status_rank(s),
            Category::ALL.iter().position(|&c| c == s.category),
            i,
        )
    });
    let total = picked.len();
    picked.truncate(MAX_RESULTS);

    let title = match need {
        Some(n) => format!("{} · {}", who_label(applicant, lang), need_label(n, lang)),
        None => who_label(applicant, lang),
    };
    let mut paras = vec![Para::default().bold(title)];
    if picked.is_empty() {
        paras.push(Para::default().text(t!(lang, "match-none")));
    }
    for &(i, f) in &picked {
        let s = &corpus.schemes[i];
        paras.push(
            Para::default()
                .text("• ")
                .bold(display_name(s, lang))
                .text(format!(" — {}", reason(s, applicant, f, lang))),
        );
    }
    if total > picked.len() {
        let count = total - picked.len();
        paras.push(Para::default().italic(t!(lang, "match-more", count = count)));
    }
    paras.push(Para::default().italic(t!(lang, "filtered-footer")));
    let mut buttons: Vec<Vec<Button>> = picked
        .chunks(3)
        .map(|c| {
            c.iter()
                .map(|&(i, _)| details_button(&corpus.schemes[i], lang))
                .collect()
        })
        .collect();
    buttons.push(vec![Button::action(
        t!(lang, "match-again"),
        Action::Match(MatchStep::Who),
        lang,
    )]);
    Reply::from_paras(&paras, buttons)
}

/// Why a scheme is listed for `applicant`, from structured fields.
fn reason(s: &Scheme, applicant: &str, fit: Fit, lang: Lang) -> String {
    let mut parts = vec![match fit {
        Fit::Direct if s.apply_through == Some(ApplyThrough::University) => {
            t!(lang, "match-via-university")
        }
        Fit::Direct if applicant == "individual" => t!(lang, "match-direct-individual"),
        Fit::Direct => t!(lang, "match-direct"),
        Fit::Through => match s.applicants.first().map(String::as_str) {
            Some("university") => t!(lang, "match-through-university"),
            Some("school") => t!(lang, "match-through-school"),
            Some("start-up") => t!(lang, "match-through-start-up"),
            _ => t!(lang, "match-through-employer"),
        },
    }];
    match s.status {
        Status::Open | Status::Ongoing => {}
        Status::Upcoming => parts.push(t!(lang, "match-upcoming")),
        Status::NotAnnounced => parts.push(t!(lang, "match-not-announced")),
        Status::Closed => parts.push(t!(lang, "match-closed")),
    }
    parts.join(&t!(lang, "fact-separator"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_kind_is_a_vocabulary_applicant() {
        let known = crate::text::vocabulary::applicant_keys();
        for k in WHO {
            assert!(known.contains(&k), "{k}");
            assert_ne!(who_label(k, Lang::En), k, "{k} has a label");
        }
        for n in crate::text::vocabulary::need_keys() {
            assert_ne!(need_label(n, Lang::En), n, "{n} has a label");
        }
    }
}
