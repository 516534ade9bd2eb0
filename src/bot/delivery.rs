//! The delivery worker: drains the outbox one message at a time, at the pace [`Pacer`] allows
//! (by default at most 30 a second overall and one a second per chat).
//!
//! Delivery guarantee: a message is marked sent only after Telegram accepted it, and the worker
//! has at most `--notify-in-flight` messages in flight (one by default), so after a crash (even
//! `kill -9`) a restart resends at most those: nobody misses a notice, and with the default at
//! most one chat can get it twice. More in flight keeps the rate up over a slow link (one
//! message per round trip is the ceiling with one in flight). It talks to
//! the plain `Bot`, not the throttled one, because it paces itself and needs to see a 429 to
//! honour its `retry_after`.
//!
//! Outcomes: accepted → sent; 429 → the message waits `retry_after` and so does all sending;
//! blocked, deactivated, kicked or chat not found → the chat is deactivated (its pending rows
//! dropped, never tried again until it comes back); network errors and server errors → retried
//! with backoff, given up after [`MAX_ATTEMPTS`]; HTML Telegram rejects → resent as plain text;
//! any other refusal → given up and logged.

use std::sync::Arc;

use std::time::{Duration, Instant};
use tokio::task::JoinSet;

use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::Requester;
use teloxide::types::{ChatId, ParseMode};
use teloxide::{ApiError, Bot, RequestError};

use super::{State, handlers, now_ms};
use crate::notify::{MAX_ATTEMPTS, Pacer, Payload, Rates, backoff};
use crate::render::Reply;
use crate::store::OutboxItem;
use crate::text::Lang;

/// How many due rows are read at a time.
const BATCH: usize = 64;

/// How long the worker sleeps when nothing is due and nobody wakes it (it also wakes for rows
/// another process, `schemebot publish`, wrote).
const IDLE_POLL: Duration = Duration::from_secs(5);

/// What became of one delivery attempt.
#[derive(Debug)]
enum Outcome {
    Sent,
    RetryAfter(Duration),
    Gone(String),
    Transient(String),
    Refused(String),
}

/// Runs until `stop` turns true. At most `rates.in_flight` messages are being sent at once; on
/// a stop, those finish and are recorded before the worker returns.
pub(crate) async fn run(
    bot: Bot,
    state: Arc<State>,
    rates: Rates,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut pacer = Pacer::new(rates);
    let epoch = Instant::now();
    let window = rates.in_flight.max(1);
    let mut sending: JoinSet<(OutboxItem, Outcome)> = JoinSet::new();
    tracing::info!(
        per_second = rates.per_second,
        in_flight = window,
        "delivery worker started"
    );
    'outer: loop {
        if *stop.borrow() {
            break;
        }
        let due = match state.store.due(now_ms(), BATCH) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "reading the outbox failed");
                Vec::new()
            }
        };
        if due.is_empty() {
            let next = state.store.next_due_at().ok().flatten();
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
            // Re-check: the chat may have blocked the bot since the batch was read.
            if !state.store.is_active(item.chat).unwrap_or(true) {
                continue;
            }
            while sending.len() >= window {
                finish_one(&mut sending, &state, &mut pacer, epoch).await;
            }
            loop {
                let wait = pacer.wait(item.chat, epoch.elapsed());
                if wait.is_zero() {
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => {}
                }
                if *stop.borrow() {
                    break 'outer;
                }
            }
            pacer.sent(item.chat, epoch.elapsed());
            let (bot, st) = (bot.clone(), Arc::clone(&state));
            sending.spawn(async move {
                let outcome = deliver(&bot, &st, &item).await;
                (item, outcome)
            });
            if *stop.borrow() {
                break 'outer;
            }
        }
        // The next batch is read only when this one is settled, so no row is sent twice.
        while !sending.is_empty() {
            finish_one(&mut sending, &state, &mut pacer, epoch).await;
        }
    }
    while !sending.is_empty() {
        finish_one(&mut sending, &state, &mut pacer, epoch).await;
    }
    tracing::info!("delivery worker stopped");
}

/// Waits for one send in flight to finish and records its outcome.
async fn finish_one(
    sending: &mut JoinSet<(OutboxItem, Outcome)>,
    state: &State,
    pacer: &mut Pacer,
    epoch: Instant,
) {
    match sending.join_next().await {
        Some(Ok((item, outcome))) => record(state, &item, outcome, pacer, epoch.elapsed()),
        // A panic in a send task: the row stays pending and is tried again later.
        Some(Err(e)) => tracing::error!(error = %e, "a delivery task failed"),
        None => {}
    }
}

async fn deliver(bot: &Bot, state: &State, item: &OutboxItem) -> Outcome {
    let payload: Payload = match serde_json::from_str(&item.payload) {
        Ok(p) => p,
        Err(e) => return Outcome::Refused(format!("unreadable payload: {e}")),
    };
    let lang = state
        .store
        .notice_lang(item.chat)
        .ok()
        .flatten()
        .unwrap_or(Lang::En);
    let engine = state.engine();
    let reply = payload.render(engine.corpus(), lang);
    let reply = Reply {
        buttons: super::texts::localise(reply.buttons, lang),
        ..reply
    };
    send(bot, ChatId(item.chat), &reply).await
}

/// Sends every part of a reply; stops at the first failure.
async fn send(bot: &Bot, chat: ChatId, reply: &Reply) -> Outcome {
    let kb = handlers::keyboard(&reply.buttons);
    let n = reply.html.len();
    for (i, part) in reply.html.iter().enumerate() {
        let mut request = bot
            .send_message(chat, part)
            .parse_mode(ParseMode::Html)
            .link_preview_options(handlers::no_preview());
        if i + 1 == n
            && let Some(kb) = &kb
        {
            request = request.reply_markup(kb.clone());
        }
        let result = match request.await {
            Err(RequestError::Api(ApiError::CantParseEntities(e))) => {
                tracing::warn!(chat_id = chat.0, error = %e, "Telegram rejected the HTML; sending plain text");
                let mut request = bot
                    .send_message(chat, &reply.plain)
                    .link_preview_options(handlers::no_preview());
                if let Some(kb) = &kb {
                    request = request.reply_markup(kb.clone());
                }
                return classify(request.await.map(|_| ()));
            }
            other => other.map(|_| ()),
        };
        if let Err(e) = result {
            return classify(Err(e));
        }
    }
    Outcome::Sent
}

fn classify(result: Result<(), RequestError>) -> Outcome {
    if let Err(e) = &result {
        crate::metrics::global().api_error(handlers::error_kind_of(e));
    }
    match result {
        Ok(()) => Outcome::Sent,
        Err(RequestError::RetryAfter(s)) => Outcome::RetryAfter(s.duration()),
        Err(RequestError::Api(
            e @ (ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::ChatNotFound
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::NotEnoughRightsToPostMessages),
        )) => Outcome::Gone(e.to_string()),
        Err(
            e @ (RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. }),
        ) => Outcome::Transient(e.to_string()),
        Err(RequestError::Api(ApiError::Unknown(d)))
            if d.contains("Internal Server Error") || d.contains("Bad Gateway") =>
        {
            Outcome::Transient(d)
        }
        Err(e) => Outcome::Refused(e.to_string()),
    }
}

fn record(state: &State, item: &OutboxItem, outcome: Outcome, pacer: &mut Pacer, now: Duration) {
    let store = &state.store;
    crate::metrics::global().notice(match &outcome {
        Outcome::Sent => "delivered",
        Outcome::RetryAfter(_) => "retried",
        Outcome::Gone(_) => "dropped",
        Outcome::Transient(_) if item.attempts + 1 < MAX_ATTEMPTS => "retried",
        Outcome::Transient(_) | Outcome::Refused(_) => "failed",
    });
    let result = match &outcome {
        Outcome::Sent => {
            tracing::debug!(chat_id = item.chat, id = item.id, kind = %item.kind, "delivered");
            store.mark_sent(item.id, now_ms())
        }
        Outcome::RetryAfter(d) => {
            tracing::warn!(
                chat_id = item.chat,
                retry_after_s = d.as_secs(),
                "Telegram asked to slow down"
            );
            pacer.pause(now + *d);
            store.mark_retry(
                item.id,
                now_ms() + i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
                "429 retry after",
            )
        }
        Outcome::Gone(why) => {
            tracing::info!(chat_id = item.chat, reason = %why, "the chat is gone; deactivating it");
            store.set_active(item.chat, false).map(|_| ())
        }
        Outcome::Transient(why) if item.attempts + 1 < MAX_ATTEMPTS => {
            let wait = backoff(item.attempts);
            tracing::warn!(chat_id = item.chat, error = %why, retry_in_s = wait.as_secs(), "delivery failed; will retry");
            store.mark_retry(
                item.id,
                now_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX),
                why,
            )
        }
        Outcome::Transient(why) | Outcome::Refused(why) => {
            tracing::error!(chat_id = item.chat, id = item.id, error = %why, "delivery failed; giving up");
            store.mark_failed(item.id, why)
        }
    };
    if let Err(e) = result {
        tracing::error!(chat_id = item.chat, id = item.id, error = %e, "recording a delivery failed");
    }
}
