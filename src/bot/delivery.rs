//! The delivery worker: drains the outbox (notices, reminders, broadcasts) through the one send
//! path ([`super::send::Telegram`]) and its shared limiter, at most `--notify-in-flight`
//! messages at a time.
//!
//! With a shared PostgreSQL database, only the replica that holds the delivery lock
//! ([`crate::store::Store::lead_delivery`]) runs this loop's sends; the others ask every
//! [`LEADER_POLL`] and take over when the leader dies, starting their limiter from the sends the
//! old leader logged in its last second.
//!
//! Delivery guarantee: an attempt is counted in the store *before* the message is sent, and a
//! message is marked sent only after Telegram accepted it. So after a crash (even `kill -9`) a
//! restart resends at most the messages that were in flight (one by default); and when the
//! outcome of a send cannot be recorded (disk full, database gone) the worker stops and
//! `/healthz` reports it, instead of sending the same notice again and again. Each accepted
//! part of a multi-part message is recorded too, so a retry resumes from the part that failed.
//!
//! Outcomes: accepted → sent; 429 → the row waits `retry_after` and so does all sending;
//! migrated → the chat's rows move to the new id and are sent there at once; gone (403) → the
//! chat is deactivated (its pending rows dropped, never tried again until it comes back);
//! transient (5xx, network) → retried with backoff, given up after [`MAX_ATTEMPTS`] attempts;
//! any other refusal → given up and logged.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::limiter::Priority;
use super::send::{Failure, Target, Telegram};
use super::{State, now_ms};
use crate::notify::{MAX_ATTEMPTS, Payload, Rates, backoff};
use crate::store::OutboxItem;
use crate::text::Lang;

/// How many due rows are read at a time.
const BATCH: usize = 64;

/// How long the worker sleeps when nothing is due and nobody wakes it (it also wakes for rows
/// another process, `schemebot publish`, wrote).
const IDLE_POLL: Duration = Duration::from_secs(5);

/// How often a replica that does not deliver asks whether it may (the leader died).
const LEADER_POLL: Duration = Duration::from_secs(1);

/// What became of one delivery attempt.
#[derive(Debug)]
enum Outcome {
    Sent,
    Failed(Failure),
    /// The attempt could not be counted or a part could not be recorded: stop.
    Unrecorded(String),
}

/// Runs until `stop` turns true, or until the store cannot record what was sent (then the
/// state is marked unhealthy). On a stop, the sends in flight finish and are recorded first.
pub(crate) async fn run(
    tg: Arc<Telegram>,
    state: Arc<State>,
    rates: Rates,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let window = rates.in_flight.max(1);
    let mut sending: JoinSet<(OutboxItem, Outcome)> = JoinSet::new();
    tracing::info!(
        per_second = rates.per_second,
        in_flight = window,
        "delivery worker started"
    );
    let mut leading = false;
    'outer: loop {
        if *stop.borrow() {
            break;
        }
        // With a shared database only one replica delivers; the others wait their turn.
        match state.db(|s| s.lead_delivery()).await {
            Ok(true) if !leading => {
                leading = true;
                // The sends of the last second, by this process or the leader before it, count
                // against the budget.
                super::seed_limiter(tg.limiter(), &state.store).await;
            }
            Ok(true) => {}
            Ok(false) | Err(_) => {
                if leading {
                    tracing::warn!("lost the delivery lock; another replica delivers now");
                }
                leading = false;
                tokio::select! {
                    () = tokio::time::sleep(LEADER_POLL) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
        }
        let due = match state.db(|s| s.due(now_ms(), BATCH)).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "reading the outbox failed");
                Vec::new()
            }
        };
        if due.is_empty() {
            let next = state.db(|s| s.next_due_at()).await.ok().flatten();
            let wait = next.map_or(IDLE_POLL, |at| {
                Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)).min(IDLE_POLL)
            });
            tokio::select! {
                () = state.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        for item in due {
            while sending.len() >= window {
                if !finish_one(&mut sending, &state, &tg).await {
                    break 'outer;
                }
            }
            if *stop.borrow() {
                break 'outer;
            }
            let (tg, st) = (Arc::clone(&tg), Arc::clone(&state));
            sending.spawn(async move {
                let outcome = deliver(&tg, &st, &item).await;
                (item, outcome)
            });
        }
        // The next batch is read only when this one is settled, so no row is sent twice.
        while !sending.is_empty() {
            if !finish_one(&mut sending, &state, &tg).await {
                break 'outer;
            }
        }
    }
    while !sending.is_empty() {
        finish_one(&mut sending, &state, &tg).await;
    }
    tracing::info!("delivery worker stopped");
}

/// Waits for one send in flight to finish and records its outcome; `false` when it could not
/// be recorded (the worker must stop).
async fn finish_one(
    sending: &mut JoinSet<(OutboxItem, Outcome)>,
    state: &Arc<State>,
    tg: &Telegram,
) -> bool {
    match sending.join_next().await {
        Some(Ok((item, outcome))) => record(state, tg, &item, outcome).await,
        // A panic in a send task: the row stays pending (its attempt counted) and is tried
        // again later.
        Some(Err(e)) => {
            tracing::error!(error = %e, "a delivery task failed");
            true
        }
        None => true,
    }
}

async fn deliver(tg: &Telegram, state: &Arc<State>, item: &OutboxItem) -> Outcome {
    let id = item.id;
    // Counted before sending: if this cannot be written, nothing is sent.
    if let Err(e) = state.db(move |s| s.begin_attempt(id)).await {
        return Outcome::Unrecorded(format!("counting the attempt: {e}"));
    }
    let payload: Payload = match serde_json::from_str(&item.payload) {
        Ok(p) => p,
        Err(e) => {
            return Outcome::Failed(Failure::Refused {
                code: 0,
                description: format!("unreadable payload: {e}"),
            });
        }
    };
    let chat = item.chat;
    let (lang, thread) = state
        .db(move |s| Ok((s.notice_lang(chat)?, s.thread(chat)?)))
        .await
        .unwrap_or((None, None));
    let lang = lang.unwrap_or(Lang::En);
    let engine = state.engine();
    let reply = payload.render(engine.corpus(), lang);
    let target = Target {
        chat,
        thread,
        reply_to: None,
    };
    let mut accepted = Vec::new();
    let sent = tg
        .parts(target, &reply, item.parts_sent, Priority::Notice, |i| {
            accepted.push(i + 1);
        })
        .await;
    if let Some(&parts) = accepted.last()
        && let Err(e) = state.db(move |s| s.mark_parts_sent(id, parts)).await
    {
        return Outcome::Unrecorded(format!("recording the parts sent: {e}"));
    }
    match sent {
        Ok(()) => Outcome::Sent,
        Err((_, failure)) => Outcome::Failed(failure),
    }
}

/// Records an outcome; `false` when the store refused (the worker stops and reports unhealthy
/// rather than send the row again).
async fn record(state: &Arc<State>, tg: &Telegram, item: &OutboxItem, outcome: Outcome) -> bool {
    // `attempts` in the item was read before this attempt was counted.
    let attempts = item.attempts + 1;
    crate::metrics::global().notice(match &outcome {
        Outcome::Sent => "delivered",
        Outcome::Failed(Failure::RetryAfter(_) | Failure::Migrated(_)) => "retried",
        Outcome::Failed(Failure::Gone(_)) => "dropped",
        Outcome::Failed(Failure::Transient(_)) if attempts < MAX_ATTEMPTS => "retried",
        Outcome::Failed(_) | Outcome::Unrecorded(_) => "failed",
    });
    let (id, chat) = (item.id, item.chat);
    let result = match outcome {
        Outcome::Sent => {
            tracing::debug!(chat_id = chat, id, kind = %item.kind, "delivered");
            state.db(move |s| s.mark_sent(id, now_ms())).await
        }
        Outcome::Unrecorded(why) => Err(anyhow::anyhow!(why)),
        Outcome::Failed(Failure::RetryAfter(d)) => {
            tracing::warn!(
                chat_id = chat,
                retry_after_s = d.as_secs(),
                "Telegram asked to slow down"
            );
            tg.limiter().pause(d);
            let at = now_ms() + i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
            state
                .db(move |s| s.mark_retry(id, at, "429 retry after"))
                .await
        }
        Outcome::Failed(Failure::Migrated(to)) => {
            // The chat's rows (this one included) move to the new id and are due at once.
            tg.migrate(chat, to).await;
            state
                .db(move |s| s.mark_retry(id, now_ms(), "the chat migrated"))
                .await
        }
        Outcome::Failed(Failure::Gone(why)) => {
            tracing::info!(chat_id = chat, reason = %why, "the chat is gone; deactivating it");
            state
                .db(move |s| s.set_active(chat, false).map(|_| ()))
                .await
        }
        Outcome::Failed(Failure::Transient(why)) if attempts < MAX_ATTEMPTS => {
            let wait = backoff(attempts - 1);
            tracing::warn!(chat_id = chat, error = %why, retry_in_s = wait.as_secs(), "delivery failed; will retry");
            let at = now_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
            state.db(move |s| s.mark_retry(id, at, &why)).await
        }
        Outcome::Failed(failure) => {
            tracing::error!(chat_id = chat, id, error = %failure, "delivery failed; giving up");
            let why = failure.to_string();
            state.db(move |s| s.mark_failed(id, &why)).await
        }
    };
    match result {
        Ok(()) => true,
        Err(e) => {
            let why = format!("the delivery worker stopped: recording a delivery failed: {e:#}");
            // Unhealthy before the log line: whoever reads the line finds /healthz saying why.
            state.set_unhealthy(why.clone());
            tracing::error!(chat_id = chat, id, error = %why, "cannot record deliveries; stopping the worker so nothing is sent twice");
            false
        }
    }
}
