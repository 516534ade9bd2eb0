//! The PostgreSQL backend of [`super::Store`], for several replicas sharing one database
//! (`--database postgres://…`).
//!
//! The driver is `tokio-postgres` with a `deadpool-postgres` pool (8 connections), running on a
//! small runtime of the store's own (2 threads, `schemebot-db`): the store's API stays
//! synchronous, and a call waits for its result on a channel, so it works from any thread, a
//! runtime's or not. Each method is one round trip or one transaction. The schema is a list of
//! migrations recorded in `schema_migrations`, applied under an advisory lock so replicas that
//! start together migrate once.
//!
//! What several replicas need from the store:
//! - **one sender**: [`Postgres::lead_delivery`] holds a session-level advisory lock on a
//!   dedicated connection; the server frees it when that connection ends (the process died);
//! - **claims**: [`Postgres::due`] takes rows with `FOR UPDATE SKIP LOCKED` and leases them for
//!   [`CLAIM_MS`], so a row is never handed out twice while it is being sent;
//! - **one publish**: [`Postgres::publish`] compares the published fingerprint under a
//!   transaction-level advisory lock, so a corpus change is published once.
//!
//! Advisory lock keys are hashed from the schema's name, so deployments in different schemas of
//! one database (the tests do this) do not share locks.

use std::borrow::Cow;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError, mpsc};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::{NoTls, Transaction};

use super::{
    CLAIM_MS, ChatId, ContextRow, GAPS_RETENTION_MS, GapGroup, MAX_SCHEDULE_AHEAD_MS, NewGap,
    NewMessage, OutboxCounts, OutboxItem, Published, SessionRow, SessionTurn, Stats, StoreError,
    Topic, Turn, count, parse_stored, redact, wall_clock_ms,
};
use crate::answer::Context;
use crate::text::Lang;

/// The schema, one migration per entry; migration `i` (0-based) brings the database to
/// version `i + 1`, recorded in `schema_migrations`. Append only. Version 1 is the SQLite
/// schema as of its version 7, in PostgreSQL's types, plus `outbox.claimed_until` (the end of a
/// sender's claim on a row, milliseconds since the epoch; 0 when unclaimed).
const MIGRATIONS: &[&str] = &["
    CREATE TABLE chats (
        chat_id     BIGINT PRIMARY KEY,
        lang        TEXT,
        active      BOOLEAN NOT NULL DEFAULT TRUE,
        updated_at  BIGINT NOT NULL,
        notice_lang TEXT,
        thread_id   INTEGER
    );
    CREATE TABLE subscriptions (
        chat_id    BIGINT NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE,
        topic      TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (chat_id, topic)
    );
    CREATE TABLE change_sets (
        id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        created_at BIGINT NOT NULL,
        summary    TEXT NOT NULL
    );
    CREATE TABLE published (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        fingerprint   TEXT NOT NULL,
        snapshot      TEXT NOT NULL,
        change_set_id BIGINT NOT NULL REFERENCES change_sets (id),
        published_at  BIGINT NOT NULL
    );
    CREATE TABLE outbox (
        id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind            TEXT NOT NULL,
        dedupe_key      TEXT NOT NULL,
        chat_id         BIGINT NOT NULL,
        payload         TEXT NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
        attempts        BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at BIGINT NOT NULL,
        last_error      TEXT,
        created_at      BIGINT NOT NULL,
        sent_at         BIGINT,
        parts_sent      BIGINT NOT NULL DEFAULT 0 CHECK (parts_sent >= 0),
        claimed_until   BIGINT NOT NULL DEFAULT 0,
        UNIQUE (kind, dedupe_key, chat_id)
    );
    CREATE INDEX outbox_pending ON outbox (status, id);
    CREATE INDEX outbox_chat ON outbox (chat_id, status);
    CREATE TABLE broadcasts (
        id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        admin      BIGINT NOT NULL,
        text       TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE sends (
        at      BIGINT NOT NULL,
        chat_id BIGINT NOT NULL
    );
    CREATE INDEX sends_at ON sends (at);
    CREATE TABLE handled_updates (
        seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        update_id BIGINT NOT NULL UNIQUE
    );
    CREATE TABLE contexts (
        chat_id      BIGINT PRIMARY KEY,
        schemes      TEXT NOT NULL,
        intent       TEXT,
        question     TEXT,
        feedback_gap BIGINT,
        updated_at   BIGINT NOT NULL
    );
    CREATE TABLE gaps (
        id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        question   TEXT NOT NULL,
        normalised TEXT NOT NULL,
        outcome    TEXT NOT NULL CHECK (outcome IN ('none', 'suggest', 'down')),
        schemes    TEXT NOT NULL,
        comment    TEXT,
        created_at BIGINT NOT NULL
    );
    CREATE INDEX gaps_created ON gaps (created_at);
    CREATE INDEX gaps_normalised ON gaps (normalised);
    CREATE TABLE sessions (
        id         TEXT PRIMARY KEY,
        schemes    TEXT NOT NULL,
        intent     TEXT,
        question   TEXT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE INDEX sessions_updated ON sessions (updated_at);
"];

/// The schema version this code writes: the number of migrations.
const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long connecting, or waiting for a free pooled connection, may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections in the pool.
const POOL_SIZE: usize = 8;

/// How long a best-effort write (a saved turn, the send log) waits for a row lock.
const BEST_EFFORT_LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '250ms'";

/// The advisory lock key of a purpose, scoped to the current schema.
const LOCK_KEY: &str = "hashtext(current_schema() || $1)";

/// A failure inside the store's runtime, before it gets the operation's name.
type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The PostgreSQL backend; see the module documentation.
pub(super) struct Postgres {
    /// The URL without its password.
    database: String,
    config: tokio_postgres::Config,
    pool: Pool,
    handle: tokio::runtime::Handle,
    /// Owned here so it lives as long as the store; shut down in the background on drop (a
    /// runtime cannot be dropped from inside another one).
    runtime: Option<tokio::runtime::Runtime>,
    /// The dedicated connection that holds (or tries for) the delivery lock.
    leader: Mutex<Option<Leader>>,
}

struct Leader {
    client: tokio_postgres::Client,
    held: bool,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Postgres {
    pub fn connect(url: &str) -> Result<Postgres, StoreError> {
        let database = redact(url);
        let fail = |op: &'static str, source: Failure| StoreError::Postgres {
            database: database.clone(),
            op: op.into(),
            source,
        };
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| fail("reading the database URL", Box::new(e)))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("schemebot");
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("schemebot-db")
            .enable_all()
            .build()
            .map_err(|e| fail("starting the database runtime", Box::new(e)))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| fail("creating the connection pool", Box::new(e)))?;
        let store = Postgres {
            database,
            config,
            pool,
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            leader: Mutex::new(None),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Applies the migrations this database lacks, all in one transaction under an advisory
    /// lock.
    fn migrate(&self) -> Result<(), StoreError> {
        let found = self.run("migrating the schema", |mut c| async move {
            let tx = c.transaction().await?;
            tx.execute(
                &format!("SELECT pg_advisory_xact_lock({LOCK_KEY})"),
                &[&".migrate"],
            )
            .await?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version    INTEGER PRIMARY KEY,
                     applied_at BIGINT NOT NULL
                 )",
            )
            .await?;
            let found: i32 = tx
                .query_one(
                    "SELECT coalesce(max(version), 0) FROM schema_migrations",
                    &[],
                )
                .await?
                .get(0);
            let found = u32::try_from(found).unwrap_or(u32::MAX);
            if found > LATEST_VERSION {
                return Ok(found);
            }
            for (version, sql) in (1..).zip(MIGRATIONS).skip(found as usize) {
                tx.batch_execute(sql).await?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[&version, &wall_clock_ms()],
                )
                .await?;
                tracing::info!(version, "migrated the PostgreSQL schema");
            }
            tx.commit().await?;
            Ok(found)
        })?;
        if found > LATEST_VERSION {
            return Err(StoreError::TooNew {
                path: PathBuf::from(&self.database),
                found,
                supported: LATEST_VERSION,
            });
        }
        Ok(())
    }

    /// Runs `f` with a pooled connection on the store's runtime and waits for its result.
    fn run<T, F, Fut>(&self, op: &'static str, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Object) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, tokio_postgres::Error>> + Send + 'static,
    {
        let pool = self.pool.clone();
        let (tx, rx) = mpsc::sync_channel::<Result<T, (&'static str, Failure)>>(1);
        self.handle.spawn(async move {
            let result = match pool.get().await {
                Ok(client) => f(client).await.map_err(|e| (op, chain(&e))),
                Err(e) => Err(("connecting to the database", chain(&e))),
            };
            // The caller waits on the other end; if it is gone there is nobody to tell.
            let _ = tx.send(result);
        });
        match rx.recv() {
            Ok(result) => result.map_err(|(op, source)| self.fail(op, source)),
            Err(_) => Err(self.fail(op, "the database runtime stopped".into())),
        }
    }

    fn fail(&self, op: &'static str, source: Failure) -> StoreError {
        StoreError::Postgres {
            database: self.database.clone(),
            op: Cow::Borrowed(op),
            source,
        }
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let version: i32 = self.run("reading the schema version", |c| async move {
            Ok(c.query_one(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .get(0))
        })?;
        Ok(u32::try_from(version).unwrap_or(0))
    }

    pub fn check_file(&self) -> Result<(), StoreError> {
        Ok(())
    }

    pub fn check_writable(&self) -> Result<(), StoreError> {
        self.run(
            "checking that the database is writable",
            |mut c| async move {
                let tx = c.transaction().await?;
                tx.execute(
                    "INSERT INTO broadcasts (admin, text, created_at) VALUES (0, '', 0)",
                    &[],
                )
                .await?;
                tx.rollback().await
            },
        )
    }

    // ---- chats and preferences ----

    pub fn set_lang(&self, chat: ChatId, lang: Option<Lang>) -> Result<(), StoreError> {
        let code = lang.map(Lang::code);
        self.run("setting the language", move |c| async move {
            c.execute(
                "INSERT INTO chats (chat_id, lang, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (chat_id) DO UPDATE SET lang = excluded.lang,
                                                     updated_at = excluded.updated_at",
                &[&chat, &code, &wall_clock_ms()],
            )
            .await?;
            Ok(())
        })
    }

    pub fn notice_lang(&self, chat: ChatId) -> Result<Option<Lang>, StoreError> {
        let codes = self.run("reading the notice language", move |c| async move {
            let stmt = c
                .prepare_cached("SELECT lang, notice_lang FROM chats WHERE chat_id = $1")
                .await?;
            Ok(c.query_opt(&stmt, &[&chat]).await?.map(|row| {
                (
                    row.get::<_, Option<String>>(0),
                    row.get::<_, Option<String>>(1),
                )
            }))
        })?;
        Ok(codes
            .and_then(|(chosen, hint)| chosen.or(hint))
            .and_then(|c| Lang::from_code(&c)))
    }

    pub fn lang(&self, chat: ChatId) -> Result<Option<Lang>, StoreError> {
        let code: Option<String> = self.run("reading the language", move |c| async move {
            let stmt = c
                .prepare_cached("SELECT lang FROM chats WHERE chat_id = $1")
                .await?;
            Ok(c.query_opt(&stmt, &[&chat])
                .await?
                .and_then(|row| row.get(0)))
        })?;
        Ok(code.and_then(|code| {
            let lang = Lang::from_code(&code);
            if lang.is_none() {
                tracing::warn!(chat, code, "ignoring an unknown stored language");
            }
            lang
        }))
    }

    pub fn set_active(&self, chat: ChatId, active: bool) -> Result<bool, StoreError> {
        self.run(
            "setting whether a chat is active",
            move |mut c| async move {
                let tx = c.transaction().await?;
                let before: bool = tx
                    .query_opt(
                        "SELECT active FROM chats WHERE chat_id = $1 FOR UPDATE",
                        &[&chat],
                    )
                    .await?
                    .is_none_or(|row| row.get(0));
                tx.execute(
                    "INSERT INTO chats (chat_id, active, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (chat_id) DO UPDATE SET active = excluded.active,
                                                     updated_at = excluded.updated_at",
                    &[&chat, &active, &wall_clock_ms()],
                )
                .await?;
                if !active {
                    tx.execute(
                        "UPDATE outbox SET status = 'dropped'
                     WHERE chat_id = $1 AND status = 'pending'",
                        &[&chat],
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(before != active)
            },
        )
    }

    pub fn is_active(&self, chat: ChatId) -> Result<bool, StoreError> {
        self.run("reading whether a chat is active", move |c| async move {
            let stmt = c
                .prepare_cached("SELECT active FROM chats WHERE chat_id = $1")
                .await?;
            Ok(c.query_opt(&stmt, &[&chat])
                .await?
                .is_none_or(|row| row.get(0)))
        })
    }

    // ---- subscriptions ----

    pub fn subscribe_with(
        &self,
        chat: ChatId,
        topic: &Topic,
        notices: Option<(Lang, Option<i32>)>,
    ) -> Result<bool, StoreError> {
        let topic = topic.key();
        self.run("subscribing", move |mut c| async move {
            let now = wall_clock_ms();
            let tx = c.transaction().await?;
            match notices {
                None => {
                    tx.execute(
                        "INSERT INTO chats (chat_id, active, updated_at) VALUES ($1, TRUE, $2)
                         ON CONFLICT (chat_id) DO UPDATE
                         SET active = TRUE, updated_at = excluded.updated_at
                         WHERE NOT chats.active",
                        &[&chat, &now],
                    )
                    .await?
                }
                Some((lang, thread)) => {
                    tx.execute(
                        "INSERT INTO chats (chat_id, active, notice_lang, thread_id, updated_at)
                         VALUES ($1, TRUE, $2, $3, $4)
                         ON CONFLICT (chat_id) DO UPDATE SET active = TRUE,
                             notice_lang = excluded.notice_lang, thread_id = excluded.thread_id,
                             updated_at = excluded.updated_at",
                        &[&chat, &lang.code(), &thread, &now],
                    )
                    .await?
                }
            };
            let added = tx
                .execute(
                    "INSERT INTO subscriptions (chat_id, topic, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                    &[&chat, &topic, &now],
                )
                .await?;
            tx.commit().await?;
            Ok(added == 1)
        })
    }

    pub fn unsubscribe(&self, chat: ChatId, topic: &Topic) -> Result<bool, StoreError> {
        let topic = topic.key();
        self.run("unsubscribing", move |c| async move {
            let removed = c
                .execute(
                    "DELETE FROM subscriptions WHERE chat_id = $1 AND topic = $2",
                    &[&chat, &topic],
                )
                .await?;
            Ok(removed == 1)
        })
    }

    pub fn unsubscribe_all(&self, chat: ChatId) -> Result<usize, StoreError> {
        self.run("unsubscribing from everything", move |c| async move {
            let removed = c
                .execute("DELETE FROM subscriptions WHERE chat_id = $1", &[&chat])
                .await?;
            Ok(usize::try_from(removed).unwrap_or(usize::MAX))
        })
    }

    pub fn subscriptions(&self, chat: ChatId) -> Result<Vec<Topic>, StoreError> {
        let keys: Vec<String> = self.run("listing subscriptions", move |c| async move {
            let stmt = c
                .prepare_cached("SELECT topic FROM subscriptions WHERE chat_id = $1")
                .await?;
            Ok(c.query(&stmt, &[&chat])
                .await?
                .iter()
                .map(|row| row.get(0))
                .collect())
        })?;
        let mut topics: Vec<Topic> = keys.iter().filter_map(|key| parse_stored(key)).collect();
        topics.sort();
        Ok(topics)
    }

    pub fn active_subscriptions(&self) -> Result<Vec<(ChatId, Topic)>, StoreError> {
        let rows: Vec<(ChatId, String)> =
            self.run("listing active subscriptions", |c| async move {
                Ok(c.query(
                    "SELECT s.chat_id, s.topic FROM subscriptions s
                     JOIN chats c ON c.chat_id = s.chat_id
                     WHERE c.active",
                    &[],
                )
                .await?
                .iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect())
            })?;
        let mut subs: Vec<(ChatId, Topic)> = rows
            .into_iter()
            .filter_map(|(chat, key)| parse_stored(&key).map(|topic| (chat, topic)))
            .collect();
        subs.sort();
        Ok(subs)
    }

    pub fn active_subscriber_chats(&self) -> Result<Vec<ChatId>, StoreError> {
        self.run("listing subscribed chats", |c| async move {
            Ok(c.query(
                "SELECT DISTINCT s.chat_id FROM subscriptions s
                 JOIN chats c ON c.chat_id = s.chat_id
                 WHERE c.active
                 ORDER BY s.chat_id",
                &[],
            )
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect())
        })
    }

    // ---- the published snapshot and the outbox ----

    pub fn published(&self) -> Result<Option<Published>, StoreError> {
        self.run("reading the published snapshot", |c| async move {
            Ok(c.query_opt(
                "SELECT fingerprint, snapshot, published_at FROM published WHERE id = 1",
                &[],
            )
            .await?
            .map(|row| Published {
                fingerprint: row.get(0),
                snapshot: row.get(1),
                at_ms: row.get(2),
            }))
        })
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
        let base = base.map(str::to_owned);
        let (fingerprint, snapshot, summary) = (
            fingerprint.to_owned(),
            snapshot.to_owned(),
            summary.to_owned(),
        );
        let (chats, payloads) = columns(notices);
        self.run("publishing a change set", move |mut c| async move {
            let tx = c.transaction().await?;
            tx.execute(
                &format!("SELECT pg_advisory_xact_lock({LOCK_KEY})"),
                &[&".publish"],
            )
            .await?;
            let current: Option<String> = tx
                .query_opt("SELECT fingerprint FROM published WHERE id = 1", &[])
                .await?
                .map(|row| row.get(0));
            if current != base {
                return Ok(None);
            }
            let change_set: i64 = tx
                .query_one(
                    "INSERT INTO change_sets (created_at, summary) VALUES ($1, $2) RETURNING id",
                    &[&now_ms, &summary],
                )
                .await?
                .get(0);
            tx.execute(
                "INSERT INTO published (id, fingerprint, snapshot, change_set_id, published_at)
                 VALUES (1, $1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint,
                                                snapshot = excluded.snapshot,
                                                change_set_id = excluded.change_set_id,
                                                published_at = excluded.published_at",
                &[&fingerprint, &snapshot, &change_set, &now_ms],
            )
            .await?;
            let dedupe_key = format!("cs:{change_set}");
            tx.execute(
                "INSERT INTO outbox (kind, dedupe_key, chat_id, payload, status,
                                     next_attempt_at, created_at)
                 SELECT 'notice', $1, m.chat, m.payload,
                        CASE WHEN EXISTS (SELECT 1 FROM chats
                                          WHERE chat_id = m.chat AND NOT active)
                             THEN 'dropped' ELSE 'pending' END,
                        $4, $4
                 FROM unnest($2::BIGINT[], $3::TEXT[]) WITH ORDINALITY AS m(chat, payload, n)
                 ORDER BY m.n",
                &[&dedupe_key, &chats, &payloads, &now_ms],
            )
            .await?;
            tx.commit().await?;
            Ok(Some(change_set))
        })
    }

    pub fn enqueue(
        &self,
        kind: &str,
        dedupe_key: &str,
        messages: &[NewMessage],
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        let (kind, dedupe_key) = (kind.to_owned(), dedupe_key.to_owned());
        let (chats, payloads) = columns(messages);
        self.run("enqueueing messages", move |c| async move {
            let inserted = c
                .execute(
                    "INSERT INTO outbox (kind, dedupe_key, chat_id, payload, status,
                                         next_attempt_at, created_at)
                     SELECT $1, $2, m.chat, m.payload,
                            CASE WHEN EXISTS (SELECT 1 FROM chats
                                              WHERE chat_id = m.chat AND NOT active)
                                 THEN 'dropped' ELSE 'pending' END,
                            $5, $5
                     FROM unnest($3::BIGINT[], $4::TEXT[]) WITH ORDINALITY AS m(chat, payload, n)
                     ORDER BY m.n
                     ON CONFLICT DO NOTHING",
                    &[&kind, &dedupe_key, &chats, &payloads, &now_ms],
                )
                .await?;
            Ok(usize::try_from(inserted).unwrap_or(usize::MAX))
        })
    }

    pub fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // As in SQLite: a row scheduled further ahead than any retry ever is was scheduled
        // before the wall clock was set back, so it is due now.
        let horizon = now_ms.saturating_add(MAX_SCHEDULE_AHEAD_MS);
        let until = now_ms.saturating_add(CLAIM_MS);
        let mut items = self.run("claiming due messages", move |c| async move {
            let stmt = c
                .prepare_cached(
                    "UPDATE outbox SET claimed_until = $4 WHERE id IN (
                         SELECT o.id FROM outbox o
                         WHERE o.status = 'pending'
                           AND (o.next_attempt_at <= $1 OR o.next_attempt_at > $3)
                           AND o.claimed_until <= $1
                           AND NOT EXISTS (SELECT 1 FROM chats c
                                           WHERE c.chat_id = o.chat_id AND NOT c.active)
                         ORDER BY o.id
                         LIMIT $2
                         FOR UPDATE SKIP LOCKED)
                     RETURNING id, chat_id, kind, payload, attempts, parts_sent",
                )
                .await?;
            Ok(c.query(&stmt, &[&now_ms, &limit, &horizon, &until])
                .await?
                .iter()
                .map(|row| OutboxItem {
                    id: row.get(0),
                    chat: row.get(1),
                    kind: row.get(2),
                    payload: row.get(3),
                    attempts: u32::try_from(row.get::<_, i64>(4)).unwrap_or(u32::MAX),
                    parts_sent: usize::try_from(row.get::<_, i64>(5)).unwrap_or(0),
                })
                .collect::<Vec<_>>())
        })?;
        items.sort_by_key(|item| item.id);
        Ok(items)
    }

    pub fn next_due_at(&self) -> Result<Option<i64>, StoreError> {
        self.run("reading the next due time", |c| async move {
            Ok(c.query_one(
                "SELECT min(greatest(o.next_attempt_at, o.claimed_until)) FROM outbox o
                 WHERE o.status = 'pending'
                   AND NOT EXISTS (SELECT 1 FROM chats c
                                   WHERE c.chat_id = o.chat_id AND NOT c.active)",
                &[],
            )
            .await?
            .get(0))
        })
    }

    pub fn begin_attempt(&self, id: i64) -> Result<(), StoreError> {
        self.update(
            "counting a delivery attempt",
            "UPDATE outbox SET attempts = attempts + 1 WHERE id = $1 AND status = 'pending'",
            id,
            None,
        )
    }

    pub fn mark_parts_sent(&self, id: i64, parts: usize) -> Result<(), StoreError> {
        let parts = i64::try_from(parts).unwrap_or(i64::MAX);
        self.update(
            "recording the parts sent",
            "UPDATE outbox SET parts_sent = greatest(parts_sent, $2) WHERE id = $1",
            id,
            Some(parts),
        )
    }

    pub fn mark_sent(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.update(
            "marking a message sent",
            "UPDATE outbox SET status = 'sent', sent_at = $2, last_error = NULL,
                               claimed_until = 0
             WHERE id = $1 AND status IN ('pending', 'dropped')",
            id,
            Some(now_ms),
        )
    }

    pub fn mark_retry(&self, id: i64, next_attempt_ms: i64, error: &str) -> Result<(), StoreError> {
        let error = error.to_owned();
        self.run("scheduling a retry", move |c| async move {
            c.execute(
                "UPDATE outbox SET next_attempt_at = $2, last_error = $3, claimed_until = 0
                 WHERE id = $1 AND status = 'pending'",
                &[&id, &next_attempt_ms, &error],
            )
            .await?;
            Ok(())
        })
    }

    pub fn mark_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        let error = error.to_owned();
        self.run("marking a message failed", move |c| async move {
            c.execute(
                "UPDATE outbox SET status = 'failed', last_error = $2, claimed_until = 0
                 WHERE id = $1 AND status = 'pending'",
                &[&id, &error],
            )
            .await?;
            Ok(())
        })
    }

    /// One statement on an outbox row: `$1` the id, and `$2` a number when the statement names
    /// one.
    fn update(
        &self,
        op: &'static str,
        sql: &'static str,
        id: i64,
        number: Option<i64>,
    ) -> Result<(), StoreError> {
        self.run(op, move |c| async move {
            let stmt = c.prepare_cached(sql).await?;
            match number {
                None => c.execute(&stmt, &[&id]).await?,
                Some(n) => c.execute(&stmt, &[&id, &n]).await?,
            };
            Ok(())
        })
    }

    pub fn migrate_chat(&self, from: ChatId, to: ChatId) -> Result<(), StoreError> {
        self.run("moving a migrated chat", move |mut c| async move {
            let tx = c.transaction().await?;
            tx.execute(
                "INSERT INTO chats (chat_id, lang, active, updated_at, notice_lang, thread_id)
                 SELECT $2, lang, TRUE, $3, notice_lang, NULL FROM chats WHERE chat_id = $1
                 ON CONFLICT (chat_id) DO UPDATE SET
                     lang = coalesce(chats.lang, excluded.lang),
                     notice_lang = coalesce(chats.notice_lang, excluded.notice_lang),
                     active = TRUE, updated_at = excluded.updated_at",
                &[&from, &to, &wall_clock_ms()],
            )
            .await?;
            tx.execute(
                "INSERT INTO subscriptions (chat_id, topic, created_at)
                 SELECT $2, topic, created_at FROM subscriptions WHERE chat_id = $1
                 ON CONFLICT DO NOTHING",
                &[&from, &to],
            )
            .await?;
            // Rows the new id already has (the same notice twice) stay behind, then are dropped.
            tx.execute(
                "UPDATE outbox o SET chat_id = $2, claimed_until = 0
                 WHERE o.chat_id = $1 AND o.status = 'pending'
                   AND NOT EXISTS (SELECT 1 FROM outbox x
                                   WHERE x.chat_id = $2 AND x.kind = o.kind
                                     AND x.dedupe_key = o.dedupe_key)",
                &[&from, &to],
            )
            .await?;
            tx.execute(
                "UPDATE outbox SET status = 'dropped' WHERE chat_id = $1 AND status = 'pending'",
                &[&from],
            )
            .await?;
            tx.execute("DELETE FROM chats WHERE chat_id = $1", &[&from])
                .await?;
            tx.commit().await
        })
    }

    pub fn thread(&self, chat: ChatId) -> Result<Option<i32>, StoreError> {
        self.run("reading the chat's topic", move |c| async move {
            let stmt = c
                .prepare_cached("SELECT thread_id FROM chats WHERE chat_id = $1")
                .await?;
            Ok(c.query_opt(&stmt, &[&chat])
                .await?
                .and_then(|row| row.get(0)))
        })
    }

    // ---- the send log ----

    pub fn record_sends(&self, sends: &[(i64, ChatId)]) -> Result<(), StoreError> {
        let (ats, chats): (Vec<i64>, Vec<ChatId>) = sends.iter().copied().unzip();
        let newest = ats.iter().copied().max().unwrap_or(0);
        self.run("recording sends", move |mut c| async move {
            let tx = c.transaction().await?;
            tx.batch_execute(BEST_EFFORT_LOCK_TIMEOUT).await?;
            tx.execute(
                "INSERT INTO sends (at, chat_id) SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[])",
                &[&ats, &chats],
            )
            .await?;
            tx.execute("DELETE FROM sends WHERE at < $1", &[&(newest - 60_000)])
                .await?;
            tx.commit().await
        })
    }

    pub fn recent_sends(&self, since_ms: i64) -> Result<Vec<(i64, ChatId)>, StoreError> {
        self.run("reading recent sends", move |c| async move {
            Ok(c.query(
                "SELECT at, chat_id FROM sends WHERE at >= $1 ORDER BY at DESC",
                &[&since_ms],
            )
            .await?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
        })
    }

    // ---- handled updates ----

    pub fn record_handled_updates(&self, ids: &[u32], keep: usize) -> Result<(), StoreError> {
        let ids: Vec<i64> = ids.iter().map(|&id| i64::from(id)).collect();
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        self.run("recording handled updates", move |mut c| async move {
            let tx = c.transaction().await?;
            // An id recorded again becomes the newest: delete, then insert in the order given.
            tx.execute(
                "DELETE FROM handled_updates WHERE update_id = ANY($1)",
                &[&ids],
            )
            .await?;
            tx.execute(
                "INSERT INTO handled_updates (update_id)
                 SELECT id FROM unnest($1::BIGINT[]) WITH ORDINALITY AS u(id, n)
                 ORDER BY n
                 ON CONFLICT DO NOTHING",
                &[&ids],
            )
            .await?;
            tx.execute(
                "DELETE FROM handled_updates
                 WHERE seq <= (SELECT max(seq) FROM handled_updates) - $1",
                &[&keep],
            )
            .await?;
            tx.commit().await
        })
    }

    pub fn claim_update(&self, id: u32) -> Result<bool, StoreError> {
        let id = i64::from(id);
        self.run("claiming an update", move |c| async move {
            let added = c
                .execute(
                    "INSERT INTO handled_updates (update_id) VALUES ($1) ON CONFLICT DO NOTHING",
                    &[&id],
                )
                .await?;
            Ok(added == 1)
        })
    }

    pub fn handled_updates(&self, limit: usize) -> Result<Vec<u32>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut ids: Vec<u32> = self.run("reading handled updates", move |c| async move {
            Ok(c.query(
                "SELECT update_id FROM handled_updates ORDER BY seq DESC LIMIT $1",
                &[&limit],
            )
            .await?
            .iter()
            .filter_map(|row| u32::try_from(row.get::<_, i64>(0)).ok())
            .collect())
        })?;
        ids.reverse();
        Ok(ids)
    }

    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        self.run("counting the outbox", |c| async move {
            outbox_counts(&**c).await
        })
    }

    pub fn stats(&self) -> Result<Stats, StoreError> {
        let (rows, active, inactive, outbox) =
            self.run("reading statistics", |mut c| async move {
                let tx = c
                    .build_transaction()
                    .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .await?;
                let rows: Vec<(String, i64)> = tx
                    .query(
                        "SELECT s.topic, count(*) FROM subscriptions s
                         JOIN chats c ON c.chat_id = s.chat_id
                         WHERE c.active
                         GROUP BY s.topic",
                        &[],
                    )
                    .await?
                    .iter()
                    .map(|row| (row.get(0), row.get(1)))
                    .collect();
                let chats = tx
                    .query_one(
                        "SELECT count(*) FILTER (WHERE active), count(*) FILTER (WHERE NOT active)
                         FROM chats",
                        &[],
                    )
                    .await?;
                let outbox = outbox_counts(&*tx).await?;
                tx.commit().await?;
                Ok((rows, chats.get::<_, i64>(0), chats.get::<_, i64>(1), outbox))
            })?;
        let mut by_topic: Vec<(Topic, usize)> = rows
            .into_iter()
            .filter_map(|(key, n)| parse_stored(&key).map(|topic| (topic, count(n))))
            .collect();
        by_topic.sort();
        Ok(Stats {
            by_topic,
            active_chats: count(active),
            inactive_chats: count(inactive),
            outbox,
        })
    }

    // ---- admin broadcasts awaiting confirmation ----

    pub fn create_broadcast(&self, admin: i64, text: &str, now_ms: i64) -> Result<i64, StoreError> {
        let text = text.to_owned();
        self.run("storing a broadcast", move |c| async move {
            Ok(c.query_one(
                "INSERT INTO broadcasts (admin, text, created_at) VALUES ($1, $2, $3)
                 RETURNING id",
                &[&admin, &text, &now_ms],
            )
            .await?
            .get(0))
        })
    }

    pub fn take_broadcast(&self, id: i64, admin: i64) -> Result<Option<String>, StoreError> {
        self.run("taking a broadcast", move |c| async move {
            Ok(c.query_opt(
                "DELETE FROM broadcasts WHERE id = $1 AND admin = $2 RETURNING text",
                &[&id, &admin],
            )
            .await?
            .map(|row| row.get(0)))
        })
    }

    // ---- conversations, API sessions and the gaps log ----

    pub fn context_row(&self, chat: ChatId) -> Result<Option<ContextRow>, StoreError> {
        let row: Option<ContextRow> =
            self.run("reading the conversation context", move |c| async move {
                let stmt = c
                    .prepare_cached(
                        "SELECT schemes, intent, question, feedback_gap, updated_at
                     FROM contexts WHERE chat_id = $1",
                    )
                    .await?;
                Ok(c.query_opt(&stmt, &[&chat])
                    .await?
                    .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4))))
            })?;
        Ok(row)
    }

    pub fn save_turn(&self, turn: &Turn<'_>) -> Result<(), StoreError> {
        let chat = turn.chat;
        let question = turn.question.to_owned();
        let (schemes, intent) = context_columns(turn.context);
        let gap = turn.gap.as_ref().map(OwnedGap::of);
        let comment_on = turn.comment_on;
        let (now_ms, ttl_ms) = (turn.now_ms, turn.ttl_ms);
        self.run("saving the conversation", move |mut c| async move {
            let tx = c.transaction().await?;
            tx.batch_execute(BEST_EFFORT_LOCK_TIMEOUT).await?;
            if let Some(id) = comment_on {
                tx.execute(
                    "UPDATE gaps SET comment = $2 WHERE id = $1",
                    &[&id, &question],
                )
                .await?;
            }
            if let Some(gap) = &gap {
                write_gap(&tx, gap, now_ms).await?;
            }
            tx.execute(
                "INSERT INTO contexts (chat_id, schemes, intent, question, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (chat_id) DO UPDATE SET schemes = excluded.schemes,
                     intent = excluded.intent, question = excluded.question,
                     feedback_gap = NULL, updated_at = excluded.updated_at",
                &[&chat, &schemes, &intent, &question, &now_ms],
            )
            .await?;
            tx.execute(
                "DELETE FROM contexts WHERE updated_at < $1",
                &[&now_ms.saturating_sub(ttl_ms)],
            )
            .await?;
            tx.commit().await
        })
    }

    pub fn session_row(&self, session: &str) -> Result<Option<SessionRow>, StoreError> {
        let session = session.to_owned();
        let row: Option<SessionRow> = self.run("reading an API session", move |c| async move {
            let stmt = c
                .prepare_cached("SELECT schemes, intent, updated_at FROM sessions WHERE id = $1")
                .await?;
            Ok(c.query_opt(&stmt, &[&session])
                .await?
                .map(|row| (row.get(0), row.get(1), row.get(2))))
        })?;
        Ok(row)
    }

    pub fn save_session_turn(&self, turn: &SessionTurn<'_>) -> Result<(), StoreError> {
        let session = turn.session.to_owned();
        let question = turn.question.to_owned();
        let (schemes, intent) = context_columns(turn.context);
        let gap = turn.gap.as_ref().map(OwnedGap::of);
        let (now_ms, ttl_ms) = (turn.now_ms, turn.ttl_ms);
        self.run("saving an API session", move |mut c| async move {
            let tx = c.transaction().await?;
            tx.batch_execute(BEST_EFFORT_LOCK_TIMEOUT).await?;
            if let Some(gap) = &gap {
                write_gap(&tx, gap, now_ms).await?;
            }
            tx.execute(
                "INSERT INTO sessions (id, schemes, intent, question, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET schemes = excluded.schemes,
                     intent = excluded.intent, question = excluded.question,
                     updated_at = excluded.updated_at",
                &[&session, &schemes, &intent, &question, &now_ms],
            )
            .await?;
            tx.execute(
                "DELETE FROM sessions WHERE updated_at < $1",
                &[&now_ms.saturating_sub(ttl_ms)],
            )
            .await?;
            tx.commit().await
        })
    }

    pub fn clear_context(&self, chat: ChatId) -> Result<(), StoreError> {
        self.run("forgetting the conversation context", move |c| async move {
            c.execute("DELETE FROM contexts WHERE chat_id = $1", &[&chat])
                .await?;
            Ok(())
        })
    }

    pub fn add_gap(&self, gap: &NewGap<'_>, now_ms: i64) -> Result<i64, StoreError> {
        let gap = OwnedGap::of(gap);
        self.run("adding to the gaps log", move |mut c| async move {
            let tx = c.transaction().await?;
            let id = write_gap(&tx, &gap, now_ms).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    pub fn await_feedback(
        &self,
        chat: ChatId,
        gap: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.run("saving the feedback prompt", move |c| async move {
            c.execute(
                "INSERT INTO contexts (chat_id, schemes, feedback_gap, updated_at)
                 VALUES ($1, '', $2, $3)
                 ON CONFLICT (chat_id) DO UPDATE SET feedback_gap = excluded.feedback_gap,
                     updated_at = excluded.updated_at",
                &[&chat, &gap, &now_ms],
            )
            .await?;
            Ok(())
        })
    }

    pub fn gaps(&self, since_ms: i64, limit: usize) -> Result<Vec<GapGroup>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        type Row = (String, i64, String, String, Option<String>, Option<String>);
        let rows: Vec<Row> = self.run("reading the gaps log", move |c| async move {
            Ok(c.query(
                "SELECT normalised, count(*), max(created_at),
                        (SELECT question FROM gaps g2 WHERE g2.normalised = g.normalised
                         ORDER BY created_at DESC, id DESC LIMIT 1),
                        string_agg(outcome, ' ' ORDER BY id), string_agg(schemes, ' ' ORDER BY id),
                        (SELECT string_agg(comment, ' | ' ORDER BY id) FROM gaps g3
                         WHERE g3.normalised = g.normalised AND comment IS NOT NULL)
                 FROM gaps g WHERE created_at >= $1
                 GROUP BY normalised
                 ORDER BY count(*) DESC, max(created_at) DESC
                 LIMIT $2",
                &[&since_ms, &limit],
            )
            .await?
            .iter()
            .map(|row| {
                (
                    row.get(0),
                    row.get(1),
                    row.get(3),
                    row.get(4),
                    row.get(5),
                    row.get(6),
                )
            })
            .collect())
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(normalised, count, example, outcomes, schemes, comments)| {
                    super::gap_group(normalised, count, example, &outcomes, schemes, comments)
                },
            )
            .collect())
    }

    /// Inserts JSON arrays of rows (as [`super::sqlite::Sqlite::export_json`] writes them)
    /// into their tables in one transaction, keeping the ids, then moves each identity past the
    /// largest id copied. Refuses a database that already holds data.
    pub fn import_json(&self, chunks: &[(&'static str, String)]) -> Result<(), StoreError> {
        let chunks = chunks.to_vec();
        let found = self.run("copying rows in", move |mut c| async move {
            let tx = c.transaction().await?;
            let found: i64 = tx
                .query_one(
                    "SELECT (SELECT count(*) FROM chats) + (SELECT count(*) FROM outbox)
                          + (SELECT count(*) FROM published)",
                    &[],
                )
                .await?
                .get(0);
            if found > 0 {
                return Ok(found);
            }
            for (table, json) in &chunks {
                tx.execute(
                    &format!(
                        "INSERT INTO {table} OVERRIDING SYSTEM VALUE
                         SELECT * FROM json_populate_recordset(NULL::{table}, $1::TEXT::JSON)"
                    ),
                    &[json],
                )
                .await?;
            }
            for (table, column) in [
                ("change_sets", "id"),
                ("outbox", "id"),
                ("broadcasts", "id"),
                ("handled_updates", "seq"),
                ("gaps", "id"),
            ] {
                tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                                       coalesce(max({column}), 0) + 1, false) FROM {table}"
                    ),
                    &[],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(0)
        })?;
        if found > 0 {
            return Err(StoreError::NotEmpty {
                database: self.database.clone(),
            });
        }
        Ok(())
    }

    pub fn database(&self) -> &str {
        &self.database
    }

    pub fn lead_delivery(&self) -> Result<bool, StoreError> {
        let mut slot = self.leader.lock().unwrap_or_else(PoisonError::into_inner);
        let current = slot.take();
        let config = self.config.clone();
        let (tx, rx) = mpsc::sync_channel::<Result<Leader, Failure>>(1);
        self.handle.spawn(async move {
            let result = async {
                let mut leader = match current {
                    Some(leader) if !leader.client.is_closed() => leader,
                    _ => {
                        let (client, connection) = config.connect(NoTls).await?;
                        tokio::spawn(async move {
                            if let Err(e) = connection.await {
                                tracing::warn!(error = %e, "the delivery lock's connection ended");
                            }
                        });
                        Leader {
                            client,
                            held: false,
                        }
                    }
                };
                if leader.held {
                    // A round trip: had the connection died, the lock would have gone with it.
                    leader.client.simple_query("SELECT 1").await?;
                } else {
                    leader.held = leader
                        .client
                        .query_one(
                            &format!("SELECT pg_try_advisory_lock({LOCK_KEY})"),
                            &[&".delivery"],
                        )
                        .await?
                        .get(0);
                    if leader.held {
                        // Taking over: the claims of the previous leader died with it.
                        let released = leader
                            .client
                            .execute(
                                "UPDATE outbox SET claimed_until = 0
                                 WHERE status = 'pending' AND claimed_until > 0",
                                &[],
                            )
                            .await?;
                        tracing::info!(released, "this replica now delivers the outbox");
                    }
                }
                Ok::<_, tokio_postgres::Error>(leader)
            }
            .await;
            let _ = tx.send(result.map_err(Failure::from));
        });
        match rx.recv() {
            Ok(Ok(leader)) => {
                let held = leader.held;
                *slot = Some(leader);
                Ok(held)
            }
            Ok(Err(source)) => Err(self.fail("taking the delivery lock", chain(&*source))),
            Err(_) => Err(self.fail(
                "taking the delivery lock",
                "the database runtime stopped".into(),
            )),
        }
    }

    #[cfg(test)]
    pub fn raw_texts(&self, sql: &str) -> Vec<String> {
        let sql = sql.to_owned();
        self.run("a test query", move |c| async move {
            Ok(c.query(&sql, &[])
                .await?
                .iter()
                .map(|row| row.get(0))
                .collect())
        })
        .expect("a test query")
    }

    #[cfg(test)]
    pub fn raw_count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        self.run("counting rows", move |c| async move {
            Ok(c.query_one(&sql, &[]).await?.get(0))
        })
        .unwrap_or(-1)
    }
}

/// An error with its causes, "outer: inner: …" (the driver's errors keep the server's
/// message, such as "connection refused", in their sources).
fn chain(error: &dyn std::error::Error) -> Failure {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = inner.source();
    }
    text.into()
}

/// A gaps-log row with owned fields, to move into the store's runtime.
struct OwnedGap {
    question: String,
    normalised: String,
    outcome: &'static str,
    schemes: String,
}

impl OwnedGap {
    fn of(gap: &NewGap<'_>) -> OwnedGap {
        OwnedGap {
            question: gap.question.to_owned(),
            normalised: gap.normalised.to_owned(),
            outcome: gap.outcome.key(),
            schemes: gap.schemes.join(" "),
        }
    }
}

/// Inserts a gaps-log row (deleting rows past [`GAPS_RETENTION_MS`]); returns its id.
async fn write_gap(
    tx: &Transaction<'_>,
    gap: &OwnedGap,
    now_ms: i64,
) -> Result<i64, tokio_postgres::Error> {
    let id = tx
        .query_one(
            "INSERT INTO gaps (question, normalised, outcome, schemes, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &gap.question,
                &gap.normalised,
                &gap.outcome,
                &gap.schemes,
                &now_ms,
            ],
        )
        .await?
        .get(0);
    tx.execute(
        "DELETE FROM gaps WHERE created_at < $1",
        &[&now_ms.saturating_sub(GAPS_RETENTION_MS)],
    )
    .await?;
    Ok(id)
}

async fn outbox_counts(
    c: &impl tokio_postgres::GenericClient,
) -> Result<OutboxCounts, tokio_postgres::Error> {
    let mut counts = OutboxCounts::default();
    for row in c
        .query("SELECT status, count(*) FROM outbox GROUP BY status", &[])
        .await?
    {
        let n = count(row.get(1));
        match row.get::<_, &str>(0) {
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

/// A context as its two columns: the scheme ids joined by spaces, and the intent.
fn context_columns(context: Option<&Context>) -> (String, Option<String>) {
    (
        context.map_or(String::new(), |c| c.schemes.join(" ")),
        context.and_then(|c| c.intent.clone()),
    )
}

/// Messages as two arrays (chats, payloads), for one `unnest` insert.
fn columns(messages: &[NewMessage]) -> (Vec<ChatId>, Vec<String>) {
    messages.iter().map(|m| (m.chat, m.payload.clone())).unzip()
}
