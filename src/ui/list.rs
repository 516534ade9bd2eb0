//! Lists of schemes: every scheme by category (`/schemes` and its category screens), the
//! answers to structured requests ("open now", "for individuals", "biggest funding"), "did you
//! mean" suggestions, the no-match reply, and `/funding` (schemes by money).

use super::action::{Action, MatchStep};
use super::card::{GOVERNMENT_LINE, category_label, details_button, display_name, hkd, one_line};
use super::i18n::{message, t};
use super::reply::{Button, Para, Reply, line};
use crate::corpus::{Category, Corpus, Money, Scheme, Status};
use crate::text::Lang;

/// Lists a category (or, with `None`, every scheme by category).
#[must_use]
pub fn list(corpus: &Corpus, category: Option<Category>, lang: Lang) -> Reply {
    let mut paras = Vec::new();
    let categories: Vec<Category> = match category {
        Some(c) => vec![c],
        None => Category::ALL.to_vec(),
    };
    if category.is_none() {
        paras.push(Para::default().bold(t!(lang, "list-title")));
    }
    let mut buttons = Vec::new();
    for c in categories {
        let schemes: Vec<&Scheme> = corpus.schemes.iter().filter(|s| s.category == c).collect();
        if schemes.is_empty() {
            continue;
        }
        paras.push(Para::default().bold(format!(
            "{} ({})",
            category_label(c, lang),
            schemes.len()
        )));
        for s in &schemes {
            paras.push(if category.is_some() {
                one_line(s, lang)
            } else {
                Para::default().text(format!(
                    "• {} /scheme_{}",
                    display_name(s, lang),
                    s.id.replace('-', "_")
                ))
            });
        }
        if category.is_some() {
            for chunk in schemes.chunks(3) {
                buttons.push(chunk.iter().map(|s| details_button(s, lang)).collect());
            }
        }
    }
    paras.push(Para::default().italic(t!(lang, "list-ask")));
    Reply::from_paras(&paras, buttons)
}

/// A structured list: the schemes passing `filter`, each with its one-line description and what
/// makes it fit (status, who applies, the largest figure or the deadline).
#[must_use]
pub fn filtered(corpus: &Corpus, filter: &crate::search::Filter, lang: Lang) -> Reply {
    use crate::search::SortBy;
    let picked = filter.apply(corpus, crate::date::today_hk());
    let who = filter.applicant.map(|a| applicant_label(a, lang));
    let title = match (filter.sort, filter.open_only, who) {
        (SortBy::Money, ..) => t!(lang, "filtered-by-money"),
        (SortBy::Deadline, ..) => t!(lang, "filtered-by-deadline"),
        (_, true, Some(w)) => t!(lang, "filtered-open-for", who = w),
        (_, true, None) => t!(lang, "filtered-open"),
        (_, false, Some(w)) => t!(lang, "filtered-for", who = w),
        (_, false, None) => t!(lang, "filtered-all"),
    };
    let mut paras = vec![Para::default().bold(title)];
    if picked.is_empty() {
        paras.push(Para::default().text(t!(lang, "filtered-none")));
    }
    let mut buttons = Vec::new();
    for &i in &picked {
        let s = &corpus.schemes[i];
        // "Open now" is only as fresh as each file's facts: say how fresh.
        let why = match filter.sort {
            SortBy::Money => s.money.headline().map(|m| hkd(m, lang)),
            SortBy::Deadline => s.deadline.clone(),
            SortBy::Category if filter.open_only => {
                Some(t!(lang, "filtered-open-as-of", date = s.as_of.clone()))
            }
            SortBy::Category => None,
        };
        let mut p = one_line(s, lang);
        if let Some(why) = why {
            p = p.text(format!(" — {why}"));
        }
        paras.push(p);
    }
    for chunk in picked.chunks(3).take(4) {
        buttons.push(
            chunk
                .iter()
                .map(|&i| details_button(&corpus.schemes[i], lang))
                .collect(),
        );
    }
    paras.push(Para::default().italic(t!(lang, "filtered-footer")));
    Reply::from_paras(&paras, buttons)
}

/// An applicant kind in words ("individuals", "學生").
pub(crate) fn applicant_label(key: &str, lang: Lang) -> String {
    match crate::text::vocabulary::applicant_keys()
        .into_iter()
        .find(|k| *k == key)
    {
        Some(_) => message(lang, &format!("applicant-{key}"), None),
        None => key.to_owned(),
    }
}

/// "Did you mean…?": the schemes the question may be about, each with a one-line description
/// and a button that opens its card.
#[must_use]
pub fn suggestions(corpus: &Corpus, hits: &[crate::search::Hit], lang: Lang) -> Reply {
    let schemes: Vec<&Scheme> = hits.iter().map(|h| &corpus.schemes[h.scheme]).collect();
    let mut paras = vec![Para::default().bold(t!(lang, "suggestions-title"))];
    paras.extend(schemes.iter().map(|s| one_line(s, lang)));
    paras.push(Para::default().italic(t!(lang, "suggestions-footer")));
    let buttons = vec![schemes.iter().map(|s| details_button(s, lang)).collect()];
    Reply::from_paras(&paras, buttons)
}

/// The reply when nothing matched: what the bot knows, examples, and where else to ask.
///
/// No scheme is known here, so no scheme's body is either. The contact is the Government's
/// general line, 1823, not the ITF Secretariat's: what reaches this reply is mostly a question
/// about something that is not one of our schemes (public housing, the Continuing Education
/// Fund, the weather), which the ITF cannot answer and 1823 can route to the right department.
/// Someone whose I&T question we failed to understand is sent to /schemes, where every card
/// names its own body's line ([`enquiry_line`](super::card::enquiry_line)).
#[must_use]
pub fn no_match(lang: Lang) -> Reply {
    let examples = [
        t!(lang, "no-match-example-1"),
        t!(lang, "no-match-example-2"),
        t!(lang, "no-match-example-3"),
        t!(lang, "no-match-example-4"),
    ];
    let paras = [
        Para::default().text(t!(lang, "no-match")),
        Para::default()
            .bold(t!(lang, "no-match-try"))
            .text(format!("\n{}", examples.join("\n"))),
        Para::default().text(t!(lang, "no-match-browse")),
        Para::default().italic(t!(lang, "no-match-elsewhere", line = GOVERNMENT_LINE)),
    ];
    Reply::from_paras(&paras, vec![vec![browse_button(lang)]])
}

/// The reply to a question that asks something ("how much?", "點申請？") of no scheme, with
/// none in the conversation: which scheme is meant? Examples of asking with a name or a
/// situation, and buttons to browse or to find what fits.
#[must_use]
pub fn which_scheme(lang: Lang) -> Reply {
    let paras = [
        Para::default().text(t!(lang, "which-scheme")),
        Para::default().bold(t!(lang, "no-match-try")).text(format!(
            "\n{}\n{}",
            t!(lang, "which-scheme-example-name"),
            t!(lang, "which-scheme-example-situation")
        )),
    ];
    Reply::from_paras(
        &paras,
        vec![vec![
            browse_button(lang),
            Button::action(
                t!(lang, "button-what-can-i-apply-for"),
                Action::Match(MatchStep::Who),
                lang,
            ),
        ]],
    )
}

/// `/schemes`: every scheme by category, with a button per category.
#[must_use]
pub fn browse_menu(corpus: &Corpus, lang: Lang) -> Reply {
    let mut r = list(corpus, None, lang);
    let buttons: Vec<Button> = Category::ALL
        .into_iter()
        .filter_map(|c| {
            let n = corpus.schemes.iter().filter(|s| s.category == c).count();
            (n > 0).then(|| {
                Button::action(
                    format!("{} ({n})", category_label(c, lang)),
                    Action::Category(c),
                    lang,
                )
            })
        })
        .collect();
    r.buttons = buttons.chunks(2).map(<[Button]>::to_vec).collect();
    r
}

/// One category's schemes, with a button per scheme and a way back.
#[must_use]
pub fn category_screen(corpus: &Corpus, category: Category, lang: Lang) -> Reply {
    let mut r = list(corpus, Some(category), lang);
    r.buttons.push(vec![Button::action(
        t!(lang, "button-all-categories"),
        Action::Browse,
        lang,
    )]);
    r
}

/// Which figure [`Money::headline`] picked, for the label.
fn headline_label(m: &Money, amount: u64, lang: Lang) -> String {
    let figure = hkd(amount, lang);
    if m.max_per_project == Some(amount) {
        t!(lang, "funding-per-project", figure = figure)
    } else if m.max_per_applicant == Some(amount) {
        t!(lang, "funding-per-applicant", figure = figure)
    } else if m.max_per_person == Some(amount) {
        t!(lang, "funding-per-person", figure = figure)
    } else {
        t!(lang, "funding-total", figure = figure)
    }
}

fn command_for(s: &Scheme) -> String {
    format!("/scheme_{}", s.id.replace('-', "_"))
}

/// `/funding`: schemes that can still be applied for (or will be) with a published figure,
/// largest first, then those without a figure; closed schemes only by name, at the end, so a
/// closed scheme's past terms never read as money on offer.
#[must_use]
pub fn funding(corpus: &Corpus, lang: Lang) -> Reply {
    let current = || corpus.schemes.iter().filter(|s| s.status != Status::Closed);
    let mut with: Vec<(&Scheme, u64)> = current()
        .filter_map(|s| s.money.headline().map(|m| (s, m)))
        .collect();
    with.sort_by(|(a, x), (b, y)| y.cmp(x).then_with(|| a.id.cmp(&b.id)));
    let without: Vec<&Scheme> = current().filter(|s| s.money.headline().is_none()).collect();
    let closed: Vec<&Scheme> = corpus
        .schemes
        .iter()
        .filter(|s| s.status == Status::Closed)
        .collect();
    let mut lines = vec![line().bold(t!(lang, "funding-title"))];
    for (s, amount) in &with {
        lines.push(line().text("• ").bold(display_name(s, lang)).text(format!(
            " — {} {}",
            headline_label(&s.money, *amount, lang),
            command_for(s)
        )));
    }
    for (title, group) in [
        (t!(lang, "funding-no-figure"), &without),
        (t!(lang, "funding-closed"), &closed),
    ] {
        if group.is_empty() {
            continue;
        }
        lines.push(line());
        lines.push(line().bold(&title));
        for s in group {
            lines.push(
                line()
                    .text("• ")
                    .text(display_name(s, lang))
                    .text(format!(" {}", command_for(s))),
            );
        }
    }
    lines.push(line());
    lines.push(line().italic(t!(lang, "funding-footer")));
    Reply::from_lines(&lines, vec![vec![browse_button(lang)]])
}

pub(crate) fn browse_button(lang: Lang) -> Button {
    Button::action(t!(lang, "button-browse"), Action::Browse, lang)
}
