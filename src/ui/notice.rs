//! What subscribers receive: a notice of what changed in the schemes they follow (field by
//! field, old → new), a deadline reminder, and an admin's announcement.

use super::action::Action;
use super::card::{
    category_label, details_button, display_name, hkd, matching_text, status_words, tagline, tr,
};
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
    let (en, zh) = match field {
        Field::Name => ("Name", "名稱"),
        Field::Acronym => ("Short name", "簡稱"),
        Field::Category => ("Category", "類別"),
        Field::Status => ("Status", "狀況"),
        Field::StatusSince => ("Status since", "狀況生效日期"),
        Field::Alternatives => ("You may look at instead", "可改為參考"),
        Field::Opens => ("Applications open", "開始接受申請"),
        Field::Deadline => ("Deadline", "截止日期"),
        Field::Url => ("Official page", "官方網頁"),
        Field::TotalBudget => ("Total budget", "總預算"),
        Field::MaxPerProject => ("Maximum per project", "每個項目上限"),
        Field::MinProjectCost => ("Minimum project cost", "最低項目成本"),
        Field::MaxPerApplicant => ("Maximum per applicant", "每名申請者上限"),
        Field::MaxPerPerson => ("Maximum per person", "每人上限"),
        Field::MonthlyAllowance => ("Monthly allowance", "每月津貼"),
        Field::MatchingRatio => ("Matching", "配對比例"),
        Field::Summary => ("What it is", "計劃簡介"),
        Field::Eligibility => ("Who can apply", "申請資格"),
        Field::MoneyText => ("Money", "資助金額"),
        Field::Apply => ("How to apply", "申請方法"),
        Field::StatusText => ("Latest status", "最新狀況"),
    };
    tr(lang, en, zh)
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
            .join(if lang == Lang::En { ", " } else { "、" }),
        None => tr(lang, "none", "沒有"),
        Some(Value::Amount(a)) => hkd(*a, lang),
        Some(Value::Text(b)) => {
            if lang == Lang::En {
                b.en.clone()
            } else {
                lang.script(&b.zh)
            }
        }
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
    let (en, zh) = Status::ALL
        .into_iter()
        .find(|s| s.key() == code)
        .map(status_words)
        .unwrap_or(match code {
            "preparing" => ("in preparation", "籌備中"),
            other => (other, other),
        });
    tr(lang, en, zh)
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
    let mut paras = vec![Para::default().bold(tr(lang, "🔔 Scheme update", "🔔 計劃更新"))];
    let mut buttons: Vec<Vec<Button>> = Vec::new();
    let name_of = |name: &crate::changes::Bilingual| {
        if lang == Lang::En {
            name.en.clone()
        } else {
            lang.script(&name.zh)
        }
    };
    for change in changes {
        match change {
            SchemeChange::Added { id, name, .. } => {
                let mut p = Para::default()
                    .text(tr(lang, "🆕 New scheme: ", "🆕 新計劃："))
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
                        .text(tr(lang, "🗑 No longer listed: ", "🗑 不再列出："))
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
                    let colon = if lang == Lang::En { ": " } else { "：" };
                    let line = if old.chars().count() <= NOTICE_SHORT_CHARS
                        && new.chars().count() <= NOTICE_SHORT_CHARS
                    {
                        format!("\n• {label}{colon}{old} → {new}")
                    } else {
                        match lang {
                            Lang::En => {
                                format!("\n• {label} updated: {}", cut(&new, NOTICE_TEXT_CHARS))
                            }
                            _ => format!(
                                "\n• {label}{}{colon}{}",
                                lang.script("已更新"),
                                cut(&new, NOTICE_TEXT_CHARS)
                            ),
                        }
                    };
                    p = p.text(line);
                }
                if let Some(s) = corpus.get(id) {
                    p = p
                        .text("\n")
                        .link(tr(lang, "Official page", "官方網頁"), &s.url);
                    buttons.push(vec![details_button(s, lang)]);
                }
                paras.push(p);
            }
        }
    }
    buttons.truncate(3);
    buttons.push(vec![Button::action(
        tr(lang, "🔕 Unsubscribe…", "🔕 取消訂閱…"),
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
    let when = match (lang, days_left) {
        (Lang::En, 0) => "today".to_owned(),
        (Lang::En, 1) => "tomorrow".to_owned(),
        (Lang::En, n) => format!("in {n} days"),
        (_, 0) => lang.script("今天"),
        (_, 1) => lang.script("明天"),
        (_, n) => lang.script(&format!("{n}日後")),
    };
    let mut p = Para::default()
        .bold(tr(lang, "⏰ Deadline reminder", "⏰ 截止日期提示"))
        .text("\n");
    p = match lang {
        Lang::En => p
            .bold(name)
            .text(format!(": applications close {when} ({deadline}).")),
        _ => p
            .bold(name)
            .text(lang.script(&format!("將於{when}（{deadline}）截止申請。"))),
    };
    let mut buttons = Vec::new();
    if let Some(s) = scheme {
        p = p
            .text("\n")
            .link(tr(lang, "Official page", "官方網頁"), &s.url);
        buttons.push(vec![details_button(s, lang)]);
    }
    buttons.push(vec![Button::action(
        tr(lang, "🔕 Unsubscribe…", "🔕 取消訂閱…"),
        Action::Subscriptions,
        lang,
    )]);
    Reply::from_paras(&[p], buttons)
}

/// An administrator's announcement, shown as written (escaped) under a header.
#[must_use]
pub fn broadcast(text: &str, lang: Lang) -> Reply {
    let paras = [
        Para::default().bold(tr(lang, "📢 Announcement", "📢 公告")),
        Para::default().text(text),
    ];
    Reply::from_paras(
        &paras,
        vec![vec![Button::action(
            tr(lang, "🔕 Unsubscribe…", "🔕 取消訂閱…"),
            Action::Subscriptions,
            lang,
        )]],
    )
}
