//! What an update makes happen, as values, and the one executor that makes it happen.
//!
//! The handlers decide: from an update and what they read (the engine, the store's reads),
//! they return a `Vec<Effect>` (a reply, an edit, the answer to a button or an inline query, a
//! store change, a reload) and send nothing. [`perform`] acts: it runs the effects in order,
//! replies and edits through the one send path (`send::Telegram`), button and inline answers
//! through teloxide's `Bot`, and store changes on the blocking pool (`State::write`: the file
//! checked first, a failure logged and reported by `/healthz`; saving a conversation's turn and
//! recording a membership change are best effort, logged only, as they always were). So a
//! decision is tested in process, against an in-memory store, and the IO is written once.
//!
//! A store change says what follows when it fails or what follows from its result ([`Then`]):
//! "subscribed" is only said once the subscription is saved, and a failed write is told to the
//! user instead of the effects that would have followed it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use teloxide::payloads::{AnswerCallbackQuerySetters, AnswerInlineQuerySetters};
use teloxide::types::{CallbackQueryId, InlineQueryId, InlineQueryResult};

use crate::answer::{CONTEXT_TTL_SECONDS, Context};
use crate::metrics;
use crate::store::{GapOutcome, NewGap, Store, StoreError, Topic, Turn};
use crate::text::Lang;
use crate::ui::Reply;

use super::send::Target;
use super::{Api, Reloaded, State};

/// Something an update makes happen.
pub(crate) enum Effect {
    /// Sends `reply` as a new message.
    Reply {
        /// Where it goes: the chat, its forum topic, the message it answers.
        to: Target,
        reply: Reply,
    },
    /// Replaces the text and buttons of message `message` (the one a button sits under) with
    /// `screen`.
    Edit {
        /// The message's chat and forum topic (where further parts and a fallback go).
        to: Target,
        message: i32,
        screen: Reply,
    },
    /// Answers a button press, so the client stops its spinner, with an optional toast.
    AnswerCallback {
        id: CallbackQueryId,
        notice: Option<String>,
    },
    /// Answers an inline query (cached 60 s; `personal` when it depends on the user's choice
    /// of language).
    AnswerInline {
        id: InlineQueryId,
        results: Vec<InlineQueryResult>,
        personal: bool,
    },
    /// Changes the store, then goes on as `then` says.
    Store { change: Change, then: Then },
    /// Loads the corpus again (`/reload`); what follows depends on what the reload did.
    Reload {
        then: Box<dyn FnOnce(Reloaded) -> Vec<Effect> + Send>,
    },
    /// Wakes the delivery worker: the outbox has new rows, or a chat can be written to again.
    WakeDelivery,
}

/// A change to the store.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Change {
    /// Forgets the chat's conversation (`/start`).
    ClearContext { chat: i64 },
    /// Subscribes the chat, remembering the language and forum topic for its notices.
    Subscribe {
        chat: i64,
        topic: Topic,
        lang: Lang,
        thread: Option<i32>,
    },
    /// Unsubscribes the chat from one topic.
    Unsubscribe { chat: i64, topic: Topic },
    /// Unsubscribes the chat from everything.
    UnsubscribeAll { chat: i64 },
    /// Records the chat's `/lang` choice (`None`: automatic).
    SetLang { chat: i64, lang: Option<Lang> },
    /// Saves a question's turn: the context, its gaps-log entry, the comment on a 👎. Best
    /// effort: a failure is logged, not reported by `/healthz`, since the reply already went
    /// and only a follow-up's context is at stake.
    SaveTurn(TurnToSave),
    /// A 👎 on an answer about `scheme`: the last question goes to the gaps log, and the chat
    /// is asked what it was looking for.
    Downvote { chat: i64, scheme: String, now: i64 },
    /// Clears the chat's "what were you looking for?" prompt.
    SkipFeedback { chat: i64, now: i64 },
    /// Saves an admin's broadcast draft, to be confirmed.
    CreateBroadcast { admin: i64, text: String, now: i64 },
    /// Takes a confirmed broadcast and queues it for every subscribed chat.
    QueueBroadcast { id: i64, admin: i64, now: i64 },
    /// Takes (drops) a broadcast draft.
    CancelBroadcast { id: i64, admin: i64 },
    /// Whether the bot can write to the chat (its membership changed). Logged, not reported
    /// by `/healthz`.
    SetActive { chat: i64, active: bool },
    /// A group became a supergroup: its settings, subscriptions and notices move.
    Migrate { from: i64, to: i64 },
}

/// What a question leaves to save once its answer is sent.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TurnToSave {
    pub chat: i64,
    pub question: String,
    /// The chat's context now.
    pub context: Option<Context>,
    /// The gaps-log entry, with the ids of the schemes suggested.
    pub gap: Option<(GapOutcome, Vec<String>)>,
    /// The gaps row of an earlier 👎 this question comments on.
    pub comment_on: Option<i64>,
    pub now: i64,
}

/// What a store change returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Written {
    /// Done; nothing to report.
    Done,
    /// A subscription was added (`false`: it was there already).
    Added(bool),
    /// A subscription was removed (`false`: there was none).
    Removed(bool),
    /// This many subscriptions were removed.
    RemovedAll(usize),
    /// A broadcast draft was saved as `id`; it would reach `recipients` chats.
    Drafted { id: i64, recipients: usize },
    /// A broadcast was queued for this many chats (`None`: no such draft of this admin).
    Queued(Option<usize>),
    /// Whether the chat's state changed.
    Changed(bool),
}

/// What follows a store change.
pub(crate) enum Then {
    /// The next effects, whether or not the change was made (a failure is logged).
    Continue,
    /// When the change was not made, these effects instead of the ones that follow.
    OrElse(Vec<Effect>),
    /// Effects that depend on what the change returned (`None`: it was not made), run before
    /// the ones that follow.
    With(Box<dyn FnOnce(Option<Written>) -> Vec<Effect> + Send>),
}

impl Then {
    /// Puts what follows a change that returned `written` in front of `rest`.
    pub(crate) fn resolve(self, written: Option<Written>, rest: &mut VecDeque<Effect>) {
        match self {
            Then::Continue => {}
            Then::OrElse(instead) => {
                if written.is_none() {
                    *rest = instead.into();
                }
            }
            Then::With(next) => {
                for effect in next(written).into_iter().rev() {
                    rest.push_front(effect);
                }
            }
        }
    }
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Reply { to, reply } => f
                .debug_struct("Reply")
                .field("to", to)
                .field("text", &reply.plain)
                .finish(),
            Effect::Edit {
                to,
                message,
                screen,
            } => f
                .debug_struct("Edit")
                .field("to", to)
                .field("message", message)
                .field("text", &screen.plain)
                .finish(),
            Effect::AnswerCallback { id, notice } => f
                .debug_struct("AnswerCallback")
                .field("id", id)
                .field("notice", notice)
                .finish(),
            Effect::AnswerInline {
                id,
                results,
                personal,
            } => f
                .debug_struct("AnswerInline")
                .field("id", id)
                .field("results", &results.len())
                .field("personal", personal)
                .finish(),
            Effect::Store { change, then } => f
                .debug_struct("Store")
                .field("change", change)
                .field("then", then)
                .finish(),
            Effect::Reload { .. } => f.write_str("Reload"),
            Effect::WakeDelivery => f.write_str("WakeDelivery"),
        }
    }
}

impl std::fmt::Debug for Then {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Then::Continue => f.write_str("Continue"),
            Then::OrElse(instead) => f.debug_tuple("OrElse").field(instead).finish(),
            Then::With(_) => f.write_str("With(..)"),
        }
    }
}

impl Change {
    /// What the change is, for the log and `/healthz` when it fails.
    fn what(&self) -> &'static str {
        match self {
            Change::ClearContext { .. } => "forgetting the conversation",
            Change::Subscribe { .. } => "subscribing",
            Change::Unsubscribe { .. } | Change::UnsubscribeAll { .. } => "unsubscribing",
            Change::SetLang { .. } => "saving the language choice",
            Change::SaveTurn(_) => "saving the conversation",
            Change::Downvote { .. } => "saving feedback",
            Change::SkipFeedback { .. } => "clearing the feedback prompt",
            Change::CreateBroadcast { .. } => "saving a broadcast",
            Change::QueueBroadcast { .. } => "queueing a broadcast",
            Change::CancelBroadcast { .. } => "cancelling a broadcast",
            Change::SetActive { .. } => "recording a membership change",
            Change::Migrate { .. } => "moving a migrated chat",
        }
    }

    /// Makes the change (blocking: run it off the runtime). The one definition of what each
    /// change does to the store, for the executor and for the decisions' tests.
    pub(crate) fn apply(self, s: &Store) -> Result<Written, StoreError> {
        match self {
            Change::ClearContext { chat } => s.clear_context(chat).map(|()| Written::Done),
            Change::Subscribe {
                chat,
                topic,
                lang,
                thread,
            } => {
                let added = s.subscribe_from(chat, &topic, lang, thread)?;
                tracing::info!(chat_id = chat, topic = %topic.key(), added, thread, "subscribed");
                Ok(Written::Added(added))
            }
            Change::Unsubscribe { chat, topic } => {
                s.unsubscribe(chat, &topic).map(Written::Removed)
            }
            Change::UnsubscribeAll { chat } => s.unsubscribe_all(chat).map(Written::RemovedAll),
            Change::SetLang { chat, lang } => {
                s.set_lang(chat, lang)?;
                tracing::info!(
                    chat_id = chat,
                    lang = lang.map_or("auto", Lang::code),
                    "language chosen"
                );
                Ok(Written::Done)
            }
            Change::SaveTurn(turn) => {
                let normalised = crate::text::name_key(&turn.question);
                let gap = turn.gap.map(|(outcome, schemes)| NewGap {
                    question: &turn.question,
                    normalised: &normalised,
                    outcome,
                    schemes,
                });
                s.save_turn(&Turn {
                    chat: turn.chat,
                    question: &turn.question,
                    context: turn.context.as_ref(),
                    gap,
                    comment_on: turn.comment_on,
                    now_ms: turn.now,
                    ttl_ms: CONTEXT_TTL_SECONDS * 1000,
                })
                .map(|()| Written::Done)
            }
            Change::Downvote { chat, scheme, now } => {
                let ttl = CONTEXT_TTL_SECONDS * 1000;
                let question = s.conversation(chat, now, ttl)?.question.unwrap_or_default();
                let normalised = crate::text::name_key(&question);
                let gap = NewGap {
                    question: &question,
                    normalised: &normalised,
                    outcome: GapOutcome::Down,
                    schemes: vec![scheme],
                };
                let row = s.add_gap(&gap, now)?;
                s.await_feedback(chat, Some(row), now)
                    .map(|()| Written::Done)
            }
            Change::SkipFeedback { chat, now } => {
                s.await_feedback(chat, None, now).map(|()| Written::Done)
            }
            Change::CreateBroadcast { admin, text, now } => {
                let recipients = s.active_subscriber_chats()?.len();
                let id = s.create_broadcast(admin, &text, now)?;
                Ok(Written::Drafted { id, recipients })
            }
            Change::QueueBroadcast { id, admin, now } => {
                let queued = match s.take_broadcast(id, admin)? {
                    Some(text) => Some(crate::notify::queue_broadcast(s, id, &text, now)?),
                    None => None,
                };
                if let Some(n) = queued {
                    tracing::info!(broadcast = id, chats = n, "broadcast queued");
                }
                Ok(Written::Queued(queued))
            }
            Change::CancelBroadcast { id, admin } => {
                s.take_broadcast(id, admin).map(|_| Written::Done)
            }
            Change::SetActive { chat, active } => s.set_active(chat, active).map(Written::Changed),
            Change::Migrate { from, to } => s.migrate_chat(from, to).map(|()| Written::Done),
        }
    }
}

/// Performs `effects` in order. `started`: when the effects answer a message, the time it
/// began to be handled; each reply then records the reply latency.
pub(crate) async fn perform<R: Api>(
    state: &Arc<State>,
    bot: &R,
    effects: Vec<Effect>,
    started: Option<Instant>,
) {
    let mut queue: VecDeque<Effect> = effects.into();
    while let Some(effect) = queue.pop_front() {
        match effect {
            Effect::Reply { to, reply } => {
                state.tg.reply(to, &reply).await;
                if let Some(started) = started {
                    metrics::global().reply_latency(started.elapsed().as_secs_f64());
                    tracing::debug!(
                        chat_id = to.chat,
                        latency_ms = started.elapsed().as_millis(),
                        "replied"
                    );
                }
            }
            Effect::Edit {
                to,
                message,
                screen,
            } => state.tg.edit(to, message, &screen).await,
            Effect::AnswerCallback { id, notice } => {
                let mut request = bot.answer_callback_query(id);
                if let Some(text) = notice {
                    request = request.text(text);
                }
                if let Err(e) = request.await {
                    tracing::warn!(error = %e, "answering a callback query failed");
                }
            }
            Effect::AnswerInline {
                id,
                results,
                personal,
            } => {
                let request = bot
                    .answer_inline_query(id, results)
                    .cache_time(60)
                    .is_personal(personal);
                if let Err(e) = request.await {
                    tracing::warn!(error = %e, "answering an inline query failed");
                }
            }
            Effect::Store { change, then } => {
                let written = write(state, change).await;
                then.resolve(written, &mut queue);
            }
            Effect::Reload { then } => {
                let reloaded = super::reload(state).await;
                for effect in then(reloaded).into_iter().rev() {
                    queue.push_front(effect);
                }
            }
            Effect::WakeDelivery => state.wake.notify_one(),
        }
    }
}

/// Makes a store change off the runtime; `None` when it was not made (logged).
async fn write(state: &Arc<State>, change: Change) -> Option<Written> {
    match change {
        // Best effort (see `Store::save_turn`).
        Change::SaveTurn(turn) => {
            let chat = turn.chat;
            let saved = state
                .db(move |s| {
                    s.check_file()?;
                    Change::SaveTurn(turn).apply(s)
                })
                .await;
            match saved {
                Ok(written) => Some(written),
                Err(e) => {
                    tracing::warn!(chat_id = chat, error = %e, "the conversation was not saved");
                    None
                }
            }
        }
        // Telegram told us; a failure is logged (the delivery worker finds out on its own).
        Change::SetActive { chat, active } => {
            let store = Arc::clone(&state.store);
            let changed = tokio::task::spawn_blocking(move || {
                Change::SetActive { chat, active }.apply(&store)
            })
            .await;
            match changed {
                Ok(Ok(written)) => {
                    let changed = written == Written::Changed(true);
                    tracing::info!(
                        chat_id = chat,
                        active,
                        changed,
                        "the bot's membership changed"
                    );
                    Some(written)
                }
                Ok(Err(e)) => {
                    tracing::error!(chat_id = chat, error = %e, "recording a membership change failed");
                    None
                }
                Err(e) => {
                    tracing::error!(chat_id = chat, error = %e, "recording a membership change failed");
                    None
                }
            }
        }
        // The send path moves a chat the same way when a send finds it migrated.
        Change::Migrate { from, to } => {
            state.tg.migrate(from, to).await;
            Some(Written::Done)
        }
        change => state.write(change.what(), move |s| change.apply(s)).await,
    }
}
