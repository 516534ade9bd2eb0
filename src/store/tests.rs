//! The store's test suite, run on every backend: SQLite in memory always, and PostgreSQL when
//! `SCHEMEBOT_TEST_DATABASE_URL` names a database where the test may create schemas (each test
//! gets a fresh schema, dropped afterwards). `SCHEMEBOT_REQUIRE_POSTGRES=1` (set by CI) makes a
//! missing URL a failure instead of a skip.

use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use crate::answer::Context;

/// A fresh PostgreSQL schema for one test, dropped when it goes out of scope.
pub(crate) struct TestSchema {
    admin: String,
    pub(crate) name: String,
    /// The URL whose connections use the schema.
    pub(crate) url: String,
}

impl TestSchema {
    /// A new schema in `SCHEMEBOT_TEST_DATABASE_URL`'s database, or `None` without one (a
    /// panic when PostgreSQL is required).
    pub(crate) fn create() -> Option<TestSchema> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let Ok(admin) = std::env::var("SCHEMEBOT_TEST_DATABASE_URL") else {
            assert!(
                std::env::var("SCHEMEBOT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SCHEMEBOT_REQUIRE_POSTGRES=1 but SCHEMEBOT_TEST_DATABASE_URL is not set \
                 (source .ci/postgres)"
            );
            return None;
        };
        let name = format!(
            "t{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            wall_clock_ms() % 1_000_000
        );
        psql(&admin, &format!("CREATE SCHEMA {name}"));
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-csearch_path%3D{name}");
        Some(TestSchema { admin, name, url })
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        psql(&self.admin, &format!("DROP SCHEMA {} CASCADE", self.name));
    }
}

/// Runs one statement on its own connection, on a thread of its own (outside any runtime).
fn psql(url: &str, sql: &str) {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client.batch_execute(&sql).await.unwrap();
        });
    })
    .join()
    .unwrap();
}

/// Runs `test` on an in-memory SQLite store, then on a fresh PostgreSQL schema if there is a
/// test database.
fn each_backend(test: impl Fn(&Store)) {
    test(&Store::open_in_memory().unwrap());
    if let Some(schema) = TestSchema::create() {
        let store = Store::connect(&schema.url).unwrap();
        test(&store);
        drop(store);
    }
}

/// A row's outbox status, error and sending time as one text, for either backend.
fn outbox_row(store: &Store, id: i64) -> String {
    store
        .raw_texts(&format!(
            "SELECT status || ':' || coalesce(last_error, '') || ':' || \
             CAST(coalesce(sent_at, 0) AS TEXT) FROM outbox WHERE id = {id}"
        ))
        .join("")
}

pub(super) fn msg(chat: ChatId, payload: &str) -> NewMessage {
    NewMessage {
        chat,
        payload: payload.to_owned(),
    }
}

pub(super) fn scheme(id: &str) -> Topic {
    Topic::Scheme(id.to_owned())
}

#[test]
fn a_conversation_is_forgotten_after_its_time_to_live_and_gaps_after_90_days() {
    each_backend(|store| {
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
        let rows = store.raw_count("contexts");
        assert_eq!(rows, 1);
        // A 👎 comment is awaited until the next question, and only then.
        store.await_feedback(8, Some(3), t0 + ttl + 2).unwrap();
        assert_eq!(at_chat(store, 8, t0 + ttl + 3).feedback_gap, Some(3));
        store.save_turn(&turn(8, None, "x", t0 + ttl + 4)).unwrap();
        assert_eq!(at_chat(store, 8, t0 + ttl + 5).feedback_gap, None);
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
    });
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
fn language_preference() {
    each_backend(|store| {
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
    });
}

#[test]
fn subscribing_twice_keeps_one_row() {
    each_backend(|store| {
        let topic = Topic::Category(Category::Talent);
        assert!(store.subscribe(7, &topic).unwrap());
        assert!(!store.subscribe(7, &topic).unwrap());
        assert_eq!(store.subscriptions(7).unwrap(), vec![topic]);
        assert_eq!(store.raw_count("subscriptions"), 1);
    });
}

#[test]
fn subscriptions_are_sorted_and_can_be_removed() {
    each_backend(|store| {
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
    });
}

#[test]
fn deactivated_chats_are_not_active_subscribers() {
    each_backend(|store| {
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
    });
}

#[test]
fn deactivating_drops_pending_rows_and_subscribing_reactivates() {
    each_backend(|store| {
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
        store
            .publish(None, "fp", "{}", "{}", &[msg(4, "n")], 0)
            .unwrap();
        let counts = store.outbox_counts().unwrap();
        assert_eq!((counts.pending, counts.sent, counts.dropped), (1, 1, 3));
        // Chat 5's row, claimed by the `due` above until its lease runs out.
        assert_eq!(store.next_due_at().unwrap(), Some(CLAIM_MS));
        assert_eq!(store.due(CLAIM_MS, 10).unwrap().len(), 1);

        assert!(store.set_active(4, true).unwrap());
        assert!(store.is_active(4).unwrap());
        assert_eq!(store.active_subscriber_chats().unwrap(), vec![4]);
        // Dropped rows stay dropped.
        assert_eq!(store.outbox_counts().unwrap().dropped, 3);
        assert_eq!(store.due(2 * CLAIM_MS, 10).unwrap().len(), 1);

        store.set_active(4, false).unwrap();
        assert!(
            !store.subscribe(4, &Topic::All).unwrap(),
            "already subscribed"
        );
        assert!(store.is_active(4).unwrap(), "subscribing reactivates");
    });
}

#[test]
fn publish_writes_snapshot_change_set_and_notices() {
    each_backend(|store| {
        assert_eq!(store.published().unwrap(), None);
        let first = store
            .publish(
                None,
                "fp1",
                r#"{"v":1}"#,
                r#"{"added":[]}"#,
                &[msg(1, "n1"), msg(2, "n2")],
                100,
            )
            .unwrap()
            .unwrap();
        let second = store
            .publish(Some("fp1"), "fp2", r#"{"v":2}"#, "{}", &[msg(1, "m1")], 200)
            .unwrap()
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
        let keys = store.raw_texts("SELECT dedupe_key FROM outbox ORDER BY id");
        assert_eq!(
            keys,
            [
                format!("cs:{first}"),
                format!("cs:{first}"),
                format!("cs:{second}")
            ]
        );
    });
}

#[test]
fn publish_is_all_or_nothing() {
    each_backend(|store| {
        store
            .publish(None, "fp1", "s1", "{}", &[msg(1, "ok")], 100)
            .unwrap();
        let err = store
            .publish(
                Some("fp1"),
                "fp2",
                "s2",
                "{}",
                &[msg(2, "a"), msg(3, "b"), msg(2, "dup")],
                200,
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("publishing a change set"),
            "{err:?}"
        );
        assert_eq!(store.published().unwrap().unwrap().fingerprint, "fp1");
        assert_eq!(store.raw_count("change_sets"), 1);
        assert_eq!(store.raw_count("outbox"), 1);
        // The store is still usable afterwards.
        store
            .publish(Some("fp1"), "fp2", "s2", "{}", &[msg(2, "a")], 300)
            .unwrap();
        assert_eq!(store.published().unwrap().unwrap().fingerprint, "fp2");
    });
}

#[test]
fn enqueue_skips_rows_that_exist() {
    each_backend(|store| {
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
        assert_eq!(store.raw_count("outbox"), 7);
    });
}

#[test]
fn due_retry_and_sent_follow_the_clock() {
    each_backend(|store| {
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
        let ids: Vec<i64> = store
            .raw_texts("SELECT CAST(id AS TEXT) FROM outbox ORDER BY id")
            .iter()
            .map(|id| id.parse().unwrap())
            .collect();
        let [a, b, c] = ids[..] else {
            panic!("{ids:?}")
        };

        // Only rows whose time has come, by id not by time, up to the limit; each row returned
        // is claimed, so the next call skips it.
        let due = |now, limit| -> Vec<i64> {
            store
                .due(now, limit)
                .unwrap()
                .iter()
                .map(|i| i.id)
                .collect()
        };
        assert_eq!(due(49, 10), Vec::<i64>::new());
        assert_eq!(store.next_due_at().unwrap(), Some(50));
        assert_eq!(due(100, 1), [a]);
        assert_eq!(due(100, 10), [b]);
        assert_eq!(store.next_due_at().unwrap(), Some(300));

        // Settling a row ends its claim: a retry is due at its own time.
        store.begin_attempt(b).unwrap();
        store.mark_retry(b, 500, "429 retry after 0.4 s").unwrap();
        assert_eq!(due(300, 10), [c]);
        assert_eq!(store.next_due_at().unwrap(), Some(500));

        // A claim runs out after its lease: rows a sender left behind go to the next one.
        let later = 100 + CLAIM_MS;
        let retried = store.due(later, 10).unwrap();
        assert_eq!(
            retried
                .iter()
                .map(|i| (i.id, i.attempts))
                .collect::<Vec<_>>(),
            [(a, 0), (b, 1)]
        );

        store.mark_sent(a, 600).unwrap();
        store.mark_failed(c, "400 bad request").unwrap();
        store.mark_retry(b, 500, "again").unwrap();
        assert_eq!(due(later, 10), [b]);
        // A row that is no longer pending is not resurrected by a late retry.
        store.mark_retry(c, 0, "late").unwrap();
        store.mark_retry(b, 500, "again").unwrap();
        assert_eq!(store.next_due_at().unwrap(), Some(500));
        assert_eq!(due(later, 10), [b]);
        store.mark_retry(b, 500, "again").unwrap();

        // An inactive chat's rows are neither due nor counted for waking up.
        store.set_active(2, false).unwrap();
        assert_eq!(due(1_000, 10), Vec::<i64>::new());
        assert_eq!(store.next_due_at().unwrap(), None);

        assert_eq!(outbox_row(store, a), "sent::600");
        assert_eq!(
            store.outbox_counts().unwrap(),
            OutboxCounts {
                pending: 0,
                sent: 1,
                failed: 1,
                dropped: 1,
            }
        );
    });
}

#[test]
fn stats_count_active_chats_only() {
    each_backend(|store| {
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
    });
}

#[test]
fn a_broadcast_is_taken_once_by_its_admin() {
    each_backend(|store| {
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
    });
}

#[test]
fn a_migrated_chat_keeps_its_settings_subscriptions_and_pending_rows() {
    each_backend(|store| {
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
    });
}

#[test]
fn rows_scheduled_before_the_clock_was_set_back_are_due() {
    each_backend(|store| {
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
    });
}

#[test]
fn recent_sends_are_read_newest_first_and_old_ones_pruned() {
    each_backend(|store| {
        store.record_sends(&[(1_000, 1), (1_500, 2)]).unwrap();
        store.record_sends(&[(100_000, 3)]).unwrap();
        assert_eq!(store.recent_sends(0).unwrap(), [(100_000, 3)]);
    });
}

#[test]
fn handled_updates_keep_a_bounded_window_newest_last() {
    each_backend(|store| {
        store.record_handled_updates(&[5, 6, 7], 3).unwrap();
        // 5 again becomes the newest; 8 pushes the oldest (6) out of a window of 3.
        store.record_handled_updates(&[5, 8], 3).unwrap();
        assert_eq!(store.handled_updates(10).unwrap(), [7, 5, 8]);
        assert_eq!(store.handled_updates(2).unwrap(), [5, 8]);
    });
}

#[test]
fn an_api_session_remembers_its_context_until_it_expires() {
    each_backend(|store| {
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
        let rows = store.raw_count("sessions");
        assert_eq!(rows, 1);
    });
}

#[test]
fn a_change_is_published_once_when_two_processes_race() {
    each_backend(|store| {
        // Both compared against "nothing published"; the second finds it is too late.
        let first = store.publish(None, "fp1", "s1", "[]", &[], 10).unwrap();
        assert!(first.is_some());
        let late = store
            .publish(None, "fp1", "s1", "[]", &[msg(1, "dup")], 11)
            .unwrap();
        assert_eq!(late, None);
        assert_eq!(store.raw_count("change_sets"), 1);
        assert_eq!(store.raw_count("outbox"), 0);
        // Against the current fingerprint it goes through.
        let next = store
            .publish(Some("fp1"), "fp2", "s2", "[]", &[msg(1, "n")], 12)
            .unwrap();
        assert!(next > first);
    });
}

/// Two stores on one PostgreSQL schema, as two replicas have.
fn two_replicas() -> Option<(TestSchema, Store, Store)> {
    let schema = TestSchema::create()?;
    let a = Store::connect(&schema.url).unwrap();
    let b = Store::connect(&schema.url).unwrap();
    Some((schema, a, b))
}

#[test]
fn replicas_claiming_at_once_never_get_the_same_row() {
    let Some((_schema, a, b)) = two_replicas() else {
        return;
    };
    let messages: Vec<NewMessage> = (0..200).map(|chat| msg(chat, "n")).collect();
    a.enqueue("broadcast", "b1", &messages, 0).unwrap();
    let claimed: Vec<Vec<i64>> = std::thread::scope(|scope| {
        let take = |store: &Store| -> Vec<i64> {
            let mut ids = Vec::new();
            loop {
                let batch = store.due(1_000, 7).unwrap();
                if batch.is_empty() {
                    return ids;
                }
                ids.extend(batch.iter().map(|item| item.id));
            }
        };
        let workers = [scope.spawn(move || take(&a)), scope.spawn(move || take(&b))];
        workers.map(|w| w.join().unwrap()).into()
    });
    let mut all: Vec<i64> = claimed.concat();
    let total = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), total, "a row was handed out twice");
    assert_eq!(total, 200, "every row was handed out: {claimed:?}");
}

#[test]
fn one_replica_delivers_and_another_takes_over_when_it_dies() {
    let Some((schema, a, b)) = two_replicas() else {
        return;
    };
    assert!(a.lead_delivery().unwrap());
    assert!(!b.lead_delivery().unwrap());
    assert!(a.lead_delivery().unwrap(), "the leader keeps the lock");
    a.enqueue("broadcast", "b1", &[msg(1, "x"), msg(2, "y")], 0)
        .unwrap();
    assert_eq!(a.due(1_000, 1).unwrap().len(), 1);
    // The leader dies with a claim held: its connections close and the lock is freed.
    drop(a);
    let started = std::time::Instant::now();
    while !b.lead_delivery().unwrap() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "no takeover within 10 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Taking over released the dead leader's claim: both rows are due again.
    assert_eq!(b.due(1_000, 10).unwrap().len(), 2);
    // A third replica still waits.
    let c = Store::connect(&schema.url).unwrap();
    assert!(!c.lead_delivery().unwrap());
}

#[test]
fn a_sqlite_store_is_copied_into_postgres_whole_and_only_once() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let from = Store::open(&dir.path().join("schemebot.db")).unwrap();
    from.subscribe_from(1, &Topic::All, Lang::ZhHant, Some(7))
        .unwrap();
    from.subscribe(2, &scheme("techtas")).unwrap();
    from.set_lang(2, Some(Lang::En)).unwrap();
    from.set_active(3, false).unwrap();
    let cs = from
        .publish(None, "fp1", "s1", "[]", &[msg(1, "n")], 10)
        .unwrap()
        .unwrap();
    let broadcast = from.create_broadcast(9, "hello", 20).unwrap();
    let gap = from
        .add_gap(
            &NewGap {
                question: "renew licence",
                normalised: "renew licence",
                outcome: GapOutcome::None,
                schemes: vec![],
            },
            30,
        )
        .unwrap();
    from.await_feedback(1, Some(gap), 40).unwrap();
    from.record_handled_updates(&[5, 6], 10).unwrap();

    let to = Store::connect(&schema.url).unwrap();
    let counts = from.copy_into(&to).unwrap();
    assert!(
        counts.contains(&("chats", 3)) && counts.contains(&("outbox", 1)),
        "{counts:?}"
    );
    assert_eq!(to.subscriptions(1).unwrap(), [Topic::All]);
    assert_eq!(to.notice_lang(1).unwrap(), Some(Lang::ZhHant));
    assert_eq!(to.thread(1).unwrap(), Some(7));
    assert_eq!(to.lang(2).unwrap(), Some(Lang::En));
    assert!(!to.is_active(3).unwrap());
    assert_eq!(to.published().unwrap(), from.published().unwrap());
    assert_eq!(to.due(100, 10).unwrap(), from.due(100, 10).unwrap());
    assert_eq!(
        to.conversation(1, 50, 1_000).unwrap().feedback_gap,
        Some(gap)
    );
    assert_eq!(to.handled_updates(10).unwrap(), [5, 6]);
    assert_eq!(
        to.take_broadcast(broadcast, 9).unwrap().as_deref(),
        Some("hello")
    );
    // Ids go on from where the copy left them.
    let next = to
        .publish(Some("fp1"), "fp2", "s2", "[]", &[], 60)
        .unwrap()
        .unwrap();
    assert!(next > cs);
    assert!(to.create_broadcast(9, "again", 70).unwrap() > broadcast);
    // A second copy would mix two stores: refused, nothing written.
    let err = from.copy_into(&to).unwrap_err().to_string();
    assert!(err.contains("already holds a store"), "{err}");
    assert_eq!(to.raw_count("chats"), 3);
}

#[test]
fn an_update_is_claimed_once() {
    each_backend(|store| {
        assert!(store.claim_update(41).unwrap());
        assert!(!store.claim_update(41).unwrap());
        store.record_handled_updates(&[41, 42], 10).unwrap();
        assert!(!store.claim_update(42).unwrap());
        assert_eq!(store.handled_updates(10).unwrap(), [41, 42]);
    });
}
