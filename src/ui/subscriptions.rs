//! Subscriptions: the subscribe menu, the follow / stop-following button under a scheme, the
//! confirmations, and the list of what a chat follows with a button to drop each. The wording
//! is in the catalogues ([`super::i18n`]).

use super::action::Action;
use super::card::{category_label, display_name};
use super::i18n::t;
use super::reply::{Button, Reply, line};
use crate::corpus::{Category, Corpus, Scheme};
use crate::store::Topic;
use crate::text::Lang;

/// The name of a subscription topic.
#[must_use]
pub fn topic_label(topic: &Topic, corpus: &Corpus, lang: Lang) -> String {
    match topic {
        Topic::All => t!(lang, "topic-all"),
        Topic::Category(c) => t!(lang, "topic-category", category = category_label(*c, lang)),
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
        Button::action(t!(lang, "follow-stop"), Action::Unsubscribe(topic), lang)
    } else {
        Button::action(t!(lang, "follow-start"), Action::Subscribe(topic), lang)
    }
}

/// `/subscribe` without an argument: what one can follow.
#[must_use]
pub fn subscribe_menu(lang: Lang) -> Reply {
    let lines = [
        line().bold(t!(lang, "subscribe-menu-title")),
        line().text(t!(lang, "subscribe-menu-text")),
        line().italic(t!(lang, "subscribe-menu-one")),
    ];
    let mut buttons = vec![vec![Button::action(
        t!(lang, "subscribe-menu-all"),
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

/// A one-line screen with one button.
fn one_line(text: String, button: Button) -> Reply {
    Reply::from_lines(&[line().text(text)], vec![vec![button]])
}

fn my_subscriptions_button(lang: Lang) -> Button {
    Button::action(
        t!(lang, "button-my-subscriptions"),
        Action::Subscriptions,
        lang,
    )
}

/// After subscribing (`added`: it is new, else it already existed).
#[must_use]
pub fn subscribed(topic: &Topic, corpus: &Corpus, added: bool, lang: Lang) -> Reply {
    let label = topic_label(topic, corpus, lang);
    let text = match (added, topic) {
        (true, Topic::Scheme(_)) => t!(lang, "subscribed-scheme", topic = label),
        (true, Topic::All | Topic::Category(_)) => t!(lang, "subscribed-many", topic = label),
        (false, _) => t!(lang, "subscribed-already", topic = label),
    };
    one_line(text, my_subscriptions_button(lang))
}

/// The short notice for a button press that subscribed or unsubscribed.
#[must_use]
pub fn toggled(subscribed: bool, changed: bool, lang: Lang) -> String {
    match (subscribed, changed) {
        (true, true) => t!(lang, "toggled-subscribed"),
        (true, false) => t!(lang, "toggled-already"),
        (false, true) => t!(lang, "toggled-unsubscribed"),
        (false, false) => t!(lang, "toggled-not-subscribed"),
    }
}

/// After `/unsubscribe <topic>` (`removed`: it existed).
#[must_use]
pub fn unsubscribed(label: &str, removed: bool, lang: Lang) -> Reply {
    let text = if removed {
        t!(lang, "unsubscribed", topic = label)
    } else {
        t!(lang, "unsubscribed-not-following", topic = label)
    };
    one_line(text, my_subscriptions_button(lang))
}

/// After `/unsubscribe all`.
#[must_use]
pub fn unsubscribed_all(count: usize, lang: Lang) -> Reply {
    one_line(
        t!(lang, "unsubscribed-all", count = count),
        Button::action(
            t!(lang, "button-subscribe-again"),
            Action::SubscribeMenu,
            lang,
        ),
    )
}

/// What `/subscribe <arg>` could not place.
#[must_use]
pub fn unknown_topic(arg: &str, lang: Lang) -> Reply {
    one_line(
        t!(lang, "unknown-topic", arg = arg),
        Button::action(
            t!(lang, "button-choose-from-list"),
            Action::SubscribeMenu,
            lang,
        ),
    )
}

/// `/subscriptions`: the list, with a button to drop each.
#[must_use]
pub fn subscriptions_screen(topics: &[Topic], corpus: &Corpus, lang: Lang) -> Reply {
    if topics.is_empty() {
        return one_line(
            t!(lang, "subscriptions-none"),
            Button::action(t!(lang, "button-subscribe"), Action::SubscribeMenu, lang),
        );
    }
    let mut lines = vec![line().bold(t!(lang, "subscriptions-title"))];
    let mut buttons = Vec::new();
    for topic in topics {
        let label = topic_label(topic, corpus, lang);
        lines.push(line().text(format!("• {label}")));
        let short = match topic {
            Topic::Scheme(id) => corpus
                .get(id)
                .and_then(|s| s.acronym.clone())
                .unwrap_or_else(|| label.clone()),
            _ => label.clone(),
        };
        buttons.push(vec![Button::action(
            format!("✖ {short}"),
            Action::Unsubscribe(topic.clone()),
            lang,
        )]);
    }
    buttons.truncate(90);
    buttons.push(vec![Button::action(
        t!(lang, "button-unsubscribe-all"),
        Action::UnsubscribeAll,
        lang,
    )]);
    Reply::from_lines(&lines, buttons)
}
