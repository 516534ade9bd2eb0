//! Admin screens: `/stats`, `/reload`, `/broadcast` (preview and confirmation), the `/gaps`
//! report of unanswered questions, and what a non-admin hears. The wording is in the
//! catalogues ([`super::i18n`]).

use super::action::Action;
use super::i18n::t;
use super::reply::{Button, Reply, line};
use super::subscriptions::topic_label;
use crate::corpus::Corpus;
use crate::store::{GapGroup, Stats};
use crate::text::Lang;

/// A one-line screen without buttons.
fn one_line(text: String) -> Reply {
    Reply::from_lines(&[line().text(text)], Vec::new())
}

/// What a non-admin hears for an admin command.
#[must_use]
pub fn not_allowed(lang: Lang) -> Reply {
    one_line(t!(lang, "not-allowed"))
}

/// How many groups `/gaps` shows.
pub const GAPS_SHOWN: usize = 15;

/// `/gaps` (admins): the most frequent unanswered questions of the last 90 days, grouped by
/// normalised text, with what happened to them and the schemes offered.
#[must_use]
pub fn gaps(groups: &[GapGroup], lang: Lang) -> Reply {
    let mut lines = vec![line().bold(t!(lang, "gaps-title"))];
    if groups.is_empty() {
        lines.push(line().text(t!(lang, "gaps-none")));
    }
    lines.extend(groups.iter().map(|g| line().text(gap_line(g, lang))));
    Reply::from_lines(&lines, Vec::new())
}

/// One group of the gaps report as a line (`/gaps`, `schemebot gaps`): count, wording,
/// outcomes, schemes offered, comments.
#[must_use]
pub fn gap_line(g: &GapGroup, lang: Lang) -> String {
    let mut outcomes = Vec::new();
    if g.no_answer > 0 {
        outcomes.push(t!(lang, "gaps-no-answer", count = g.no_answer));
    }
    if g.suggested_only > 0 {
        outcomes.push(t!(lang, "gaps-did-you-mean", count = g.suggested_only));
    }
    if g.thumbs_down > 0 {
        outcomes.push(t!(lang, "gaps-thumbs-down", count = g.thumbs_down));
    }
    let separator = t!(lang, "contact-separator");
    let mut out = t!(
        lang,
        "gaps-line",
        count = g.count,
        example = g.example.as_str(),
        outcomes = outcomes.join(&separator)
    );
    if !g.schemes.is_empty() {
        out.push_str(&t!(
            lang,
            "gaps-offered",
            schemes = g.schemes.join(&separator)
        ));
    }
    if !g.comments.is_empty() {
        out.push_str(&t!(lang, "gaps-wanted", comments = g.comments.join(" | ")));
    }
    out
}

/// `/stats` for admins.
#[must_use]
pub fn stats(stats: &Stats, corpus: &Corpus, lang: Lang) -> Reply {
    let o = &stats.outbox;
    let mut lines = vec![
        line().bold(t!(lang, "stats-title")),
        line().text(t!(
            lang,
            "stats-chats",
            active = stats.active_chats,
            inactive = stats.inactive_chats
        )),
        line().text(t!(
            lang,
            "stats-outbox",
            pending = o.pending,
            sent = o.sent,
            failed = o.failed,
            dropped = o.dropped
        )),
        line().bold(t!(lang, "stats-by-topic")),
    ];
    if stats.by_topic.is_empty() {
        lines.push(line().text(t!(lang, "stats-none")));
    }
    for (topic, n) in &stats.by_topic {
        lines.push(line().text(format!("• {}: {n}", topic_label(topic, corpus, lang))));
    }
    Reply::from_lines(&lines, Vec::new())
}

/// `/reload` for admins: what happened.
#[must_use]
pub fn reloaded(schemes: usize, changes: usize, notices: usize, lang: Lang) -> Reply {
    one_line(t!(
        lang,
        "reloaded",
        schemes = schemes,
        changes = changes,
        notices = notices
    ))
}

/// `/reload` for admins when the corpus did not validate.
#[must_use]
pub fn reload_refused(why: &str, lang: Lang) -> Reply {
    let lines = [line().bold(t!(lang, "reload-refused")), line().text(why)];
    Reply::from_lines(&lines, Vec::new())
}

/// `/broadcast <text>` for admins: the preview and the confirmation buttons.
#[must_use]
pub fn broadcast_preview(id: i64, text: &str, recipients: usize, lang: Lang) -> Reply {
    let lines = [
        line().bold(t!(lang, "broadcast-preview", count = recipients)),
        line().text(text),
    ];
    let buttons = vec![vec![
        Button::action(t!(lang, "button-send"), Action::BroadcastSend(id), lang),
        Button::action(t!(lang, "button-cancel"), Action::BroadcastCancel(id), lang),
    ]];
    Reply::from_lines(&lines, buttons)
}

/// `/broadcast` without text.
#[must_use]
pub fn broadcast_usage(lang: Lang) -> Reply {
    one_line(t!(lang, "broadcast-usage"))
}

/// After a broadcast was confirmed (`None`: it was already sent or cancelled).
#[must_use]
pub fn broadcast_done(queued: Option<usize>, lang: Lang) -> Reply {
    one_line(match queued {
        Some(n) => t!(lang, "broadcast-queued", count = n),
        None => t!(lang, "broadcast-gone"),
    })
}

/// After a broadcast was cancelled.
#[must_use]
pub fn broadcast_cancelled(lang: Lang) -> Reply {
    one_line(t!(lang, "broadcast-cancelled"))
}
