//! Subscriptions: the subscribe menu, the follow / stop-following button under a scheme, the
//! confirmations, and the list of what a chat follows with a button to drop each.

use super::action::Action;
use super::card::{category_label, display_name, tr};
use super::reply::{Button, Reply, line};
use crate::corpus::{Category, Corpus, Scheme};
use crate::store::Topic;
use crate::text::Lang;

/// The name of a subscription topic.
#[must_use]
pub fn topic_label(topic: &Topic, corpus: &Corpus, lang: Lang) -> String {
    match topic {
        Topic::All => tr(lang, "all schemes", "所有計劃"),
        Topic::Category(c) => tr(
            lang,
            &format!("{} schemes", category_label(*c, Lang::En)),
            &format!("{}類計劃", category_label(*c, Lang::ZhHant)),
        ),
        Topic::Scheme(id) => corpus
            .get(id)
            .map_or_else(|| id.clone(), |s| display_name(s, lang)),
    }
}

/// The button under a scheme card: follow it, or stop following it.
#[must_use]
pub fn follow_button(scheme: &Scheme, following: bool, lang: Lang) -> Button {
    let topic = Topic::Scheme(scheme.id.clone());
    if following {
        Button::action(
            tr(lang, "🔕 Stop updates", "🔕 取消訂閱"),
            Action::Unsubscribe(topic),
            lang,
        )
    } else {
        Button::action(
            tr(lang, "🔔 Get updates", "🔔 訂閱更新"),
            Action::Subscribe(topic),
            lang,
        )
    }
}

/// `/subscribe` without an argument: what one can follow.
#[must_use]
pub fn subscribe_menu(lang: Lang) -> Reply {
    let lines = [
        line().bold(tr(lang, "🔔 Updates", "🔔 訂閱更新")),
        line().text(tr(
            lang,
            "Choose what to follow. I will send you one message when something changes: a new round, a new cap or ratio, a scheme opening or closing.",
            "選擇想關注的內容。有更新時（例如新一輪申請、資助上限或配對比例改變、計劃推出或結束），我會發一個訊息通知你。",
        )),
        line().italic(tr(
            lang,
            "For one scheme: /subscribe followed by its name, e.g. /subscribe TechTAS, or tap 🔔 under any scheme.",
            "關注單一計劃：輸入 /subscribe 加計劃名稱，例如 /subscribe 科技券，或按計劃下方的 🔔。",
        )),
    ];
    let mut buttons = vec![vec![Button::action(
        tr(lang, "⭐ Everything", "⭐ 所有計劃"),
        Action::Subscribe(Topic::All),
        lang,
    )]];
    for pair in Category::ALL.chunks(2) {
        buttons.push(
            pair.iter()
                .map(|&c| {
                    Button::action(
                        category_label(c, lang),
                        Action::Subscribe(Topic::Category(c)),
                        lang,
                    )
                })
                .collect(),
        );
    }
    Reply::from_lines(&lines, buttons)
}

/// After subscribing (`added`: it is new, else it already existed).
#[must_use]
pub fn subscribed(topic: &Topic, corpus: &Corpus, added: bool, lang: Lang) -> Reply {
    let label = topic_label(topic, corpus, lang);
    // "all schemes" and "Talent schemes" change; one scheme changes.
    let verb = match topic {
        Topic::Scheme(_) => "changes",
        Topic::All | Topic::Category(_) => "change",
    };
    let text = match (added, lang) {
        (true, Lang::En) => format!("✅ Subscribed: I will tell you when {label} {verb}."),
        (false, Lang::En) => format!("ℹ️ You already follow {label}; nothing changed."),
        (true, _) => lang.script(&format!("✅ 已訂閱：{label}有更新時我會通知你。")),
        (false, _) => lang.script(&format!("ℹ️ 你已訂閱{label}，毋須重複訂閱。")),
    };
    Reply::from_lines(
        &[line().text(&text)],
        vec![vec![Button::action(
            tr(lang, "📋 My subscriptions", "📋 我的訂閱"),
            Action::Subscriptions,
            lang,
        )]],
    )
}

/// The short notice for a button press that subscribed or unsubscribed.
#[must_use]
pub fn toggled(subscribed: bool, changed: bool, lang: Lang) -> String {
    match (subscribed, changed) {
        (true, true) => tr(lang, "✅ Subscribed", "✅ 已訂閱"),
        (true, false) => tr(lang, "Already subscribed", "已經訂閱"),
        (false, true) => tr(lang, "🔕 Unsubscribed", "🔕 已取消訂閱"),
        (false, false) => tr(lang, "Not subscribed", "未有訂閱"),
    }
}

/// After `/unsubscribe <topic>` (`removed`: it existed).
#[must_use]
pub fn unsubscribed(label: &str, removed: bool, lang: Lang) -> Reply {
    let text = match (removed, lang) {
        (true, Lang::En) => format!("🔕 Unsubscribed from {label}."),
        (false, Lang::En) => format!("ℹ️ You were not following {label}."),
        (true, _) => lang.script(&format!("🔕 已取消訂閱{label}。")),
        (false, _) => lang.script(&format!("ℹ️ 你沒有訂閱{label}。")),
    };
    Reply::from_lines(
        &[line().text(&text)],
        vec![vec![Button::action(
            tr(lang, "📋 My subscriptions", "📋 我的訂閱"),
            Action::Subscriptions,
            lang,
        )]],
    )
}

/// After `/unsubscribe all`.
#[must_use]
pub fn unsubscribed_all(count: usize, lang: Lang) -> Reply {
    let text = match lang {
        Lang::En => format!("🔕 Unsubscribed from everything ({count})."),
        _ => lang.script(&format!("🔕 已取消所有訂閱（{count}項）。")),
    };
    Reply::from_lines(
        &[line().text(&text)],
        vec![vec![Button::action(
            tr(lang, "🔔 Subscribe again", "🔔 重新訂閱"),
            Action::SubscribeMenu,
            lang,
        )]],
    )
}

/// What `/subscribe <arg>` could not place.
#[must_use]
pub fn unknown_topic(arg: &str, lang: Lang) -> Reply {
    let text = match lang {
        Lang::En => format!("I could not find a scheme or category called “{arg}”."),
        _ => lang.script(&format!("找不到名為「{arg}」的計劃或類別。")),
    };
    Reply::from_lines(
        &[line().text(&text)],
        vec![vec![Button::action(
            tr(lang, "🔔 Choose from a list", "🔔 從列表選擇"),
            Action::SubscribeMenu,
            lang,
        )]],
    )
}

/// `/subscriptions`: the list, with a button to drop each.
#[must_use]
pub fn subscriptions_screen(topics: &[Topic], corpus: &Corpus, lang: Lang) -> Reply {
    if topics.is_empty() {
        let lines = [line().text(tr(
            lang,
            "You are not following anything yet.",
            "你暫時沒有訂閱任何計劃。",
        ))];
        return Reply::from_lines(
            &lines,
            vec![vec![Button::action(
                tr(lang, "🔔 Subscribe", "🔔 訂閱"),
                Action::SubscribeMenu,
                lang,
            )]],
        );
    }
    let mut lines = vec![line().bold(tr(lang, "📋 You follow:", "📋 你的訂閱："))];
    let mut buttons = Vec::new();
    for t in topics {
        let label = topic_label(t, corpus, lang);
        lines.push(line().text(format!("• {label}")));
        let short = match t {
            Topic::Scheme(id) => corpus
                .get(id)
                .and_then(|s| s.acronym.clone())
                .unwrap_or_else(|| label.clone()),
            _ => label.clone(),
        };
        buttons.push(vec![Button::action(
            format!("✖ {short}"),
            Action::Unsubscribe(t.clone()),
            lang,
        )]);
    }
    buttons.truncate(90);
    buttons.push(vec![Button::action(
        tr(lang, "✖ Unsubscribe from everything", "✖ 取消所有訂閱"),
        Action::UnsubscribeAll,
        lang,
    )]);
    Reply::from_lines(&lines, buttons)
}
