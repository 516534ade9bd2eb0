//! The endpoints: messages, callback queries and inline queries. Replies and edits go through
//! the one send path (`send::Telegram`), in the chat and forum topic they answer.
//!
//! Each endpoint runs its work in its own task, so a bug (a panic) in one update is logged and
//! answered with a short apology instead of taking the dispatcher down. Searching runs on the
//! blocking pool. Endpoints only extract, decide and send: answers come from
//! [`crate::answer::answer`] and [`crate::ui`], screens from `texts`.
//!
//! Reply language: for a question, the chat's `/lang` choice, else the question's script; for a
//! command without text, the chat's choice, else the user's Telegram `language_code`; for a
//! button, the chat's choice, else the language of the message the button sits under (carried
//! in the callback data), else `language_code`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use teloxide::payloads::{AnswerCallbackQuerySetters, AnswerInlineQuerySetters};
use teloxide::types::{
    CallbackQuery, ChatId, ChatMemberKind, ChatMemberUpdated, ChatMigration, InlineKeyboardMarkup,
    InlineQuery, InlineQueryResult, InlineQueryResultArticle, InputMessageContent,
    InputMessageContentText, LinkPreviewOptions, MaybeInaccessibleMessage, Me, MediaKind, Message,
    MessageKind, ParseMode,
};

use crate::answer::{
    Answer, CONTEXT_TTL_SECONDS, Context, DEFAULT_LIMIT, MAX_QUESTION_CHARS, Remember,
};
use crate::corpus::{Corpus, Scheme, Status};
use crate::metrics;
use crate::search::{Engine, Found};
use crate::store::{Conversation, GapOutcome, NewGap, Topic, Turn};
use crate::text::Lang;
use crate::ui::{
    self, Action, Button, CallbackData, MatchStep, Reply, Section, display_name, no_match, render,
    scheme_reply, tagline,
};

use super::commands::{self, Command, Parsed};
use super::flood::Verdict;
use super::intake::Ticket;
use super::send::Target;
use super::{Api, State};

/// What the dispatcher gets back from an endpoint.
pub(crate) type HandlerResult = anyhow::Result<()>;

/// Telegram shows at most this many inline results per answer here (the API allows 50).
const INLINE_RESULTS: usize = 10;

/// Schemes offered for an empty inline query.
const INLINE_FEATURED: usize = 5;

/// The language for a Telegram `language_code`: Simplified for zh-cn/zh-sg/zh-hans, Traditional
/// for any other Chinese, English otherwise.
#[must_use]
pub(crate) fn lang_from_code(code: Option<&str>) -> Lang {
    let Some(code) = code else { return Lang::En };
    let code = code.to_ascii_lowercase().replace('_', "-");
    if code != "zh" && !code.starts_with("zh-") {
        return Lang::En;
    }
    if ["zh-cn", "zh-sg", "zh-hans"]
        .iter()
        .any(|p| code.starts_with(p))
    {
        Lang::ZhHans
    } else {
        Lang::ZhHant
    }
}

/// What an incoming message asks for, once the bot decided it is addressed.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    Command(Command),
    UnknownCommand,
    Question(String),
    Media,
}

/// Decides whether a message is for the bot and what it asks. `None`: ignore it (service
/// messages; in groups, chatter that does not mention or reply to the bot, and commands for
/// other bots).
fn classify(msg: &Message, me: &str, private: bool, reply_to_bot: bool) -> Option<Request> {
    let text = match &msg.kind {
        MessageKind::Common(common) => match &common.media_kind {
            MediaKind::Text(t) => Some(t.text.as_str()),
            MediaKind::Migration(_) => return None,
            // A question typed as a photo's, video's or document's caption is still a question.
            _ => msg.caption(),
        },
        MessageKind::Dice(_) => None,
        _ => return None,
    };
    let Some(text) = text else {
        return (private || reply_to_bot).then_some(Request::Media);
    };
    if let Some(parsed) = commands::parse(text, me) {
        let to_us = text
            .split_whitespace()
            .next()
            .is_some_and(|head| head.contains('@'));
        return match parsed {
            Parsed::Known(c) => Some(Request::Command(c)),
            Parsed::OtherBot => None,
            Parsed::Unknown => {
                (private || to_us || reply_to_bot).then_some(Request::UnknownCommand)
            }
        };
    }
    match commands::strip_mention(text, me) {
        // A bare mention: say what the bot does.
        Some(rest) if rest.is_empty() => Some(Request::Command(Command::Help)),
        Some(rest) => Some(Request::Question(rest)),
        None if private || reply_to_bot => Some(Request::Question(text.to_owned())),
        None => None,
    }
}

/// Cleans a question: no control or invisible formatting characters, whitespace collapsed, at
/// most [`MAX_QUESTION_CHARS`] characters (nobody asks about a scheme in 10,000 characters).
fn sanitize(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .take(MAX_QUESTION_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !is_invisible(*c))
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Invisible formatting characters: zero-width characters, the bidirectional embeddings,
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks, the Arabic letter mark,
/// word joiners and the byte-order mark. Echoing them back would let a sender reorder the
/// bot's own words around them.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

impl State {
    /// The language for a reply with no question text to go by.
    fn ui_lang(&self, chat: ChatId, language_code: Option<&str>) -> Lang {
        self.lang_pref(chat)
            .unwrap_or_else(|| lang_from_code(language_code))
    }

    /// Runs [`answer`] on the blocking pool, with `engine` (the caller renders with the same
    /// engine, so a reload in between cannot mix two corpora); the API shares its bound of
    /// four at once: a burst of thousands of questions would otherwise grow the blocking pool to
    /// hundreds of threads (and their stacks) for work that takes a fraction of a millisecond.
    async fn answer(
        engine: &Arc<Engine>,
        question: String,
        lang: Option<Lang>,
        limit: usize,
        context: Option<Context>,
    ) -> Option<Answer> {
        crate::api::answer_on_pool(engine, question, lang, limit, context).await
    }

    /// A scheme by id (`techtas`, `raise_plus`, `/scheme_raise_plus`) or else by name, the way
    /// a question would find it.
    async fn find_scheme(engine: &Arc<Engine>, query: &str) -> Option<usize> {
        let corpus = engine.corpus();
        let key = query
            .trim()
            .trim_start_matches('/')
            .to_ascii_lowercase()
            .replace('_', "-");
        let key = key.strip_prefix("scheme-").unwrap_or(&key);
        if let Some(i) = corpus.schemes.iter().position(|s| s.id == key) {
            return Some(i);
        }
        let q = sanitize(query);
        if !has_words(&q) {
            return None;
        }
        match State::answer(engine, q, None, 1, None).await?.found {
            Found::Schemes(hits) | Found::Suggestions(hits) => hits.first().map(|h| h.scheme),
            Found::Compare(schemes) => schemes.first().copied(),
            Found::List(_)
            | Found::Filtered(_)
            | Found::Match
            | Found::SmallTalk(_)
            | Found::Nothing => None,
        }
    }
}

impl State {
    /// A scheme's card with its follow / stop-following button for this chat.
    fn scheme_card(&self, chat: ChatId, scheme: &Scheme, lang: Lang) -> Reply {
        let mut card = ui::scheme_screen(scheme, self.engine().corpus(), lang);
        let following = self.follows(chat, scheme);
        card.buttons.insert(
            card.buttons.len().saturating_sub(1),
            vec![ui::follow_button(scheme, following, lang)],
        );
        card
    }

    /// A short answer's section `section` about `scheme`, with this chat's follow button.
    fn brief_card(&self, chat: ChatId, scheme: &Scheme, section: Section, lang: Lang) -> Reply {
        let mut reply = ui::brief(scheme, section, self.engine().corpus(), lang);
        self.add_follow_button(chat, scheme, lang, &mut reply);
        reply
    }

    /// Puts the follow / stop-following button above a short answer's 👍/👎 row (the last).
    fn add_follow_button(&self, chat: ChatId, scheme: &Scheme, lang: Lang, reply: &mut Reply) {
        let following = self.follows(chat, scheme);
        reply.buttons.insert(
            reply.buttons.len().saturating_sub(1),
            vec![ui::follow_button(scheme, following, lang)],
        );
    }

    fn follows(&self, chat: ChatId, scheme: &Scheme) -> bool {
        self.subscriptions(chat)
            .iter()
            .any(|t| matches!(t, Topic::Scheme(id) if *id == scheme.id))
    }

    fn subscriptions(&self, chat: ChatId) -> Vec<Topic> {
        self.store.subscriptions(chat.0).unwrap_or_else(|e| {
            tracing::error!(chat_id = chat.0, error = %e, "reading subscriptions failed");
            Vec::new()
        })
    }

    /// Subscribes, remembering the language and the forum topic (`thread`) for notices;
    /// `None` when the store failed.
    async fn subscribe(
        &self,
        chat: ChatId,
        topic: &Topic,
        lang: Lang,
        thread: Option<i32>,
    ) -> Option<bool> {
        let (c, t) = (chat.0, topic.clone());
        let added = self
            .write("subscribing", move |s| {
                let added = s.subscribe(c, &t)?;
                s.set_notice_lang(c, lang)?;
                s.set_thread(c, thread)?;
                Ok(added)
            })
            .await?;
        tracing::info!(chat_id = chat.0, topic = %topic.key(), added, thread, "subscribed");
        Some(added)
    }
}

/// Whether `arg` means "everything" (`/unsubscribe all`).
fn is_everything(arg: &str) -> bool {
    let a = arg.trim().to_lowercase();
    matches!(
        a.as_str(),
        "all"
            | "everything"
            | "*"
            | "全部"
            | "所有"
            | "全部計劃"
            | "所有計劃"
            | "全部计划"
            | "所有计划"
    )
}

/// What `/subscribe <arg>` names: everything, a category (by key or name), or a scheme (by id
/// or name, found the way a question would find it).
async fn resolve_topic(engine: &Arc<Engine>, arg: &str) -> Option<Topic> {
    if is_everything(arg) {
        return Some(Topic::All);
    }
    let a = arg.trim().to_lowercase();
    for c in crate::corpus::Category::ALL {
        let names = [
            c.key().to_owned(),
            ui::category_label(c, Lang::En).to_lowercase(),
            ui::category_label(c, Lang::ZhHant),
            ui::category_label(c, Lang::ZhHans),
        ];
        if names.contains(&a) {
            return Some(Topic::Category(c));
        }
    }
    let i = State::find_scheme(engine, arg).await?;
    Some(Topic::Scheme(engine.corpus().schemes[i].id.clone()))
}

/// Whether the message a button sits under is a scheme card (its keyboard opens a category).
fn is_card(message: Option<&MaybeInaccessibleMessage>) -> bool {
    let Some(MaybeInaccessibleMessage::Regular(m)) = message else {
        return false;
    };
    m.reply_markup().is_some_and(|kb| {
        kb.inline_keyboard.iter().flatten().any(|b| match &b.kind {
            teloxide::types::InlineKeyboardButtonKind::CallbackData(d) => d.starts_with("cat:"),
            _ => false,
        })
    })
}

/// The bot's own membership in a chat changed: a user blocked (`kicked`) or unblocked it, or it
/// was removed from or added to a group. Delivery stops and resumes accordingly.
pub(crate) async fn on_membership(update: ChatMemberUpdated, state: Arc<State>) -> HandlerResult {
    metrics::global().update("my_chat_member");
    let chat = update.chat.id.0;
    let active = match update.new_chat_member.kind {
        ChatMemberKind::Banned(_) | ChatMemberKind::Left => false,
        ChatMemberKind::Owner(_)
        | ChatMemberKind::Administrator(_)
        | ChatMemberKind::Member(_)
        | ChatMemberKind::Restricted(_) => true,
    };
    let st = Arc::clone(&state);
    let changed = tokio::task::spawn_blocking(move || st.store.set_active(chat, active)).await;
    match changed {
        Ok(Ok(changed)) => tracing::info!(
            chat_id = chat,
            active,
            changed,
            "the bot's membership changed"
        ),
        Ok(Err(e)) => {
            tracing::error!(chat_id = chat, error = %e, "recording a membership change failed")
        }
        Err(e) => {
            tracing::error!(chat_id = chat, error = %e, "recording a membership change failed")
        }
    }
    if active {
        state.wake.notify_one();
    }
    Ok(())
}

/// Runs `work` as its own task; a panic is logged and reported through `on_panic`.
async fn isolate<W, P>(what: &'static str, work: W, on_panic: P) -> HandlerResult
where
    W: Future<Output = ()> + Send + 'static,
    P: Future<Output = ()> + Send,
{
    if let Err(e) = tokio::spawn(work).await {
        tracing::error!(error = %e, update = what, "handling an update failed");
        on_panic.await;
    }
    Ok(())
}

/// Messages: commands, questions, and everything people send instead.
///
/// The endpoint only decides, at once, whether the message is for the bot and within the
/// chat's flood limit; the work (answering, which may wait for the chat's send pace) runs in
/// its own task, in the chat's order ([`State::in_chat_order`]), so one busy chat never holds
/// up the dispatcher and with it every other chat.
pub(crate) async fn on_message(
    msg: Message,
    me: Me,
    state: Arc<State>,
    ticket: Ticket,
) -> HandlerResult {
    metrics::global().update("message");
    let chat = msg.chat.id;
    let lang = state.ui_lang(
        chat,
        msg.from.as_ref().and_then(|u| u.language_code.as_deref()),
    );
    let target = reply_target(&msg);
    let st = Arc::clone(&state);
    match admit(&msg, &me, &state) {
        Admission::Ignore => {}
        Admission::Migrate { from, to } => {
            state.in_chat_order(chat, ticket, async move { st.tg.migrate(from, to).await });
        }
        Admission::SlowDown(ui) => {
            tracing::info!(chat_id = chat.0, "chat is flooding; asking it to slow down");
            state.in_chat_order(chat, ticket, async move {
                st.tg.reply(target, &ui::slow_down(ui)).await;
            });
        }
        Admission::Handle(request, ui) => {
            let user = msg
                .from
                .as_ref()
                .filter(|_| msg.sender_chat.is_none())
                .map(|u| u.id.0);
            let me_name = me.user.username.clone().unwrap_or_default();
            state.in_chat_order(chat, ticket, async move {
                let apology = Arc::clone(&st);
                let _ = isolate(
                    "message",
                    handle_message(request, chat, user, target, ui, me_name, st),
                    async move {
                        apology.tg.reply(target, &ui::sorry(lang)).await;
                    },
                )
                .await;
            });
        }
    }
    Ok(())
}

/// What to do with a message, decided without waiting.
enum Admission {
    /// Not for the bot (or from a flooding chat that was already warned).
    Ignore,
    /// A group became a supergroup.
    Migrate { from: i64, to: i64 },
    /// The chat just went over its flood limit: one "slow down" reply.
    SlowDown(Lang),
    /// Answer it, in this language for screens.
    Handle(Request, Lang),
}

fn admit(msg: &Message, me: &Me, state: &State) -> Admission {
    let chat = msg.chat.id;
    // A group that became a supergroup: its settings, subscriptions and notices follow it.
    if let MessageKind::Common(common) = &msg.kind
        && let MediaKind::Migration(migration) = &common.media_kind
    {
        let (from, to) = match migration {
            ChatMigration::To { chat_id } => (chat.0, chat_id.0),
            ChatMigration::From { chat_id } => (chat_id.0, chat.0),
        };
        return Admission::Migrate { from, to };
    }
    // Channels, other bots, and cards people post through this bot's inline mode (which would
    // otherwise be "answered" in the chat they were posted to). An anonymous group admin
    // (from = GroupAnonymousBot) and a member posting as a channel carry `sender_chat`: they
    // are people, acting as that chat.
    let via_us = msg.via_bot.as_ref().is_some_and(|b| b.id == me.user.id);
    let from_a_bot = msg.sender_chat.is_none() && msg.from.as_ref().is_some_and(|u| u.is_bot);
    if msg.chat.is_channel() || from_a_bot || via_us {
        return Admission::Ignore;
    }
    let me_name = me.user.username.as_deref().unwrap_or_default();
    let private = msg.chat.is_private();
    let reply_to_bot = msg
        .reply_to_message()
        .and_then(|r| r.from.as_ref())
        .is_some_and(|u| u.id == me.user.id);
    let Some(request) = classify(msg, me_name, private, reply_to_bot) else {
        tracing::trace!(chat_id = chat.0, "not addressed to the bot");
        return Admission::Ignore;
    };
    let language_code = msg.from.as_ref().and_then(|u| u.language_code.clone());
    let ui = state.ui_lang(chat, language_code.as_deref());

    let sent_at = Duration::from_secs(u64::try_from(msg.date.timestamp()).unwrap_or(0));
    let verdict = state
        .flood
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .check(chat, sent_at);
    match verdict {
        Verdict::Allow => Admission::Handle(request, ui),
        Verdict::Warn => Admission::SlowDown(ui),
        Verdict::Drop => {
            tracing::debug!(chat_id = chat.0, "dropping a message from a flooding chat");
            Admission::Ignore
        }
    }
}

/// Answers an admitted message. `user` is the sender's user id (`None` for someone acting as
/// a chat: an anonymous admin, a channel).
async fn handle_message(
    request: Request,
    chat: ChatId,
    user: Option<u64>,
    target: Target,
    ui: Lang,
    me_name: String,
    state: Arc<State>,
) {
    let started = Instant::now();
    let reply = match request {
        Request::Command(command) => {
            tracing::info!(chat_id = chat.0, command = %command, "command");
            command_reply(&state, chat, target.thread, user, command, ui, &me_name).await
        }
        Request::UnknownCommand => ui::unknown_command(ui),
        Request::Media => ui::media_hint(ui),
        Request::Question(text) => {
            let (reply, save) = question_reply(&state, chat, &text, ui).await;
            state.tg.reply(target, &reply).await;
            metrics::global().reply_latency(started.elapsed().as_secs_f64());
            // Saved after the reply is sent: a locked database delays the context, never the
            // answer. The chat's next message waits for it (messages of a chat run in order).
            if let Some(save) = save {
                save.run(&state).await;
            }
            return;
        }
    };
    state.tg.reply(target, &reply).await;
    metrics::global().reply_latency(started.elapsed().as_secs_f64());
    tracing::debug!(
        chat_id = chat.0,
        latency_ms = started.elapsed().as_millis(),
        "replied"
    );
}

/// What a question leaves to save once its answer is sent: the chat's new context, a gaps-log
/// entry, and the comment on an earlier 👎.
struct SaveConversation {
    chat: i64,
    question: String,
    context: Option<Context>,
    gap: Option<(GapOutcome, Vec<String>)>,
    comment_on: Option<i64>,
    now: i64,
}

impl SaveConversation {
    /// Saves the turn, best effort (see `Store::save_turn`): a failure is logged, not reported
    /// by /healthz, since the reply already went and only a follow-up's context is at stake.
    async fn run(self, state: &State) {
        let chat = self.chat;
        let saved = state
            .db(move |s| {
                let normalised = crate::text::name_key(&self.question);
                let gap = self.gap.map(|(outcome, schemes)| NewGap {
                    question: &self.question,
                    normalised: &normalised,
                    outcome,
                    schemes,
                });
                s.check_file()?;
                s.save_turn(&Turn {
                    chat: self.chat,
                    question: &self.question,
                    context: self.context.as_ref(),
                    gap,
                    comment_on: self.comment_on,
                    now_ms: self.now,
                    ttl_ms: CONTEXT_TTL_SECONDS * 1000,
                })
            })
            .await;
        if let Err(e) = saved {
            tracing::warn!(chat_id = chat, error = %e, "the conversation was not saved");
        }
    }
}

/// The reply to a question, and what to save once it is sent.
async fn question_reply(
    state: &State,
    chat: ChatId,
    text: &str,
    ui: Lang,
) -> (Reply, Option<SaveConversation>) {
    let question = sanitize(text);
    if !has_words(&question) {
        return (ui::words_please(ui), None);
    }
    let now = super::now_ms();
    let ttl = CONTEXT_TTL_SECONDS * 1000;
    let conversation = state
        .store
        .conversation(chat.0, now, ttl)
        .unwrap_or_else(|e| {
            tracing::error!(chat_id = chat.0, error = %e, "reading the conversation failed");
            Conversation::default()
        });
    let engine = state.engine();
    // The chat's choice, else the question's script; Chinese common to both scripts (科技券)
    // follows the user's app language.
    let lang = state
        .lang_pref(chat)
        .unwrap_or_else(|| Lang::detect_with(&question, ui));
    let Some(a) = State::answer(
        &engine,
        question.clone(),
        Some(lang),
        DEFAULT_LIMIT,
        conversation.context.clone(),
    )
    .await
    else {
        return (ui::sorry(ui), None);
    };
    let corpus = engine.corpus();
    let ids: Vec<String> = match &a.found {
        Found::Schemes(hits) | Found::Suggestions(hits) => hits
            .iter()
            .map(|h| corpus.schemes[h.scheme].id.clone())
            .collect(),
        Found::Compare(schemes) => schemes
            .iter()
            .map(|&i| corpus.schemes[i].id.clone())
            .collect(),
        _ => Vec::new(),
    };
    tracing::info!(
        chat_id = chat.0,
        lang = a.lang.code(),
        schemes = ?ids,
        follow_up = a.follow_up,
        "question"
    );
    metrics::global().answer(match a.found {
        Found::Schemes(_) | Found::Compare(_) => "match",
        Found::Suggestions(_) => "suggest",
        Found::List(_) | Found::Filtered(_) | Found::Match => "list",
        Found::SmallTalk(_) => "small_talk",
        Found::Nothing => "no_match",
    });

    // Remember the conversation; log what went unanswered (without the chat); a message sent
    // after a 👎 is also the comment on it.
    let context = match Context::after(&a, corpus) {
        Remember::Set(c) => Some(c),
        Remember::Keep => conversation.context.clone(),
        Remember::Forget => None,
    };
    let gap = match &a.found {
        Found::Nothing => Some(GapOutcome::None),
        Found::Suggestions(_) => Some(GapOutcome::Suggest),
        _ => None,
    };
    let comment_on = conversation.feedback_gap;
    let save = SaveConversation {
        chat: chat.0,
        question,
        context,
        gap: gap.map(|g| (g, ids)),
        comment_on,
        now,
    };

    let mut reply = match &a.found {
        Found::List(None) => ui::browse_menu(corpus, a.lang),
        found => {
            let mut reply = render(&a, corpus);
            if let Found::Schemes(hits) = found
                && let Some(best) = hits.first()
            {
                let scheme = &corpus.schemes[best.scheme];
                state.add_follow_button(chat, scheme, a.lang, &mut reply);
            }
            reply
        }
    };
    if comment_on.is_some() {
        ui::prepend_note(&mut reply, &ui::comment_noted(a.lang));
    }
    (reply, Some(save))
}

async fn command_reply(
    state: &Arc<State>,
    chat: ChatId,
    thread: Option<i32>,
    user: Option<u64>,
    command: Command,
    ui: Lang,
    me: &str,
) -> Reply {
    let engine = state.engine();
    let corpus = engine.corpus();
    match command {
        Command::Start { payload } => {
            // /start begins a new conversation: "how much?" no longer means the last scheme.
            let c = chat.0;
            let _ = state
                .write("forgetting the conversation", move |s| s.clear_context(c))
                .await;
            let key = payload.map(|p| p.to_ascii_lowercase().replace('_', "-"));
            match key.as_deref().and_then(|k| corpus.get(k)) {
                Some(scheme) => state.scheme_card(chat, scheme, ui),
                None => ui::welcome(corpus, ui),
            }
        }
        Command::Help => ui::help(ui, me),
        Command::Schemes => ui::browse_menu(corpus, ui),
        Command::Scheme { query } if !has_words(&query) => ui::scheme_usage(ui),
        Command::Scheme { query } => {
            // A name typed in Chinese gets a Chinese card, unless the chat chose a language.
            let lang = match state.lang_pref(chat) {
                Some(l) => l,
                None if query.chars().any(crate::text::is_han) => Lang::detect_with(&query, ui),
                None => ui,
            };
            match State::find_scheme(&engine, &query).await {
                Some(i) => state.scheme_card(chat, &corpus.schemes[i], lang),
                None => no_match(lang),
            }
        }
        Command::Subscribe { arg } if !has_words(&arg) => ui::subscribe_menu(ui),
        Command::Subscribe { arg } => {
            let lang = if arg.chars().any(crate::text::is_han) && state.lang_pref(chat).is_none() {
                Lang::detect_with(&arg, ui)
            } else {
                ui
            };
            match resolve_topic(&engine, &arg).await {
                Some(topic) => match state.subscribe(chat, &topic, lang, thread).await {
                    Some(added) => ui::subscribed(&topic, corpus, added, lang),
                    // Not saved: say so, never "subscribed" or "already subscribed".
                    None => ui::sorry(lang),
                },
                None => ui::unknown_topic(&sanitize(&arg), lang),
            }
        }
        Command::Unsubscribe { arg } if !has_words(&arg) => {
            ui::subscriptions_screen(&state.subscriptions(chat), corpus, ui)
        }
        Command::Unsubscribe { arg } if is_everything(&arg) => {
            let c = chat.0;
            match state
                .write("unsubscribing", move |s| s.unsubscribe_all(c))
                .await
            {
                Some(n) => ui::unsubscribed_all(n, ui),
                None => ui::sorry(ui),
            }
        }
        Command::Unsubscribe { arg } => match resolve_topic(&engine, &arg).await {
            Some(topic) => {
                let (c, t) = (chat.0, topic.clone());
                match state
                    .write("unsubscribing", move |s| s.unsubscribe(c, &t))
                    .await
                {
                    Some(removed) => {
                        ui::unsubscribed(&ui::topic_label(&topic, corpus, ui), removed, ui)
                    }
                    None => ui::sorry(ui),
                }
            }
            None => ui::unknown_topic(&sanitize(&arg), ui),
        },
        Command::Subscriptions => ui::subscriptions_screen(&state.subscriptions(chat), corpus, ui),
        Command::Reload | Command::Stats | Command::Gaps | Command::Broadcast { .. }
            if !state.is_admin(user) =>
        {
            tracing::warn!(chat_id = chat.0, user_id = user, command = %command, "admin command refused");
            ui::not_allowed(ui)
        }
        Command::Reload => match super::reload(state).await {
            super::Reloaded::Ok { schemes, published } => {
                ui::reloaded(schemes, published.changes, published.notices, ui)
            }
            super::Reloaded::Refused(why) => ui::reload_refused(&why, ui),
        },
        Command::Gaps => {
            let since = super::now_ms() - crate::store::GAPS_RETENTION_MS;
            match state.db(move |s| s.gaps(since, ui::GAPS_SHOWN)).await {
                Ok(groups) => ui::gaps(&groups, ui),
                Err(e) => {
                    tracing::error!(error = %e, "reading the gaps log failed");
                    ui::sorry(ui)
                }
            }
        }
        Command::Match => ui::match_who(ui),
        Command::Stats => match state.store.stats() {
            Ok(stats) => ui::stats(&stats, corpus, ui),
            Err(e) => {
                tracing::error!(error = %e, "reading statistics failed");
                ui::sorry(ui)
            }
        },
        Command::Broadcast { text } if !has_words(&text) => ui::broadcast_usage(ui),
        Command::Broadcast { text } => {
            let admin = i64::try_from(user.unwrap_or_default()).unwrap_or_default();
            let body = text.clone();
            let saved = state
                .write("saving a broadcast", move |s| {
                    let recipients = s.active_subscriber_chats()?.len();
                    Ok((
                        s.create_broadcast(admin, &body, super::now_ms())?,
                        recipients,
                    ))
                })
                .await;
            match saved {
                Some((id, recipients)) => ui::broadcast_preview(id, &text, recipients, ui),
                None => ui::sorry(ui),
            }
        }
        Command::Funding => ui::funding(corpus, ui),
        Command::Lang => ui::lang_menu(state.lang_pref(chat), ui),
        Command::About => ui::about(corpus, ui),
    }
}

/// Inline buttons. Every callback query is answered, first, so the client stops its spinner;
/// then the message the button sits under is edited in place.
pub(crate) async fn on_callback<R: Api>(
    bot: R,
    q: CallbackQuery,
    state: Arc<State>,
    ticket: Ticket,
) -> HandlerResult {
    metrics::global().update("callback_query");
    // Button presses count against the chat's flood limit like messages (keyed by the user
    // for buttons under inline-mode messages, which have no chat), decided here at once.
    let chat = q.message.as_ref().map(|m| m.chat().id);
    let key = chat.unwrap_or(ChatId(i64::try_from(q.from.id.0).unwrap_or(i64::MAX)));
    let now = Duration::from_millis(u64::try_from(super::now_ms()).unwrap_or(0));
    let verdict = state
        .flood
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .check(key, now);
    match verdict {
        Verdict::Allow => {}
        Verdict::Warn => {
            tracing::info!(
                chat_id = key.0,
                "chat is flooding with buttons; asking it to slow down"
            );
            let lang = lang_from_code(q.from.language_code.as_deref());
            answer_callback(&bot, &q, Some(ui::slow_down(lang).plain)).await;
            return Ok(());
        }
        Verdict::Drop => {
            answer_callback(&bot, &q, None).await;
            return Ok(());
        }
    }
    let st = Arc::clone(&state);
    state.in_chat_order(key, ticket, async move {
        let id = q.id.clone();
        let apology_bot = bot.clone();
        let _ = isolate("callback query", handle_callback(bot, q, st), async move {
            if let Err(e) = apology_bot.answer_callback_query(id).await {
                tracing::warn!(error = %e, "answering a callback query failed");
            }
        })
        .await;
    });
    Ok(())
}

async fn handle_callback<R: Api>(bot: R, q: CallbackQuery, state: Arc<State>) {
    let chat = q.message.as_ref().map(|m| m.chat().id);
    let user_lang = lang_from_code(q.from.language_code.as_deref());
    let pref = chat.and_then(|c| state.lang_pref(c));
    let data = q.data.as_deref().and_then(CallbackData::parse);
    let lang = pref
        .or_else(|| data.as_ref().and_then(|d| d.lang))
        .unwrap_or(user_lang);
    tracing::info!(
        chat_id = chat.map(|c| c.0),
        data = q.data.as_deref().unwrap_or(""),
        "button"
    );
    let Some(data) = data else {
        answer_callback(&bot, &q, Some(ui::expired_button(lang))).await;
        return;
    };
    let engine = state.engine();
    let corpus = engine.corpus();
    // Callback data comes from the client and can be forged: a scheme to follow must exist.
    if let Action::Subscribe(Topic::Scheme(id)) = &data.action
        && corpus.get(id).is_none()
    {
        tracing::warn!(chat_id = chat.map(|c| c.0), scheme = %id, "a button names no scheme");
        answer_callback(&bot, &q, Some(ui::scheme_gone(lang))).await;
        return;
    }
    let user = q.from.id.0;
    let screen = match data.action {
        Action::Scheme(id) => match (corpus.get(&id), chat) {
            (Some(scheme), Some(chat)) => state.scheme_card(chat, scheme, lang),
            (Some(scheme), None) => ui::scheme_screen(scheme, corpus, lang),
            (None, _) => {
                answer_callback(&bot, &q, Some(ui::scheme_gone(lang))).await;
                return;
            }
        },
        Action::Browse => ui::browse_menu(corpus, lang),
        Action::SubscribeMenu => ui::subscribe_menu(lang),
        Action::Subscribe(_)
        | Action::Unsubscribe(_)
        | Action::UnsubscribeAll
        | Action::Subscriptions
            if chat.is_none() =>
        {
            answer_callback(&bot, &q, Some(ui::expired_button(lang))).await;
            return;
        }
        Action::Subscribe(topic) => {
            let chat = chat.unwrap_or(ChatId(0));
            let thread = match q.message.as_ref() {
                Some(MaybeInaccessibleMessage::Regular(m)) => topic_of(m),
                _ => None,
            };
            let Some(added) = state.subscribe(chat, &topic, lang, thread).await else {
                answer_callback(&bot, &q, Some(ui::sorry(lang).plain)).await;
                return;
            };
            answer_callback(&bot, &q, Some(ui::toggled(true, added, lang))).await;
            match &topic {
                // A card keeps its text; only its button flips.
                Topic::Scheme(id) => {
                    if let Some(scheme) = corpus.get(id) {
                        show(
                            &state,
                            q.message.as_ref(),
                            &state.scheme_card(chat, scheme, lang),
                        )
                        .await;
                    }
                }
                _ => {
                    show(
                        &state,
                        q.message.as_ref(),
                        &ui::subscribed(&topic, corpus, added, lang),
                    )
                    .await;
                }
            }
            return;
        }
        Action::Unsubscribe(topic) => {
            let chat = chat.unwrap_or(ChatId(0));
            let (c, t) = (chat.0, topic.clone());
            let Some(removed) = state
                .write("unsubscribing", move |s| s.unsubscribe(c, &t))
                .await
            else {
                answer_callback(&bot, &q, Some(ui::sorry(lang).plain)).await;
                return;
            };
            answer_callback(&bot, &q, Some(ui::toggled(false, removed, lang))).await;
            let screen = match &topic {
                Topic::Scheme(id) if is_card(q.message.as_ref()) => {
                    corpus.get(id).map(|s| state.scheme_card(chat, s, lang))
                }
                _ => Some(ui::subscriptions_screen(
                    &state.subscriptions(chat),
                    corpus,
                    lang,
                )),
            };
            if let Some(screen) = screen {
                show(&state, q.message.as_ref(), &screen).await;
            }
            return;
        }
        Action::UnsubscribeAll => {
            let chat = chat.unwrap_or(ChatId(0));
            let c = chat.0;
            let Some(n) = state
                .write("unsubscribing", move |s| s.unsubscribe_all(c))
                .await
            else {
                answer_callback(&bot, &q, Some(ui::sorry(lang).plain)).await;
                return;
            };
            answer_callback(&bot, &q, Some(ui::toggled(false, n > 0, lang))).await;
            show(&state, q.message.as_ref(), &ui::unsubscribed_all(n, lang)).await;
            return;
        }
        Action::Subscriptions => {
            // Sent as a new message: this button sits under notices, which must stay readable.
            let chat = chat.unwrap_or(ChatId(0));
            answer_callback(&bot, &q, None).await;
            let screen = ui::subscriptions_screen(&state.subscriptions(chat), corpus, lang);
            state
                .tg
                .reply(message_target(q.message.as_ref(), chat), &screen)
                .await;
            return;
        }
        Action::BroadcastSend(_) | Action::BroadcastCancel(_) if !state.is_admin(Some(user)) => {
            answer_callback(&bot, &q, Some(ui::not_allowed(lang).plain)).await;
            return;
        }
        Action::BroadcastSend(id) => {
            let admin = i64::try_from(user).unwrap_or_default();
            let queued = state
                .write("queueing a broadcast", move |s| {
                    match s.take_broadcast(id, admin)? {
                        Some(text) => {
                            crate::notify::queue_broadcast(s, id, &text, super::now_ms()).map(Some)
                        }
                        None => Ok(None),
                    }
                })
                .await
                .flatten();
            if let Some(n) = queued {
                tracing::info!(broadcast = id, chats = n, "broadcast queued");
                state.wake.notify_one();
            }
            ui::broadcast_done(queued, lang)
        }
        Action::BroadcastCancel(id) => {
            let admin = i64::try_from(user).unwrap_or_default();
            let _ = state
                .write("cancelling a broadcast", move |s| {
                    s.take_broadcast(id, admin)
                })
                .await;
            ui::broadcast_cancelled(lang)
        }
        Action::Category(c) => ui::category_screen(corpus, c, lang),
        Action::Section(id, section) => match (corpus.get(&id), chat) {
            (Some(scheme), Some(chat)) => state.brief_card(chat, scheme, section, lang),
            (Some(scheme), None) => ui::brief(scheme, section, corpus, lang),
            (None, _) => {
                answer_callback(&bot, &q, Some(ui::scheme_gone(lang))).await;
                return;
            }
        },
        Action::Match(step) => match step {
            MatchStep::Who => ui::match_who(lang),
            MatchStep::Need(who) => ui::match_need(corpus, who, lang),
            MatchStep::Result(who, need) => ui::match_result(corpus, who, need, lang),
        },
        Action::Feedback(_, _) | Action::SkipFeedback if chat.is_none() => {
            answer_callback(&bot, &q, Some(ui::expired_button(lang))).await;
            return;
        }
        Action::Feedback(id, up) => {
            let chat = chat.unwrap_or(ChatId(0));
            if corpus.get(&id).is_none() {
                answer_callback(&bot, &q, Some(ui::scheme_gone(lang))).await;
                return;
            }
            metrics::global().feedback(up);
            tracing::info!(chat_id = chat.0, scheme = %id, up, "feedback");
            if up {
                answer_callback(&bot, &q, Some(ui::thanks_for_feedback(lang))).await;
                return;
            }
            let (c, now) = (chat.0, super::now_ms());
            let saved = state
                .write("saving feedback", move |s| {
                    let ttl = CONTEXT_TTL_SECONDS * 1000;
                    let question = s.conversation(c, now, ttl)?.question.unwrap_or_default();
                    let normalised = crate::text::name_key(&question);
                    let gap = NewGap {
                        question: &question,
                        normalised: &normalised,
                        outcome: GapOutcome::Down,
                        schemes: vec![id],
                    };
                    let row = s.add_gap(&gap, now)?;
                    s.await_feedback(c, Some(row), now)
                })
                .await;
            if saved.is_none() {
                answer_callback(&bot, &q, Some(ui::sorry(lang).plain)).await;
                return;
            }
            answer_callback(&bot, &q, Some(ui::thanks_for_feedback(lang))).await;
            let target = message_target(q.message.as_ref(), chat);
            state.tg.reply(target, &ui::what_was_missing(lang)).await;
            return;
        }
        Action::SkipFeedback => {
            let (c, now) = (chat.unwrap_or(ChatId(0)).0, super::now_ms());
            let _ = state
                .write("clearing the feedback prompt", move |s| {
                    s.await_feedback(c, None, now)
                })
                .await;
            ui::feedback_skipped(lang)
        }
        Action::LangMenu => ui::lang_menu(pref, lang),
        Action::SetLang(choice) => {
            let Some(chat) = chat else {
                answer_callback(&bot, &q, Some(ui::expired_button(lang))).await;
                return;
            };
            let c = chat.0;
            if state
                .write("saving the language choice", move |s| s.set_lang(c, choice))
                .await
                .is_none()
            {
                answer_callback(&bot, &q, Some(ui::sorry(lang).plain)).await;
                return;
            }
            tracing::info!(
                chat_id = chat.0,
                lang = choice.map_or("auto", Lang::code),
                "language chosen"
            );
            answer_callback(&bot, &q, Some(ui::lang_chosen(choice, lang))).await;
            show(
                &state,
                q.message.as_ref(),
                &ui::lang_chosen_reply(choice, lang),
            )
            .await;
            return;
        }
    };
    answer_callback(&bot, &q, None).await;
    show(&state, q.message.as_ref(), &screen).await;
}

async fn answer_callback<R: Api>(bot: &R, q: &CallbackQuery, notice: Option<String>) {
    let mut request = bot.answer_callback_query(q.id.clone());
    if let Some(text) = notice {
        request = request.text(text);
    }
    if let Err(e) = request.await {
        tracing::warn!(error = %e, "answering a callback query failed");
    }
}

/// Shows a screen in place of the message a button sits under (or, when that message is too
/// old to edit, as a new message).
async fn show(state: &State, message: Option<&MaybeInaccessibleMessage>, screen: &Reply) {
    match message {
        Some(MaybeInaccessibleMessage::Regular(m)) => {
            let target = message_target(message, m.chat.id);
            state.tg.edit(target, m.id.0, screen).await;
        }
        Some(old) => {
            let target = message_target(message, old.chat().id);
            state.tg.reply(target, screen).await;
        }
        // A message sent through inline mode; its results carry no callback buttons.
        None => {}
    }
}

/// Where the answer to a message goes: its chat, its forum topic, and (in groups) as a reply
/// to it.
fn reply_target(msg: &Message) -> Target {
    Target {
        chat: msg.chat.id.0,
        thread: topic_of(msg),
        reply_to: (!msg.chat.is_private()).then_some(msg.id.0),
    }
}

/// The forum topic a message was posted in, if any.
fn topic_of(msg: &Message) -> Option<i32> {
    msg.is_topic_message
        .then_some(msg.thread_id)
        .flatten()
        .map(|t| t.0.0)
}

/// Where a new message about the message a button sits under goes: the same chat and topic.
fn message_target(message: Option<&MaybeInaccessibleMessage>, chat: ChatId) -> Target {
    let thread = match message {
        Some(MaybeInaccessibleMessage::Regular(m)) => topic_of(m),
        _ => None,
    };
    Target {
        chat: chat.0,
        thread,
        reply_to: None,
    }
}

/// Inline mode: `@bot <query>` offers scheme cards to post in any chat.
pub(crate) async fn on_inline<R: Api>(bot: R, q: InlineQuery, state: Arc<State>) -> HandlerResult {
    metrics::global().update("inline_query");
    isolate("inline query", handle_inline(bot, q, state), async {}).await
}

async fn handle_inline<R: Api>(bot: R, q: InlineQuery, state: Arc<State>) {
    let engine = state.engine();
    let corpus = engine.corpus();
    let query = sanitize(&q.query);
    let pref = i64::try_from(q.from.id.0)
        .ok()
        .and_then(|id| state.lang_pref(ChatId(id)));
    let user_lang = lang_from_code(q.from.language_code.as_deref());
    let (lang, schemes) = if has_words(&query) {
        match State::answer(&engine, query, pref, INLINE_RESULTS, None).await {
            Some(a) => {
                let schemes = match a.found {
                    Found::Schemes(hits) | Found::Suggestions(hits) => {
                        hits.iter().map(|h| h.scheme).collect()
                    }
                    Found::List(category) => corpus
                        .schemes
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| category.is_none_or(|c| s.category == c))
                        .map(|(i, _)| i)
                        .collect(),
                    Found::Filtered(f) => f.apply(corpus, crate::date::today_hk()),
                    Found::Compare(schemes) => schemes,
                    Found::Match => featured(corpus),
                    Found::SmallTalk(_) | Found::Nothing => Vec::new(),
                };
                (a.lang, schemes)
            }
            None => (pref.unwrap_or(user_lang), Vec::new()),
        }
    } else {
        (pref.unwrap_or(user_lang), featured(corpus))
    };
    let results: Vec<InlineQueryResult> = schemes
        .iter()
        .take(INLINE_RESULTS)
        .filter_map(|&i| article(&corpus.schemes[i], corpus, lang))
        .collect();
    tracing::info!(results = results.len(), lang = lang.code(), "inline query");
    let request = bot
        .answer_inline_query(q.id, results)
        .cache_time(60)
        .is_personal(pref.is_some());
    if let Err(e) = request.await {
        tracing::warn!(error = %e, "answering an inline query failed");
    }
}

/// Schemes for an empty inline query: open ones with the largest figures.
fn featured(corpus: &Corpus) -> Vec<usize> {
    let mut open: Vec<(usize, u64)> = corpus
        .schemes
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == Status::Open)
        .map(|(i, s)| (i, s.money.headline().unwrap_or(0)))
        .collect();
    open.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut picked: Vec<usize> = open
        .into_iter()
        .map(|(i, _)| i)
        .take(INLINE_FEATURED)
        .collect();
    if picked.is_empty() {
        picked = (0..corpus.schemes.len().min(INLINE_FEATURED)).collect();
    }
    picked
}

fn article(s: &Scheme, corpus: &Corpus, lang: Lang) -> Option<InlineQueryResult> {
    if s.id.is_empty() || s.id.len() > 64 {
        return None;
    }
    let card = scheme_reply(s, corpus, lang);
    let text = card.html.first()?;
    let content = InputMessageContentText::new(text)
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_preview());
    let mut result = InlineQueryResultArticle::new(
        s.id.clone(),
        display_name(s, lang),
        InputMessageContent::Text(content),
    )
    .description(tagline(s, lang));
    if let Some(kb) = keyboard(&card.buttons) {
        result = result.reply_markup(kb);
    }
    Some(InlineQueryResult::Article(result))
}

/// Link previews off: a scheme card links to official pages, and a preview of the first one
/// would push the answer off the screen.
pub(crate) fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// Converts render's buttons, dropping (and logging) any Telegram would reject.
pub(crate) fn keyboard(rows: &[Vec<Button>]) -> Option<InlineKeyboardMarkup> {
    // The one rule for what Telegram would reject lives in the send path; this is the same
    // keyboard as teloxide's type (for inline query results, which teloxide sends).
    let json = super::send::keyboard(rows)?;
    serde_json::from_value(json)
        .map_err(|e| tracing::warn!(error = %e, "a keyboard teloxide cannot read"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_language_codes() {
        assert_eq!(lang_from_code(None), Lang::En);
        assert_eq!(lang_from_code(Some("en")), Lang::En);
        assert_eq!(lang_from_code(Some("fr")), Lang::En);
        assert_eq!(lang_from_code(Some("zh")), Lang::ZhHant);
        assert_eq!(lang_from_code(Some("zh-hk")), Lang::ZhHant);
        assert_eq!(lang_from_code(Some("zh-TW")), Lang::ZhHant);
        assert_eq!(lang_from_code(Some("zh-hant")), Lang::ZhHant);
        assert_eq!(lang_from_code(Some("zh-cn")), Lang::ZhHans);
        assert_eq!(lang_from_code(Some("zh_SG")), Lang::ZhHans);
        assert_eq!(lang_from_code(Some("zh-hans")), Lang::ZhHans);
        assert_eq!(lang_from_code(Some("zhx")), Lang::En);
    }

    #[test]
    fn questions_are_cleaned() {
        assert_eq!(
            sanitize("  how\u{0}\u{1} to\n\tapply \u{200b}TVP  "),
            "how to apply TVP"
        );
        assert_eq!(
            sanitize(&"字".repeat(10_000)).chars().count(),
            MAX_QUESTION_CHARS
        );
        assert!(!has_words(&sanitize("🙂🙂 ?! \u{fffd}\u{0}")));
        assert!(has_words(&sanitize("<b>TVP</b>")));
    }

    #[test]
    fn keyboards_drop_what_telegram_would_reject() {
        let rows = vec![
            vec![
                Button::action("ok", Action::Scheme("tvp".into()), Lang::En),
                Button::action("too long", Action::Scheme("x".repeat(65)), Lang::En),
            ],
            vec![Button::Url {
                text: "bad".into(),
                url: "javascript:alert(1)".into(),
            }],
            vec![Button::Url {
                text: "site".into(),
                url: "https://www.itf.gov.hk/".into(),
            }],
        ];
        let kb = keyboard(&rows).unwrap();
        assert_eq!(kb.inline_keyboard.len(), 2);
        assert_eq!(kb.inline_keyboard[0].len(), 1);
        assert!(keyboard(&[vec![]]).is_none());
    }
}
