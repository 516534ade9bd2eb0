//! The SQLite backend of [`super::Store`]: one file in the data directory, for one machine.
//!
//! The file is opened in WAL mode with `synchronous=NORMAL`, foreign keys on and a 5 s busy
//! timeout. The schema is a list of migrations applied in order, one transaction each, and
//! tracked in `PRAGMA user_version`. A file that is not a database, or one we cannot write,
//! makes [`Sqlite::open`] fail with a [`StoreError`] naming the path; the file itself is never
//! truncated or overwritten. The writer connection sits behind a mutex; on disk a second,
//! read-only connection serves the reads of the interactive path.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

use super::{
    CLAIM_MS, ChatId, ContextRow, GAPS_RETENTION_MS, GapGroup, MAX_SCHEDULE_AHEAD_MS, NewGap,
    NewMessage, OutboxCounts, OutboxItem, Published, SessionRow, SessionTurn, Stats, StoreError,
    TURN_BUSY_TIMEOUT, Topic, Turn, count, parse_stored, wall_clock_ms,
};
use crate::answer::Context;
use crate::text::Lang;

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
    // 8: claims on outbox rows, as in PostgreSQL: `due` leases the rows it returns until
    // `claimed_until` (0: unclaimed), so both backends hand a row to one sender at a time.
    "
    ALTER TABLE outbox ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
    ",
];

/// The schema version this code writes: the number of migrations.
const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite backend: one connection for writes and, on disk, one for reads.
#[derive(Debug)]
pub(super) struct Sqlite {
    conn: Mutex<Connection>,
    /// A second, read-only connection for the reads on the interactive path (language,
    /// subscriptions, topic, whether a chat is active): with WAL, a read never waits for a
    /// writer, so a write stuck behind another process's lock (a backup, `schemebot publish`)
    /// holds up writes only. `None` in memory (one connection sees the data).
    reader: Option<Mutex<Connection>>,
    path: PathBuf,
    /// The file's identity (device, inode) when it was opened; `None` in memory.
    identity: Option<(u64, u64)>,
    /// Whether [`Sqlite::lead_delivery`] was called (and released old claims).
    leading: std::sync::atomic::AtomicBool,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: path.to_owned(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| open_error(path, source))?;
        Sqlite::init(conn, path.to_owned(), true)
    }

    pub fn open_in_memory() -> Result<Sqlite, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| open_error(&path, source))?;
        Sqlite::init(conn, path, false)
    }

    fn init(mut conn: Connection, path: PathBuf, on_disk: bool) -> Result<Sqlite, StoreError> {
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
        let store = Sqlite {
            conn: Mutex::new(conn),
            reader,
            path,
            identity,
            leading: std::sync::atomic::AtomicBool::new(false),
        };
        store.check_writable()?;
        Ok(store)
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        user_version(&self.conn()).map_err(self.fail("reading the schema version"))
    }

    pub fn check_file(&self) -> Result<(), StoreError> {
        match self.identity {
            Some(id) if file_identity(&self.path) != Some(id) => Err(StoreError::Replaced {
                path: self.path.clone(),
            }),
            _ => Ok(()),
        }
    }

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

    /// One transaction: the chat row (active, and with `notices` its notice language and forum
    /// topic), then the subscription.
    pub fn subscribe_with(
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

    pub fn unsubscribe_all(&self, chat: ChatId) -> Result<usize, StoreError> {
        self.conn()
            .execute("DELETE FROM subscriptions WHERE chat_id = ?1", [chat])
            .map_err(self.fail("unsubscribing from everything"))
    }

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

    pub fn publish(
        &self,
        base: Option<&str>,
        fingerprint: &str,
        snapshot: &str,
        summary: &str,
        notices: &[NewMessage],
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let fail = self.fail("publishing a change set");
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let current: Option<String> = tx
            .query_row(
                "SELECT fingerprint FROM published WHERE id = 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(&fail)?;
        if current.as_deref() != base {
            return Ok(None);
        }
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
        Ok(Some(change_set))
    }

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

    pub fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let fail = self.fail("claiming due messages");
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "UPDATE outbox SET claimed_until = ?4 WHERE id IN (
                     SELECT o.id FROM outbox o
                     WHERE o.status = 'pending'
                       AND (o.next_attempt_at <= ?1 OR o.next_attempt_at > ?3)
                       AND o.claimed_until <= ?1
                       AND NOT EXISTS (SELECT 1 FROM chats c
                                       WHERE c.chat_id = o.chat_id AND c.active = 0)
                     ORDER BY o.id
                     LIMIT ?2)
                 RETURNING id, chat_id, kind, payload, attempts, parts_sent",
            )
            .map_err(&fail)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // A row scheduled further ahead than any retry ever is was scheduled before the wall
        // clock was set back: it is due now rather than stalled for the clock's jump.
        let horizon = now_ms.saturating_add(MAX_SCHEDULE_AHEAD_MS);
        let until = now_ms.saturating_add(CLAIM_MS);
        let mut items: Vec<OutboxItem> = stmt
            .query_map(params![now_ms, limit, horizon, until], |row| {
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
            .map_err(&fail)?;
        items.sort_by_key(|item| item.id);
        Ok(items)
    }

    pub fn next_due_at(&self) -> Result<Option<i64>, StoreError> {
        self.conn()
            .query_row(
                "SELECT min(max(o.next_attempt_at, o.claimed_until)) FROM outbox o
                 WHERE o.status = 'pending'
                   AND NOT EXISTS (SELECT 1 FROM chats c
                                   WHERE c.chat_id = o.chat_id AND c.active = 0)",
                [],
                |row| row.get(0),
            )
            .map_err(self.fail("reading the next due time"))
    }

    pub fn begin_attempt(&self, id: i64) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1 AND status = 'pending'",
                [id],
            )
            .map_err(self.fail("counting a delivery attempt"))?;
        Ok(())
    }

    pub fn mark_parts_sent(&self, id: i64, parts: usize) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET parts_sent = max(parts_sent, ?2) WHERE id = ?1",
                params![id, i64::try_from(parts).unwrap_or(i64::MAX)],
            )
            .map_err(self.fail("recording the parts sent"))?;
        Ok(())
    }

    pub fn mark_sent(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = NULL,
                                   claimed_until = 0
                 WHERE id = ?1 AND status IN ('pending', 'dropped')",
                params![id, now_ms],
            )
            .map_err(self.fail("marking a message sent"))?;
        Ok(())
    }

    pub fn mark_retry(&self, id: i64, next_attempt_ms: i64, error: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET next_attempt_at = ?2, last_error = ?3, claimed_until = 0
                 WHERE id = ?1 AND status = 'pending'",
                params![id, next_attempt_ms, error],
            )
            .map_err(self.fail("scheduling a retry"))?;
        Ok(())
    }

    pub fn mark_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE outbox SET status = 'failed', last_error = ?2, claimed_until = 0
                 WHERE id = ?1 AND status = 'pending'",
                params![id, error],
            )
            .map_err(self.fail("marking a message failed"))?;
        Ok(())
    }

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
            "UPDATE OR IGNORE outbox SET chat_id = ?2, claimed_until = 0
             WHERE chat_id = ?1 AND status = 'pending'",
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

    pub fn claim_update(&self, id: u32) -> Result<bool, StoreError> {
        let added = self
            .conn()
            .execute(
                "INSERT OR IGNORE INTO handled_updates (update_id) VALUES (?1)",
                [id],
            )
            .map_err(self.fail("claiming an update"))?;
        Ok(added == 1)
    }

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

    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        outbox_counts(&self.conn()).map_err(self.fail("counting the outbox"))
    }

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

    pub fn create_broadcast(&self, admin: i64, text: &str, now_ms: i64) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO broadcasts (admin, text, created_at) VALUES (?1, ?2, ?3)",
            params![admin, text, now_ms],
        )
        .map_err(self.fail("storing a broadcast"))?;
        Ok(conn.last_insert_rowid())
    }

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

    pub fn context_row(&self, chat: ChatId) -> Result<Option<ContextRow>, StoreError> {
        let row: Option<ContextRow> = self
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
        Ok(row)
    }

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

    pub fn session_row(&self, session: &str) -> Result<Option<SessionRow>, StoreError> {
        let row: Option<SessionRow> = self
            .reader()
            .query_row(
                "SELECT schemes, intent, updated_at FROM sessions WHERE id = ?1",
                [session],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(self.fail("reading an API session"))?;
        Ok(row)
    }

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

    pub fn clear_context(&self, chat: ChatId) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM contexts WHERE chat_id = ?1", [chat])
            .map_err(self.fail("forgetting the conversation context"))?;
        Ok(())
    }

    pub fn add_gap(&self, gap: &NewGap<'_>, now_ms: i64) -> Result<i64, StoreError> {
        write_gap(&self.conn(), gap, now_ms).map_err(self.fail("adding to the gaps log"))
    }

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
            out.push(super::gap_group(
                normalised, count, example, &outcomes, schemes, comments,
            ));
        }
        Ok(out)
    }

    /// Up to `limit` rows of `table` from row `offset` on (in rowid order) as one JSON array
    /// of objects keyed by column name, and how many rows that is.
    pub fn export_json(
        &self,
        table: &'static str,
        offset: usize,
        limit: usize,
    ) -> Result<(String, usize), StoreError> {
        let fail = self.fail("exporting a table");
        let conn = self.conn();
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .and_then(|mut stmt| {
                stmt.query_map([], |row| row.get(0))
                    .and_then(Iterator::collect)
            })
            .map_err(&fail)?;
        let pairs: Vec<String> = columns.iter().map(|c| format!("'{c}', {c}")).collect();
        conn.query_row(
            &format!(
                "SELECT json_group_array(json_object({})), count(*)
                 FROM (SELECT * FROM {table} ORDER BY rowid LIMIT ?1 OFFSET ?2)",
                pairs.join(", ")
            ),
            params![
                i64::try_from(limit).unwrap_or(i64::MAX),
                i64::try_from(offset).unwrap_or(i64::MAX)
            ],
            |row| Ok((row.get(0)?, count(row.get(1)?))),
        )
        .map_err(&fail)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn lead_delivery(&self) -> Result<bool, StoreError> {
        // One process delivers. The first call is its start: claims left by a process that
        // stopped mid-batch are released, as a new PostgreSQL leader does.
        if !self.leading.swap(true, std::sync::atomic::Ordering::SeqCst) {
            let released = self
                .conn()
                .execute(
                    "UPDATE outbox SET claimed_until = 0
                     WHERE status = 'pending' AND claimed_until > 0",
                    [],
                )
                .map_err(self.fail("releasing claims"))?;
            if released > 0 {
                tracing::info!(released, "released the claims of an earlier run");
            }
        }
        Ok(true)
    }

    /// Counts the rows of `table` (for tests).
    #[cfg(test)]
    pub fn raw_count(&self, table: &str) -> i64 {
        self.conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap_or(-1)
    }

    /// The first column of each row `sql` returns, as text (tests only).
    #[cfg(test)]
    pub fn raw_texts(&self, sql: &str) -> Vec<String> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql).expect("a test query");
        stmt.query_map([], |row| row.get(0))
            .and_then(Iterator::collect)
            .expect("a test query")
    }

    /// The connection. A panic while the lock was held leaves SQLite consistent (an open
    /// transaction is rolled back when it is dropped), so a poisoned lock is simply taken over.
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
    use crate::corpus::Category;
    use crate::store::tests::{msg, scheme};

    fn raw_count(store: &Sqlite, table: &str) -> i64 {
        store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap()
    }

    #[test]
    fn fresh_file_is_migrated_and_reopening_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/data/schemebot.db");
        {
            let store = Sqlite::open(&path).unwrap();
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
        let store = Sqlite::open(&path).unwrap();
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
        drop(Sqlite::open(&path).unwrap());
        let future = LATEST_VERSION + 1;
        Connection::open(&path)
            .unwrap()
            .execute_batch(&format!("PRAGMA user_version = {future}"))
            .unwrap();
        let err = Sqlite::open(&path).unwrap_err();
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
        let err = Sqlite::open(&path).unwrap_err();
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
        let err = Sqlite::open(&path).unwrap_err();
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
        let err = Sqlite::open(&path).unwrap_err();
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
        let result = Sqlite::open(&path);
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
        drop(Sqlite::open(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let writable = std::fs::OpenOptions::new().append(true).open(&path).is_ok();
        let result = Sqlite::open(&path);
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
            let store = Sqlite::open(&path).unwrap();
            store.subscribe_with(1, &scheme("techtas"), None).unwrap();
            store.set_lang(1, Some(Lang::ZhHant)).unwrap();
            store.set_active(2, false).unwrap();
            store
                .publish(None, "fp1", "{}", "[]", &[msg(1, "n")], 10)
                .unwrap();
            store.create_broadcast(9, "hello", 10).unwrap();
        }
        let store = Sqlite::open(&path).unwrap();
        assert_eq!(store.subscriptions(1).unwrap(), vec![scheme("techtas")]);
        assert_eq!(store.lang(1).unwrap(), Some(Lang::ZhHant));
        assert!(!store.is_active(2).unwrap());
        assert_eq!(store.published().unwrap().unwrap().fingerprint, "fp1");
        assert_eq!(store.due(10, 10).unwrap().len(), 1);
        assert_eq!(raw_count(&store, "broadcasts"), 1);
    }

    #[test]
    fn subscribing_from_a_topic_keeps_the_language_and_thread_or_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schemebot.db");
        let store = Sqlite::open(&path).unwrap();
        store.set_active(9, false).unwrap();
        assert!(
            store
                .subscribe_with(9, &Topic::All, Some((Lang::ZhHans, Some(42))))
                .unwrap()
        );
        assert!(store.is_active(9).unwrap());
        assert_eq!(store.notice_lang(9).unwrap(), Some(Lang::ZhHans));
        assert_eq!(store.thread(9).unwrap(), Some(42));
        // Under another connection's write lock the whole subscription fails: no half of it stays.
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let topic = Topic::Category(Category::Talent);
        assert!(
            store
                .subscribe_with(9, &topic, Some((Lang::En, None)))
                .is_err()
        );
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
        assert!(
            store
                .subscribe_with(9, &topic, Some((Lang::En, None)))
                .unwrap()
        );
    }

    #[test]
    fn a_poisoned_lock_is_recovered() {
        let store = Sqlite::open_in_memory().unwrap();
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
        assert!(store.subscribe_with(1, &Topic::All, None).unwrap());
        store.check_writable().unwrap();
    }
}
