//! "What can I apply for?": the `/match` steps. Step one asks who you are (an applicant kind of
//! `text/data/vocabulary.toml`), step two what you need (the needs of the schemes open to that
//! kind), and the result ranks the schemes with a one-line reason from structured fields: the
//! scheme's `applicants` (you apply directly), its `benefits` (someone applies for you), its
//! `needs` and its status. Closed schemes are never offered.
//!
//! Callback data: `m` (step one), `m:<applicant>` (step two), `m:<applicant>:<need>` or
//! `m:<applicant>:*` (the result).

use super::action::{Action, MatchStep};
use super::{Button, Para, Reply, details_button, display_name, tr};
use crate::corpus::{Category, Corpus, Scheme, Status};
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
    if s.applicants.iter().any(|a| a == applicant)
        || (applicant == "individual" && s.individuals_can_apply)
    {
        Some(Fit::Direct)
    } else if s.benefits.iter().any(|b| b == applicant) {
        Some(Fit::Through)
    } else {
        None
    }
}

/// "I am …" in words, for step one's buttons.
fn who_label(key: &str, lang: Lang) -> String {
    let (en, zh) = match key {
        "individual" => ("👤 An individual", "👤 個人"),
        "student" => ("🎓 A student", "🎓 學生"),
        "graduate" => ("🧑‍🎓 A graduate", "🧑‍🎓 畢業生"),
        "researcher" => ("🔬 A researcher", "🔬 研究人員"),
        "overseas-talent" => ("✈️ Talent from outside HK", "✈️ 非本地人才"),
        "start-up" => ("🚀 A start-up", "🚀 初創企業"),
        "sme" => ("🏪 An SME or shop", "🏪 中小企或商店"),
        "company" => ("🏢 A company", "🏢 公司"),
        "manufacturer" => ("🏭 A manufacturer", "🏭 製造商"),
        "university" => ("🏛 A university", "🏛 大學"),
        "rd-centre" => ("🧪 An R&D centre", "🧪 研發中心"),
        "school" => ("🏫 A school or teacher", "🏫 學校或老師"),
        "fund-manager" => ("💼 A fund manager", "💼 基金經理"),
        "accelerator" => ("⚡ An accelerator", "⚡ 加速器"),
        other => (other, other),
    };
    tr(lang, en, zh)
}

/// A need in words.
fn need_label(key: &str, lang: Lang) -> String {
    let (en, zh) = match key {
        "rd-funding" => ("R&D funding", "研發資助"),
        "research-grant" => ("Research grants", "研究經費"),
        "commercialisation" => ("Turning research into products", "科研成果商品化"),
        "hiring" => ("Hiring talent", "聘請人才"),
        "internship" => ("Internships", "實習"),
        "training" => ("Staff training", "員工培訓"),
        "visa" => ("A visa to work in HK", "來港工作簽證"),
        "space" => ("Office or lab space", "辦公室或實驗室"),
        "incubation" => ("Incubation", "培育計劃"),
        "compute" => ("Computing power", "算力"),
        "investment" => ("Investment", "投資"),
        "production" => ("Production lines", "生產線"),
        "digitalisation" => ("Going digital", "數碼化"),
        "market-expansion" => ("New markets", "拓展市場"),
        "teaching" => ("Teaching IT", "資訊科技教學"),
        "collaboration" => ("Research partners", "研究合作"),
        other => (other, other),
    };
    tr(lang, en, zh)
}

/// Step one: "Who are you?", one button per applicant kind (`m:<applicant>`).
#[must_use]
pub fn match_who(lang: Lang) -> Reply {
    let paras = vec![
        Para::default().bold(tr(
            lang,
            "Let's find what you can apply for.",
            "我幫你找出可以申請的計劃。",
        )),
        Para::default().text(tr(
            lang,
            "Step 1 of 2: who are you (or who would apply)?",
            "第一步（共兩步）：你是誰（或由誰申請）？",
        )),
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
        Para::default().text(tr(
            lang,
            "Step 2 of 2: what do you need?",
            "第二步（共兩步）：你需要甚麼？",
        )),
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
    buttons.extend(MatchStep::result(applicant, None).map(|step| {
        Button::action(
            tr(lang, "✨ Show everything", "✨ 全部顯示"),
            Action::Match(step),
            lang,
        )
    }));
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
        paras.push(Para::default().text(tr(
            lang,
            "None of the schemes I know fits that. Try \"Show everything\", or browse with /schemes.",
            "我所知的計劃中沒有符合的。可試「全部顯示」，或用 /schemes 瀏覽。",
        )));
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
        paras.push(Para::default().italic(tr(
            lang,
            &format!(
                "…and {} more: pick a need to narrow the list.",
                total - picked.len()
            ),
            &format!("……另有{}個：選擇需要可收窄範圍。", total - picked.len()),
        )));
    }
    paras.push(Para::default().italic(tr(
        lang,
        "From the facts I hold; check each official page before applying.",
        "根據我現有的資料整理；申請前請查閱各官方網頁。",
    )));
    let mut buttons: Vec<Vec<Button>> = picked
        .chunks(3)
        .map(|c| {
            c.iter()
                .map(|&(i, _)| details_button(&corpus.schemes[i], lang))
                .collect()
        })
        .collect();
    buttons.push(vec![Button::action(
        tr(lang, "↩️ Start again", "↩️ 重新選擇"),
        Action::Match(MatchStep::Who),
        lang,
    )]);
    Reply::from_paras(&paras, buttons)
}

/// Why a scheme is listed for `applicant`, from structured fields.
fn reason(s: &Scheme, applicant: &str, fit: Fit, lang: Lang) -> String {
    let mut parts = vec![match fit {
        Fit::Direct if applicant == "individual" => {
            tr(lang, "individuals apply directly", "個人可直接申請")
        }
        Fit::Direct => tr(lang, "you apply directly", "你可直接申請"),
        Fit::Through => match s.applicants.first().map(String::as_str) {
            Some("university") => tr(
                lang,
                "your university applies for you",
                "由你的大學代為申請",
            ),
            Some("school") => tr(lang, "your school applies for you", "由你的學校申請"),
            Some("start-up") => tr(
                lang,
                "a start-up you found or join applies",
                "由你創辦或加入的初創企業申請",
            ),
            _ => tr(lang, "your employer applies for you", "由你的僱主申請"),
        },
    }];
    match s.status {
        Status::Open | Status::Ongoing => {}
        Status::Upcoming => parts.push(tr(lang, "not open yet", "尚未開放")),
        Status::NotAnnounced => parts.push(tr(lang, "next round not announced", "下一輪未公布")),
        Status::Closed => parts.push(tr(lang, "closed", "已停止申請")),
    }
    parts.join(if lang == Lang::En { "; " } else { "；" })
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
