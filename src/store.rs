//! The durable store: chats and their preferences, subscriptions, the published corpus snapshot,
//! the outbox of messages waiting to be sent, admin broadcasts awaiting confirmation, the log of
//! recent sends, and a window of the update ids handled last.
//!
//! This is the only module that speaks SQL. Everything lives in one SQLite file in the data
//! directory, opened in WAL mode with `synchronous=NORMAL`, foreign keys on and a 5 s busy
//! timeout. The schema is a list of migrations applied in order, one transaction each, and
//! tracked in `PRAGMA user_version`; a file written by a newer schemebot is refused rather than
//! guessed at. A file that is not a database, or one we cannot write, makes [`Store::open`] fail
//! with a [`StoreError`] naming the path; the file itself is never truncated or overwritten.
//!
//! Delivery is at-least-once through the outbox: a notifier reads [`Store::due`] rows, sends them,
//! then calls [`Store::mark_sent`] (or [`Store::mark_retry`] / [`Store::mark_failed`]). Rows are
//! unique per `(kind, dedupe_key, chat)`, which makes a change-set notice or a reminder go to a
//! chat at most once however often it is enqueued.
//!
//! Every method is synchronous and short (sub-millisecond on a local disk), so async callers call
//! them directly. [`Store`] is `Send + Sync`: the connection sits behind a mutex.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

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

/// Why the store could not do what was asked. Every variant names the database file (`:memory:`
/// for an in-memory store).
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

/// The schema, one migration per entry; migration `i` (0-based) brings the database to
/// `user_version = i + 1`. Append only: never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: the initial schema. Times are milliseconds since the Unix epoch.
    // AUTOINCREMENT on change_sets and broadcasts keeps ids from ever being reused: a change
    // set id is part of outbox dedupe keys, and a broadcast id is in a confirmation button.
    "
    CREATE TABLE chats (
        chat_id    INTEGER PRIMARY KEY,
        lang       TEXT,
        active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE subscriptions (
        chat_id    INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE,
        topic      TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (chat_id, topic)
    ) STRICT;

    CREATE TABLE change_sets (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at INTEGER NOT NULL,
        summary    TEXT NOT NULL
    ) STRICT;

    CREATE TABLE published (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        fingerprint   TEXT NOT NULL,
        snapshot      TEXT NOT NULL,
        change_set_id INTEGER NOT NULL REFERENCES change_sets (id),
        published_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        kind            TEXT NOT NULL,
        dedupe_key      TEXT NOT NULL,
        chat_id         INTEGER NOT NULL,
        payload         TEXT NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
        attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT,
        created_at      INTEGER NOT NULL,
        sent_at         INTEGER,
        UNIQUE (kind, dedupe_key, chat_id)
    ) STRICT;

    CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
    CREATE INDEX outbox_chat ON outbox (chat_id, status);

    CREATE TABLE broadcasts (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        admin      INTEGER NOT NULL,
        text       TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;
    ",
    // 2: the language a chat last used when it subscribed, for notices to chats that never chose
    // one with /lang (a notice has no question whose script could decide).
    "
    ALTER TABLE chats ADD COLUMN notice_lang TEXT;
    ",
    // 3: `due` reads pending rows in id order and stops after a batch; an index in that order
    // spares it sorting every pending row for each batch (measured: 8 ms a batch at 10,000).
    "
    DROP INDEX outbox_due;
    CREATE INDEX outbox_pending ON outbox (status, id);
    ",
    // 4: every message sent (time and chat), kept for a minute, so a restarted process starts
    // its rate limiter from the sends of the last second; how many parts of a multi-part row
    // Telegram accepted, so a retry resumes after them; the forum topic a chat subscribed in,
    // where its notices go.
    "
    CREATE TABLE sends (
        at      INTEGER NOT NULL,
        chat_id INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX sends_at ON sends (at);
    ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0 CHECK (parts_sent >= 0);
    ALTER TABLE chats ADD COLUMN thread_id INTEGER;
    ",
    // 5: the update ids handled last (a bounded window, oldest first by `seq`), so an update
    // Telegram sends again after a restart (a webhook retry, or polling from an offset that
    // had not passed it) is answered once.
    "
    CREATE TABLE handled_updates (
        seq       INTEGER PRIMARY KEY,
        update_id INTEGER NOT NULL UNIQUE
    ) STRICT;
    ",
    // 6: conversations and the gaps log. `contexts`: per chat, the schemes and intent of the
    // last answer and the question asked (what "how much?" refers to, and what a 👎 is about),
    // forgotten after 30 minutes of silence; `feedback_gap` is the gaps row of a 👎 whose
    // "what were you looking for?" is awaited. `gaps`: questions that got no answer, a "did you
    // mean" or a 👎, for operators — text, outcome and schemes only, no chat or user id, deleted
    // after 90 days.
    "
    CREATE TABLE contexts (
        chat_id      INTEGER PRIMARY KEY,
        schemes      TEXT NOT NULL,
        intent       TEXT,
        question     TEXT,
        feedback_gap INTEGER,
        updated_at   INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE gaps (
        id         INTEGER PRIMARY KEY,
        question   TEXT NOT NULL,
        normalised TEXT NOT NULL,
        outcome    TEXT NOT NULL CHECK (outcome IN ('none', 'suggest', 'down')),
        schemes    TEXT NOT NULL,
        comment    TEXT,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX gaps_created ON gaps (created_at);
    CREATE INDEX gaps_normalised ON gaps (normalised);
    ",
    // 7: the HTTP API's sessions: what a `session` of `POST /api/v1/ask` asked last, like
    // `contexts` for a chat, forgotten after 30 minutes of silence. The id is a random token
    // the server issued; nothing identifies the person.
    "
    CREATE TABLE sessions (
        id         TEXT PRIMARY KEY,
        schemes    TEXT NOT NULL,
        intent     TEXT,
        question   TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX sessions_updated ON sessions (updated_at);
    ",
];

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

/// The schema version this code writes: the number of migrations.
const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// The furthest ahead a row is ever scheduled (the longest backoff is 5 minutes, and a
/// `retry_after` is capped at 15); see [`Store::due`].
pub const MAX_SCHEDULE_AHEAD_MS: i64 = 15 * 60 * 1000;

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The durable store; see the module documentation.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// A second, read-only connection for the reads on the interactive path (language,
    /// subscriptions, topic, whether a chat is active): with WAL, a read never waits for a
    /// writer, so a write stuck behind another process's lock (a backup, `schemebot publish`)
    /// holds up writes only. `None` in memory (one connection sees the data).
    reader: Option<Mutex<Connection>>,
    path: PathBuf,
    /// The file's identity (device, inode) when it was opened; `None` in memory.
    identity: Option<(u64, u64)>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, creating its parent directory, and
    /// brings the schema up to date. Fails without touching the file if it is not a database, was
    /// written by a newer schemebot, or cannot be written.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: path.to_owned(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| open_error(path, source))?;
        Store::init(conn, path.to_owned(), true)
    }

    /// Opens a fresh, empty in-memory database (for tests and dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| open_error(&path, source))?;
        Store::init(conn, path, false)
    }

    fn init(mut conn: Connection, path: PathBuf, on_disk: bool) -> Result<Store, StoreError> {
        let fail = |op| {
            let path = path.clone();
            move |source| classify(&path, op, source)
        };
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(fail("setting the busy timeout"))?;
        // Read before anything can write: a file that is not a database fails here, untouched.
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .map_err(fail("reading the schema"))?;
        if conn
            .is_readonly(rusqlite::MAIN_DB)
            .map_err(fail("checking access"))?
        {
            return Err(StoreError::ReadOnly { path, source: None });
        }
        let version = user_version(&conn).map_err(fail("reading the schema version"))?;
        if version > LATEST_VERSION {
            return Err(StoreError::TooNew {
                path,
                found: version,
                supported: LATEST_VERSION,
            });
        }
        if version == 0 && tables > 0 {
            return Err(StoreError::Foreign { path });
        }
        if on_disk {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(fail("switching to WAL mode"))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(path = %path.display(), mode, "SQLite refused WAL mode");
            }
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(fail("setting pragmas"))?;
        migrate(&mut conn, &path, version)?;
        let identity = if on_disk { file_identity(&path) } else { None };
        let reader = if on_disk {
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
                | rusqlite::OpenFlags::SQLITE_OPEN_URI;
            let reader =
                Connection::open_with_flags(&path, flags).map_err(fail("opening a reader"))?;
            reader
                .busy_timeout(BUSY_TIMEOUT)
                .map_err(fail("setting the busy timeout"))?;
            Some(Mutex::new(reader))
        } else {
            None
        };
        let store = Store {
            conn: Mutex::new(conn),
            reader,
            path,
            identity,
        };
        store.check_writable()?;
        Ok(store)
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        user_version(&self.conn()).map_err(self.fail("reading the schema version"))
    }

    /// Fails if the database file was deleted or replaced since it was opened (SQLite keeps
    /// writing to the old, unlinked file, so writes would seem to succeed and then vanish).
    pub fn check_file(&self) -> Result<(), StoreError> {
        match self.identity {
            Some(id) if file_identity(&self.path) != Some(id) => Err(StoreError::Replaced {
                path: self.path.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Makes a cheap write in a transaction that is rolled back, for health checks: fails if the
    /// database file was deleted or replaced, cannot take the write lock or refuses writes.
    pub fn check_writable(&self) -> Result<(), StoreError> {
        self.check_file()?;
        let fail = self.fail("checking that the database is writable");
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        tx.execute(
            "INSERT INTO broadcasts (admin, text, created_at) VALUES (0, '', 0)",
            [],
        )
        .map_err(&fail)?;
        tx.rollback().map_err(&fail)
    }

    // ---- chats and preferences ----

    /// Sets (or with `None` clears) the reply language a chat chose.
    pub fn set_lang(&self, chat: ChatId, lang: Option<Lang>) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO chats (chat_id, lang, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (chat_id) DO UPDATE SET lang = excluded.lang,
                                                     updated_at = excluded.updated_at",
                params![chat, lang.map(Lang::code), wall_clock_ms()],
            )
            .map_err(self.fail("setting the language"))?;
        Ok(())
    }

    /// The language for a chat's notices: its /lang choice, else the language it subscribed in.
    pub fn notice_lang(&self, chat: ChatId) -> Result<Option<Lang>, StoreError> {
        let codes: Option<(Option<String>, Option<String>)> = self
            .reader()
            .query_row(
                "SELECT lang, notice_lang FROM chats WHERE chat_id = ?1",
                [chat],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(self.fail("reading the notice language"))?;
        Ok(codes
            .and_then(|(chosen, hint)| chosen.or(hint))
            .and_then(|c| Lang::from_code(&c)))
    }

    /// The reply language a chat chose, if any.
    pub fn lang(&self, chat: ChatId) -> Result<Option<Lang>, StoreError> {
        let code: Option<String> = self
            .reader()
            .query_row("SELECT lang FROM chats WHERE chat_id = ?1", [chat], |row| {
                row.get(0)
            })
            .optional()
            .map_err(self.fail("reading the language"))?
            .flatten();
        Ok(code.and_then(|code| {
            let lang = Lang::from_code(&code);
            if lang.is_none() {
                tracing::warn!(chat, code, "ignoring an unknown stored language");
            }
            lang
        }))
    }

    /// Records whether the bot can still write to a chat: `false` when the bot was blocked,
    /// kicked or the account deleted, `true` when it is back. Deactivating also marks the chat's
    /// pending outbox rows `dropped`. Returns whether the state changed (an unknown chat counts as
    /// active).
    pub fn set_active(&self, chat: ChatId, active: bool) -> Result<bool, StoreError> {
        let fail = self.fail("setting whether a chat is active");
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let before: bool = tx
            .query_row(
                "SELECT active FROM chats WHERE chat_id = ?1",
                [chat],
                |row| row.get(0),
            )
            .optional()
            .map_err(&fail)?
            .unwrap_or(true);
        tx.execute(
            "INSERT INTO chats (chat_id, active, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (chat_id) DO UPDATE SET active = excluded.active,
                                                 updated_at = excluded.updated_at",
            params![chat, active, wall_clock_ms()],
        )
        .map_err(&fail)?;
        if !active {
            tx.execute(
                "UPDATE outbox SET status = 'dropped' WHERE chat_id = ?1 AND status = 'pending'",
                [chat],
            )
            .map_err(&fail)?;
        }
        tx.commit().map_err(&fail)?;
        Ok(before != active)
    }

    /// Whether the bot can write to a chat; an unknown chat is active.
    pub fn is_active(&self, chat: ChatId) -> Result<bool, StoreError> {
        let active: Option<bool> = self
            .reader()
            .query_row(
                "SELECT active FROM chats WHERE chat_id = ?1",
                [chat],
                |row| row.get(0),
            )
            .optional()
            .map_err(self.fail("reading whether a chat is active"))?;
        Ok(active.unwrap_or(true))
    }

    // ---- subscriptions ----

    /// Subscribes a chat to a topic and marks the chat active (a chat that subscribes can be
    /// written to), leaving its notice language and forum topic as they were. Returns `false`
    /// if it was already subscribed.
    pub fn subscribe(&self, chat: ChatId, topic: &Topic) -> Result<bool, StoreError> {
        self.subscribe_with(chat, topic, None)
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
        self.subscribe_with(chat, topic, Some((lang, thread)))
    }

    /// One transaction: the chat row (active, and with `notices` its notice language and forum
    /// topic), then the subscription.
    fn subscribe_with(
        &self,
        chat: ChatId,
        topic: &Topic,
        notices: Option<(Lang, Option<i32>)>,
    ) -> Result<bool, StoreError> {
        let fail = self.fail("subscribing");
        let now = wall_clock_ms();
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        match notices {
            None => tx.execute(
                "INSERT INTO chats (chat_id, active, updated_at) VALUES (?1, 1, ?2)
                 ON CONFLICT (chat_id) DO UPDATE SET active = 1, updated_at = excluded.updated_at
                 WHERE active = 0",
                params![chat, now],
            ),
            Some((lang, thread)) => tx.execute(
                "INSERT INTO chats (chat_id, active, notice_lang, thread_id, updated_at)
                 VALUES (?1, 1, ?2, ?3, ?4)
                 ON CONFLICT (chat_id) DO UPDATE SET active = 1,
                     notice_lang = excluded.notice_lang, thread_id = excluded.thread_id,
                     updated_at = excluded.updated_at",
                params![chat, lang.code(), thread, now],
            ),
        }
        .map_err(&fail)?;
        let added = tx
            .execute(
                "INSERT OR IGNORE INTO subscriptions (chat_id, topic, created_at)
                 VALUES (?1, ?2, ?3)",
                params![chat, topic.key(), now],
            )
            .map_err(&fail)?;
        tx.commit().map_err(&fail)?;
        Ok(added == 1)
    }

    /// Unsubscribes a chat from a topic. Returns `false` if it was not subscribed.
    pub fn unsubscribe(&self, chat: ChatId, topic: &Topic) -> Result<bool, StoreError> {
        let removed = self
            .conn()
            .execute(
                "DELETE FROM subscriptions WHERE chat_id = ?1 AND topic = ?2",
                params![chat, topic.key()],
            )
            .map_err(self.fail("unsubscribing"))?;
        Ok(removed == 1)
    }

    /// Removes all of a chat's subscriptions. Returns how many there were.
    pub fn unsubscribe_all(&self, chat: ChatId) -> Result<usize, StoreError> {
        self.conn()
            .execute("DELETE FROM subscriptions WHERE chat_id = ?1", [chat])
            .map_err(self.fail("unsubscribing from everything"))
    }

    /// A chat's subscriptions, sorted.
    pub fn subscriptions(&self, chat: ChatId) -> Result<Vec<Topic>, StoreError> {
        let fail = self.fail("listing subscriptions");
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT topic FROM subscriptions WHERE chat_id = ?1")
            .map_err(&fail)?;
        let keys = stmt
            .query_map([chat], |row| row.get::<_, String>(0))
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(&fail)?;
        let mut topics: Vec<Topic> = keys.iter().filter_map(|key| parse_stored(key)).collect();
        topics.sort();
        Ok(topics)
    }

    /// Every subscription of every active chat, sorted by chat then topic.
    pub fn active_subscriptions(&self) -> Result<Vec<(ChatId, Topic)>, StoreError> {
        let fail = self.fail("listing active subscriptions");
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT s.chat_id, s.topic FROM subscriptions s
                 JOIN chats c ON c.chat_id = s.chat_id
                 WHERE c.active = 1",
            )
            .map_err(&fail)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(&fail)?;
        let mut subs: Vec<(ChatId, Topic)> = rows
            .into_iter()
            .filter_map(|(chat, key)| parse_stored(&key).map(|topic| (chat, topic)))
            .collect();
        subs.sort();
        Ok(subs)
    }

    /// The active chats that have at least one subscription, ascending.
    pub fn active_subscriber_chats(&self) -> Result<Vec<ChatId>, StoreError> {
        let fail = self.fail("listing subscribed chats");
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT DISTINCT s.chat_id FROM subscriptions s
                 JOIN chats c ON c.chat_id = s.chat_id
                 WHERE c.active = 1
                 ORDER BY s.chat_id",
            )
            .map_err(&fail)?;
        stmt.query_map([], |row| row.get(0))
            .and_then(Iterator::collect)
            .map_err(&fail)
    }

    // ---- the published snapshot and the outbox ----

    /// The snapshot subscribers were last notified about, if anything was ever published.
    pub fn published(&self) -> Result<Option<Published>, StoreError> {
        self.conn()
            .query_row(
                "SELECT fingerprint, snapshot, published_at FROM published WHERE id = 1",
                [],
                |row| {
                    Ok(Published {
                        fingerprint: row.get(0)?,
                        snapshot: row.get(1)?,
                        at_ms: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.fail("reading the published snapshot"))
    }

    /// In ONE transaction: records a change set (its `summary` JSON), replaces the published
    /// snapshot, and inserts one outbox row per notice (kind `notice`, dedupe key
    /// `cs:<change set id>`). Returns the change set id. As in [`Store::enqueue`], a notice for
    /// a chat that is inactive is recorded as `dropped`.
    ///
    /// Two notices for the same chat are a caller bug: the whole call fails with
    /// [`StoreError::Sql`] (a UNIQUE constraint) and nothing is written, so the snapshot is not
    /// advanced without its notices.
    pub fn publish(
        &self,
        fingerprint: &str,
        snapshot: &str,
        summary: &str,
        notices: &[NewMessage],
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let fail = self.fail("publishing a change set");
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        tx.execute(
            "INSERT INTO change_sets (created_at, summary) VALUES (?1, ?2)",
            params![now_ms, summary],
        )
        .map_err(&fail)?;
        let change_set = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO published (id, fingerprint, snapshot, change_set_id, published_at)
             VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint,
                                            snapshot = excluded.snapshot,
                                            change_set_id = excluded.change_set_id,
                                            published_at = excluded.published_at",
            params![fingerprint, snapshot, change_set, now_ms],
        )
        .map_err(&fail)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO outbox (kind, dedupe_key, chat_id, payload, status,
                                         next_attempt_at, created_at)
                     VALUES ('notice', ?1, ?2, ?3,
                             CASE WHEN EXISTS (SELECT 1 FROM chats
                                               WHERE chat_id = ?2 AND active = 0)
                                  THEN 'dropped' ELSE 'pending' END,
                             ?4, ?4)",
                )
                .map_err(&fail)?;
            let dedupe_key = format!("cs:{change_set}");
            for notice in notices {
                insert
                    .execute(params![dedupe_key, notice.chat, notice.payload, now_ms])
                    .map_err(&fail)?;
            }
        }
        tx.commit().map_err(&fail)?;
        Ok(change_set)
    }

    /// Inserts outbox rows of another kind (`reminder`, `broadcast`), due now. A row whose
    /// `(kind, dedupe_key, chat)` already exists, in any status, is skipped, which makes
    /// reminders once-only. A row for a chat that is inactive (blocked the bot) is recorded as
    /// `dropped` rather than left pending forever. Returns how many rows were inserted.
    pub fn enqueue(
        &self,
        kind: &str,
        dedupe_key: &str,
        messages: &[NewMessage],
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        let fail = self.fail("enqueueing messages");
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let mut inserted = 0;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO outbox (kind, dedupe_key, chat_id, payload, status,
                                                   next_attempt_at, created_at)
                     VALUES (?1, ?2, ?3, ?4,
                             CASE WHEN EXISTS (SELECT 1 FROM chats
                                               WHERE chat_id = ?3 AND active = 0)
                                  THEN 'dropped' ELSE 'pending' END,
                             ?5, ?5)",
                )
                .map_err(&fail)?;
            for message in messages {
                inserted += insert
                    .execute(params![
                        kind,
                        dedupe_key,
                        message.chat,
                        message.payload,
                        now_ms
                    ])
                    .map_err(&fail)?;
            }
        }
        tx.commit().map_err(&fail)?;
        Ok(inserted)
    }

    /// Up to `limit` pending rows whose time has come (`next_attempt_at <= now_ms`) for chats
    /// that are still active, oldest first (by id).
    pub fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let fail = self.fail("reading due messages");
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT o.id, o.chat_id, o.kind, o.payload, o.attempts, o.parts_sent FROM outbox o
                 WHERE o.status = 'pending' AND (o.next_attempt_at <= ?1 OR o.next_attempt_at > ?3)
                   AND NOT EXISTS (SELECT 1 FROM chats c
                                   WHERE c.chat_id = o.chat_id AND c.active = 0)
                 ORDER BY o.id
                 LIMIT ?2",
            )
            .map_err(&fail)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // A row scheduled further ahead than any retry ever is was scheduled before the wall
        // clock was set back: it is due now rather than stalled for the clock's jump.
        let horizon = now_ms.saturating_add(MAX_SCHEDULE_AHEAD_MS);
        stmt.query_map(params![now_ms, limit, horizon], |row| {
            Ok(OutboxItem {
                id: row.get(0)?,
                chat: row.get(1)?,
                kind: row.get(2)?,
                payload: row.get(3)?,
                attempts: u32::try_from(row.get::<_, i64>(4)?).unwrap_or(u32::MAX),
                parts_sent: usize::try_from(row.get::<_, i64>(5)?).unwrap_or(0),
            })
        })
        .and_then(Iterator::collect)
        .map_err(&fail)
    }

    /// The earliest `next_attempt_at` among pending rows of active chats: when the notifier
    /// should wake up next. `None` if nothing is pending.
    pub fn next_due_at(&self) -> Result<Option<i64>, StoreError> {
        self.conn()
            .query_row(
                "SELECT min(o.next_attempt_at) FROM outbox o
                 WHERE o.status = 'pending'
                   AND NOT EXISTS (SELECT 1 FROM chats c
                                   WHERE c.chat_id = o.chat_id AND c.active = 0)",
                [],
                |row| row.get(0),
            )
            .map_err(self.fail("reading the next due time"))
    }

    /// Counts an attempt before it is made (`attempts` goes up by one), so a notice whose outcome
    /// cannot be recorded is never sent again and again: if this write fails, nothing is sent.
    pub fn begin_attempt(&self, id: i64) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1 AND status = 'pending'",
                [id],
            )
            .map_err(self.fail("counting a delivery attempt"))?;
        Ok(())
    }

    /// Records that Telegram accepted the first `parts` parts of a row's message.
    pub fn mark_parts_sent(&self, id: i64, parts: usize) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET parts_sent = max(parts_sent, ?2) WHERE id = ?1",
                params![id, i64::try_from(parts).unwrap_or(i64::MAX)],
            )
            .map_err(self.fail("recording the parts sent"))?;
        Ok(())
    }

    /// Records that a row was delivered. Also applies to a row dropped while it was being sent
    /// (delivery is a fact); a row already `sent` or `failed` is left as is.
    pub fn mark_sent(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = NULL
                 WHERE id = ?1 AND status IN ('pending', 'dropped')",
                params![id, now_ms],
            )
            .map_err(self.fail("marking a message sent"))?;
        Ok(())
    }

    /// Records a failed attempt to be retried at `next_attempt_ms` (the attempt was counted by
    /// [`Store::begin_attempt`]); the row stays pending. A row that is no longer pending is
    /// left as is.
    pub fn mark_retry(&self, id: i64, next_attempt_ms: i64, error: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET next_attempt_at = ?2, last_error = ?3
                 WHERE id = ?1 AND status = 'pending'",
                params![id, next_attempt_ms, error],
            )
            .map_err(self.fail("scheduling a retry"))?;
        Ok(())
    }

    /// Gives up on a row after a final failed attempt. A row that is no longer pending is left
    /// as is.
    pub fn mark_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET status = 'failed', last_error = ?2
                 WHERE id = ?1 AND status = 'pending'",
                params![id, error],
            )
            .map_err(self.fail("marking a message failed"))?;
        Ok(())
    }

    /// Moves a group that became a supergroup to its new id: its settings (language, notice
    /// language, topic, active), subscriptions and pending outbox rows. Settings the new id
    /// already has are kept; the old id is forgotten.
    pub fn migrate_chat(&self, from: ChatId, to: ChatId) -> Result<(), StoreError> {
        let fail = self.fail("moving a migrated chat");
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        tx.execute(
            "INSERT INTO chats (chat_id, lang, active, updated_at, notice_lang, thread_id)
             SELECT ?2, lang, 1, ?3, notice_lang, NULL FROM chats WHERE chat_id = ?1
             ON CONFLICT (chat_id) DO UPDATE SET
                 lang = coalesce(chats.lang, excluded.lang),
                 notice_lang = coalesce(chats.notice_lang, excluded.notice_lang),
                 active = 1, updated_at = excluded.updated_at",
            params![from, to, wall_clock_ms()],
        )
        .map_err(&fail)?;
        tx.execute(
            "INSERT OR IGNORE INTO subscriptions (chat_id, topic, created_at)
             SELECT ?2, topic, created_at FROM subscriptions WHERE chat_id = ?1",
            params![from, to],
        )
        .map_err(&fail)?;
        tx.execute(
            "UPDATE OR IGNORE outbox SET chat_id = ?2 WHERE chat_id = ?1 AND status = 'pending'",
            params![from, to],
        )
        .map_err(&fail)?;
        // Rows the new id already had (the same notice twice) stay with the old id: drop them.
        tx.execute(
            "UPDATE outbox SET status = 'dropped' WHERE chat_id = ?1 AND status = 'pending'",
            [from],
        )
        .map_err(&fail)?;
        tx.execute("DELETE FROM chats WHERE chat_id = ?1", [from])
            .map_err(&fail)?;
        tx.commit().map_err(&fail)
    }

    /// The forum topic a chat's notices go to.
    pub fn thread(&self, chat: ChatId) -> Result<Option<i32>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT thread_id FROM chats WHERE chat_id = ?1",
                [chat],
                |row| row.get::<_, Option<i32>>(0),
            )
            .optional()
            .map_err(self.fail("reading the chat's topic"))?
            .flatten())
    }

    // ---- the send log ----

    /// Records sends (milliseconds since the epoch, chat) and forgets those older than a
    /// minute. Best effort (a lost record only makes a restart's pacing less exact): it waits at
    /// most [`TURN_BUSY_TIMEOUT`] for a lock held elsewhere, so a held lock never makes the
    /// send log keep the writer from a subscription.
    pub fn record_sends(&self, sends: &[(i64, ChatId)]) -> Result<(), StoreError> {
        self.best_effort("recording sends", |conn| {
            let tx = conn.transaction()?;
            {
                let mut insert =
                    tx.prepare_cached("INSERT INTO sends (at, chat_id) VALUES (?1, ?2)")?;
                for (at, chat) in sends {
                    insert.execute(params![at, chat])?;
                }
            }
            let newest = sends.iter().map(|(at, _)| *at).max().unwrap_or(0);
            tx.execute("DELETE FROM sends WHERE at < ?1", [newest - 60_000])?;
            tx.commit()
        })
    }

    /// Sends recorded at or after `since_ms`, newest first, as (at, chat).
    pub fn recent_sends(&self, since_ms: i64) -> Result<Vec<(i64, ChatId)>, StoreError> {
        let fail = self.fail("reading recent sends");
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT at, chat_id FROM sends WHERE at >= ?1 ORDER BY at DESC")
            .map_err(&fail)?;
        stmt.query_map([since_ms], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(Iterator::collect)
            .map_err(&fail)
    }

    // ---- handled updates ----

    /// Records update ids as handled (in the order given) and forgets all but the newest
    /// `keep`; an id recorded again becomes the newest.
    pub fn record_handled_updates(&self, ids: &[u32], keep: usize) -> Result<(), StoreError> {
        let fail = self.fail("recording handled updates");
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(&fail)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT OR REPLACE INTO handled_updates (update_id) VALUES (?1)")
                .map_err(&fail)?;
            for id in ids {
                insert.execute([id]).map_err(&fail)?;
            }
        }
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        tx.execute(
            "DELETE FROM handled_updates
             WHERE seq <= (SELECT max(seq) FROM handled_updates) - ?1",
            [keep],
        )
        .map_err(&fail)?;
        tx.commit().map_err(&fail)
    }

    /// The newest `limit` handled update ids, oldest first.
    pub fn handled_updates(&self, limit: usize) -> Result<Vec<u32>, StoreError> {
        let fail = self.fail("reading handled updates");
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT update_id FROM handled_updates ORDER BY seq DESC LIMIT ?1")
            .map_err(&fail)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut ids: Vec<u32> = stmt
            .query_map([limit], |row| row.get(0))
            .and_then(Iterator::collect)
            .map_err(&fail)?;
        ids.reverse();
        Ok(ids)
    }

    /// How many outbox rows are in each status.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        outbox_counts(&self.conn()).map_err(self.fail("counting the outbox"))
    }

    /// Subscribers per topic (active chats only), chats by state and the outbox by status, read
    /// in one transaction so the numbers agree with each other.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let fail = self.fail("reading statistics");
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(&fail)?;
        let rows = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT s.topic, count(*) FROM subscriptions s
                     JOIN chats c ON c.chat_id = s.chat_id
                     WHERE c.active = 1
                     GROUP BY s.topic",
                )
                .map_err(&fail)?;
            stmt.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(&fail)?
        };
        let mut by_topic: Vec<(Topic, usize)> = rows
            .into_iter()
            .filter_map(|(key, n)| parse_stored(&key).map(|topic| (topic, count(n))))
            .collect();
        by_topic.sort();
        let (active, inactive): (i64, i64) = tx
            .query_row(
                "SELECT coalesce(sum(active), 0), coalesce(sum(1 - active), 0) FROM chats",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(&fail)?;
        let outbox = outbox_counts(&tx).map_err(&fail)?;
        tx.commit().map_err(&fail)?;
        Ok(Stats {
            by_topic,
            active_chats: count(active),
            inactive_chats: count(inactive),
            outbox,
        })
    }

    // ---- admin broadcasts awaiting confirmation ----

    /// Stores a broadcast text until its admin confirms it. Returns its id (never reused).
    pub fn create_broadcast(&self, admin: i64, text: &str, now_ms: i64) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO broadcasts (admin, text, created_at) VALUES (?1, ?2, ?3)",
            params![admin, text, now_ms],
        )
        .map_err(self.fail("storing a broadcast"))?;
        Ok(conn.last_insert_rowid())
    }

    /// Removes and returns a broadcast's text, so a confirmation works once. `None` if the id is
    /// unknown, already taken, or belongs to another admin (whose broadcast stays).
    pub fn take_broadcast(&self, id: i64, admin: i64) -> Result<Option<String>, StoreError> {
        self.conn()
            .query_row(
                "DELETE FROM broadcasts WHERE id = ?1 AND admin = ?2 RETURNING text",
                params![id, admin],
                |row| row.get(0),
            )
            .optional()
            .map_err(self.fail("taking a broadcast"))
    }

    // ---- helpers ----

    /// The connection. A panic while the lock was held leaves SQLite consistent (an open
    /// transaction is rolled back when it is dropped), so a poisoned lock is simply taken over.
    /// What `chat` said last, if less than `ttl_ms` before `now_ms`: the context of its last
    /// answer, the question, and a 👎 awaiting a comment.
    pub fn conversation(
        &self,
        chat: ChatId,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Conversation, StoreError> {
        type Row = (String, Option<String>, Option<String>, Option<i64>, i64);
        let row: Option<Row> = self
            .reader()
            .query_row(
                "SELECT schemes, intent, question, feedback_gap, updated_at
                 FROM contexts WHERE chat_id = ?1",
                [chat],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )
            .optional()
            .map_err(self.fail("reading the conversation context"))?;
        Ok(match row {
            Some((schemes, intent, question, feedback_gap, at))
                if now_ms.saturating_sub(at) < ttl_ms =>
            {
                let schemes: Vec<String> = schemes.split_whitespace().map(str::to_owned).collect();
                Conversation {
                    context: (!schemes.is_empty()).then_some(Context { schemes, intent }),
                    question,
                    feedback_gap,
                }
            }
            _ => Conversation::default(),
        })
    }

    /// Saves one question's turn at once: the comment it makes on an earlier 👎 (`comment_on`),
    /// its gaps-log entry, and the chat's new context. Best effort: it waits at most
    /// [`TURN_BUSY_TIMEOUT`] for a lock held elsewhere (a backup, `schemebot publish`) rather
    /// than holding the writer for the full busy timeout, since a lost context only costs a
    /// follow-up its scheme.
    pub fn save_turn(&self, turn: &Turn<'_>) -> Result<(), StoreError> {
        self.best_effort("saving the conversation", |conn| {
            let tx = conn.transaction()?;
            if let Some(gap) = turn.comment_on {
                write_comment(&tx, gap, turn.question)?;
            }
            if let Some(gap) = &turn.gap {
                write_gap(&tx, gap, turn.now_ms)?;
            }
            write_context(
                &tx,
                turn.chat,
                turn.context,
                turn.question,
                turn.now_ms,
                turn.ttl_ms,
            )?;
            tx.commit()
        })
    }

    /// Runs a write that may be lost on the writer connection, waiting at most
    /// [`TURN_BUSY_TIMEOUT`] (not the full busy timeout) for a lock held by another connection,
    /// so a best-effort write never keeps the writer from the writes people are told about.
    fn best_effort<T>(
        &self,
        what: &'static str,
        write: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        conn.busy_timeout(TURN_BUSY_TIMEOUT)
            .map_err(self.fail(what))?;
        let result = write(&mut conn);
        let restored = conn.busy_timeout(BUSY_TIMEOUT);
        let value = result.map_err(self.fail(what))?;
        restored.map_err(self.fail(what))?;
        Ok(value)
    }

    /// What API session `session` asked last, if less than `ttl_ms` before `now_ms`: the
    /// context of its last answer (`None` also for an unknown or expired session).
    pub fn session(
        &self,
        session: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<Context>, StoreError> {
        let row: Option<(String, Option<String>, i64)> = self
            .reader()
            .query_row(
                "SELECT schemes, intent, updated_at FROM sessions WHERE id = ?1",
                [session],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(self.fail("reading an API session"))?;
        Ok(match row {
            Some((schemes, intent, at)) if now_ms.saturating_sub(at) < ttl_ms => {
                let schemes: Vec<String> = schemes.split_whitespace().map(str::to_owned).collect();
                (!schemes.is_empty()).then_some(Context { schemes, intent })
            }
            _ => None,
        })
    }

    /// Saves one API question's turn at once: its gaps-log entry and the session's new
    /// context, deleting sessions silent for longer than the time to live. Best effort, like
    /// [`Store::save_turn`]: it waits at most [`TURN_BUSY_TIMEOUT`] for another writer.
    pub fn save_session_turn(&self, turn: &SessionTurn<'_>) -> Result<(), StoreError> {
        self.best_effort("saving an API session", |conn| {
            let tx = conn.transaction()?;
            if let Some(gap) = &turn.gap {
                write_gap(&tx, gap, turn.now_ms)?;
            }
            let schemes = turn.context.map_or(String::new(), |c| c.schemes.join(" "));
            let intent = turn.context.and_then(|c| c.intent.clone());
            tx.execute(
                "INSERT INTO sessions (id, schemes, intent, question, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET schemes = excluded.schemes,
                     intent = excluded.intent, question = excluded.question,
                     updated_at = excluded.updated_at",
                params![turn.session, schemes, intent, turn.question, turn.now_ms],
            )?;
            tx.execute(
                "DELETE FROM sessions WHERE updated_at < ?1",
                [turn.now_ms.saturating_sub(turn.ttl_ms)],
            )?;
            tx.commit()
        })
    }

    /// Forgets `chat`'s conversation (on /start).
    pub fn clear_context(&self, chat: ChatId) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM contexts WHERE chat_id = ?1", [chat])
            .map_err(self.fail("forgetting the conversation context"))?;
        Ok(())
    }

    /// Adds a question to the gaps log (no chat id is kept), deleting entries older than
    /// [`GAPS_RETENTION_MS`]; returns the new row's id.
    pub fn add_gap(&self, gap: &NewGap<'_>, now_ms: i64) -> Result<i64, StoreError> {
        write_gap(&self.conn(), gap, now_ms).map_err(self.fail("adding to the gaps log"))
    }

    /// Marks `chat` as owing a comment on gaps row `gap` (after a 👎), or clears it (`None`);
    /// the mark lasts as long as the conversation.
    pub fn await_feedback(
        &self,
        chat: ChatId,
        gap: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO contexts (chat_id, schemes, feedback_gap, updated_at)
                 VALUES (?1, '', ?2, ?3)
                 ON CONFLICT (chat_id) DO UPDATE SET feedback_gap = excluded.feedback_gap,
                     updated_at = excluded.updated_at",
                params![chat, gap, now_ms],
            )
            .map_err(self.fail("saving the feedback prompt"))?;
        Ok(())
    }

    /// The most frequent gaps since `since_ms`, grouped by normalised text, most frequent
    /// first (ties: most recent first), at most `limit` groups.
    pub fn gaps(&self, since_ms: i64, limit: usize) -> Result<Vec<GapGroup>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare(
                "SELECT normalised, COUNT(*), MAX(created_at),
                        (SELECT question FROM gaps g2 WHERE g2.normalised = g.normalised
                         ORDER BY created_at DESC LIMIT 1),
                        GROUP_CONCAT(outcome, ' '), GROUP_CONCAT(schemes, ' '),
                        (SELECT GROUP_CONCAT(comment, ' | ') FROM gaps g3
                         WHERE g3.normalised = g.normalised AND comment IS NOT NULL)
                 FROM gaps g WHERE created_at >= ?1
                 GROUP BY normalised
                 ORDER BY COUNT(*) DESC, MAX(created_at) DESC
                 LIMIT ?2",
            )
            .map_err(self.fail("reading the gaps log"))?;
        let rows = stmt
            .query_map(params![since_ms, limit as i64], |row| {
                let outcomes: String = row.get(4)?;
                let schemes: Option<String> = row.get(5)?;
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(3)?,
                    outcomes,
                    schemes,
                    row.get(6)?,
                ))
            })
            .map_err(self.fail("reading the gaps log"))?;
        let mut out = Vec::new();
        for row in rows {
            let (normalised, count, example, outcomes, schemes, comments): (
                String,
                i64,
                String,
                String,
                Option<String>,
                Option<String>,
            ) = row.map_err(self.fail("reading the gaps log"))?;
            let count_of = |key: &str| outcomes.split(' ').filter(|o| *o == key).count();
            let mut suggested: Vec<(String, usize)> = Vec::new();
            for id in schemes.unwrap_or_default().split_whitespace() {
                match suggested.iter_mut().find(|(s, _)| s == id) {
                    Some((_, n)) => *n += 1,
                    None => suggested.push((id.to_owned(), 1)),
                }
            }
            suggested.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            out.push(GapGroup {
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
            });
        }
        Ok(out)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection for reads that must not wait behind a write (see `reader`).
    fn reader(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(reader) => reader.lock().unwrap_or_else(PoisonError::into_inner),
            None => self.conn(),
        }
    }

    /// Wraps a SQLite error from `op` with this store's path.
    fn fail(&self, op: &'static str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| classify(&self.path, op, source)
    }
}

/// The chat's context row: schemes, intent, last question; ends a wait for a 👎 comment and
/// deletes contexts idle for longer than `ttl_ms`.
fn write_context(
    conn: &Connection,
    chat: ChatId,
    context: Option<&Context>,
    question: &str,
    now_ms: i64,
    ttl_ms: i64,
) -> rusqlite::Result<()> {
    let schemes = context.map_or(String::new(), |c| c.schemes.join(" "));
    let intent = context.and_then(|c| c.intent.clone());
    conn.execute(
        "INSERT INTO contexts (chat_id, schemes, intent, question, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (chat_id) DO UPDATE SET schemes = excluded.schemes,
             intent = excluded.intent, question = excluded.question,
             feedback_gap = NULL, updated_at = excluded.updated_at",
        params![chat, schemes, intent, question, now_ms],
    )?;
    conn.execute(
        "DELETE FROM contexts WHERE updated_at < ?1",
        [now_ms.saturating_sub(ttl_ms)],
    )?;
    Ok(())
}

/// Inserts a gaps-log row (deleting rows past [`GAPS_RETENTION_MS`]); returns its id.
fn write_gap(conn: &Connection, gap: &NewGap<'_>, now_ms: i64) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO gaps (question, normalised, outcome, schemes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            gap.question,
            gap.normalised,
            gap.outcome.key(),
            gap.schemes.join(" "),
            now_ms
        ],
    )?;
    let id = conn.last_insert_rowid();
    conn.execute(
        "DELETE FROM gaps WHERE created_at < ?1",
        [now_ms.saturating_sub(GAPS_RETENTION_MS)],
    )?;
    Ok(id)
}

fn write_comment(conn: &Connection, gap: i64, comment: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE gaps SET comment = ?2 WHERE id = ?1",
        params![gap, comment],
    )?;
    Ok(())
}

/// Applies the migrations after `from`, one transaction each.
fn migrate(conn: &mut Connection, path: &Path, from: u32) -> Result<(), StoreError> {
    for (version, sql) in (1..).zip(MIGRATIONS).skip(from as usize) {
        let fail = |source| StoreError::Migration {
            path: path.to_owned(),
            version,
            source,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        tx.execute_batch(sql).map_err(fail)?;
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
        tracing::info!(path = %path.display(), version, "migrated the database");
    }
    Ok(())
}

/// A file's (device, inode), to notice it being replaced.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    // user_version is a signed 32-bit header field; a negative value is certainly not ours.
    Ok(u32::try_from(version).unwrap_or(u32::MAX))
}

fn outbox_counts(conn: &Connection) -> rusqlite::Result<OutboxCounts> {
    let mut stmt = conn.prepare_cached("SELECT status, count(*) FROM outbox GROUP BY status")?;
    let mut rows = stmt.query([])?;
    let mut counts = OutboxCounts::default();
    while let Some(row) = rows.next()? {
        let n = count(row.get(1)?);
        match row.get_ref(0)?.as_str()? {
            "pending" => counts.pending = n,
            "sent" => counts.sent = n,
            "failed" => counts.failed = n,
            "dropped" => counts.dropped = n,
            // Unreachable while the CHECK constraint holds.
            _ => {}
        }
    }
    Ok(counts)
}

/// Parses a stored topic key, skipping (with a warning) one this code no longer knows, such as a
/// removed category: one stale row must not hide every other subscription.
fn parse_stored(key: &str) -> Option<Topic> {
    let topic = Topic::parse(key);
    if topic.is_none() {
        tracing::warn!(key, "ignoring an unknown stored topic");
    }
    topic
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

/// Maps an error from opening the connection.
fn open_error(path: &Path, source: rusqlite::Error) -> StoreError {
    match classify(path, "opening", source) {
        StoreError::Sql { path, source, .. } => StoreError::Open { path, source },
        other => other,
    }
}

/// Turns the SQLite errors an operator can act on into their own variants.
fn classify(path: &Path, op: &'static str, source: rusqlite::Error) -> StoreError {
    let path = path.to_owned();
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path, source },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
            path,
            source: Some(source),
        },
        Some(ErrorCode::CannotOpen) => StoreError::Open { path, source },
        _ => StoreError::Sql { path, op, source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(chat: ChatId, payload: &str) -> NewMessage {
        NewMessage {
            chat,
            payload: payload.to_owned(),
        }
    }

    fn scheme(id: &str) -> Topic {
        Topic::Scheme(id.to_owned())
    }

    fn raw_count(store: &Store, table: &str) -> i64 {
        store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap()
    }

    #[test]
    fn a_conversation_is_forgotten_after_its_time_to_live_and_gaps_after_90_days() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("schemebot.db")).unwrap();
        let ttl = 30 * 60 * 1000;
        let t0 = 1_800_000_000_000;
        let context = Context {
            schemes: vec!["tvp".to_owned()],
            intent: Some("money".to_owned()),
        };
        let turn = |chat, context, question, now_ms| Turn {
            chat,
            question,
            context,
            gap: None,
            comment_on: None,
            now_ms,
            ttl_ms: ttl,
        };
        store
            .save_turn(&turn(7, Some(&context), "how much?", t0))
            .unwrap();
        let at = |now| store.conversation(7, now, ttl).unwrap();
        assert_eq!(at(t0 + ttl - 1).context.as_ref(), Some(&context));
        assert_eq!(at(t0 + ttl - 1).question.as_deref(), Some("how much?"));
        assert_eq!(at(t0 + ttl), Conversation::default());
        assert_eq!(
            store.conversation(8, t0, ttl).unwrap(),
            Conversation::default()
        );
        // A later write by another chat deletes the stale context.
        store.save_turn(&turn(8, None, "hi", t0 + ttl + 1)).unwrap();
        let rows: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM contexts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
        // A 👎 comment is awaited until the next question, and only then.
        store.await_feedback(8, Some(3), t0 + ttl + 2).unwrap();
        assert_eq!(at_chat(&store, 8, t0 + ttl + 3).feedback_gap, Some(3));
        store.save_turn(&turn(8, None, "x", t0 + ttl + 4)).unwrap();
        assert_eq!(at_chat(&store, 8, t0 + ttl + 5).feedback_gap, None);
        // Gaps: grouped by normalised text, counted, and gone after 90 days.
        let gap = |q: &'static str, outcome| NewGap {
            question: q,
            normalised: "renew licence",
            outcome,
            schemes: vec!["tvp".to_owned()],
        };
        store
            .add_gap(&gap("Renew licence?", GapOutcome::None), t0)
            .unwrap();
        let row = store
            .add_gap(&gap("renew LICENCE", GapOutcome::Down), t0 + 1)
            .unwrap();
        store
            .save_turn(&Turn {
                comment_on: Some(row),
                ..turn(9, None, "my driving licence", t0 + 2)
            })
            .unwrap();
        let groups = store.gaps(0, 10).unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].count, 2);
        assert_eq!(groups[0].example, "renew LICENCE");
        assert_eq!((groups[0].no_answer, groups[0].thumbs_down), (1, 1));
        assert_eq!(groups[0].schemes, ["tvp"]);
        assert_eq!(groups[0].comments, ["my driving licence"]);
        store
            .add_gap(
                &gap("later", GapOutcome::Suggest),
                t0 + GAPS_RETENTION_MS + 2,
            )
            .unwrap();
        let groups = store.gaps(0, 10).unwrap();
        assert_eq!(
            groups[0].count, 1,
            "the two old rows are deleted: {groups:?}"
        );
    }

    fn at_chat(store: &Store, chat: ChatId, now: i64) -> Conversation {
        store.conversation(chat, now, 30 * 60 * 1000).unwrap()
    }

    #[test]
    fn store_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Store>();
    }

    #[test]
    fn topic_keys_round_trip() {
        let mut topics = vec![Topic::All, scheme("techtas"), scheme("re-skill-2")];
        topics.extend(Category::ALL.into_iter().map(Topic::Category));
        for topic in &topics {
            assert_eq!(
                Topic::parse(&topic.key()).as_ref(),
                Some(topic),
                "{topic:?}"
            );
        }
        assert_eq!(Topic::All.key(), "all");
        assert_eq!(Topic::Category(Category::Talent).key(), "cat:talent");
        assert_eq!(scheme("techtas").key(), "s:techtas");
        for bad in ["", "ALL", "cat:", "cat:nope", "s:", "techtas", "x:all"] {
            assert_eq!(Topic::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn fresh_file_is_migrated_and_reopening_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/data/schemebot.db");
        {
            let store = Store::open(&path).unwrap();
            assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
            let conn = store.conn();
            let mode: String = conn
                .query_row("PRAGMA journal_mode", [], |row| row.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            let fk: i64 = conn
                .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
                .unwrap();
            assert_eq!(fk, 1);
            let sync: i64 = conn
                .query_row("PRAGMA synchronous", [], |row| row.get(0))
                .unwrap();
            assert_eq!(sync, 1, "NORMAL");
            let tables: Vec<(String, bool)> = conn
                .prepare(
                    "SELECT name, strict FROM pragma_table_list
                     WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'
                     ORDER BY name",
                )
                .unwrap()
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let expected = [
                "broadcasts",
                "change_sets",
                "chats",
                "contexts",
                "gaps",
                "handled_updates",
                "outbox",
                "published",
                "sends",
                "sessions",
                "subscriptions",
            ];
            assert_eq!(tables, expected.map(|name| (name.to_owned(), true)));
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
        store.check_writable().unwrap();
        assert_eq!(
            raw_count(&store, "broadcasts"),
            0,
            "check_writable rolls back"
        );
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.db");
        drop(Store::open(&path).unwrap());
        let future = LATEST_VERSION + 1;
        Connection::open(&path)
            .unwrap()
            .execute_batch(&format!("PRAGMA user_version = {future}"))
            .unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(
            matches!(err, StoreError::TooNew { found, supported, .. }
                if found == future && supported == LATEST_VERSION),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("upgrade schemebot"), "{text}");
    }

    #[test]
    fn a_garbage_file_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.db");
        let garbage: Vec<u8> = b"definitely not SQLite\n"
            .iter()
            .copied()
            .cycle()
            .take(8192)
            .collect();
        std::fs::write(&path, &garbage).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), garbage);
    }

    #[test]
    fn a_foreign_sqlite_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE chats (x); INSERT INTO chats VALUES (42);")
            .unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Foreign { .. }), "{err:?}");
        let conn = Connection::open(&path).unwrap();
        let x: i64 = conn
            .query_row("SELECT x FROM chats", [], |row| row.get(0))
            .unwrap();
        assert_eq!(x, 42);
        assert_eq!(user_version(&conn).unwrap(), 0);
    }

    #[test]
    fn a_parent_that_is_a_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("data");
        std::fs::write(&blocker, b"a file, not a directory").unwrap();
        let path = blocker.join("bot.db");
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_directory_is_a_clear_error() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let path = ro.join("bot.db");
        // Root ignores directory permissions; then there is nothing to test.
        let writable = std::fs::write(ro.join("probe"), b"").is_ok();
        let result = Store::open(&path);
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        if writable {
            eprintln!("skipped: the read-only directory is writable (running as root?)");
            return;
        }
        let err = result.unwrap_err();
        assert!(
            matches!(err, StoreError::Open { .. } | StoreError::ReadOnly { .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_is_a_clear_error() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.db");
        drop(Store::open(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let writable = std::fs::OpenOptions::new().append(true).open(&path).is_ok();
        let result = Store::open(&path);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        if writable {
            eprintln!("skipped: the read-only file is writable (running as root?)");
            return;
        }
        let err = result.unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
        assert!(err.to_string().contains("read-only"), "{err}");
    }

    #[test]
    fn data_survives_close_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.db");
        {
            let store = Store::open(&path).unwrap();
            store.subscribe(1, &scheme("techtas")).unwrap();
            store.set_lang(1, Some(Lang::ZhHant)).unwrap();
            store.set_active(2, false).unwrap();
            store
                .publish("fp1", "{}", "[]", &[msg(1, "n")], 10)
                .unwrap();
            store.create_broadcast(9, "hello", 10).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.subscriptions(1).unwrap(), vec![scheme("techtas")]);
        assert_eq!(store.lang(1).unwrap(), Some(Lang::ZhHant));
        assert!(!store.is_active(2).unwrap());
        assert_eq!(store.published().unwrap().unwrap().fingerprint, "fp1");
        assert_eq!(store.due(10, 10).unwrap().len(), 1);
        assert_eq!(raw_count(&store, "broadcasts"), 1);
    }

    #[test]
    fn language_preference() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.lang(5).unwrap(), None);
        store.set_lang(5, Some(Lang::ZhHans)).unwrap();
        assert_eq!(store.lang(5).unwrap(), Some(Lang::ZhHans));
        store.set_lang(5, Some(Lang::En)).unwrap();
        assert_eq!(store.lang(5).unwrap(), Some(Lang::En));
        store.set_lang(5, None).unwrap();
        assert_eq!(store.lang(5).unwrap(), None);
        // Setting a language does not subscribe or deactivate anyone.
        assert!(store.is_active(5).unwrap());
        assert!(store.subscriptions(5).unwrap().is_empty());
    }

    #[test]
    fn subscribing_from_a_topic_keeps_the_language_and_thread_or_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schemebot.db");
        let store = Store::open(&path).unwrap();
        store.set_active(9, false).unwrap();
        assert!(
            store
                .subscribe_from(9, &Topic::All, Lang::ZhHans, Some(42))
                .unwrap()
        );
        assert!(store.is_active(9).unwrap());
        assert_eq!(store.notice_lang(9).unwrap(), Some(Lang::ZhHans));
        assert_eq!(store.thread(9).unwrap(), Some(42));
        // Under another connection's write lock the whole subscription fails: no half of it stays.
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let topic = Topic::Category(Category::Talent);
        assert!(store.subscribe_from(9, &topic, Lang::En, None).is_err());
        // The send log is best effort: it gives up after the short wait, not the busy timeout.
        let started = std::time::Instant::now();
        assert!(store.record_sends(&[(1, 9)]).is_err());
        assert!(started.elapsed() < BUSY_TIMEOUT);
        drop(other);
        assert_eq!(store.subscriptions(9).unwrap(), vec![Topic::All]);
        assert_eq!(store.notice_lang(9).unwrap(), Some(Lang::ZhHans));
        assert_eq!(store.thread(9).unwrap(), Some(42));
        // The writer waits the full busy timeout again afterwards.
        store.record_sends(&[(1, 9)]).unwrap();
        assert!(store.subscribe_from(9, &topic, Lang::En, None).unwrap());
    }

    #[test]
    fn subscribing_twice_keeps_one_row() {
        let store = Store::open_in_memory().unwrap();
        let topic = Topic::Category(Category::Talent);
        assert!(store.subscribe(7, &topic).unwrap());
        assert!(!store.subscribe(7, &topic).unwrap());
        assert_eq!(store.subscriptions(7).unwrap(), vec![topic]);
        assert_eq!(raw_count(&store, "subscriptions"), 1);
    }

    #[test]
    fn subscriptions_are_sorted_and_can_be_removed() {
        let store = Store::open_in_memory().unwrap();
        let talent = Topic::Category(Category::Talent);
        store.subscribe(7, &scheme("techtas")).unwrap();
        store.subscribe(7, &talent).unwrap();
        store.subscribe(7, &Topic::All).unwrap();
        store.subscribe(8, &Topic::All).unwrap();
        assert_eq!(
            store.subscriptions(7).unwrap(),
            vec![Topic::All, talent.clone(), scheme("techtas")]
        );
        assert!(store.unsubscribe(7, &talent).unwrap());
        assert!(!store.unsubscribe(7, &talent).unwrap());
        assert_eq!(
            store.subscriptions(7).unwrap(),
            vec![Topic::All, scheme("techtas")]
        );
        assert_eq!(store.unsubscribe_all(7).unwrap(), 2);
        assert_eq!(store.unsubscribe_all(7).unwrap(), 0);
        assert!(store.subscriptions(7).unwrap().is_empty());
        assert_eq!(
            store.subscriptions(8).unwrap(),
            vec![Topic::All],
            "other chats untouched"
        );
    }

    #[test]
    fn deactivated_chats_are_not_active_subscribers() {
        let store = Store::open_in_memory().unwrap();
        store.subscribe(3, &Topic::All).unwrap();
        store.subscribe(1, &scheme("b")).unwrap();
        store.subscribe(1, &scheme("a")).unwrap();
        store.subscribe(2, &Topic::All).unwrap();
        assert!(store.set_active(2, false).unwrap());
        assert_eq!(
            store.active_subscriptions().unwrap(),
            vec![(1, scheme("a")), (1, scheme("b")), (3, Topic::All)]
        );
        assert_eq!(store.active_subscriber_chats().unwrap(), vec![1, 3]);
        // The subscription itself is kept for when the chat comes back.
        assert_eq!(store.subscriptions(2).unwrap(), vec![Topic::All]);
    }

    #[test]
    fn deactivating_drops_pending_rows_and_subscribing_reactivates() {
        let store = Store::open_in_memory().unwrap();
        assert!(store.is_active(4).unwrap(), "unknown chat is active");
        assert!(!store.set_active(4, true).unwrap(), "already active");
        store.subscribe(4, &Topic::All).unwrap();
        store
            .enqueue("reminder", "r0", &[msg(4, "sent")], 0)
            .unwrap();
        let sent = store.due(0, 10).unwrap()[0].id;
        store.mark_sent(sent, 1).unwrap();
        store
            .enqueue("reminder", "r1", &[msg(4, "a"), msg(5, "b")], 0)
            .unwrap();

        assert!(store.set_active(4, false).unwrap());
        assert!(
            !store.set_active(4, false).unwrap(),
            "no change the second time"
        );
        assert!(!store.is_active(4).unwrap());
        let counts = store.outbox_counts().unwrap();
        assert_eq!((counts.pending, counts.sent, counts.dropped), (1, 1, 1));
        assert_eq!(
            store
                .due(0, 10)
                .unwrap()
                .iter()
                .map(|i| i.chat)
                .collect::<Vec<_>>(),
            [5]
        );
        // Rows for a chat that is already inactive are recorded as dropped, never due.
        assert_eq!(
            store
                .enqueue("reminder", "r2", &[msg(4, "late")], 0)
                .unwrap(),
            1
        );
        store.publish("fp", "{}", "{}", &[msg(4, "n")], 0).unwrap();
        let counts = store.outbox_counts().unwrap();
        assert_eq!((counts.pending, counts.sent, counts.dropped), (1, 1, 3));
        assert_eq!(store.next_due_at().unwrap(), Some(0));
        assert_eq!(store.due(0, 10).unwrap().len(), 1);

        assert!(store.set_active(4, true).unwrap());
        assert!(store.is_active(4).unwrap());
        assert_eq!(store.active_subscriber_chats().unwrap(), vec![4]);
        // Dropped rows stay dropped.
        assert_eq!(store.outbox_counts().unwrap().dropped, 3);
        assert_eq!(store.due(0, 10).unwrap().len(), 1);

        store.set_active(4, false).unwrap();
        assert!(
            !store.subscribe(4, &Topic::All).unwrap(),
            "already subscribed"
        );
        assert!(store.is_active(4).unwrap(), "subscribing reactivates");
    }

    #[test]
    fn publish_writes_snapshot_change_set_and_notices() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.published().unwrap(), None);
        let first = store
            .publish(
                "fp1",
                r#"{"v":1}"#,
                r#"{"added":[]}"#,
                &[msg(1, "n1"), msg(2, "n2")],
                100,
            )
            .unwrap();
        let second = store
            .publish("fp2", r#"{"v":2}"#, "{}", &[msg(1, "m1")], 200)
            .unwrap();
        assert!(second > first);
        assert_eq!(
            store.published().unwrap(),
            Some(Published {
                fingerprint: "fp2".into(),
                snapshot: r#"{"v":2}"#.into(),
                at_ms: 200,
            })
        );
        let due = store.due(1_000, 10).unwrap();
        let got: Vec<_> = due
            .iter()
            .map(|i| (i.chat, i.kind.as_str(), i.payload.as_str(), i.attempts))
            .collect();
        assert_eq!(
            got,
            [
                (1, "notice", "n1", 0),
                (2, "notice", "n2", 0),
                (1, "notice", "m1", 0)
            ]
        );
        let keys: Vec<String> = store
            .conn()
            .prepare("SELECT dedupe_key FROM outbox ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            keys,
            [
                format!("cs:{first}"),
                format!("cs:{first}"),
                format!("cs:{second}")
            ]
        );
    }

    #[test]
    fn publish_is_all_or_nothing() {
        let store = Store::open_in_memory().unwrap();
        store
            .publish("fp1", "s1", "{}", &[msg(1, "ok")], 100)
            .unwrap();
        let err = store
            .publish(
                "fp2",
                "s2",
                "{}",
                &[msg(2, "a"), msg(3, "b"), msg(2, "dup")],
                200,
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Sql {
                    op: "publishing a change set",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(store.published().unwrap().unwrap().fingerprint, "fp1");
        assert_eq!(raw_count(&store, "change_sets"), 1);
        assert_eq!(raw_count(&store, "outbox"), 1);
        // The store is still usable afterwards.
        store
            .publish("fp2", "s2", "{}", &[msg(2, "a")], 300)
            .unwrap();
        assert_eq!(store.published().unwrap().unwrap().fingerprint, "fp2");
    }

    #[test]
    fn enqueue_skips_rows_that_exist() {
        let store = Store::open_in_memory().unwrap();
        let batch = [msg(1, "r"), msg(2, "r")];
        assert_eq!(
            store
                .enqueue("reminder", "techtas:2025-01-31:7d", &batch, 0)
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .enqueue("reminder", "techtas:2025-01-31:7d", &batch, 5)
                .unwrap(),
            0
        );
        // Once sent, still once-only.
        for item in store.due(10, 10).unwrap() {
            store.mark_sent(item.id, 10).unwrap();
        }
        assert_eq!(
            store
                .enqueue(
                    "reminder",
                    "techtas:2025-01-31:7d",
                    &[msg(1, "r"), msg(3, "r")],
                    20
                )
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .enqueue("reminder", "techtas:2025-01-31:1d", &batch, 20)
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .enqueue("broadcast", "techtas:2025-01-31:7d", &batch, 20)
                .unwrap(),
            2
        );
        assert_eq!(raw_count(&store, "outbox"), 7);
    }

    #[test]
    fn due_retry_and_sent_follow_the_clock() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.next_due_at().unwrap(), None);
        store
            .enqueue("broadcast", "b1", &[msg(1, "a")], 100)
            .unwrap();
        store
            .enqueue("broadcast", "b2", &[msg(2, "b")], 50)
            .unwrap();
        store
            .enqueue("broadcast", "b3", &[msg(3, "c")], 300)
            .unwrap();
        let ids: Vec<i64> = store.due(1_000, 10).unwrap().iter().map(|i| i.id).collect();
        let [a, b, c] = ids[..] else {
            panic!("{ids:?}")
        };
        assert!(a < b && b < c);

        // Only rows whose time has come, by id not by time, up to the limit.
        let due = |now, limit| -> Vec<i64> {
            store
                .due(now, limit)
                .unwrap()
                .iter()
                .map(|i| i.id)
                .collect()
        };
        assert_eq!(due(100, 10), [a, b]);
        assert_eq!(due(100, 1), [a]);
        assert_eq!(due(49, 10), Vec::<i64>::new());
        assert_eq!(store.next_due_at().unwrap(), Some(50));

        store.begin_attempt(b).unwrap();
        store.mark_retry(b, 500, "429 retry after 0.4 s").unwrap();
        assert_eq!(due(300, 10), [a, c]);
        assert_eq!(store.next_due_at().unwrap(), Some(100));
        let retried = store.due(500, 10).unwrap();
        assert_eq!(
            retried
                .iter()
                .map(|i| (i.id, i.attempts))
                .collect::<Vec<_>>(),
            [(a, 0), (b, 1), (c, 0)]
        );

        store.mark_sent(a, 600).unwrap();
        store.mark_failed(c, "400 bad request").unwrap();
        assert_eq!(due(1_000, 10), [b]);
        assert_eq!(store.next_due_at().unwrap(), Some(500));
        // A row that is no longer pending is not resurrected by a late retry.
        store.mark_retry(c, 0, "late").unwrap();
        assert_eq!(due(1_000, 10), [b]);

        // An inactive chat's rows are neither due nor counted for waking up.
        store.set_active(2, false).unwrap();
        assert_eq!(due(1_000, 10), Vec::<i64>::new());
        assert_eq!(store.next_due_at().unwrap(), None);

        let (status, error, sent_at): (String, Option<String>, Option<i64>) = store
            .conn()
            .query_row(
                "SELECT status, last_error, sent_at FROM outbox WHERE id = ?1",
                [a],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .unwrap();
        assert_eq!((status.as_str(), error, sent_at), ("sent", None, Some(600)));
        assert_eq!(
            store.outbox_counts().unwrap(),
            OutboxCounts {
                pending: 0,
                sent: 1,
                failed: 1,
                dropped: 1,
            }
        );
    }

    #[test]
    fn stats_count_active_chats_only() {
        let store = Store::open_in_memory().unwrap();
        let talent = Topic::Category(Category::Talent);
        store.subscribe(1, &Topic::All).unwrap();
        store.subscribe(1, &talent).unwrap();
        store.subscribe(2, &Topic::All).unwrap();
        store.subscribe(3, &Topic::All).unwrap();
        store.subscribe(3, &scheme("techtas")).unwrap();
        store.set_lang(4, Some(Lang::En)).unwrap();
        store.set_active(3, false).unwrap();
        store.set_active(5, false).unwrap();
        store
            .enqueue("broadcast", "b", &[msg(1, "x"), msg(2, "y")], 0)
            .unwrap();
        store.mark_sent(store.due(0, 1).unwrap()[0].id, 1).unwrap();

        let stats = store.stats().unwrap();
        assert_eq!(stats.by_topic, vec![(Topic::All, 2), (talent, 1)]);
        assert_eq!((stats.active_chats, stats.inactive_chats), (3, 2));
        assert_eq!(
            stats.outbox,
            OutboxCounts {
                pending: 1,
                sent: 1,
                ..OutboxCounts::default()
            }
        );
    }

    #[test]
    fn a_broadcast_is_taken_once_by_its_admin() {
        let store = Store::open_in_memory().unwrap();
        let id = store.create_broadcast(10, "<b>news</b>", 0).unwrap();
        let other = store.create_broadcast(10, "other", 0).unwrap();
        assert_ne!(id, other);
        assert_eq!(store.take_broadcast(id, 11).unwrap(), None, "another admin");
        assert_eq!(
            store.take_broadcast(id, 10).unwrap().as_deref(),
            Some("<b>news</b>")
        );
        assert_eq!(store.take_broadcast(id, 10).unwrap(), None, "only once");
        assert_eq!(store.take_broadcast(999, 10).unwrap(), None);
        // Ids are never reused, so a stale confirmation cannot take a newer broadcast.
        assert_eq!(
            store.take_broadcast(other, 10).unwrap().as_deref(),
            Some("other")
        );
        let newer = store.create_broadcast(10, "newer", 0).unwrap();
        assert!(newer > other);
    }

    #[test]
    fn a_migrated_chat_keeps_its_settings_subscriptions_and_pending_rows() {
        let store = Store::open_in_memory().unwrap();
        store.subscribe(-5, &Topic::All).unwrap();
        store.set_lang(-5, Some(Lang::ZhHant)).unwrap();
        store
            .enqueue("broadcast", "b1", &[msg(-5, "x")], 0)
            .unwrap();
        store.migrate_chat(-5, -1_000_000_000_005).unwrap();
        assert_eq!(
            store.subscriptions(-1_000_000_000_005).unwrap(),
            [Topic::All]
        );
        assert_eq!(store.lang(-1_000_000_000_005).unwrap(), Some(Lang::ZhHant));
        assert!(store.subscriptions(-5).unwrap().is_empty());
        let due = store.due(10, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].chat, -1_000_000_000_005);
    }

    #[test]
    fn rows_scheduled_before_the_clock_was_set_back_are_due() {
        let store = Store::open_in_memory().unwrap();
        store.enqueue("broadcast", "b1", &[msg(1, "x")], 0).unwrap();
        let id = store.due(0, 1).unwrap()[0].id;
        // Scheduled at 10:00 for 10:00:30; the clock is then set back to 09:00.
        let ten = 36_000_000;
        store.mark_retry(id, ten + 30_000, "503").unwrap();
        assert_eq!(store.due(ten - 3_600_000, 10).unwrap().len(), 1);
        assert!(
            store.due(ten, 10).unwrap().is_empty(),
            "not before its time otherwise"
        );
    }

    #[test]
    fn recent_sends_are_read_newest_first_and_old_ones_pruned() {
        let store = Store::open_in_memory().unwrap();
        store.record_sends(&[(1_000, 1), (1_500, 2)]).unwrap();
        store.record_sends(&[(100_000, 3)]).unwrap();
        assert_eq!(store.recent_sends(0).unwrap(), [(100_000, 3)]);
    }

    #[test]
    fn handled_updates_keep_a_bounded_window_newest_last() {
        let store = Store::open_in_memory().unwrap();
        store.record_handled_updates(&[5, 6, 7], 3).unwrap();
        // 5 again becomes the newest; 8 pushes the oldest (6) out of a window of 3.
        store.record_handled_updates(&[5, 8], 3).unwrap();
        assert_eq!(store.handled_updates(10).unwrap(), [7, 5, 8]);
        assert_eq!(store.handled_updates(2).unwrap(), [5, 8]);
    }

    #[test]
    fn an_api_session_remembers_its_context_until_it_expires() {
        let store = Store::open_in_memory().unwrap();
        let ttl = 1_000;
        assert_eq!(store.session("abc", 0, ttl).unwrap(), None);
        let context = Context {
            schemes: vec!["tvp".to_owned()],
            intent: Some("money".to_owned()),
        };
        let gap = NewGap {
            question: "how much?",
            normalised: "how much",
            outcome: GapOutcome::Suggest,
            schemes: vec!["tvp".to_owned()],
        };
        store
            .save_session_turn(&SessionTurn {
                session: "abc",
                question: "how much?",
                context: Some(&context),
                gap: Some(gap),
                now_ms: 10,
                ttl_ms: ttl,
            })
            .unwrap();
        assert_eq!(store.session("abc", 500, ttl).unwrap(), Some(context));
        assert_eq!(store.session("other", 500, ttl).unwrap(), None);
        assert_eq!(store.session("abc", 10 + ttl, ttl).unwrap(), None);
        assert_eq!(store.gaps(0, 10).unwrap()[0].count, 1);
        // A later turn of another session prunes the expired one.
        store
            .save_session_turn(&SessionTurn {
                session: "def",
                question: "hi",
                context: None,
                gap: None,
                now_ms: 5_000,
                ttl_ms: ttl,
            })
            .unwrap();
        let rows: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_poisoned_lock_is_recovered() {
        let store = Store::open_in_memory().unwrap();
        std::thread::scope(|scope| {
            let result = scope
                .spawn(|| {
                    let _guard = store.conn();
                    panic!("poison the lock");
                })
                .join();
            assert!(result.is_err());
        });
        assert!(store.conn.is_poisoned());
        assert!(store.subscribe(1, &Topic::All).unwrap());
        store.check_writable().unwrap();
    }
}
