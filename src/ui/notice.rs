//! What subscribers receive: a notice of what changed in the schemes they follow (field by
//! field, old → new), a deadline reminder, and an admin's announcement.

use super::action::Action;
use super::card::{
    category_label, corpus_text, details_button, display_name, hkd, matching_text, status_word_of,
    tagline,
};
use super::i18n::{message, t};
use super::reply::{Button, Para, Reply};
use crate::changes::{Field, SchemeChange, Value};
use crate::corpus::{Category, Corpus, Scheme, Status};
use crate::text::Lang;

/// Values longer than this (in characters) are not shown as "old → new": only the new value,
/// cut to [`NOTICE_TEXT_CHARS`].
const NOTICE_SHORT_CHARS: usize = 80;

const NOTICE_TEXT_CHARS: usize = 280;

/// The name of a field in a change notice.
#[must_use]
pub fn field_label(field: Field, lang: Lang) -> String {
    let id = match field {
        Field::Name => "field-name",
        Field::Acronym => "field-acronym",
        Field::Category => "field-category",
        Field::Status => "field-status",
        Field::StatusSince => "field-status-since",
        Field::Alternatives => "field-alternatives",
        Field::Opens => "field-opens",
        Field::Deadline => "field-deadline",
        Field::Url => "field-url",
        Field::TotalBudget => "field-total-budget",
        Field::MaxPerProject => "field-max-per-project",
        Field::MinProjectCost => "field-min-project-cost",
        Field::MaxPerApplicant => "field-max-per-applicant",
        Field::MaxPerPerson => "field-max-per-person",
        Field::MonthlyAllowance => "field-monthly-allowance",
        Field::MatchingRatio => "field-matching-ratio",
        Field::Summary => "field-summary",
        Field::Eligibility => "field-eligibility",
        Field::MoneyText => "field-money-text",
        Field::Apply => "field-apply",
        Field::StatusText => "field-status-text",
    };
    message(lang, id, None)
}

pub(crate) fn value_text(field: Field, v: Option<&Value>, corpus: &Corpus, lang: Lang) -> String {
    match v {
        Some(Value::Ratios(r)) => matching_text(r, lang),
        Some(Value::Schemes(ids)) => ids
            .iter()
            .map(|id| {
                corpus
                    .get(id)
                    .map_or_else(|| id.clone(), |s| display_name(s, lang))
            })
            .collect::<Vec<_>>()
            .join(&t!(lang, "list-separator")),
        None => t!(lang, "notice-none"),
        Some(Value::Amount(a)) => hkd(*a, lang),
        Some(Value::Text(b)) => corpus_text(lang, &b.en, &b.zh),
        Some(Value::Code(c)) => match field {
            Field::Status => status_word(c, lang),
            Field::Category => {
                Category::from_key(c).map_or_else(|| c.clone(), |c| category_label(c, lang))
            }
            _ => c.clone(),
        },
    }
}

/// A status key from a change notice as words; keys of older corpora are kept readable.
pub(crate) fn status_word(code: &str, lang: Lang) -> String {
    match Status::ALL.into_iter().find(|s| s.key() == code) {
        Some(status) => status_word_of(status, lang),
        None if code == "preparing" => t!(lang, "status-preparing"),
        None => code.to_owned(),
    }
}

pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

/// A change notice: for each scheme, each changed field with its old and new value where short
/// (e.g. "Minimum project cost: HK$300 million → HK$150 million"), a link, and buttons to open the
/// scheme and to manage subscriptions.
#[must_use]
pub fn notice(changes: &[SchemeChange], corpus: &Corpus, lang: Lang) -> Reply {
    let mut paras = vec![Para::default().bold(t!(lang, "notice-title"))];
    let mut buttons: Vec<Vec<Button>> = Vec::new();
    let name_of = |name: &crate::changes::Bilingual| corpus_text(lang, &name.en, &name.zh);
    for change in changes {
        match change {
            SchemeChange::Added { id, name, .. } => {
                let mut p = Para::default()
                    .text(t!(lang, "notice-added"))
                    .bold(name_of(name));
                if let Some(s) = corpus.get(id) {
                    p = p.text(format!("\n{}", tagline(s, lang)));
                    buttons.push(vec![details_button(s, lang)]);
                }
                paras.push(p);
            }
            SchemeChange::Removed { name, .. } => {
                paras.push(
                    Para::default()
                        .text(t!(lang, "notice-removed"))
                        .bold(name_of(name)),
                );
            }
            SchemeChange::Changed {
                id, name, fields, ..
            } => {
                let mut p = Para::default().bold(name_of(name));
                for f in fields {
                    let label = field_label(f.field, lang);
                    let old = value_text(f.field, f.old.as_ref(), corpus, lang);
                    let new = value_text(f.field, f.new.as_ref(), corpus, lang);
                    let line = if old.chars().count() <= NOTICE_SHORT_CHARS
                        && new.chars().count() <= NOTICE_SHORT_CHARS
                    {
                        t!(lang, "notice-change", field = label, old = old, new = new)
                    } else {
                        let new = cut(&new, NOTICE_TEXT_CHARS);
                        t!(lang, "notice-updated", field = label, new = new)
                    };
                    p = p.text(format!("\n{line}"));
                }
                if let Some(s) = corpus.get(id) {
                    p = p.text("\n").link(t!(lang, "official-page"), &s.url);
                    buttons.push(vec![details_button(s, lang)]);
                }
                paras.push(p);
            }
        }
    }
    buttons.truncate(3);
    buttons.push(vec![Button::action(
        t!(lang, "button-unsubscribe-some"),
        Action::Subscriptions,
        lang,
    )]);
    Reply::from_paras(&paras, buttons)
}

/// A deadline reminder for a scheme (`scheme` is `None` when it has left the corpus).
#[must_use]
pub fn reminder(
    scheme: Option<&Scheme>,
    id: &str,
    deadline: &str,
    days_left: i64,
    lang: Lang,
) -> Reply {
    let name = scheme.map_or_else(|| id.to_owned(), |s| display_name(s, lang));
    let when = match days_left {
        0 => t!(lang, "reminder-today"),
        1 => t!(lang, "reminder-tomorrow"),
        n => t!(lang, "reminder-in-days", days = n),
    };
    let mut p = Para::default()
        .bold(t!(lang, "reminder-title"))
        .text("\n")
        .bold(name)
        .text(t!(
            lang,
            "reminder-closes",
            when = when,
            deadline = deadline
        ));
    let mut buttons = Vec::new();
    if let Some(s) = scheme {
        p = p.text("\n").link(t!(lang, "official-page"), &s.url);
        buttons.push(vec![details_button(s, lang)]);
    }
    buttons.push(vec![Button::action(
        t!(lang, "button-unsubscribe-some"),
        Action::Subscriptions,
        lang,
    )]);
    Reply::from_paras(&[p], buttons)
}

/// An administrator's announcement, shown as written (escaped) under a header.
#[must_use]
pub fn broadcast(text: &str, lang: Lang) -> Reply {
    let paras = [
        Para::default().bold(t!(lang, "broadcast-title")),
        Para::default().text(text),
    ];
    Reply::from_paras(
        &paras,
        vec![vec![Button::action(
            t!(lang, "button-unsubscribe-some"),
            Action::Subscriptions,
            lang,
        )]],
    )
}
