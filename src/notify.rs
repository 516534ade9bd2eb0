//! Subscriptions turned into messages: publishing a corpus (diff against the last published
//! snapshot, work out who hears about what, and write the notices to the outbox in the same
//! transaction as the new snapshot), deadline reminders, admin broadcasts, and the pacing the
//! delivery worker sends them at.
//!
//! Everything here is synchronous and free of Telegram: the worker that drains the outbox lives
//! in `bot::delivery` and calls [`Payload::render`]; the pace is `bot::limiter`'s.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::changes::{SchemeChange, Snapshot, diff};
use crate::corpus::Corpus;
use crate::search::fingerprint;
use crate::store::{ChatId, NewMessage, Store, StoreError, Topic};
use crate::text::Lang;
use crate::ui::{self, Reply};

/// What an outbox row asks the worker to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// The changes of one change set that this chat follows.
    Notice { changes: Vec<SchemeChange> },
    /// A scheme's application deadline is near.
    Reminder {
        scheme: String,
        deadline: String,
        days_left: i64,
    },
    /// An administrator's announcement.
    Broadcast { text: String },
}

impl Payload {
    /// The store's kind for this payload.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::Notice { .. } => "notice",
            Payload::Reminder { .. } => "reminder",
            Payload::Broadcast { .. } => "broadcast",
        }
    }

    /// The message for a chat reading `lang`.
    #[must_use]
    pub fn render(&self, corpus: &Corpus, lang: Lang) -> Reply {
        match self {
            Payload::Notice { changes } => ui::notice(changes, corpus, lang),
            Payload::Reminder {
                scheme,
                deadline,
                days_left,
            } => ui::reminder(corpus.get(scheme), scheme, deadline, *days_left, lang),
            Payload::Broadcast { text } => ui::broadcast(text, lang),
        }
    }

    fn json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What a publish did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Published {
    /// Schemes added, removed or changed.
    pub changes: usize,
    /// Notices written to the outbox (one per chat).
    pub notices: usize,
    /// Whether this was the first publish (a baseline: nobody is told).
    pub first: bool,
}

/// Compares `corpus` with the last published snapshot and, when anything changed, records the
/// new snapshot and one notice per subscribed chat in one transaction.
///
/// Several processes may publish at once (replicas reloading the same corpus): the store
/// writes only if the snapshot is still the one compared against, so whoever comes second
/// compares again, finds nothing new, and tells nobody (at most three rounds).
pub fn publish(store: &Store, corpus: &Corpus, now_ms: i64) -> Result<Published, StoreError> {
    let new = Snapshot::of(corpus);
    let print = fingerprint(corpus);
    let snapshot_json = serde_json::to_string(&new).unwrap_or_default();
    let mut outcome = Published::default();
    for _ in 0..3 {
        let previous = store.published()?;
        let base = previous.as_ref().map(|p| p.fingerprint.as_str());
        let old: Option<Snapshot> = match &previous {
            None => None,
            Some(p) => match serde_json::from_str(&p.snapshot) {
                Ok(s) => Some(s),
                Err(e) => {
                    // A snapshot this build cannot read (it should not happen: the format only
                    // grows). Re-baselining tells nobody anything rather than everybody
                    // everything.
                    tracing::warn!(error = %e, "the published snapshot is unreadable; publishing a new baseline");
                    None
                }
            },
        };
        let Some(old) = old else {
            outcome = Published {
                first: true,
                ..Published::default()
            };
            if store
                .publish(base, &print, &snapshot_json, "[]", &[], now_ms)?
                .is_some()
            {
                return Ok(outcome);
            }
            continue;
        };
        let changes = diff(&old, &new);
        if changes.is_empty() {
            return Ok(Published::default());
        }
        let notices = recipients(&changes, &store.active_subscriptions()?);
        let messages: Vec<NewMessage> = notices
            .into_iter()
            .map(|(chat, changes)| NewMessage {
                chat,
                payload: Payload::Notice { changes }.json(),
            })
            .collect();
        let summary = serde_json::to_string(&changes).unwrap_or_default();
        outcome = Published {
            changes: changes.len(),
            notices: messages.len(),
            first: false,
        };
        if store
            .publish(base, &print, &snapshot_json, &summary, &messages, now_ms)?
            .is_some()
        {
            return Ok(outcome);
        }
        tracing::info!("another process published first; comparing again");
    }
    // Three rounds lost to other publishers: theirs stand, and this one told nobody.
    tracing::warn!(
        lost = ?outcome,
        "gave up publishing after three rounds lost to other processes"
    );
    Ok(Published::default())
}

/// Which changes each chat hears about: everything for `all`, a category's schemes (before or
/// after a move) for a category, one scheme for a scheme. A chat that follows a change through
/// several subscriptions hears it once.
#[must_use]
pub fn recipients(
    changes: &[SchemeChange],
    subscriptions: &[(ChatId, Topic)],
) -> BTreeMap<ChatId, Vec<SchemeChange>> {
    let mut by_chat: BTreeMap<ChatId, Vec<usize>> = BTreeMap::new();
    for (chat, topic) in subscriptions {
        for (i, c) in changes.iter().enumerate() {
            let follows = match topic {
                Topic::All => true,
                Topic::Category(cat) => c.categories().contains(&cat.key()),
                Topic::Scheme(id) => c.id() == id,
            };
            if follows {
                let list = by_chat.entry(*chat).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
    }
    by_chat
        .into_iter()
        .map(|(chat, mut idx)| {
            idx.sort_unstable();
            (chat, idx.into_iter().map(|i| changes[i].clone()).collect())
        })
        .collect()
}

/// Queues one reminder per subscriber for every scheme whose deadline is `days_before` days
/// away or less (and not past). A reminder is queued once per scheme, deadline and chat, however
/// often this runs. Returns how many were queued.
pub fn queue_reminders(
    store: &Store,
    corpus: &Corpus,
    today: i64,
    days_before: i64,
    now_ms: i64,
) -> Result<usize, StoreError> {
    let subscriptions = store.active_subscriptions()?;
    let mut queued = 0;
    for s in &corpus.schemes {
        let Some(deadline) = s.deadline.as_deref() else {
            continue;
        };
        let Some(day) = crate::date::parse(deadline) else {
            continue;
        };
        let days_left = day - today;
        if !(0..=days_before).contains(&days_left) {
            continue;
        }
        let mut chats: Vec<ChatId> = subscriptions
            .iter()
            .filter(|(_, t)| match t {
                Topic::All => true,
                Topic::Category(c) => *c == s.category,
                Topic::Scheme(id) => *id == s.id,
            })
            .map(|(chat, _)| *chat)
            .collect();
        chats.sort_unstable();
        chats.dedup();
        let payload = Payload::Reminder {
            scheme: s.id.clone(),
            deadline: deadline.to_owned(),
            days_left,
        }
        .json();
        let messages: Vec<NewMessage> = chats
            .into_iter()
            .map(|chat| NewMessage {
                chat,
                payload: payload.clone(),
            })
            .collect();
        queued += store.enqueue(
            "reminder",
            &format!("deadline:{}:{deadline}", s.id),
            &messages,
            now_ms,
        )?;
    }
    Ok(queued)
}

/// Queues an announcement to every active subscriber. Returns how many were queued.
pub fn queue_broadcast(
    store: &Store,
    id: i64,
    text: &str,
    now_ms: i64,
) -> Result<usize, StoreError> {
    let payload = Payload::Broadcast {
        text: text.to_owned(),
    }
    .json();
    let messages: Vec<NewMessage> = store
        .active_subscriber_chats()?
        .into_iter()
        .map(|chat| NewMessage {
            chat,
            payload: payload.clone(),
        })
        .collect();
    store.enqueue("broadcast", &format!("bc:{id}"), &messages, now_ms)
}

/// Sending limits (Telegram's: about 30 messages a second overall, one a second per chat),
/// applied to replies and notices alike by the bot's limiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    /// Messages a second overall.
    pub per_second: u32,
    /// The pace of messages to one private chat (after a small burst).
    pub per_chat_interval: Duration,
    /// How many messages may be on their way at once (each may be re-sent after a crash).
    pub in_flight: usize,
}

impl Default for Rates {
    fn default() -> Rates {
        Rates {
            per_second: 30,
            per_chat_interval: Duration::from_secs(1),
            in_flight: 1,
        }
    }
}

/// The wait before attempt `attempts + 1` after a transient failure: 1 s doubling to 5 minutes.
#[must_use]
pub fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(1u64 << attempts.min(8)).min(Duration::from_secs(300))
}

/// After this many failed attempts a message is given up.
pub const MAX_ATTEMPTS: u32 = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::Bilingual;
    use crate::corpus::Category;

    fn changed(id: &str, category: &str) -> SchemeChange {
        SchemeChange::Changed {
            id: id.to_owned(),
            name: Bilingual::default(),
            categories: vec![category.to_owned()],
            fields: vec![],
        }
    }

    #[test]
    fn a_chat_hears_each_change_once_whatever_it_follows() {
        let changes = vec![changed("nias", "industry"), changed("tvp", "funding")];
        let subs = vec![
            (1, Topic::All),
            (1, Topic::Scheme("nias".into())),
            (1, Topic::Category(Category::Industry)),
            (2, Topic::Category(Category::Funding)),
            (3, Topic::Scheme("techtas".into())),
        ];
        let r = recipients(&changes, &subs);
        assert_eq!(r[&1].len(), 2);
        assert_eq!(r[&2], vec![changed("tvp", "funding")]);
        assert!(!r.contains_key(&3));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(30), Duration::from_secs(256));
    }
}
