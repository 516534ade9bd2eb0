//! Admin screens: `/stats`, `/reload`, `/broadcast` (preview and confirmation), the `/gaps`
//! report of unanswered questions, and what a non-admin hears.

use super::action::Action;
use super::card::{plural, tr};
use super::reply::{Button, Reply, line};
use super::subscriptions::topic_label;
use crate::corpus::Corpus;
use crate::store::Stats;
use crate::text::Lang;

/// What a non-admin hears for an admin command.
#[must_use]
pub fn not_allowed(lang: Lang) -> Reply {
    Reply::from_lines(
        &[line().text(tr(
            lang,
            "Sorry, you are not allowed to do that.",
            "抱歉，你沒有權限使用此指令。",
        ))],
        Vec::new(),
    )
}

/// How many groups `/gaps` shows.
pub const GAPS_SHOWN: usize = 15;

/// `/gaps` (admins): the most frequent unanswered questions of the last 90 days, grouped by
/// normalised text, with what happened to them and the schemes offered.
#[must_use]
pub fn gaps(groups: &[crate::store::GapGroup], lang: Lang) -> Reply {
    let mut lines = vec![line().bold(tr(
        lang,
        "Unanswered questions, last 90 days (most frequent first)",
        "過去90日未能解答的問題（按次數排列）",
    ))];
    if groups.is_empty() {
        lines.push(line().text(tr(lang, "Nothing yet.", "暫時沒有。")));
    }
    lines.extend(groups.iter().map(|g| line().text(g.to_string())));
    Reply::from_lines(&lines, Vec::new())
}

/// `/stats` for admins.
#[must_use]
pub fn stats(stats: &Stats, corpus: &Corpus, lang: Lang) -> Reply {
    let o = &stats.outbox;
    let mut lines = vec![
        line().bold(tr(lang, "📊 Statistics", "📊 統計")),
        line().text(&match lang {
            Lang::En => format!(
                "Chats: {} active, {} inactive (blocked or left)",
                stats.active_chats, stats.inactive_chats
            ),
            _ => lang.script(&format!(
                "對話：{} 個活躍，{} 個停用（封鎖或離開）",
                stats.active_chats, stats.inactive_chats
            )),
        }),
        line().text(&match lang {
            Lang::En => format!(
                "Outbox: {} waiting, {} delivered, {} failed, {} dropped",
                o.pending, o.sent, o.failed, o.dropped
            ),
            _ => lang.script(&format!(
                "待發訊息：{} 個等待中，{} 個已送達，{} 個失敗，{} 個已放棄",
                o.pending, o.sent, o.failed, o.dropped
            )),
        }),
        line().bold(tr(lang, "Subscribers by topic:", "按主題訂閱人數：")),
    ];
    if stats.by_topic.is_empty() {
        lines.push(line().text(tr(lang, "none yet", "暫無")));
    }
    for (topic, n) in &stats.by_topic {
        lines.push(line().text(format!("• {}: {n}", topic_label(topic, corpus, lang))));
    }
    Reply::from_lines(&lines, Vec::new())
}

/// `/reload` for admins: what happened.
#[must_use]
pub fn reloaded(schemes: usize, changes: usize, notices: usize, lang: Lang) -> Reply {
    let text = match lang {
        Lang::En => format!(
            "✅ Corpus reloaded: {}, {changes} changed, {} queued.",
            plural(schemes, "scheme", "schemes"),
            plural(notices, "notice", "notices")
        ),
        _ => lang.script(&format!(
            "✅ 已重新載入：{schemes} 個計劃，{changes} 個有更改，已排隊發出 {notices} 個通知。"
        )),
    };
    Reply::from_lines(&[line().text(&text)], Vec::new())
}

/// `/reload` for admins when the corpus did not validate.
#[must_use]
pub fn reload_refused(why: &str, lang: Lang) -> Reply {
    let lines = [
        line().bold(tr(
            lang,
            "⚠️ The corpus was refused; the previous one is still serving.",
            "⚠️ 資料未能通過檢查，繼續使用原有資料。",
        )),
        line().text(why),
    ];
    Reply::from_lines(&lines, Vec::new())
}

/// `/broadcast <text>` for admins: the preview and the confirmation buttons.
#[must_use]
pub fn broadcast_preview(id: i64, text: &str, recipients: usize, lang: Lang) -> Reply {
    let lines = [
        line().bold(&match lang {
            Lang::En => format!(
                "📢 Send this to {}?",
                plural(recipients, "subscribed chat", "subscribed chats")
            ),
            _ => lang.script(&format!("📢 向 {recipients} 個訂閱對話發出以下公告？")),
        }),
        line().text(text),
    ];
    let buttons = vec![vec![
        Button::action(
            tr(lang, "✅ Send", "✅ 發出"),
            Action::BroadcastSend(id),
            lang,
        ),
        Button::action(
            tr(lang, "✖ Cancel", "✖ 取消"),
            Action::BroadcastCancel(id),
            lang,
        ),
    ]];
    Reply::from_lines(&lines, buttons)
}

/// `/broadcast` without text.
#[must_use]
pub fn broadcast_usage(lang: Lang) -> Reply {
    Reply::from_lines(
        &[line().text(tr(
            lang,
            "Usage: /broadcast <the announcement text>",
            "用法：/broadcast <公告內容>",
        ))],
        Vec::new(),
    )
}

/// After a broadcast was confirmed (`None`: it was already sent or cancelled).
#[must_use]
pub fn broadcast_done(queued: Option<usize>, lang: Lang) -> Reply {
    let text = match (queued, lang) {
        (Some(n), Lang::En) => format!("📢 Queued for {}.", plural(n, "chat", "chats")),
        (Some(n), _) => lang.script(&format!("📢 已排隊發送給 {n} 個對話。")),
        (None, _) => tr(
            lang,
            "This announcement was already sent or cancelled.",
            "此公告已發出或已取消。",
        ),
    };
    Reply::from_lines(&[line().text(&text)], Vec::new())
}

/// After a broadcast was cancelled.
#[must_use]
pub fn broadcast_cancelled(lang: Lang) -> Reply {
    Reply::from_lines(
        &[line().text(tr(lang, "✖ Announcement cancelled.", "✖ 已取消公告。"))],
        Vec::new(),
    )
}
