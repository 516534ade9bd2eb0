//! The Telegram bot (`schemebot serve`): the only part of the crate that knows teloxide.
//!
//! Data flow: long polling → [`schema`] (a thin dptree tree) → `handlers` (extract the text, the
//! chat and the language, call [`crate::answer::answer`] or build a screen from [`crate::ui`], and
//! return what should happen as `effects::Effect`s) → `effects::perform` (the one executor) →
//! [`crate::ui::Reply`] → `send::Telegram` (the one send path, shared with the delivery
//! worker: Telegram HTML, keyboard on the last part, a refused part re-sent as plain text,
//! failures classified by status and error code) through `limiter` (one GCRA limiter for
//! replies and notices).
//!
//! - `commands`: parsing `/commands` and group mentions (pure).
//! - `flood`: the per-chat flood guard (pure, time injected).
//! - `delivery`: the worker that drains the outbox (notices, reminders, broadcasts) at
//!   Telegram's pace, honouring "retry after" and dropping chats that blocked the bot.
//! - `handlers`: the endpoints and their decisions (update + reads → effects; never sends);
//!   callback data is parsed back into a [`crate::ui::Action`] here.
//! - `effects`: what an update makes happen, as values, and the executor that performs them.
//! - `send`: the one send path (replies, edits, notices) and its error classification.
//! - `limiter`: the shared rate limiter and the send log it restarts from.
//! - `listener`: logs and counts the updates teloxide cannot parse.
//! - `intake`: admission between Telegram and the handlers: the bounded queue, repeats
//!   dropped (a window of handled update ids kept in the store), our own polling loop.
//!
//! Invariants: every callback query is answered; a failing send is logged and never stops the
//! bot; the token is only held by the `Bot` value and never logged (teloxide redacts it from its
//! own network errors, and this crate does not bridge the `log` crate, so reqwest's URL logs go
//! nowhere, and `send` strips the URL from its errors); handlers never send or write: the
//! executor does; it is generic over [`Api`] for the calls that still go through teloxide
//! (callback and inline answers; the command menu too).
//!
//! Ignored on purpose: edited messages (answering an edit would send a second answer to a
//! question already answered; people re-send instead), channel posts, service messages, and
//! group messages that neither mention the bot, reply to it nor carry a command.

mod commands;
mod delivery;
mod effects;
mod flood;
mod handlers;
mod http;
mod intake;
mod limiter;
mod listener;
mod send;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context;
use teloxide::RequestError;
use teloxide::dispatching::{Dispatcher, ShutdownToken, UpdateFilterExt, UpdateHandler};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::{Requester, RequesterExt};
use teloxide::types::{BotCommand, ChatId, Update};
use teloxide::update_listeners::webhooks;
use teloxide::{Bot, dptree};

pub use flood::FloodLimit;
pub use http::Limits as HttpLimits;
pub use intake::DEFAULT_QUEUE as DEFAULT_INTAKE_QUEUE;

use tokio::sync::Notify;

use crate::date;
use crate::notify::{self, Rates};
use crate::search::Engine;
use crate::store::Store;
use flood::FloodGuard;

/// The whole of a graceful stop: from SIGTERM, in-flight updates, deleting the webhook, the
/// HTTP listener and the delivery worker all finish within this (then the runtime gets
/// [`RUNTIME_STOP`] to end background tasks), so a stop takes at most 11 s. The systemd unit's
/// TimeoutStopSec (20 s) leaves room.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The part of [`STOP_GRACE`] kept for what follows the in-flight updates (deleting the
/// webhook, the last notice in flight).
const STOP_TAIL: Duration = Duration::from_secs(3);

/// How long the runtime waits for background tasks after `run` returns.
const RUNTIME_STOP: Duration = Duration::from_secs(1);

/// The Bot API calls the handlers make, with the `Send` futures the dispatcher needs. Any
/// `Requester` stack over `Bot` qualifies (e.g. `Bot`, `CacheMe<Bot>`).
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
    /// Where the database (subscriptions, preferences, outbox) is kept.
    pub data_dir: PathBuf,
    /// The shared database URL (`--database`), if not the data folder's SQLite file.
    pub database: Option<String>,
    /// The per-chat flood limit.
    pub flood: FloodLimit,
    /// Telegram user ids allowed to use the admin commands (`SCHEMEBOT_ADMINS`).
    pub admins: Vec<u64>,
    /// How fast notices go out.
    pub rates: Rates,
    /// How many days before a deadline its subscribers are reminded.
    pub remind_days: i64,
    /// Where to serve HTTP (health, metrics, and the webhook in webhook mode).
    pub listen: Option<std::net::SocketAddr>,
    /// The public URL Telegram posts updates to; `None`: long polling.
    pub webhook_url: Option<url::Url>,
    /// The secret Telegram sends with each webhook request; generated when not given.
    webhook_secret: Option<Token>,
    /// Connection cap and idle timeout of the HTTP listener (`SCHEMEBOT_HTTP_MAX_CONNECTIONS`,
    /// `SCHEMEBOT_HTTP_IDLE_SECS`).
    pub http: http::Limits,
    /// The HTTP API's CORS origins, rate limit and timeout.
    pub api: crate::api::Settings,
    /// How many updates may be admitted and not yet handled (`SCHEMEBOT_INTAKE_QUEUE`);
    /// past it the webhook answers 429 and polling stops fetching.
    pub intake_queue: usize,
}

impl Config {
    /// The bot's settings from the resolved [`Settings`](crate::settings::Settings); fails
    /// only when there is no token (`serve` needs one; the other commands do not).
    pub fn from_settings(settings: &crate::settings::Settings) -> anyhow::Result<Config> {
        let Some(token) = &settings.token else {
            anyhow::bail!("TELOXIDE_TOKEN is not set: put the bot token from @BotFather in it")
        };
        Ok(Config {
            token: Token(token.expose().to_owned()),
            api_url: settings.api_url.clone(),
            data_dir: settings.data_dir.clone(),
            database: settings.database.clone(),
            flood: settings.flood_limit,
            admins: settings.admins.clone(),
            rates: settings.rates(),
            remind_days: i64::from(settings.remind_days),
            listen: settings.listen,
            webhook_url: settings.webhook_url.clone(),
            webhook_secret: settings
                .webhook_secret
                .as_ref()
                .map(|s| Token(s.expose().to_owned())),
            http: settings.http_limits(),
            api: settings.api(),
            intake_queue: settings.intake_queue,
        })
    }
}

/// What every handler shares.
pub(crate) struct State {
    /// The engine now serving; a reload swaps it whole.
    engine: RwLock<Arc<Engine>>,
    pub(crate) store: Arc<Store>,
    pub(crate) flood: Mutex<FloodGuard<ChatId>>,
    /// Telegram user ids allowed to use /reload, /stats and /broadcast.
    pub(crate) admins: Vec<u64>,
    /// Wakes the delivery worker when the outbox gets new rows.
    pub(crate) wake: Arc<Notify>,
    pub(crate) corpus_dir: PathBuf,
    pub(crate) index_dir: PathBuf,
    pub(crate) data_dir: PathBuf,
    pub(crate) remind_days: i64,
    /// One reload at a time (SIGHUP and /reload may race).
    reloading: tokio::sync::Mutex<()>,
    /// The one send path.
    pub(crate) tg: Arc<send::Telegram>,
    /// Why the bot is unhealthy (a part that stopped, such as the delivery worker), for
    /// `/healthz`; `None` when all is well.
    problem: Mutex<Option<String>>,
    /// The last store write that failed, until one succeeds again (for `/healthz`).
    write_failure: Mutex<Option<String>>,
    /// Admission of updates: the bounded queue and the handled ids (a stop waits for the
    /// updates in flight, within its bound).
    intake: Arc<intake::Intake>,
    /// Per chat, the completion of the last work queued for it ([`State::in_chat_order`]).
    order: Mutex<std::collections::HashMap<ChatId, tokio::sync::oneshot::Receiver<()>>>,
}

impl State {
    /// The engine now serving. Hold the `Arc` for the whole of one reply, so a reload cannot
    /// mix two corpora in it.
    pub(crate) fn engine(&self) -> Arc<Engine> {
        Arc::clone(
            &self
                .engine
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Runs a store call on the blocking pool, so a slow or locked database never holds up a
    /// runtime thread (and with it other chats).
    pub(crate) async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, crate::store::StoreError> + Send + 'static,
    ) -> anyhow::Result<T> {
        let store = Arc::clone(&self.store);
        Ok(tokio::task::spawn_blocking(move || f(&store)).await??)
    }

    /// Runs a store write off the runtime, after checking that the database file is still the
    /// one opened. A failure is logged, reported by `/healthz` until a write succeeds again,
    /// and returned as `None`, so the caller tells the user it was not saved.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&Store) -> Result<T, crate::store::StoreError> + Send + 'static,
    ) -> Option<T> {
        let result = self
            .db(move |s| {
                s.check_file()?;
                f(s)
            })
            .await;
        let mut failure = self
            .write_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match result {
            Ok(v) => {
                *failure = None;
                Some(v)
            }
            Err(e) => {
                let why = format!("{what} failed: {e:#}");
                tracing::error!(error = %why, "a store write failed");
                *failure = Some(why);
                None
            }
        }
    }

    /// Runs `work` in its own task after the work queued earlier for `chat` has finished, so a
    /// chat's replies keep the order of its messages while the dispatcher moves on at once
    /// (it would otherwise wait, for every chat, while one chat's reply waits for its pace).
    /// The update's `ticket` is held until the work is done.
    pub(crate) fn in_chat_order(
        &self,
        chat: ChatId,
        ticket: intake::Ticket,
        work: impl Future<Output = ()> + Send + 'static,
    ) {
        let (done, next) = tokio::sync::oneshot::channel::<()>();
        let before = {
            let mut order = self
                .order
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if order.len() >= 4096 {
                // Forget chats whose last work has finished.
                order.retain(|_, rx| {
                    matches!(
                        rx.try_recv(),
                        Err(tokio::sync::oneshot::error::TryRecvError::Empty)
                    )
                });
            }
            order.insert(chat, next)
        };
        tokio::spawn(async move {
            if let Some(before) = before {
                let _ = before.await;
            }
            work.await;
            drop(done);
            drop(ticket);
        });
    }

    /// Marks the bot unhealthy (`/healthz` answers 503 with `why`).
    pub(crate) fn set_unhealthy(&self, why: String) {
        *self
            .problem
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(why);
    }

    /// Why the bot is unhealthy, if it is.
    pub(crate) fn problem(&self) -> Option<String> {
        let stopped = self
            .problem
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        stopped.or_else(|| {
            self.write_failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        })
    }
}

/// The dispatching tree. Adding an update kind (e.g. `my_chat_member` for subscriptions) is one
/// more branch here.
pub(crate) fn schema<R: Api>() -> UpdateHandler<anyhow::Error> {
    // Repeats were dropped at admission; the update's ticket goes to the endpoints, which
    // keep it until the work is done.
    dptree::map(|update: Update, state: Arc<State>| state.intake.take(update.id.0))
        .branch(Update::filter_message().endpoint(handlers::on_message::<R>))
        .branch(Update::filter_callback_query().endpoint(handlers::on_callback::<R>))
        .branch(Update::filter_inline_query().endpoint(handlers::on_inline::<R>))
        .branch(Update::filter_my_chat_member().endpoint(handlers::on_membership::<R>))
}

/// Runs the bot until SIGTERM or Ctrl-C. `corpus_dir` and `index_dir` are re-read on SIGHUP
/// and /reload.
pub fn serve(
    engine: Engine,
    config: Config,
    corpus_dir: PathBuf,
    index_dir: PathBuf,
) -> anyhow::Result<()> {
    let store = Store::open_setting(config.database.as_deref(), &config.data_dir.join(DATABASE))
        .context("opening the bot's database (check --data-dir and --database)")?;
    tracing::info!(backend = store.backend_name(), "database open");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(run(engine, config, store, corpus_dir, index_dir));
    // Background tasks (idle chat workers, the send log) must not hold up the exit.
    runtime.shutdown_timeout(RUNTIME_STOP);
    result
}

/// The database file in the data folder.
pub const DATABASE: &str = "schemebot.db";

/// Serves the HTTP API and the web chat page alone (`schemebot api`): no Telegram, no token.
/// The listener is `--listen` (required), with the same connection limits, CORS, rate limit
/// and timeout as under `serve`; `GET /healthz` says whether the database is writable and an
/// index is loaded, `GET /metrics` gives the process's counters. API sessions and the gaps log
/// live in the data folder's database, shared with a `serve` using the same folder. Runs until
/// SIGTERM or Ctrl-C.
///
/// # Errors
/// No `--listen` (configuration, exit 78), a database that cannot be opened or created, or a
/// port in use.
pub fn serve_api(engine: Engine, settings: &crate::settings::Settings) -> anyhow::Result<()> {
    let Some(addr) = settings.listen else {
        return Err(crate::exit::tag(
            crate::exit::CONFIG,
            anyhow::anyhow!("`schemebot api` needs an address to listen on: --listen ADDR:PORT"),
        ));
    };
    let store = Arc::new(
        settings
            .open_store()
            .context("opening the database for API sessions (check --data-dir and --database)")?,
    );
    let engine = Arc::new(engine);
    let api = settings.api();
    let limits = settings.http_limits();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(async move {
        let mut stop = StopSignal::listen()?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr} (--listen)"))?;
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, "HTTP listener ready (API only, no Telegram)");
        }
        let app = http::api_only_router(
            Arc::clone(&engine),
            Arc::clone(&store),
            settings.data_dir.clone(),
        )
        .merge(crate::api::router(
            move || Arc::clone(&engine),
            &api,
            Some(store),
        ));
        axum::serve(
            http::Guarded::new(listener, limits),
            app.into_make_service_with_connect_info::<crate::api::ClientAddr>(),
        )
        .with_graceful_shutdown(async move { stop.recv().await })
        .await
        .context("serving HTTP")
    });
    runtime.shutdown_timeout(RUNTIME_STOP);
    result
}

async fn run(
    engine: Engine,
    config: Config,
    store: Store,
    corpus_dir: PathBuf,
    index_dir: PathBuf,
) -> anyhow::Result<()> {
    // Listen for signals first: a SIGTERM during start-up is a clean stop too, and a SIGHUP
    // that arrives before the reload task runs must not kill the process (its default action).
    let mut stop = StopSignal::listen()?;
    let hangups = Hangups::listen();
    let http_client = teloxide::net::default_reqwest_settings().build()?;
    let mut raw = Bot::with_client(config.token.0.clone(), http_client.clone());
    if let Some(url) = &config.api_url {
        raw = raw.set_api_url(url.clone());
    }
    let bot = raw.clone().cache_me();
    let store = Arc::new(store);
    let limiter = Arc::new(limiter::Limiter::new(config.rates));
    // The limiter starts from the last second's sends when the delivery worker first leads.
    let tg = Arc::new(send::Telegram::new(
        http_client,
        config.api_url.as_ref(),
        &config.token.0,
        Arc::clone(&limiter),
        Arc::clone(&store),
    ));

    let me = tokio::select! {
        me = bot.get_me() => me
            .context("asking Telegram who the bot is (getMe); check TELOXIDE_TOKEN")
            .map_err(|e| crate::exit::tag(crate::exit::UNAVAILABLE, e))?,
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

    // The update ids handled last (before a restart too): Telegram may send them again.
    let st = Arc::clone(&store);
    let handled = tokio::task::spawn_blocking(move || st.handled_updates(intake::RECENT_UPDATES))
        .await
        .context("reading the handled update ids")?
        .context("reading the handled update ids")?;
    let (intake, handled_rx) = intake::Intake::new(config.intake_queue, &handled);
    let (stop_recorder, recorder_stopped) = tokio::sync::watch::channel(false);
    let recorder = tokio::spawn(intake::record_handled(
        Arc::clone(&store),
        handled_rx,
        recorder_stopped,
    ));
    let state = Arc::new(State {
        engine: RwLock::new(Arc::new(engine)),
        store,
        flood: Mutex::new(FloodGuard::new(config.flood)),
        admins: config.admins.clone(),
        wake: Arc::new(Notify::new()),
        corpus_dir,
        index_dir,
        data_dir: config.data_dir.clone(),
        remind_days: config.remind_days,
        reloading: tokio::sync::Mutex::new(()),
        tg: Arc::clone(&tg),
        problem: Mutex::new(None),
        write_failure: Mutex::new(None),
        intake: Arc::clone(&intake),
        order: Mutex::new(std::collections::HashMap::new()),
    });
    // Start-up publishes the corpus as loaded (notices for changes made while stopped) and
    // queues due reminders; the worker then drains whatever the outbox holds, including what
    // was left by a crash.
    after_load(&state).await;
    let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(delivery::run(
        tg,
        Arc::clone(&state),
        config.rates,
        worker_stopped,
    ));
    let hangups = tokio::spawn(reload_on_sighup(Arc::clone(&state), hangups));
    let daily = tokio::spawn(remind_periodically(Arc::clone(&state)));

    // The HTTP listener is bound before anything is registered with Telegram, so a port in use
    // fails start-up instead of leaving a webhook pointing nowhere.
    let http = match config.listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("listening on {addr} (--listen)"))?,
        ),
        None => None,
    };
    if let Some(Ok(addr)) = http.as_ref().map(tokio::net::TcpListener::local_addr) {
        // The bound address, which tells the port when --listen asked for port 0.
        tracing::info!(%addr, "HTTP listener ready");
    }
    let api_state = Arc::clone(&state);
    let mut app = http::router(Arc::clone(&state)).merge(crate::api::router(
        move || api_state.engine(),
        &config.api,
        Some(Arc::clone(&state.store)),
    ));

    let mut dispatcher =
        Dispatcher::builder(bot.clone(), schema::<teloxide::adaptors::CacheMe<Bot>>())
            .dependencies(dptree::deps![Arc::clone(&state)])
            .default_handler(|update| async move {
                crate::metrics::global().update("other");
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
    let (stop_http, http_stopped) = tokio::sync::watch::channel(false);
    let http_limits = config.http;
    let serve_http = |app: axum::Router| {
        let mut stopped = http_stopped.clone();
        http.map(|listener| {
            tokio::spawn(async move {
                let graceful = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                if let Err(e) = axum::serve(
                    http::Guarded::new(listener, http_limits),
                    app.into_make_service_with_connect_info::<crate::api::ClientAddr>(),
                )
                .with_graceful_shutdown(graceful)
                .await
                {
                    tracing::error!(error = %e, "the HTTP listener failed");
                }
                tracing::debug!("the HTTP listener stopped");
            })
        })
    };

    let (http_task, webhook_stopped, deadline) = match (&config.webhook_url, config.listen) {
        (Some(url), Some(addr)) => {
            let mut options = webhooks::Options::new(addr, url.clone());
            options.secret_token = config.webhook_secret.as_ref().map(|s| s.0.clone());
            // The given secret, else a generated one; the intake's gate checks it too.
            let secret: Arc<str> = Arc::from(options.get_or_gen_secret_token());
            let (mut listener, stopped, webhook) = tokio::select! {
                r = webhooks::axum_to_router(bot.clone(), options) => r
                    .context("registering the webhook with Telegram (setWebhook)")
                    .map_err(|e| crate::exit::tag(crate::exit::UNAVAILABLE, e))?,
                () = stop.recv() => return Ok(()),
            };
            // Every update passes the intake's gate (repeats, the queue's bound) first.
            let shared = state.store.is_shared().then(|| Arc::clone(&state.store));
            app = app.merge(webhook.layer(axum::middleware::from_fn_with_state(
                (Arc::clone(&intake), secret, shared),
                intake::gate,
            )));
            let task = serve_http(app);
            tracing::info!(url = %url, listen = %addr, "taking updates by webhook");
            let errors = LoggingErrorHandler::with_custom_text("the webhook listener failed");
            // Stopping the listener is what deletes the webhook (`stopped` above) and makes
            // the route refuse new updates (503: Telegram delivers them again later). It is
            // stopped here rather than left to the dispatcher's shutdown: the dispatcher
            // stops it only if it sees the shutdown before the update stream ends, and the
            // stream ends as soon as the HTTP server drops the route, so a stop that raced
            // with the server skipped deleteWebhook and waited out STOP_GRACE (the cause of
            // the flaky `webhook_mode_checks_the_secret_and_cleans_up`).
            let stop_listener =
                teloxide::update_listeners::UpdateListener::stop_token(&mut listener);
            let dispatch = dispatcher.dispatch_with_listener(
                listener::Counted::new(listener, Arc::clone(&intake)),
                errors,
            );
            let deadline = until_stopped(dispatch, &mut stop, &shutdown, || {
                intake.close();
                stop_listener.stop();
                let _ = stop_http.send(true);
            })
            .await;
            (task, Some(stopped), deadline)
        }
        _ => {
            let task = serve_http(app);
            tokio::select! {
                () = delete_webhook(&bot) => {}
                () = stop.recv() => return Ok(()),
            }
            let listener = listener::Counted::new(
                intake::Polling::new(Arc::clone(&state.tg), Arc::clone(&intake)),
                Arc::clone(&intake),
            );
            // The polling loop logs and retries its own failures; it yields none.
            let listener_errors = Arc::new(|e: std::convert::Infallible| async move { match e {} });
            tracing::info!("polling for updates");
            let dispatch = async {
                if let Err(e) = dispatcher
                    .try_dispatch_with_listener(listener, listener_errors)
                    .await
                {
                    tracing::error!(error = %e, "starting to dispatch updates failed");
                }
            };
            let deadline = until_stopped(dispatch, &mut stop, &shutdown, || intake.close()).await;
            (task, None, deadline)
        }
    };
    // Updates accepted before the stop are answered, within the bound.
    if tokio::time::timeout_at(deadline - STOP_TAIL, intake.idle())
        .await
        .is_err()
    {
        let unfinished = intake.unfinished();
        if webhook_stopped.is_some() {
            // Telegram has had its 200 for these and will not send them again.
            tracing::error!(
                count = unfinished.len(),
                update_ids = ?unfinished,
                "accepted updates were not answered within the stop's bound; they are lost"
            );
        } else {
            tracing::warn!(
                count = unfinished.len(),
                update_ids = ?unfinished,
                "accepted updates were not answered within the stop's bound; they stay \
                 unconfirmed, so Telegram delivers them again to the next start"
            );
        }
    }
    // What was handled is on record before the process goes, so a repeat after the restart
    // is recognised.
    let _ = stop_recorder.send(true);
    if tokio::time::timeout_at(deadline, recorder).await.is_err() {
        tracing::warn!("recording the handled updates did not finish in time");
    }
    if webhook_stopped.is_none() {
        confirm_handled(&state.tg, &intake, deadline).await;
    }
    // The worker stops between two messages; it is told now so it stops alongside the rest.
    let _ = stop_worker.send(true);
    // Webhook mode: the listener's stop deletes the webhook, so Telegram stops posting to a
    // server that is going away. Not with a shared database: other replicas behind the same
    // URL go on taking updates (dropping `stopped` skips the deletion).
    if let Some(stopped) = webhook_stopped {
        if state.store.is_shared() {
            tracing::info!("leaving the webhook to the other replicas");
        } else if tokio::time::timeout_at(deadline, stopped).await.is_err() {
            tracing::warn!("deleting the webhook did not finish in time");
        }
    }
    let _ = stop_http.send(true);
    if let Some(task) = http_task
        && tokio::time::timeout_at(deadline, task).await.is_err()
    {
        tracing::warn!("the HTTP listener did not stop in time");
    }
    hangups.abort();
    daily.abort();
    if tokio::time::timeout_at(deadline, worker).await.is_err() {
        tracing::warn!("the delivery worker did not stop in time");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Deletes the webhook if one is set (long polling gets nothing while one is). Failure is
/// logged: polling then reports Telegram's refusal on every try.
async fn delete_webhook<R: Api>(bot: &R) {
    match bot.get_webhook_info().await {
        Ok(info) if info.url.is_some() => {
            if let Err(e) = bot.delete_webhook().await {
                tracing::warn!(error = %e, "deleting the webhook before polling failed");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "asking Telegram for the webhook failed"),
    }
}

/// Polling: tells Telegram the offset that confirms exactly the updates handled (everything
/// below the oldest one still in flight), so those not handled come again to the next start.
async fn confirm_handled(
    tg: &send::Telegram,
    intake: &intake::Intake,
    deadline: tokio::time::Instant,
) {
    let Some(offset) = intake.confirmable() else {
        return;
    };
    let body = serde_json::json!({"offset": offset, "limit": 1, "timeout": 0});
    match tokio::time::timeout_at(deadline, tg.call("getUpdates", &body)).await {
        Ok(Ok(_)) => tracing::debug!(offset, "confirmed the handled updates"),
        Ok(Err(e)) => tracing::warn!(error = %e, "confirming the handled updates failed"),
        Err(_) => tracing::warn!("confirming the handled updates did not finish in time"),
    }
}

/// Runs `dispatch` until it ends or a stop signal arrives, then stops it gracefully
/// (`on_stop` runs first: in webhook mode the HTTP server must stop for the update stream to end).
/// Returns the deadline for the rest of the stop ([`STOP_GRACE`] from the signal).
async fn until_stopped(
    dispatch: impl Future<Output = ()>,
    stop: &mut StopSignal,
    shutdown: &ShutdownToken,
    on_stop: impl FnOnce(),
) -> tokio::time::Instant {
    tokio::pin!(dispatch);
    tokio::select! {
        () = &mut dispatch => tokio::time::Instant::now() + STOP_GRACE,
        () = stop.recv() => {
            let deadline = tokio::time::Instant::now() + STOP_GRACE;
            tracing::info!("stopping");
            on_stop();
            // When the dispatcher has not started yet, shutting down fails and dropping the
            // future is the clean stop.
            if shutdown.shutdown().is_ok()
                && tokio::time::timeout_at(deadline - STOP_TAIL, &mut dispatch)
                    .await
                    .is_err()
            {
                tracing::warn!("in-flight updates did not finish in time");
            }
            deadline
        }
    }
}

/// What a reload did, for the admin who asked and for the log.
#[derive(Debug)]
pub(crate) enum Reloaded {
    /// The corpus loaded and now serves; `published` says what subscribers will hear.
    Ok {
        schemes: usize,
        published: notify::Published,
    },
    /// The corpus did not validate (or the index could not be built); the old one still serves.
    Refused(String),
}

/// Loads the corpus again, swaps in a new engine when it validates, and publishes the changes.
/// Questions keep being answered by the old engine until the swap.
pub(crate) async fn reload(state: &Arc<State>) -> Reloaded {
    let _one_at_a_time = state.reloading.lock().await;
    let (corpus_dir, index_dir) = (state.corpus_dir.clone(), state.index_dir.clone());
    let opened = tokio::task::spawn_blocking(move || Engine::open(&corpus_dir, &index_dir)).await;
    let engine = match opened {
        Ok(Ok((engine, _))) => engine,
        Ok(Err(e)) => {
            let why = format!("{e:#}");
            tracing::error!(error = %why, "the corpus was refused; the previous one keeps serving");
            return Reloaded::Refused(why);
        }
        Err(e) => {
            tracing::error!(error = %e, "reloading failed; the previous corpus keeps serving");
            return Reloaded::Refused(e.to_string());
        }
    };
    let schemes = engine.corpus().schemes.len();
    *state
        .engine
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(engine);
    tracing::info!(schemes, "corpus reloaded");
    let published = after_load(state).await;
    Reloaded::Ok { schemes, published }
}

/// Publishes the serving corpus and queues due reminders, then wakes the delivery worker.
async fn after_load(state: &Arc<State>) -> notify::Published {
    let st = Arc::clone(state);
    let done = tokio::task::spawn_blocking(move || {
        let engine = st.engine();
        let now = now_ms();
        let published = notify::publish(&st.store, engine.corpus(), now)?;
        let reminders = notify::queue_reminders(
            &st.store,
            engine.corpus(),
            date::today_hk(),
            st.remind_days,
            now,
        )?;
        Ok::<_, crate::store::StoreError>((published, reminders))
    })
    .await;
    match done {
        Ok(Ok((published, reminders))) => {
            tracing::info!(
                changes = published.changes,
                notices = published.notices,
                baseline = published.first,
                reminders,
                "corpus published"
            );
            state.wake.notify_one();
            published
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "publishing the corpus failed; subscribers were not told yet");
            notify::Published::default()
        }
        Err(e) => {
            tracing::error!(error = %e, "publishing the corpus failed");
            notify::Published::default()
        }
    }
}

/// SIGHUP, listened for from the start of `run`.
struct Hangups {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangups {
    fn listen() -> Hangups {
        #[cfg(unix)]
        {
            let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .map_err(
                    |e| tracing::warn!(error = %e, "cannot listen for SIGHUP; use /reload instead"),
                )
                .ok();
            Hangups { signal }
        }
        #[cfg(not(unix))]
        Hangups {}
    }
}

async fn reload_on_sighup(state: Arc<State>, hangups: Hangups) {
    #[cfg(unix)]
    if let Some(mut signal) = hangups.signal {
        while signal.recv().await.is_some() {
            tracing::info!("SIGHUP received: reloading the corpus");
            reload(&state).await;
        }
    }
    #[cfg(not(unix))]
    let _ = (state, hangups);
}

/// Checks deadlines every hour, so a reminder goes out on the right day without a restart.
async fn remind_periodically(state: Arc<State>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    tick.tick().await;
    loop {
        tick.tick().await;
        let st = Arc::clone(&state);
        let queued = tokio::task::spawn_blocking(move || {
            let engine = st.engine();
            notify::queue_reminders(
                &st.store,
                engine.corpus(),
                date::today_hk(),
                st.remind_days,
                now_ms(),
            )
        })
        .await;
        match queued {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => {
                tracing::info!(reminders = n, "deadline reminders queued");
                state.wake.notify_one();
            }
            Ok(Err(e)) => tracing::error!(error = %e, "queueing reminders failed"),
            Err(e) => tracing::error!(error = %e, "queueing reminders failed"),
        }
    }
}

/// Starts the limiter from the sends recorded in the last second (by this process's
/// predecessor, which may have been killed mid-broadcast a moment ago).
pub(crate) async fn seed_limiter(limiter: &limiter::Limiter, store: &Arc<Store>) {
    let st = Arc::clone(store);
    let now = now_ms();
    match tokio::task::spawn_blocking(move || st.recent_sends(now - 1000)).await {
        Ok(Ok(recent)) => {
            let recent: Vec<(i64, Duration)> = recent
                .into_iter()
                .map(|(at, chat)| {
                    let ago = u64::try_from(now - at).unwrap_or(0);
                    (chat, Duration::from_millis(ago))
                })
                .collect();
            if !recent.is_empty() {
                tracing::info!(
                    sends = recent.len(),
                    "starting the rate limiter from the last second's sends"
                );
            }
            limiter.seed(&recent);
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "reading recent sends failed"),
        Err(e) => tracing::warn!(error = %e, "reading recent sends failed"),
    }
}

/// Milliseconds since the Unix epoch.
#[must_use]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Publishes the command menu in English (the default) and Chinese (`language_code` "zh").
/// Failure is logged, not fatal: the bot works without a menu.
async fn set_commands<R: Api>(bot: &R) {
    for (lang, code) in [
        (crate::text::Lang::En, None),
        (crate::text::Lang::ZhHant, Some("zh")),
    ] {
        let commands: Vec<BotCommand> = crate::ui::menu(&commands::MENU, lang)
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
