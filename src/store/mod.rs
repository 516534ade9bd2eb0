//! The durable store: chats and their preferences, subscriptions, the published corpus snapshot,
//! the outbox of messages waiting to be sent, admin broadcasts awaiting confirmation, the log of
//! recent sends, a window of the update ids handled last, conversation contexts, API sessions
//! and the gaps log.
//!
//! [`Store`] is one API over two backends, and the only place that speaks SQL:
//! - **SQLite** (`sqlite.rs`, the default): one file in the data directory, for one machine.
//! - **PostgreSQL** (`postgres.rs`, `--database postgres://…`): shared by several replicas of
//!   the bot, which then share subscriptions, chat settings, conversation state and the outbox.
//!
//! Each backend has its own list of versioned migrations, applied in order when the store is
//! opened, one transaction each; a database written by a newer schemebot is refused rather than
//! guessed at. Both pass one test suite (`tests.rs`, PostgreSQL when
//! `SCHEMEBOT_TEST_DATABASE_URL` is set).
//!
//! Delivery is at-least-once through the outbox: a notifier reads [`Store::due`] rows, sends them,
//! then calls [`Store::mark_sent`] (or [`Store::mark_retry`] / [`Store::mark_failed`]). Rows are
//! unique per `(kind, dedupe_key, chat)`, which makes a change-set notice or a reminder go to a
//! chat at most once however often it is enqueued. With several replicas, only the one that
//! holds the delivery lease ([`Store::lead_delivery`]) sends, and [`Store::due`] claims the rows
//! it returns, so a row is never handed to two senders at once.
//!
//! Every method is synchronous and short (sub-millisecond on a local disk or a nearby server);
//! the bot calls them on tokio's blocking pool. [`Store`] is `Send + Sync`.

mod postgres;
mod sqlite;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::answer::Context;
use crate::corpus::{Category, SchemeId};
use crate::text::Lang;

/// A Telegram chat id as stored (private chats are positive, groups negative).
pub type ChatId = i64;

/// What a chat can subscribe to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Every change to any scheme.
    All,
    /// Changes to schemes in one category.
    Category(Category),
    /// Changes to one scheme.
    Scheme(SchemeId),
}

impl Topic {
    /// The stable key stored in the database and used in callback data: `all`, `cat:<category>`
    /// (e.g. `cat:talent`) or `s:<scheme id>` (e.g. `s:techtas`).
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Topic::All => "all".to_owned(),
            Topic::Category(category) => format!("cat:{}", category.key()),
            Topic::Scheme(id) => format!("s:{id}"),
        }
    }

    /// Parses a key as written by [`Topic::key`]; `None` for anything else, including an unknown
    /// category or an empty scheme id.
    #[must_use]
    pub fn parse(key: &str) -> Option<Topic> {
        if key == "all" {
            Some(Topic::All)
        } else if let Some(category) = key.strip_prefix("cat:") {
            Category::from_key(category).map(Topic::Category)
        } else if let Some(id) = key.strip_prefix("s:") {
            (!id.is_empty()).then(|| Topic::Scheme(id.to_owned()))
        } else {
            None
        }
    }
}

/// One message to put in the outbox for one chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// The recipient.
    pub chat: ChatId,
    /// What to send, as JSON; the store never looks inside.
    pub payload: String,
}

/// An outbox row that is due to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    /// The row id, passed back to [`Store::mark_sent`], [`Store::mark_retry`] or
    /// [`Store::mark_failed`].
    pub id: i64,
    /// The recipient.
    pub chat: ChatId,
    /// `notice`, `reminder` or `broadcast`.
    pub kind: String,
    /// What to send, as JSON, exactly as enqueued.
    pub payload: String,
    /// How many attempts were started so far (counted before each send).
    pub attempts: u32,
    /// How many parts of the message Telegram accepted already.
    pub parts_sent: usize,
}

/// The corpus snapshot that subscribers were last notified about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The corpus fingerprint of the snapshot.
    pub fingerprint: String,
    /// The snapshot itself, as JSON; the store never looks inside.
    pub snapshot: String,
    /// When it was published, in milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// How many outbox rows are in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Waiting to be sent (including rows waiting for a retry).
    pub pending: usize,
    /// Delivered.
    pub sent: usize,
    /// Given up on after an error.
    pub failed: usize,
    /// Discarded unsent because the chat blocked or removed the bot.
    pub dropped: usize,
}

/// Counts for the admin `/stats` command and health reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Subscribers per topic, counting active chats only, sorted by topic.
    pub by_topic: Vec<(Topic, usize)>,
    /// Known chats that have not blocked or removed the bot.
    pub active_chats: usize,
    /// Known chats that have blocked or removed the bot.
    pub inactive_chats: usize,
    /// The outbox by status.
    pub outbox: OutboxCounts,
}

/// Why the store could not do what was asked. Every variant names the database: its file
/// (`:memory:` for an in-memory store), or its URL without the password.
#[derive(Debug)]
pub enum StoreError {
    /// The directory that should hold the database could not be created.
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// SQLite could not open the file (typically a missing or unwritable directory).
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The file exists but is not a SQLite database (or is corrupted); it was left untouched.
    NotADatabase {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The file is a SQLite database, but not one of ours (it has tables and no schema version).
    Foreign { path: PathBuf },
    /// The file or its directory cannot be written.
    ReadOnly {
        path: PathBuf,
        source: Option<rusqlite::Error>,
    },
    /// The file was written by a newer schemebot with a schema this code does not know.
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// Applying a migration failed; the database stays at the previous version.
    Migration {
        path: PathBuf,
        version: u32,
        source: rusqlite::Error,
    },
    /// A statement failed while doing `op`.
    Sql {
        path: PathBuf,
        op: &'static str,
        source: rusqlite::Error,
    },
    /// The database file was deleted or replaced while it was open: what is written now would
    /// not survive a restart.
    Replaced { path: PathBuf },
    /// `migrate-store` was pointed at a database that already holds a store; nothing was
    /// written.
    NotEmpty { database: String },
    /// The PostgreSQL database (its URL without the password) could not do `op`: unreachable,
    /// refused the login, a statement failed, or a bad `--database` value.
    Postgres {
        database: String,
        op: std::borrow::Cow<'static, str>,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::CreateDir { path, source } => write!(
                f,
                "cannot create the directory for the database {}: {source}",
                path.display()
            ),
            StoreError::Open { path, source } => write!(
                f,
                "cannot open the database {}: {source} (does its directory exist and is it \
                 writable?)",
                path.display()
            ),
            StoreError::NotADatabase { path, source } => write!(
                f,
                "{} is not a schemebot database ({source}); the file was left untouched: move it \
                 aside or restore a backup",
                path.display()
            ),
            StoreError::Foreign { path } => write!(
                f,
                "{} is a SQLite database that schemebot did not create (it has tables but no \
                 schema version); the file was left untouched",
                path.display()
            ),
            StoreError::ReadOnly { path, source } => {
                write!(
                    f,
                    "the database {} is read-only: the file and its directory must be writable \
                     (SQLite creates -wal and -shm files next to it)",
                    path.display()
                )?;
                match source {
                    Some(source) => write!(f, " ({source})"),
                    None => Ok(()),
                }
            }
            StoreError::TooNew {
                path,
                found,
                supported,
            } => write!(
                f,
                "the database {} has schema version {found}, but this schemebot knows versions up \
                 to {supported} only: upgrade schemebot or restore an older backup",
                path.display()
            ),
            StoreError::Migration {
                path,
                version,
                source,
            } => write!(
                f,
                "migrating the database {} to schema version {version} failed: {source}",
                path.display()
            ),
            StoreError::Sql { path, op, source } => {
                write!(f, "database {}: {op} failed: {source}", path.display())
            }
            StoreError::NotEmpty { database } => write!(
                f,
                "database {database} already holds a store (chats, an outbox or a published \
                 snapshot); nothing was copied: copy into an empty one"
            ),
            StoreError::Postgres {
                database,
                op,
                source,
            } => write!(f, "database {database}: {op} failed: {source}"),
            StoreError::Replaced { path } => write!(
                f,
                "the database {} was deleted or replaced while the bot was running: nothing \
                 written now would survive a restart; restart the bot",
                path.display()
            ),
        }
    }
}

// The source is already part of each message, so `source()` returns nothing: `{:#}` would
// otherwise print it twice.
impl std::error::Error for StoreError {}

/// How long the gaps log keeps a question: 90 days, in milliseconds.
pub const GAPS_RETENTION_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// Why a question is in the gaps log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapOutcome {
    /// No answer at all.
    None,
    /// Only a "did you mean…?".
    Suggest,
    /// Answered, and the person pressed 👎.
    Down,
}

impl GapOutcome {
    /// The key stored in the `outcome` column.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            GapOutcome::None => "none",
            GapOutcome::Suggest => "suggest",
            GapOutcome::Down => "down",
        }
    }
}

/// A question to add to the gaps log.
#[derive(Clone, Debug)]
pub struct NewGap<'a> {
    /// The question as asked.
    pub question: &'a str,
    /// The question folded for grouping (see [`crate::text::name_key`]).
    pub normalised: &'a str,
    pub outcome: GapOutcome,
    /// Ids of the schemes suggested or answered.
    pub schemes: Vec<String>,
}

/// How long a row returned by [`Store::due`] stays claimed by its PostgreSQL reader: 5
/// minutes, in milliseconds (a batch of 64 at the slowest pace takes about 3).
pub const CLAIM_MS: i64 = 5 * 60 * 1000;

/// How long [`Store::save_turn`] waits for a lock held by another connection.
pub const TURN_BUSY_TIMEOUT: Duration = Duration::from_millis(250);

/// One question's turn to save after its reply ([`Store::save_turn`]).
#[derive(Clone, Debug)]
pub struct Turn<'a> {
    pub chat: ChatId,
    /// The question as asked.
    pub question: &'a str,
    /// What the chat remembers now (`None`: nothing in particular).
    pub context: Option<&'a Context>,
    /// Its gaps-log entry, if it went unanswered.
    pub gap: Option<NewGap<'a>>,
    /// The gaps row of an earlier 👎 this question comments on.
    pub comment_on: Option<i64>,
    pub now_ms: i64,
    /// The context's time to live.
    pub ttl_ms: i64,
}

/// One API question's turn to save after its answer ([`Store::save_session_turn`]).
#[derive(Clone, Debug)]
pub struct SessionTurn<'a> {
    /// The session's id (a token the API issued).
    pub session: &'a str,
    /// The question as asked.
    pub question: &'a str,
    /// What the session remembers now (`None`: nothing in particular).
    pub context: Option<&'a Context>,
    /// Its gaps-log entry, if it went unanswered.
    pub gap: Option<NewGap<'a>>,
    pub now_ms: i64,
    /// The context's time to live.
    pub ttl_ms: i64,
}

/// What the store remembers of a chat's conversation (all empty once it has expired).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversation {
    /// The schemes and intent of the last answer about schemes.
    pub context: Option<Context>,
    /// The last question asked.
    pub question: Option<String>,
    /// The gaps row of a 👎 whose comment is awaited.
    pub feedback_gap: Option<i64>,
}

/// Questions of the gaps log that fold to the same text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GapGroup {
    pub normalised: String,
    /// The most recent wording.
    pub example: String,
    pub count: usize,
    pub no_answer: usize,
    pub suggested_only: usize,
    pub thumbs_down: usize,
    /// Schemes suggested or answered, most often first.
    pub schemes: Vec<String>,
    /// What people said they were looking for after a 👎.
    pub comments: Vec<String>,
}

/// The furthest ahead a row is ever scheduled (the longest backoff is 5 minutes, and a
/// `retry_after` is capped at 15); see [`Store::due`].
pub const MAX_SCHEDULE_AHEAD_MS: i64 = 15 * 60 * 1000;

/// Parses a stored topic key, skipping (with a warning) one this code no longer knows, such as a
/// removed category: one stale row must not hide every other subscription.
fn parse_stored(key: &str) -> Option<Topic> {
    let topic = Topic::parse(key);
    if topic.is_none() {
        tracing::warn!(key, "ignoring an unknown stored topic");
    }
    topic
}

/// One group of the gaps log from its aggregated columns: `outcomes` and `schemes` joined by
/// spaces, `comments` by " | ".
fn gap_group(
    normalised: String,
    count: i64,
    example: String,
    outcomes: &str,
    schemes: Option<String>,
    comments: Option<String>,
) -> GapGroup {
    let count_of = |key: &str| outcomes.split(' ').filter(|o| *o == key).count();
    let mut suggested: Vec<(String, usize)> = Vec::new();
    for id in schemes.unwrap_or_default().split_whitespace() {
        match suggested.iter_mut().find(|(s, _)| s == id) {
            Some((_, n)) => *n += 1,
            None => suggested.push((id.to_owned(), 1)),
        }
    }
    suggested.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    GapGroup {
        normalised,
        example,
        count: usize::try_from(count).unwrap_or(0),
        no_answer: count_of("none"),
        suggested_only: count_of("suggest"),
        thumbs_down: count_of("down"),
        schemes: suggested.into_iter().map(|(s, _)| s).collect(),
        comments: comments
            .map(|c| c.split(" | ").map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// Milliseconds since the Unix epoch, for `updated_at` / `created_at` bookkeeping columns.
fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The durable store; see the module documentation.
#[derive(Debug)]
pub struct Store {
    backend: Backend,
}

#[derive(Debug)]
enum Backend {
    Sqlite(Box<sqlite::Sqlite>),
    Postgres(Box<postgres::Postgres>),
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path`, creating its parent directory,
    /// and brings the schema up to date. Fails without touching the file if it is not a
    /// database, was written by a newer schemebot, or cannot be written.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        sqlite::Sqlite::open(path).map(|b| Store {
            backend: Backend::Sqlite(Box::new(b)),
        })
    }

    /// Opens a fresh, empty in-memory SQLite database (for tests and dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        sqlite::Sqlite::open_in_memory().map(|b| Store {
            backend: Backend::Sqlite(Box::new(b)),
        })
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host:port/db`,
    /// libpq's URL form; `?options=-csearch_path%3Dname` picks a schema) and brings its schema
    /// up to date, holding a lock so that replicas starting together migrate once.
    ///
    /// # Errors
    /// [`StoreError::Postgres`] if the URL is malformed, the server cannot be reached within
    /// 10 s, a migration fails, or the schema is newer than this code ([`StoreError::TooNew`]).
    pub fn connect(url: &str) -> Result<Store, StoreError> {
        postgres::Postgres::connect(url).map(|b| Store {
            backend: Backend::Postgres(Box::new(b)),
        })
    }

    /// Opens the store a setting names: `database` if set (a `postgres://` or `postgresql://`
    /// URL, or `sqlite:PATH`), else the SQLite file `default_file`.
    ///
    /// # Errors
    /// As [`Store::open`] or [`Store::connect`]; an unknown URL scheme is
    /// [`StoreError::Postgres`] naming the accepted ones.
    pub fn open_setting(database: Option<&str>, default_file: &Path) -> Result<Store, StoreError> {
        match database {
            None => Store::open(default_file),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Store::connect(url)
            }
            Some(url) => match url.strip_prefix("sqlite:") {
                Some(path) => Store::open(Path::new(path)),
                None => Err(StoreError::Postgres {
                    database: redact(url),
                    op: "choosing the database".into(),
                    source: "the database must be a postgres:// URL or sqlite:PATH".into(),
                }),
            },
        }
    }

    /// Where the data is, for messages: the SQLite file's path, or the PostgreSQL URL without
    /// its password.
    #[must_use]
    pub fn location(&self) -> String {
        match &self.backend {
            Backend::Sqlite(b) => b.path().display().to_string(),
            Backend::Postgres(b) => b.database().to_owned(),
        }
    }

    /// Whether other processes (replicas) may share this store: true for PostgreSQL. A
    /// replica of a shared store leaves the webhook registered when it stops.
    #[must_use]
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Which backend this is, for logs and `/healthz`: `sqlite` or `postgres`.
    #[must_use]
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// The tables `migrate-store` copies, parents first (foreign keys). The send log is not
/// copied: it only matters for the minute after a send.
const COPIED_TABLES: &[&str] = &[
    "chats",
    "subscriptions",
    "change_sets",
    "published",
    "outbox",
    "broadcasts",
    "handled_updates",
    "contexts",
    "gaps",
    "sessions",
];

/// Rows read from SQLite per round trip when copying a store.
const COPY_CHUNK: usize = 5_000;

impl Store {
    /// Copies everything but the send log from this SQLite store into `to`, an empty
    /// PostgreSQL store, in one transaction there (all or nothing); ids are kept, so dedupe
    /// keys, confirmation buttons and 👎 comments still refer to the right rows. Returns the
    /// rows copied per table, in copy order. This store is only read.
    ///
    /// # Errors
    /// [`StoreError::Postgres`] if this is not SQLite, `to` is not PostgreSQL, `to` already
    /// holds data (chats, the outbox or a published snapshot), or a read or write fails.
    pub fn copy_into(&self, to: &Store) -> Result<Vec<(&'static str, usize)>, StoreError> {
        let refuse = |why: &str| StoreError::Postgres {
            database: to.location(),
            op: "copying the store".into(),
            source: why.into(),
        };
        let (Backend::Sqlite(from), Backend::Postgres(into)) = (&self.backend, &to.backend) else {
            return Err(refuse("stores are copied from SQLite into PostgreSQL only"));
        };
        let mut chunks = Vec::new();
        let mut counts = Vec::new();
        for &table in COPIED_TABLES {
            let mut rows = 0;
            loop {
                let (json, n) = from.export_json(table, rows, COPY_CHUNK)?;
                if n == 0 {
                    break;
                }
                rows += n;
                chunks.push((table, json));
            }
            counts.push((table, rows));
        }
        into.import_json(&chunks)?;
        Ok(counts)
    }
}

/// Passes a call to the backend, whichever it is.
macro_rules! on_backend {
    ($store:expr, $b:ident => $call:expr) => {
        match &$store.backend {
            Backend::Sqlite($b) => $call,
            Backend::Postgres($b) => $call,
        }
    };
}

/// A chat's stored context: its schemes (ids separated by spaces), intent, last question, the
/// gaps row of a 👎 awaiting a comment, and when it was written (ms since the epoch).
type ContextRow = (String, Option<String>, Option<String>, Option<i64>, i64);

/// An API session's stored context: schemes, intent, when it was written (ms).
type SessionRow = (String, Option<String>, i64);

/// The scheme ids of a stored context, `None` when it holds none.
fn stored_context(schemes: &str, intent: Option<String>) -> Option<Context> {
    let schemes: Vec<String> = schemes.split_whitespace().map(str::to_owned).collect();
    (!schemes.is_empty()).then_some(Context { schemes, intent })
}

impl Store {
    /// Subscribes a chat to a topic and marks the chat active (a chat that subscribes can be
    /// written to), leaving its notice language and forum topic as they were. Returns `false`
    /// if it was already subscribed.
    pub fn subscribe(&self, chat: ChatId, topic: &Topic) -> Result<bool, StoreError> {
        on_backend!(self, b => b.subscribe_with(chat, topic, None))
    }

    /// Subscribes a chat to a topic as a person does it, in one transaction: the chat is
    /// (re)activated, its notices will be in `lang` and go to forum topic `thread` (`None`: the
    /// chat's main thread). Returns `false` if it was already subscribed to the topic. Nothing is
    /// written if any part fails.
    pub fn subscribe_from(
        &self,
        chat: ChatId,
        topic: &Topic,
        lang: Lang,
        thread: Option<i32>,
    ) -> Result<bool, StoreError> {
        on_backend!(self, b => b.subscribe_with(chat, topic, Some((lang, thread))))
    }

    /// What `chat` said last, if less than `ttl_ms` before `now_ms`: the context of its last
    /// answer, the question, and a 👎 awaiting a comment.
    pub fn conversation(
        &self,
        chat: ChatId,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Conversation, StoreError> {
        Ok(match on_backend!(self, b => b.context_row(chat))? {
            Some((schemes, intent, question, feedback_gap, at))
                if now_ms.saturating_sub(at) < ttl_ms =>
            {
                Conversation {
                    context: stored_context(&schemes, intent),
                    question,
                    feedback_gap,
                }
            }
            _ => Conversation::default(),
        })
    }

    /// What API session `session` asked last, if less than `ttl_ms` before `now_ms`: the
    /// context of its last answer (`None` also for an unknown or expired session).
    pub fn session(
        &self,
        session: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<Context>, StoreError> {
        Ok(match on_backend!(self, b => b.session_row(session))? {
            Some((schemes, intent, at)) if now_ms.saturating_sub(at) < ttl_ms => {
                stored_context(&schemes, intent)
            }
            _ => None,
        })
    }
}

/// Writes `Store`'s methods once, with their contract as documentation, each passing its
/// arguments to the backend's method of the same name.
macro_rules! delegate {
    ($( $(#[$meta:meta])* fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        impl Store {
            $(
                $(#[$meta])*
                pub fn $name(&self $(, $arg: $ty)*) -> $ret {
                    on_backend!(self, b => b.$name($($arg),*))
                }
            )*
        }
    };
}

delegate! {
    /// The schema version of the open database (`PRAGMA user_version`).
    fn schema_version(&self) -> Result<u32, StoreError>;

    /// Fails if the database file was deleted or replaced since it was opened (SQLite keeps
    /// writing to the old, unlinked file, so writes would seem to succeed and then vanish).
    fn check_file(&self) -> Result<(), StoreError>;

    /// Makes a cheap write in a transaction that is rolled back, for health checks: fails if the
    /// database file was deleted or replaced, cannot take the write lock or refuses writes.
    fn check_writable(&self) -> Result<(), StoreError>;

    /// Sets (or with `None` clears) the reply language a chat chose.
    fn set_lang(&self, chat: ChatId, lang: Option<Lang>) -> Result<(), StoreError>;

    /// The language for a chat's notices: its /lang choice, else the language it subscribed in.
    fn notice_lang(&self, chat: ChatId) -> Result<Option<Lang>, StoreError>;

    /// The reply language a chat chose, if any.
    fn lang(&self, chat: ChatId) -> Result<Option<Lang>, StoreError>;

    /// Records whether the bot can still write to a chat: `false` when the bot was blocked,
    /// kicked or the account deleted, `true` when it is back. Deactivating also marks the chat's
    /// pending outbox rows `dropped`. Returns whether the state changed (an unknown chat counts as
    /// active).
    fn set_active(&self, chat: ChatId, active: bool) -> Result<bool, StoreError>;

    /// Whether the bot can write to a chat; an unknown chat is active.
    fn is_active(&self, chat: ChatId) -> Result<bool, StoreError>;

    /// Unsubscribes a chat from a topic. Returns `false` if it was not subscribed.
    fn unsubscribe(&self, chat: ChatId, topic: &Topic) -> Result<bool, StoreError>;

    /// Removes all of a chat's subscriptions. Returns how many there were.
    fn unsubscribe_all(&self, chat: ChatId) -> Result<usize, StoreError>;

    /// A chat's subscriptions, sorted.
    fn subscriptions(&self, chat: ChatId) -> Result<Vec<Topic>, StoreError>;

    /// Every subscription of every active chat, sorted by chat then topic.
    fn active_subscriptions(&self) -> Result<Vec<(ChatId, Topic)>, StoreError>;

    /// The active chats that have at least one subscription, ascending.
    fn active_subscriber_chats(&self) -> Result<Vec<ChatId>, StoreError>;

    /// The snapshot subscribers were last notified about, if anything was ever published.
    fn published(&self) -> Result<Option<Published>, StoreError>;

    /// In ONE transaction: records a change set (its `summary` JSON), replaces the published
    /// snapshot, and inserts one outbox row per notice (kind `notice`, dedupe key
    /// `cs:<change set id>`). Returns the change set id, or `None` (writing nothing) when the
    /// published fingerprint is no longer `base`, the one the caller compared against (`None`:
    /// nothing published yet): another process published first, so the caller reads the new
    /// snapshot and compares again, and a change is published once however many replicas
    /// reload it. As in [`Store::enqueue`], a notice for a chat that is inactive is recorded
    /// as `dropped`.
    ///
    /// Two notices for the same chat are a caller bug: the whole call fails (a UNIQUE
    /// constraint) and nothing is written, so the snapshot is not advanced without its notices.
    fn publish(&self, base: Option<&str>, fingerprint: &str, snapshot: &str, summary: &str, notices: &[NewMessage], now_ms: i64) -> Result<Option<i64>, StoreError>;

    /// Inserts outbox rows of another kind (`reminder`, `broadcast`), due now. A row whose
    /// `(kind, dedupe_key, chat)` already exists, in any status, is skipped, which makes
    /// reminders once-only. A row for a chat that is inactive (blocked the bot) is recorded as
    /// `dropped` rather than left pending forever. Returns how many rows were inserted.
    fn enqueue(&self, kind: &str, dedupe_key: &str, messages: &[NewMessage], now_ms: i64) -> Result<usize, StoreError>;

    /// Up to `limit` pending rows whose time has come (`next_attempt_at <= now_ms`) for chats
    /// that are still active, oldest first (by id). With PostgreSQL the rows are also claimed
    /// (`FOR UPDATE SKIP LOCKED`, then a lease of [`CLAIM_MS`]): no other caller gets them until
    /// they are marked sent, retried or failed, the lease runs out, or a new delivery leader
    /// takes over. SQLite has one process, which reads a batch only when the last is settled.
    fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<OutboxItem>, StoreError>;

    /// The earliest `next_attempt_at` among pending rows of active chats: when the notifier
    /// should wake up next. `None` if nothing is pending.
    fn next_due_at(&self) -> Result<Option<i64>, StoreError>;

    /// Counts an attempt before it is made (`attempts` goes up by one), so a notice whose outcome
    /// cannot be recorded is never sent again and again: if this write fails, nothing is sent.
    fn begin_attempt(&self, id: i64) -> Result<(), StoreError>;

    /// Records that Telegram accepted the first `parts` parts of a row's message.
    fn mark_parts_sent(&self, id: i64, parts: usize) -> Result<(), StoreError>;

    /// Records that a row was delivered. Also applies to a row dropped while it was being sent
    /// (delivery is a fact); a row already `sent` or `failed` is left as is.
    fn mark_sent(&self, id: i64, now_ms: i64) -> Result<(), StoreError>;

    /// Records a failed attempt to be retried at `next_attempt_ms` (the attempt was counted by
    /// [`Store::begin_attempt`]); the row stays pending. A row that is no longer pending is
    /// left as is.
    fn mark_retry(&self, id: i64, next_attempt_ms: i64, error: &str) -> Result<(), StoreError>;

    /// Gives up on a row after a final failed attempt. A row that is no longer pending is left
    /// as is.
    fn mark_failed(&self, id: i64, error: &str) -> Result<(), StoreError>;

    /// Moves a group that became a supergroup to its new id: its settings (language, notice
    /// language, topic, active), subscriptions and pending outbox rows. Settings the new id
    /// already has are kept; the old id is forgotten.
    fn migrate_chat(&self, from: ChatId, to: ChatId) -> Result<(), StoreError>;

    /// The forum topic a chat's notices go to.
    fn thread(&self, chat: ChatId) -> Result<Option<i32>, StoreError>;

    /// Records sends (milliseconds since the epoch, chat) and forgets those older than a
    /// minute. Best effort (a lost record only makes a restart's pacing less exact): it waits at
    /// most [`TURN_BUSY_TIMEOUT`] for a lock held elsewhere, so a held lock never makes the
    /// send log keep the writer from a subscription.
    fn record_sends(&self, sends: &[(i64, ChatId)]) -> Result<(), StoreError>;

    /// Sends recorded at or after `since_ms`, newest first, as (at, chat).
    fn recent_sends(&self, since_ms: i64) -> Result<Vec<(i64, ChatId)>, StoreError>;

    /// Records update ids as handled (in the order given) and forgets all but the newest
    /// `keep`; an id recorded again becomes the newest.
    fn record_handled_updates(&self, ids: &[u32], keep: usize) -> Result<(), StoreError>;

    /// Claims update `id` for this process: `true` if no process recorded it before (it is
    /// recorded now, as the newest), `false` if one did. Replicas call it when a webhook
    /// update is admitted.
    fn claim_update(&self, id: u32) -> Result<bool, StoreError>;

    /// The newest `limit` handled update ids, oldest first.
    fn handled_updates(&self, limit: usize) -> Result<Vec<u32>, StoreError>;

    /// How many outbox rows are in each status.
    fn outbox_counts(&self) -> Result<OutboxCounts, StoreError>;

    /// Subscribers per topic (active chats only), chats by state and the outbox by status, read
    /// in one transaction so the numbers agree with each other.
    fn stats(&self) -> Result<Stats, StoreError>;

    /// Stores a broadcast text until its admin confirms it. Returns its id (never reused).
    fn create_broadcast(&self, admin: i64, text: &str, now_ms: i64) -> Result<i64, StoreError>;

    /// Removes and returns a broadcast's text, so a confirmation works once. `None` if the id is
    /// unknown, already taken, or belongs to another admin (whose broadcast stays).
    fn take_broadcast(&self, id: i64, admin: i64) -> Result<Option<String>, StoreError>;

    /// Saves one question's turn at once: the comment it makes on an earlier 👎 (`comment_on`),
    /// its gaps-log entry, and the chat's new context. Best effort: it waits at most
    /// [`TURN_BUSY_TIMEOUT`] for a lock held elsewhere (a backup, `schemebot publish`) rather
    /// than holding the writer for the full busy timeout, since a lost context only costs a
    /// follow-up its scheme.
    fn save_turn(&self, turn: &Turn<'_>) -> Result<(), StoreError>;

    /// Saves one API question's turn at once: its gaps-log entry and the session's new
    /// context, deleting sessions silent for longer than the time to live. Best effort, like
    /// [`Store::save_turn`]: it waits at most [`TURN_BUSY_TIMEOUT`] for another writer.
    fn save_session_turn(&self, turn: &SessionTurn<'_>) -> Result<(), StoreError>;

    /// Forgets `chat`'s conversation (on /start).
    fn clear_context(&self, chat: ChatId) -> Result<(), StoreError>;

    /// Adds a question to the gaps log (no chat id is kept), deleting entries older than
    /// [`GAPS_RETENTION_MS`]; returns the new row's id.
    fn add_gap(&self, gap: &NewGap<'_>, now_ms: i64) -> Result<i64, StoreError>;

    /// Marks `chat` as owing a comment on gaps row `gap` (after a 👎), or clears it (`None`);
    /// the mark lasts as long as the conversation.
    fn await_feedback(&self, chat: ChatId, gap: Option<i64>, now_ms: i64) -> Result<(), StoreError>;

    /// The most frequent gaps since `since_ms`, grouped by normalised text, most frequent
    /// first (ties: most recent first), at most `limit` groups.
    fn gaps(&self, since_ms: i64, limit: usize) -> Result<Vec<GapGroup>, StoreError>;

    /// Whether this process may deliver the outbox now. With SQLite (one machine) always. With
    /// PostgreSQL, the replica holding a session-level advisory lock on a dedicated connection
    /// delivers; the others get `false` and ask again later. When its process dies, the server
    /// frees the lock and the next replica to ask takes over; a replica that takes over first
    /// releases the claims the previous one held (see [`Store::due`]).
    fn lead_delivery(&self) -> Result<bool, StoreError>;
}

#[cfg(test)]
impl Store {
    /// Counts the rows of `table`, whatever the backend (tests only).
    fn raw_count(&self, table: &str) -> i64 {
        on_backend!(self, b => b.raw_count(table))
    }

    /// The first column of each row `sql` returns, as text, whatever the backend (tests only).
    fn raw_texts(&self, sql: &str) -> Vec<String> {
        on_backend!(self, b => b.raw_texts(sql))
    }
}

/// `url` without its password, for messages and logs; a URL that does not parse is shown as
/// its scheme only.
#[must_use]
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                // Setting a password fails only for URLs that cannot have one.
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => format!("{}:…", url.split(':').next().unwrap_or("?")),
    }
}
