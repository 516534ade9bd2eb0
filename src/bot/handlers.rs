//! The endpoints and the decisions behind them: messages, callback queries, inline queries,
//! membership changes.
//!
//! A decision (`decide_message`, `decide_callback`, `decide_inline`, `decide_membership`)
//! takes the parsed update and a [`View`] (the engine serving and the store's reads) and
//! returns what should happen, as [`Effect`]s; it never sends and never writes. The endpoints
//! only admit (is it for the bot, is the chat within its flood limit), then run the decision
//! and hand its effects to the one executor, [`super::effects::perform`], in the chat's order.
//! Answers come from [`crate::answer::answer`] and [`crate::render`], screens from `texts`.
//! Decisions may log and count (metrics); they are tested in process (`handlers/tests.rs`).
//!
//! Each endpoint runs its work in its own task, so a bug (a panic) in one update is logged and
//! answered with a short apology instead of taking the dispatcher down. Searching runs on the
//! blocking pool.
//!
//! Reply language: for a question, the chat's `/lang` choice, else the question's script; for a
//! command without text, the chat's choice, else the user's Telegram `language_code`; for a
//! button, the chat's choice, else the language of the message the button sits under (carried
//! in the callback data), else `language_code`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use teloxide::types::{
    CallbackQuery, CallbackQueryId, ChatId, ChatMemberKind, ChatMemberUpdated, ChatMigration,
    InlineKeyboardMarkup, InlineQuery, InlineQueryResult, InlineQueryResultArticle,
    InputMessageContent, InputMessageContentText, LinkPreviewOptions, MaybeInaccessibleMessage, Me,
    MediaKind, Message, MessageKind, ParseMode,
};

use crate::answer::{CONTEXT_TTL_SECONDS, Context, DEFAULT_LIMIT, MAX_QUESTION_CHARS, Remember};
use crate::corpus::{Corpus, Scheme, Status};
use crate::metrics;
use crate::search::{Engine, Found};
use crate::store::{Conversation, GapOutcome, Store, StoreError, Topic};
use crate::text::Lang;
use crate::ui::{
    self, Action, Button, CallbackData, MatchStep, Reply, Section, display_name, no_match, render,
    scheme_reply, tagline,
};

use super::commands::{self, Command, Parsed};
use super::effects::{Change, Effect, Then, TurnToSave, Written, perform};
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

/// What a decision reads: the engine serving (held for the whole decision, so a reload cannot
/// mix two corpora in one reply), the store (its reads; the read-only connection), the admins,
/// and the time it is decided at.
#[derive(Clone)]
pub(crate) struct View {
    engine: Arc<Engine>,
    store: Arc<Store>,
    admins: Vec<u64>,
    /// Milliseconds since the Unix epoch.
    now: i64,
}

impl State {
    /// What a decision made now reads.
    pub(crate) fn view(&self) -> View {
        View {
            engine: self.engine(),
            store: Arc::clone(&self.store),
            admins: self.admins.clone(),
            now: super::now_ms(),
        }
    }
}

impl View {
    /// The chat's /lang choice; a store failure is logged and treated as no choice.
    fn lang_pref(&self, chat: ChatId) -> Option<Lang> {
        self.store.lang(chat.0).unwrap_or_else(|e| {
            tracing::error!(chat_id = chat.0, error = %e, "reading the language choice failed");
            None
        })
    }

    /// The language for a reply with no question text to go by.
    fn ui_lang(&self, chat: ChatId, language_code: Option<&str>) -> Lang {
        self.lang_pref(chat)
            .unwrap_or_else(|| lang_from_code(language_code))
    }

    fn is_admin(&self, user: Option<u64>) -> bool {
        user.is_some_and(|u| self.admins.contains(&u))
    }

    fn subscriptions(&self, chat: ChatId) -> Vec<Topic> {
        self.store.subscriptions(chat.0).unwrap_or_else(|e| {
            tracing::error!(chat_id = chat.0, error = %e, "reading subscriptions failed");
            Vec::new()
        })
    }

    fn follows(&self, chat: ChatId, scheme: &Scheme) -> bool {
        self.subscriptions(chat)
            .iter()
            .any(|t| matches!(t, Topic::Scheme(id) if *id == scheme.id))
    }

    /// A store read on the blocking pool (for the slow ones: the gaps report).
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> anyhow::Result<T> {
        let store = Arc::clone(&self.store);
        Ok(tokio::task::spawn_blocking(move || f(&store)).await??)
    }

    /// A scheme's card with its follow / stop-following button for this chat.
    fn scheme_card(&self, chat: ChatId, scheme: &Scheme, lang: Lang) -> Reply {
        card(
            scheme,
            self.engine.corpus(),
            lang,
            self.follows(chat, scheme),
        )
    }

    /// A short answer's section `section` about `scheme`, with this chat's follow button.
    fn brief_card(&self, chat: ChatId, scheme: &Scheme, section: Section, lang: Lang) -> Reply {
        let mut reply = ui::brief(scheme, section, self.engine.corpus(), lang);
        add_follow_button(scheme, self.follows(chat, scheme), lang, &mut reply);
        reply
    }
}

/// A scheme's card with its follow (`following == false`) or stop-following button.
fn card(scheme: &Scheme, corpus: &Corpus, lang: Lang, following: bool) -> Reply {
    let mut card = ui::scheme_screen(scheme, corpus, lang);
    card.buttons.insert(
        card.buttons.len().saturating_sub(1),
        vec![ui::follow_button(scheme, following, lang)],
    );
    card
}

/// Puts the follow / stop-following button above a short answer's 👍/👎 row (the last).
fn add_follow_button(scheme: &Scheme, following: bool, lang: Lang, reply: &mut Reply) {
    reply.buttons.insert(
        reply.buttons.len().saturating_sub(1),
        vec![ui::follow_button(scheme, following, lang)],
    );
}

/// A scheme by id (`techtas`, `raise_plus`, `/scheme_raise_plus`) or else by name, the way a
/// question would find it.
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
    match crate::api::answer_on_pool(engine, q, None, 1, None)
        .await?
        .found
    {
        Found::Schemes(hits) | Found::Suggestions(hits) => hits.first().map(|h| h.scheme),
        Found::Compare(schemes) => schemes.first().copied(),
        Found::List(_)
        | Found::Filtered(_)
        | Found::Match
        | Found::SmallTalk(_)
        | Found::Nothing => None,
    }
}

/// A reply to send.
fn reply(to: Target, reply: Reply) -> Effect {
    Effect::Reply { to, reply }
}

/// A store change that the effects after it do not depend on.
fn change(change: Change) -> Effect {
    Effect::Store {
        change,
        then: Then::Continue,
    }
}

/// A store change; when it is not made, `instead` replaces the effects after it.
fn change_or(change: Change, instead: Effect) -> Effect {
    Effect::Store {
        change,
        then: Then::OrElse(vec![instead]),
    }
}

/// A store change and what follows from its result (`None`: it was not made).
fn change_then(
    change: Change,
    then: impl FnOnce(Option<Written>) -> Vec<Effect> + Send + 'static,
) -> Effect {
    Effect::Store {
        change,
        then: Then::With(Box::new(then)),
    }
}

/// A message addressed to the bot, as its decision sees it.
#[derive(Debug)]
struct Incoming {
    request: Request,
    /// The chat it came from (an anonymous group admin, or a member posting as a channel,
    /// acts as this chat).
    chat: ChatId,
    /// The sender's user id; `None` for someone acting as a chat.
    user: Option<u64>,
    /// Where the answer goes.
    target: Target,
    /// The language for screens.
    ui: Lang,
    /// The bot's username.
    me: String,
}

/// What a message is, decided at once, before the flood guard.
#[derive(Debug)]
enum Addressed {
    /// Not for the bot.
    Ignore,
    /// A group became a supergroup.
    Migrate { from: i64, to: i64 },
    /// For the bot.
    ToUs(Incoming),
}

/// Decides whether a message is for the bot, and what it asks.
fn address(msg: &Message, me: &Me, view: &View) -> Addressed {
    let chat = msg.chat.id;
    // A group that became a supergroup: its settings, subscriptions and notices follow it.
    if let MessageKind::Common(common) = &msg.kind
        && let MediaKind::Migration(migration) = &common.media_kind
    {
        let (from, to) = match migration {
            ChatMigration::To { chat_id } => (chat.0, chat_id.0),
            ChatMigration::From { chat_id } => (chat_id.0, chat.0),
        };
        return Addressed::Migrate { from, to };
    }
    // Channels, other bots, and cards people post through this bot's inline mode (which would
    // otherwise be "answered" in the chat they were posted to). An anonymous group admin
    // (from = GroupAnonymousBot) and a member posting as a channel carry `sender_chat`: they
    // are people, acting as that chat.
    let via_us = msg.via_bot.as_ref().is_some_and(|b| b.id == me.user.id);
    let from_a_bot = msg.sender_chat.is_none() && msg.from.as_ref().is_some_and(|u| u.is_bot);
    if msg.chat.is_channel() || from_a_bot || via_us {
        return Addressed::Ignore;
    }
    let me_name = me.user.username.clone().unwrap_or_default();
    let private = msg.chat.is_private();
    let reply_to_bot = msg
        .reply_to_message()
        .and_then(|r| r.from.as_ref())
        .is_some_and(|u| u.id == me.user.id);
    let Some(request) = classify(msg, &me_name, private, reply_to_bot) else {
        tracing::trace!(chat_id = chat.0, "not addressed to the bot");
        return Addressed::Ignore;
    };
    let language_code = msg.from.as_ref().and_then(|u| u.language_code.as_deref());
    Addressed::ToUs(Incoming {
        request,
        chat,
        user: msg
            .from
            .as_ref()
            .filter(|_| msg.sender_chat.is_none())
            .map(|u| u.id.0),
        target: reply_target(msg),
        ui: view.ui_lang(chat, language_code),
        me: me_name,
    })
}

/// What an addressed message makes happen.
async fn decide_message(incoming: Incoming, view: &View) -> Vec<Effect> {
    let Incoming {
        request,
        chat,
        user,
        target,
        ui,
        me,
    } = incoming;
    match request {
        Request::Command(command) => {
            tracing::info!(chat_id = chat.0, command = %command, "command");
            decide_command(view, chat, target, user, command, ui, &me).await
        }
        Request::UnknownCommand => vec![reply(target, ui::unknown_command(ui))],
        Request::Media => vec![reply(target, ui::media_hint(ui))],
        Request::Question(text) => decide_question(view, chat, target, &text, ui).await,
    }
}

/// The answer to a question, then (once it is sent) the conversation's turn saved: a locked
/// database delays the context, never the answer. The chat's next message waits for it
/// (messages of a chat run in order).
async fn decide_question(
    view: &View,
    chat: ChatId,
    target: Target,
    text: &str,
    ui: Lang,
) -> Vec<Effect> {
    let question = sanitize(text);
    if !has_words(&question) {
        return vec![reply(target, ui::words_please(ui))];
    }
    let now = view.now;
    let ttl = CONTEXT_TTL_SECONDS * 1000;
    let conversation = view
        .store
        .conversation(chat.0, now, ttl)
        .unwrap_or_else(|e| {
            tracing::error!(chat_id = chat.0, error = %e, "reading the conversation failed");
            Conversation::default()
        });
    let engine = &view.engine;
    // The chat's choice, else the question's script; Chinese common to both scripts (科技券)
    // follows the user's app language.
    let lang = view
        .lang_pref(chat)
        .unwrap_or_else(|| Lang::detect_with(&question, ui));
    let Some(a) = crate::api::answer_on_pool(
        engine,
        question.clone(),
        Some(lang),
        DEFAULT_LIMIT,
        conversation.context.clone(),
    )
    .await
    else {
        return vec![reply(target, ui::sorry(ui))];
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
    let turn = TurnToSave {
        chat: chat.0,
        question,
        context,
        gap: gap.map(|g| (g, ids)),
        comment_on,
        now,
    };

    let mut answer = match &a.found {
        Found::List(None) => ui::browse_menu(corpus, a.lang),
        found => {
            let mut answer = render(&a, corpus);
            if let Found::Schemes(hits) = found
                && let Some(best) = hits.first()
            {
                let scheme = &corpus.schemes[best.scheme];
                add_follow_button(scheme, view.follows(chat, scheme), a.lang, &mut answer);
            }
            answer
        }
    };
    if comment_on.is_some() {
        ui::prepend_note(&mut answer, &ui::comment_noted(a.lang));
    }
    vec![reply(target, answer), change(Change::SaveTurn(turn))]
}

/// What a command makes happen: one reply, after the store change it asks for (when the
/// change fails, an apology instead).
async fn decide_command(
    view: &View,
    chat: ChatId,
    target: Target,
    user: Option<u64>,
    command: Command,
    ui: Lang,
    me: &str,
) -> Vec<Effect> {
    let engine = Arc::clone(&view.engine);
    let corpus = engine.corpus();
    let one = |r: Reply| vec![reply(target, r)];
    match command {
        Command::Start { payload } => {
            // /start begins a new conversation: "how much?" no longer means the last scheme.
            let key = payload.map(|p| p.to_ascii_lowercase().replace('_', "-"));
            let screen = match key.as_deref().and_then(|k| corpus.get(k)) {
                Some(scheme) => view.scheme_card(chat, scheme, ui),
                None => ui::welcome(corpus, ui),
            };
            vec![
                change(Change::ClearContext { chat: chat.0 }),
                reply(target, screen),
            ]
        }
        Command::Help => one(ui::help(ui, me)),
        Command::Schemes => one(ui::browse_menu(corpus, ui)),
        Command::Scheme { query } if !has_words(&query) => one(ui::scheme_usage(ui)),
        Command::Scheme { query } => {
            // A name typed in Chinese gets a Chinese card, unless the chat chose a language.
            let lang = match view.lang_pref(chat) {
                Some(l) => l,
                None if query.chars().any(crate::text::is_han) => Lang::detect_with(&query, ui),
                None => ui,
            };
            one(match find_scheme(&engine, &query).await {
                Some(i) => view.scheme_card(chat, &corpus.schemes[i], lang),
                None => no_match(lang),
            })
        }
        Command::Subscribe { arg } if !has_words(&arg) => one(ui::subscribe_menu(ui)),
        Command::Subscribe { arg } => {
            let lang = if arg.chars().any(crate::text::is_han) && view.lang_pref(chat).is_none() {
                Lang::detect_with(&arg, ui)
            } else {
                ui
            };
            let Some(topic) = resolve_topic(&engine, &arg).await else {
                return one(ui::unknown_topic(&sanitize(&arg), lang));
            };
            let subscribe = Change::Subscribe {
                chat: chat.0,
                topic: topic.clone(),
                lang,
                thread: target.thread,
            };
            let engine = Arc::clone(&engine);
            vec![change_then(subscribe, move |written| {
                vec![reply(
                    target,
                    match written {
                        Some(Written::Added(added)) => {
                            ui::subscribed(&topic, engine.corpus(), added, lang)
                        }
                        // Not saved: say so, never "subscribed" or "already subscribed".
                        _ => ui::sorry(lang),
                    },
                )]
            })]
        }
        Command::Unsubscribe { arg } if !has_words(&arg) => one(ui::subscriptions_screen(
            &view.subscriptions(chat),
            corpus,
            ui,
        )),
        Command::Unsubscribe { arg } if is_everything(&arg) => vec![change_then(
            Change::UnsubscribeAll { chat: chat.0 },
            move |written| {
                vec![reply(
                    target,
                    match written {
                        Some(Written::RemovedAll(n)) => ui::unsubscribed_all(n, ui),
                        _ => ui::sorry(ui),
                    },
                )]
            },
        )],
        Command::Unsubscribe { arg } => match resolve_topic(&engine, &arg).await {
            Some(topic) => {
                let label = ui::topic_label(&topic, corpus, ui);
                let unsubscribe = Change::Unsubscribe {
                    chat: chat.0,
                    topic,
                };
                vec![change_then(unsubscribe, move |written| {
                    vec![reply(
                        target,
                        match written {
                            Some(Written::Removed(removed)) => {
                                ui::unsubscribed(&label, removed, ui)
                            }
                            _ => ui::sorry(ui),
                        },
                    )]
                })]
            }
            None => one(ui::unknown_topic(&sanitize(&arg), ui)),
        },
        Command::Subscriptions => one(ui::subscriptions_screen(
            &view.subscriptions(chat),
            corpus,
            ui,
        )),
        Command::Reload | Command::Stats | Command::Gaps | Command::Broadcast { .. }
            if !view.is_admin(user) =>
        {
            tracing::warn!(chat_id = chat.0, user_id = user, command = %command, "admin command refused");
            one(ui::not_allowed(ui))
        }
        Command::Reload => vec![Effect::Reload {
            then: Box::new(move |reloaded| {
                vec![reply(
                    target,
                    match reloaded {
                        super::Reloaded::Ok { schemes, published } => {
                            ui::reloaded(schemes, published.changes, published.notices, ui)
                        }
                        super::Reloaded::Refused(why) => ui::reload_refused(&why, ui),
                    },
                )]
            }),
        }],
        Command::Gaps => {
            let since = view.now - crate::store::GAPS_RETENTION_MS;
            one(
                match view.read(move |s| s.gaps(since, ui::GAPS_SHOWN)).await {
                    Ok(groups) => ui::gaps(&groups, ui),
                    Err(e) => {
                        tracing::error!(error = %e, "reading the gaps log failed");
                        ui::sorry(ui)
                    }
                },
            )
        }
        Command::Match => one(ui::match_who(ui)),
        Command::Stats => one(match view.store.stats() {
            Ok(stats) => ui::stats(&stats, corpus, ui),
            Err(e) => {
                tracing::error!(error = %e, "reading statistics failed");
                ui::sorry(ui)
            }
        }),
        Command::Broadcast { text } if !has_words(&text) => one(ui::broadcast_usage(ui)),
        Command::Broadcast { text } => {
            let draft = Change::CreateBroadcast {
                admin: i64::try_from(user.unwrap_or_default()).unwrap_or_default(),
                text: text.clone(),
                now: view.now,
            };
            vec![change_then(draft, move |written| {
                vec![reply(
                    target,
                    match written {
                        Some(Written::Drafted { id, recipients }) => {
                            ui::broadcast_preview(id, &text, recipients, ui)
                        }
                        _ => ui::sorry(ui),
                    },
                )]
            })]
        }
        Command::Funding => one(ui::funding(corpus, ui)),
        Command::Lang => one(ui::lang_menu(view.lang_pref(chat), ui)),
        Command::About => one(ui::about(corpus, ui)),
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
    let i = find_scheme(engine, arg).await?;
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

/// Where a screen about the message a button sits under goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// In place of that message.
    Edit { to: Target, message: i32 },
    /// As a new message in its chat and topic (it is too old to edit).
    New(Target),
    /// Nowhere: a message sent through inline mode (its results carry no callback buttons).
    Nowhere,
}

impl Place {
    fn of(message: Option<&MaybeInaccessibleMessage>) -> Place {
        match message {
            Some(MaybeInaccessibleMessage::Regular(m)) => Place::Edit {
                to: message_target(message, m.chat.id),
                message: m.id.0,
            },
            Some(old) => Place::New(message_target(message, old.chat().id)),
            None => Place::Nowhere,
        }
    }

    /// Shows `screen` there.
    fn show(self, screen: Reply) -> Option<Effect> {
        match self {
            Place::Edit { to, message } => Some(Effect::Edit {
                to,
                message,
                screen,
            }),
            Place::New(to) => Some(reply(to, screen)),
            Place::Nowhere => None,
        }
    }
}

/// The bot's own membership in a chat changed: a user blocked (`kicked`) or unblocked it, or it
/// was removed from or added to a group. Delivery stops and resumes accordingly.
pub(crate) async fn on_membership<R: Api>(
    bot: R,
    update: ChatMemberUpdated,
    state: Arc<State>,
) -> HandlerResult {
    metrics::global().update("my_chat_member");
    perform(&state, &bot, decide_membership(&update), None).await;
    Ok(())
}

/// Records whether the bot can write to the chat, and wakes the delivery worker when it can.
fn decide_membership(update: &ChatMemberUpdated) -> Vec<Effect> {
    let active = match update.new_chat_member.kind {
        ChatMemberKind::Banned(_) | ChatMemberKind::Left => false,
        ChatMemberKind::Owner(_)
        | ChatMemberKind::Administrator(_)
        | ChatMemberKind::Member(_)
        | ChatMemberKind::Restricted(_) => true,
    };
    let mut effects = vec![change(Change::SetActive {
        chat: update.chat.id.0,
        active,
    })];
    if active {
        effects.push(Effect::WakeDelivery);
    }
    effects
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
/// chat's flood limit; the work (deciding, which may search, and performing, which may wait
/// for the chat's send pace) runs in its own task, in the chat's order
/// ([`State::in_chat_order`]), so one busy chat never holds up the dispatcher and with it
/// every other chat.
pub(crate) async fn on_message<R: Api>(
    bot: R,
    msg: Message,
    me: Me,
    state: Arc<State>,
    ticket: Ticket,
) -> HandlerResult {
    metrics::global().update("message");
    let chat = msg.chat.id;
    let st = Arc::clone(&state);
    let incoming = match address(&msg, &me, &state.view()) {
        Addressed::Ignore => return Ok(()),
        Addressed::Migrate { from, to } => {
            let effects = vec![change(Change::Migrate { from, to })];
            state.in_chat_order(chat, ticket, async move {
                perform(&st, &bot, effects, None).await;
            });
            return Ok(());
        }
        Addressed::ToUs(incoming) => incoming,
    };
    let sent_at = Duration::from_secs(u64::try_from(msg.date.timestamp()).unwrap_or(0));
    let verdict = state
        .flood
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .check(chat, sent_at);
    let (target, ui) = (incoming.target, incoming.ui);
    match verdict {
        Verdict::Allow => {
            state.in_chat_order(chat, ticket, async move {
                let (apology, apology_bot) = (Arc::clone(&st), bot.clone());
                let work = async move {
                    let started = Instant::now();
                    let effects = decide_message(incoming, &st.view()).await;
                    perform(&st, &bot, effects, Some(started)).await;
                };
                let sorry = vec![reply(target, ui::sorry(ui))];
                let _ = isolate("message", work, async move {
                    perform(&apology, &apology_bot, sorry, None).await;
                })
                .await;
            });
        }
        Verdict::Warn => {
            tracing::info!(chat_id = chat.0, "chat is flooding; asking it to slow down");
            let effects = vec![reply(target, ui::slow_down(ui))];
            state.in_chat_order(chat, ticket, async move {
                perform(&st, &bot, effects, None).await;
            });
        }
        Verdict::Drop => {
            tracing::debug!(chat_id = chat.0, "dropping a message from a flooding chat");
        }
    }
    Ok(())
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
            let notice = Some(ui::slow_down(lang).plain);
            perform(&state, &bot, vec![answer_callback(&q, notice)], None).await;
            return Ok(());
        }
        Verdict::Drop => {
            perform(&state, &bot, vec![answer_callback(&q, None)], None).await;
            return Ok(());
        }
    }
    let st = Arc::clone(&state);
    state.in_chat_order(key, ticket, async move {
        let (apology, apology_bot) = (Arc::clone(&st), bot.clone());
        let answered = vec![answer_callback(&q, None)];
        let work = async move {
            let effects = decide_callback(&q, &st.view());
            perform(&st, &bot, effects, None).await;
        };
        let _ = isolate("callback query", work, async move {
            perform(&apology, &apology_bot, answered, None).await;
        })
        .await;
    });
    Ok(())
}

/// The answer to button press `q`, with an optional toast.
fn answer_callback(q: &CallbackQuery, notice: Option<String>) -> Effect {
    Effect::AnswerCallback {
        id: q.id.clone(),
        notice,
    }
}

/// The answer to button press `id`, with a toast.
fn toast_for(id: CallbackQueryId, notice: String) -> Effect {
    Effect::AnswerCallback {
        id,
        notice: Some(notice),
    }
}

/// What a button press makes happen: its answer (a toast, or nothing), then the screen in
/// place of the message the button sits under. A press whose store change fails gets an
/// apology as its answer, and nothing else.
fn decide_callback(q: &CallbackQuery, view: &View) -> Vec<Effect> {
    let chat = q.message.as_ref().map(|m| m.chat().id);
    let user_lang = lang_from_code(q.from.language_code.as_deref());
    let pref = chat.and_then(|c| view.lang_pref(c));
    let data = q.data.as_deref().and_then(CallbackData::parse);
    let lang = pref
        .or_else(|| data.as_ref().and_then(|d| d.lang))
        .unwrap_or(user_lang);
    tracing::info!(
        chat_id = chat.map(|c| c.0),
        data = q.data.as_deref().unwrap_or(""),
        "button"
    );
    let toast = |notice: String| vec![answer_callback(q, Some(notice))];
    let Some(data) = data else {
        return toast(ui::expired_button(lang));
    };
    let engine = Arc::clone(&view.engine);
    let corpus = engine.corpus();
    // Callback data comes from the client and can be forged: a scheme to follow must exist.
    if let Action::Subscribe(Topic::Scheme(id)) = &data.action
        && corpus.get(id).is_none()
    {
        tracing::warn!(chat_id = chat.map(|c| c.0), scheme = %id, "a button names no scheme");
        return toast(ui::scheme_gone(lang));
    }
    let place = Place::of(q.message.as_ref());
    let user = q.from.id.0;
    let screen = match data.action {
        Action::Scheme(id) => match (corpus.get(&id), chat) {
            (Some(scheme), Some(chat)) => view.scheme_card(chat, scheme, lang),
            (Some(scheme), None) => ui::scheme_screen(scheme, corpus, lang),
            (None, _) => return toast(ui::scheme_gone(lang)),
        },
        Action::Browse => ui::browse_menu(corpus, lang),
        Action::SubscribeMenu => ui::subscribe_menu(lang),
        Action::Subscribe(_)
        | Action::Unsubscribe(_)
        | Action::UnsubscribeAll
        | Action::Subscriptions
            if chat.is_none() =>
        {
            return toast(ui::expired_button(lang));
        }
        Action::Subscribe(topic) => {
            let chat = chat.unwrap_or(ChatId(0));
            let thread = match q.message.as_ref() {
                Some(MaybeInaccessibleMessage::Regular(m)) => topic_of(m),
                _ => None,
            };
            let subscribe = Change::Subscribe {
                chat: chat.0,
                topic: topic.clone(),
                lang,
                thread,
            };
            let id = q.id.clone();
            return vec![change_then(subscribe, move |written| {
                let Some(Written::Added(added)) = written else {
                    return vec![toast_for(id, ui::sorry(lang).plain)];
                };
                let corpus = engine.corpus();
                // A card keeps its text; only its button flips.
                let screen = match &topic {
                    Topic::Scheme(scheme) => {
                        corpus.get(scheme).map(|s| card(s, corpus, lang, true))
                    }
                    _ => Some(ui::subscribed(&topic, corpus, added, lang)),
                };
                let mut effects = vec![toast_for(id, ui::toggled(true, added, lang))];
                effects.extend(screen.and_then(|s| place.show(s)));
                effects
            })];
        }
        Action::Unsubscribe(topic) => {
            let chat = chat.unwrap_or(ChatId(0));
            let unsubscribe = Change::Unsubscribe {
                chat: chat.0,
                topic: topic.clone(),
            };
            // What the chat follows once this topic is dropped.
            let mut left = view.subscriptions(chat);
            left.retain(|t| *t != topic);
            let on_card = is_card(q.message.as_ref());
            let id = q.id.clone();
            return vec![change_then(unsubscribe, move |written| {
                let Some(Written::Removed(removed)) = written else {
                    return vec![toast_for(id, ui::sorry(lang).plain)];
                };
                let corpus = engine.corpus();
                let screen = match &topic {
                    Topic::Scheme(scheme) if on_card => {
                        corpus.get(scheme).map(|s| card(s, corpus, lang, false))
                    }
                    _ => Some(ui::subscriptions_screen(&left, corpus, lang)),
                };
                let mut effects = vec![toast_for(id, ui::toggled(false, removed, lang))];
                effects.extend(screen.and_then(|s| place.show(s)));
                effects
            })];
        }
        Action::UnsubscribeAll => {
            let chat = chat.unwrap_or(ChatId(0));
            let id = q.id.clone();
            return vec![change_then(
                Change::UnsubscribeAll { chat: chat.0 },
                move |written| {
                    let Some(Written::RemovedAll(n)) = written else {
                        return vec![toast_for(id, ui::sorry(lang).plain)];
                    };
                    let mut effects = vec![toast_for(id, ui::toggled(false, n > 0, lang))];
                    effects.extend(place.show(ui::unsubscribed_all(n, lang)));
                    effects
                },
            )];
        }
        Action::Subscriptions => {
            // Sent as a new message: this button sits under notices, which must stay readable.
            let chat = chat.unwrap_or(ChatId(0));
            let screen = ui::subscriptions_screen(&view.subscriptions(chat), corpus, lang);
            return vec![
                answer_callback(q, None),
                reply(message_target(q.message.as_ref(), chat), screen),
            ];
        }
        Action::BroadcastSend(_) | Action::BroadcastCancel(_) if !view.is_admin(Some(user)) => {
            return toast(ui::not_allowed(lang).plain);
        }
        Action::BroadcastSend(id) => {
            let queue = Change::QueueBroadcast {
                id,
                admin: i64::try_from(user).unwrap_or_default(),
                now: view.now,
            };
            let answered = answer_callback(q, None);
            return vec![change_then(queue, move |written| {
                let queued = match written {
                    Some(Written::Queued(queued)) => queued,
                    _ => None,
                };
                let mut effects = Vec::new();
                if queued.is_some() {
                    effects.push(Effect::WakeDelivery);
                }
                effects.push(answered);
                effects.extend(place.show(ui::broadcast_done(queued, lang)));
                effects
            })];
        }
        Action::BroadcastCancel(id) => {
            let admin = i64::try_from(user).unwrap_or_default();
            let mut effects = vec![
                change(Change::CancelBroadcast { id, admin }),
                answer_callback(q, None),
            ];
            effects.extend(place.show(ui::broadcast_cancelled(lang)));
            return effects;
        }
        Action::Category(c) => ui::category_screen(corpus, c, lang),
        Action::Section(id, section) => match (corpus.get(&id), chat) {
            (Some(scheme), Some(chat)) => view.brief_card(chat, scheme, section, lang),
            (Some(scheme), None) => ui::brief(scheme, section, corpus, lang),
            (None, _) => return toast(ui::scheme_gone(lang)),
        },
        Action::Match(step) => match step {
            MatchStep::Who => ui::match_who(lang),
            MatchStep::Need(who) => ui::match_need(corpus, who, lang),
            MatchStep::Result(who, need) => ui::match_result(corpus, who, need, lang),
        },
        Action::Feedback(_, _) | Action::SkipFeedback if chat.is_none() => {
            return toast(ui::expired_button(lang));
        }
        Action::Feedback(id, up) => {
            let chat = chat.unwrap_or(ChatId(0));
            if corpus.get(&id).is_none() {
                return toast(ui::scheme_gone(lang));
            }
            metrics::global().feedback(up);
            tracing::info!(chat_id = chat.0, scheme = %id, up, "feedback");
            if up {
                return toast(ui::thanks_for_feedback(lang));
            }
            let downvote = Change::Downvote {
                chat: chat.0,
                scheme: id,
                now: view.now,
            };
            return vec![
                change_or(downvote, answer_callback(q, Some(ui::sorry(lang).plain))),
                answer_callback(q, Some(ui::thanks_for_feedback(lang))),
                reply(
                    message_target(q.message.as_ref(), chat),
                    ui::what_was_missing(lang),
                ),
            ];
        }
        Action::SkipFeedback => {
            let skip = Change::SkipFeedback {
                chat: chat.unwrap_or(ChatId(0)).0,
                now: view.now,
            };
            let mut effects = vec![change(skip), answer_callback(q, None)];
            effects.extend(place.show(ui::feedback_skipped(lang)));
            return effects;
        }
        Action::LangMenu => ui::lang_menu(pref, lang),
        Action::SetLang(choice) => {
            let Some(chat) = chat else {
                return toast(ui::expired_button(lang));
            };
            let set = Change::SetLang {
                chat: chat.0,
                lang: choice,
            };
            let mut effects = vec![
                change_or(set, answer_callback(q, Some(ui::sorry(lang).plain))),
                answer_callback(q, Some(ui::lang_chosen(choice, lang))),
            ];
            effects.extend(place.show(ui::lang_chosen_reply(choice, lang)));
            return effects;
        }
    };
    let mut effects = vec![answer_callback(q, None)];
    effects.extend(place.show(screen));
    effects
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
    let work = async move {
        let effects = decide_inline(&q, &state.view()).await;
        perform(&state, &bot, effects, None).await;
    };
    isolate("inline query", work, async {}).await
}

/// The scheme cards offered for an inline query.
async fn decide_inline(q: &InlineQuery, view: &View) -> Vec<Effect> {
    let engine = &view.engine;
    let corpus = engine.corpus();
    let query = sanitize(&q.query);
    let pref = i64::try_from(q.from.id.0)
        .ok()
        .and_then(|id| view.lang_pref(ChatId(id)));
    let user_lang = lang_from_code(q.from.language_code.as_deref());
    let (lang, schemes) = if has_words(&query) {
        match crate::api::answer_on_pool(engine, query, pref, INLINE_RESULTS, None).await {
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
    vec![Effect::AnswerInline {
        id: q.id.clone(),
        results,
        personal: pref.is_some(),
    }]
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
mod tests;
