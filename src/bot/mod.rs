//! The Telegram bot (`schemebot serve`): the only part of the crate that knows teloxide.
//!
//! Data flow: long polling → [`schema`] (a thin dptree tree) → `handlers` (extract the text, the
//! chat and the language, call [`crate::answer::answer`] or build a bot screen from `texts`) →
//! [`crate::render::Reply`] → `handlers::send`/`edit` (Telegram HTML, keyboard on the last part,
//! plain-text retry when Telegram rejects the HTML).
//!
//! - `commands`: parsing `/commands` and group mentions (pure).
//! - `callback`: the inline-button data format (pure).
//! - `flood`: the per-chat flood guard (pure, time injected).
//! - `prefs`: per-chat language choice, persisted as JSON in the data folder.
//! - `texts`: bot-only wording and screens (pure).
//! - `handlers`: the endpoints and the send/edit helpers.
//!
//! Invariants: every callback query is answered; a failing send is logged and never stops the
//! bot; the token is only held by the `Bot` value and never logged (teloxide redacts it from its
//! own network errors, and this crate does not bridge the `log` crate, so reqwest's URL logs go
//! nowhere); handlers are generic over [`Api`], so the production stack
//! (`CacheMe<Throttle<Bot>>`) and a plain `Bot` run the same code.
//!
//! Ignored on purpose: edited messages (answering an edit would send a second answer to a
//! question already answered; people re-send instead), channel posts, service messages, and
//! group messages that neither mention the bot, reply to it nor carry a command.

mod callback;
mod commands;
mod flood;
mod handlers;
mod prefs;
mod texts;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use teloxide::RequestError;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::{Dispatcher, UpdateFilterExt, UpdateHandler};
use teloxide::prelude::{Requester, RequesterExt};
use teloxide::types::{BotCommand, ChatId, Update};
use teloxide::update_listeners::Polling;
use teloxide::{Bot, dptree};

pub use flood::FloodLimit;

use crate::search::Engine;
use flood::FloodGuard;
use prefs::Prefs;

/// The long-polling timeout. It must stay below the HTTP client's 17 s total timeout.
const POLL_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a graceful stop may take before the bot gives up waiting for in-flight updates.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The Bot API calls the handlers make, with the `Send` futures the dispatcher needs. Any
/// `Requester` stack over `Bot` qualifies (e.g. `Bot`, `CacheMe<Throttle<Bot>>`).
pub trait Api:
    Requester<
        Err = RequestError,
        GetMe: Send,
        GetUpdates: Send,
        GetWebhookInfo: Send,
        DeleteWebhook: Send,
        SendMessage: Send,
        EditMessageText: Send,
        AnswerCallbackQuery: Send,
        AnswerInlineQuery: Send,
        SetMyCommands: Send,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Api for T where
    T: Requester<
            Err = RequestError,
            GetMe: Send,
            GetUpdates: Send,
            GetWebhookInfo: Send,
            DeleteWebhook: Send,
            SendMessage: Send,
            EditMessageText: Send,
            AnswerCallbackQuery: Send,
            AnswerInlineQuery: Send,
            SetMyCommands: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// The bot token; its `Debug` never shows it.
#[derive(Clone)]
struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Everything `serve` needs besides the engine, resolved and validated up front so a
/// misconfiguration fails before the index is opened.
#[derive(Clone, Debug)]
pub struct Config {
    token: Token,
    api_url: Option<url::Url>,
    /// Where per-chat preferences are kept.
    pub data_dir: PathBuf,
    /// The per-chat flood limit.
    pub flood: FloodLimit,
}

impl Config {
    /// Reads the token from `TELOXIDE_TOKEN` and the Bot API base URL from `TELOXIDE_API_URL`
    /// (optional; for a local Bot API server or a fake one in tests).
    pub fn from_env(data_dir: PathBuf, flood: FloodLimit) -> anyhow::Result<Config> {
        let token = match std::env::var("TELOXIDE_TOKEN") {
            Ok(t) if !t.trim().is_empty() => t.trim().to_owned(),
            Ok(_) | Err(std::env::VarError::NotPresent) => {
                anyhow::bail!("TELOXIDE_TOKEN is not set: put the bot token from @BotFather in it")
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                anyhow::bail!("TELOXIDE_TOKEN is not valid UTF-8")
            }
        };
        let well_formed = token.split_once(':').is_some_and(|(id, secret)| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !secret.is_empty()
        }) && !token.chars().any(|c| c.is_whitespace() || c == '/');
        if !well_formed {
            anyhow::bail!(
                "TELOXIDE_TOKEN does not look like a bot token (expected <bot id>:<secret>)"
            );
        }
        let api_url = match std::env::var("TELOXIDE_API_URL") {
            Ok(raw) if !raw.trim().is_empty() => Some(parse_api_url(raw.trim())?),
            _ => None,
        };
        Ok(Config {
            token: Token(token),
            api_url,
            data_dir,
            flood,
        })
    }
}

fn parse_api_url(raw: &str) -> anyhow::Result<url::Url> {
    // A trailing slash would produce `//bot<token>/...` (teloxide appends path segments).
    let url = url::Url::parse(raw.trim_end_matches('/'))
        .with_context(|| format!("TELOXIDE_API_URL {raw:?} is not a URL"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base(),
        "TELOXIDE_API_URL {raw:?} must be an http(s) URL"
    );
    Ok(url)
}

/// What every handler shares.
pub(crate) struct State {
    pub(crate) engine: Arc<Engine>,
    pub(crate) prefs: Prefs,
    pub(crate) flood: Mutex<FloodGuard<ChatId>>,
}

/// The dispatching tree. Adding an update kind (e.g. `my_chat_member` for subscriptions) is one
/// more branch here.
pub(crate) fn schema<R: Api>() -> UpdateHandler<anyhow::Error> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(handlers::on_message::<R>))
        .branch(Update::filter_callback_query().endpoint(handlers::on_callback::<R>))
        .branch(Update::filter_inline_query().endpoint(handlers::on_inline::<R>))
}

/// Runs the bot until SIGTERM or Ctrl-C.
pub fn serve(engine: Engine, config: Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(run(engine, config));
    // Background tasks (the throttle worker, idle chat workers) must not hold up the exit.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn run(engine: Engine, config: Config) -> anyhow::Result<()> {
    // Listen for signals first: a SIGTERM during start-up is a clean stop too.
    let mut stop = StopSignal::listen()?;
    let mut bot = Bot::with_client(
        config.token.0.clone(),
        teloxide::net::default_reqwest_settings().build()?,
    );
    if let Some(url) = &config.api_url {
        bot = bot.set_api_url(url.clone());
    }
    let bot = bot.throttle(Limits::default()).cache_me();

    let me = tokio::select! {
        me = bot.get_me() => me.context("asking Telegram who the bot is (getMe); check TELOXIDE_TOKEN")?,
        () = stop.recv() => return Ok(()),
    };
    tracing::info!(
        username = me.user.username.as_deref().unwrap_or(""),
        "connected to Telegram"
    );
    tokio::select! {
        () = set_commands(&bot) => {}
        () = stop.recv() => return Ok(()),
    }

    let state = Arc::new(State {
        engine: Arc::new(engine),
        prefs: Prefs::open(&config.data_dir),
        flood: Mutex::new(FloodGuard::new(config.flood)),
    });
    let mut dispatcher = Dispatcher::builder(
        bot.clone(),
        schema::<teloxide::adaptors::CacheMe<teloxide::adaptors::Throttle<Bot>>>(),
    )
    .dependencies(dptree::deps![state])
    .default_handler(|update| async move {
        tracing::debug!(
            update_id = update.id.0,
            "ignoring an update the bot does not handle"
        );
    })
    .error_handler(Arc::new(|e: anyhow::Error| async move {
        tracing::error!(error = format!("{e:#}"), "handler failed");
    }))
    .build();
    let shutdown = dispatcher.shutdown_token();
    let listener = Polling::builder(bot.clone())
        .timeout(POLL_TIMEOUT)
        .delete_webhook()
        .await
        .build();
    let listener_errors = Arc::new(|e: RequestError| async move {
        tracing::warn!(error = %e, "getting updates failed; retrying");
    });
    let dispatch = dispatcher.try_dispatch_with_listener(listener, listener_errors);
    tokio::pin!(dispatch);
    tracing::info!("polling for updates");
    tokio::select! {
        done = &mut dispatch => done.context("starting to dispatch updates")?,
        () = stop.recv() => {
            tracing::info!("stopping");
            // When the dispatcher has not started yet, shutting down fails and dropping the
            // future is the clean stop.
            if shutdown.shutdown().is_ok()
                && tokio::time::timeout(STOP_GRACE, &mut dispatch).await.is_err()
            {
                tracing::warn!("in-flight updates did not finish in time");
            }
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// Publishes the command menu in English (the default) and Chinese (`language_code` "zh").
/// Failure is logged, not fatal: the bot works without a menu.
async fn set_commands<R: Api>(bot: &R) {
    for (lang, code) in [
        (crate::text::Lang::En, None),
        (crate::text::Lang::ZhHant, Some("zh")),
    ] {
        let commands: Vec<BotCommand> = texts::menu(lang)
            .into_iter()
            .map(|(name, description)| BotCommand::new(name, description))
            .collect();
        let mut request = bot.set_my_commands(commands);
        if let Some(code) = code {
            request = teloxide::payloads::SetMyCommandsSetters::language_code(request, code);
        }
        if let Err(e) = request.await {
            tracing::warn!(error = %e, language = code.unwrap_or("default"), "setting the command menu failed");
        }
    }
}

/// SIGTERM or Ctrl-C (SIGINT).
struct StopSignal {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignal {
    fn listen() -> anyhow::Result<StopSignal> {
        Ok(StopSignal {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("listening for SIGTERM")?,
        })
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => tracing::info!("SIGTERM received"),
            _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C received"),
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("Ctrl-C received");
        }
    }
}
