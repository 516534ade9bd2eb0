//! The one send path under faults the fake Bot API injects (5xx of any wording, 429s, refused
//! HTML, migrations), forum topics, anonymous senders, and the failure modes found by
//! attacking the bot (issue 13), each through the real binary. Assertions are about what
//! Telegram received (nothing lost, nothing repeated), never about how fast.

use std::time::{Duration, Instant};

use schemebot::store::{Store, Topic};
use serde_json::json;

use crate::subscriptions::{Setup, all_notified, delivered, logged};
use crate::support::fake_api::{self as tg, Call, FakeApi, Fault};
use crate::support::harness::*;

/// Successful sendMessage calls to `chat`.
fn sent_to(calls: &[Call], chat: i64) -> Vec<&Call> {
    calls
        .iter()
        .filter(|c| c.ok && is_reply_to(c, chat))
        .collect()
}

/// A broadcast of three long paragraphs (three messages), queued for every subscriber.
fn queue_long_broadcast(setup: &Setup) {
    let text = ["PART-A", "PART-B", "PART-C"]
        .map(|m| format!("{m} {}", "alpha beta gamma ".repeat(180)))
        .join("\n\n");
    let store = Store::open(&setup.db()).unwrap();
    let id = store.create_broadcast(1, &text, 0).unwrap();
    assert!(schemebot::notify::queue_broadcast(&store, id, &text, 0).unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_of_any_wording_on_a_reply_is_retried_and_answered_once() {
    let h = harness().await;
    h.fake.script(
        1601,
        [
            Fault::fail(503, "Service Unavailable"),
            Fault::fail(504, "Gateway Timeout"),
            Fault::fail(500, "something nobody matched on"),
        ],
    );
    h.fake.push_update(tg::text(1601, "TVP"));
    let answer = reply(&h.fake, 1601).await;
    assert!(answer.text().contains("Technology Voucher Programme"));
    let tries = h
        .fake
        .calls()
        .iter()
        .filter(|c| is_reply_to(c, 1601))
        .count();
    assert_eq!(tries, 4, "three refusals, then the answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_hit_by_a_5xx_is_retried_not_lost() {
    let setup = Setup::new();
    setup.seed(&[(1611, Topic::All)]);
    queue_long_broadcast(&setup);
    let fake = FakeApi::start().await;
    fake.script(1611, [Fault::fail(503, "Service Unavailable")]);
    let _bot = setup.serve(&fake, &[], "");
    let calls = fake
        .wait_for(|c| delivered(c, 1611, "PART-C") == 1, STEP)
        .await;
    assert_eq!(delivered(&calls, 1611, "PART-A"), 1);
    assert_eq!(delivered(&calls, 1611, "PART-B"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_part_is_resent_alone_as_plain_text_and_the_rest_follows() {
    let setup = Setup::new();
    setup.seed(&[(1621, Topic::All)]);
    queue_long_broadcast(&setup);
    let fake = FakeApi::start().await;
    // Part one goes; part two's HTML is refused.
    fake.script(1621, [Fault::Pass, Fault::RejectHtml]);
    let _bot = setup.serve(&fake, &[], "");
    let calls = fake
        .wait_for(|c| delivered(c, 1621, "PART-C") == 1, STEP)
        .await;
    let tries: Vec<&Call> = calls.iter().filter(|c| is_reply_to(c, 1621)).collect();
    assert!(tries.len() >= 4, "{tries:#?}");
    assert!(tries[0].ok && tries[0].body["parse_mode"] == "HTML");
    assert!(!tries[1].ok && tries[1].body["parse_mode"] == "HTML");
    // The refused part, and only it, as plain text: its visible text.
    assert!(tries[2].ok && tries[2].body.get("parse_mode").is_none());
    assert_eq!(tries[2].text(), visible(tries[1].text()));
    assert!(
        tries[3..]
            .iter()
            .all(|c| c.ok && c.body["parse_mode"] == "HTML")
    );
    let first = tries[0].text();
    assert_eq!(
        sent_to(&calls, 1621)
            .iter()
            .filter(|c| c.text() == first)
            .count(),
        1,
        "part one is not repeated"
    );
    assert!(
        sent_to(&calls, 1621)
            .iter()
            .all(|c| c.text().encode_utf16().count() <= 4096)
    );
}

fn visible(html: &str) -> String {
    schemebot::ui::strip_html(html)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_part_two_resumes_from_part_two() {
    let setup = Setup::new();
    setup.seed(&[(1631, Topic::All)]);
    queue_long_broadcast(&setup);
    let fake = FakeApi::start().await;
    fake.script(1631, [Fault::Pass, Fault::too_many(1)]);
    let bot = setup.serve(&fake, &[], "");
    let calls = fake
        .wait_for(|c| delivered(c, 1631, "PART-C") == 1, STEP)
        .await;
    for part in ["PART-A", "PART-B", "PART-C"] {
        assert_eq!(delivered(&calls, 1631, part), 1, "{part} once");
    }
    logged(&bot, "Telegram asked to slow down", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_and_notices_share_one_budget() {
    // Notices to 120 chats at 20 a second while four people ask questions: every message
    // counts against the same limit.
    let setup = Setup::new();
    let chats: Vec<i64> = (30_000..30_120).collect();
    setup.seed(&chats.iter().map(|&c| (c, Topic::All)).collect::<Vec<_>>());
    setup.edit("psts", "summary = \"", "summary = \"(Updated) ");
    let fake = FakeApi::start().await;
    let _bot = setup.serve(&fake, &["--notify-rate", "20"], "");
    fake.wait_for(|c| delivered(c, 30_000, "Scheme update") == 1, STEP)
        .await;
    for round in 0..3 {
        for asker in 1641..1645 {
            fake.push_update(tg::text(
                asker,
                if round % 2 == 0 { "TVP" } else { "RAISe+" },
            ));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let calls = fake
        .wait_for(|c| (1641..1645).all(|a| sent_to(c, a).len() == 3), STEP)
        .await;
    let sends: Vec<Instant> = calls
        .iter()
        .filter(|c| c.is("sendmessage"))
        .map(|c| c.at)
        .collect();
    assert!(
        max_in_any_second(&sends) <= 21,
        "{}",
        max_in_any_second(&sends)
    );
}

/// The most calls in any half-open one-second window (calls are in arrival order).
pub(crate) fn max_in_any_second(at: &[Instant]) -> usize {
    let mut most = 0;
    let mut start = 0;
    for end in 0..at.len() {
        while at[end].duration_since(at[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        most = most.max(end + 1 - start);
    }
    most
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_killed_midway_keeps_the_rate_across_the_restart() {
    let setup = Setup::new();
    let chats: Vec<i64> = (40_000..40_150).collect();
    setup.seed(&chats.iter().map(|&c| (c, Topic::All)).collect::<Vec<_>>());
    setup.edit("rmgs", "summary = \"", "summary = \"(Updated) ");
    let fake = FakeApi::start().await;
    let rate = ["--notify-rate", "50"];
    let mut bot = setup.serve(&fake, &rate, "");
    fake.wait_for(
        |c| c.iter().filter(|c| c.ok && c.is("sendmessage")).count() >= 40,
        STEP,
    )
    .await;
    bot.child.kill().unwrap();
    bot.child.wait().unwrap();
    let _restarted = setup.serve(&fake, &rate, "");
    let calls = all_notified(&fake, &chats, "Scheme update", Duration::from_secs(30)).await;
    let sends: Vec<Instant> = calls
        .iter()
        .filter(|c| c.is("sendmessage"))
        .map(|c| c.at)
        .collect();
    // Sends leave 1/50 s apart; one more may fall in a window by the jitter of their trip.
    let most = max_in_any_second(&sends);
    assert!(most <= 51, "{most} in one second across the restart");
    // Even spacing: no tenth of a second holds more than a tenth of the budget (+1).
    let mut burst = 0;
    let mut start = 0;
    for end in 0..sends.len() {
        while sends[end].duration_since(sends[start]) >= Duration::from_millis(100) {
            start += 1;
        }
        burst = burst.max(end + 1 - start);
    }
    assert!(burst <= 6, "{burst} in 100 ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_upgraded_to_a_supergroup_keeps_its_subscriptions_and_gets_the_notice() {
    let setup = Setup::new();
    setup.seed(&[(-1651, Topic::All)]);
    queue_long_broadcast(&setup);
    let fake = FakeApi::start().await;
    fake.script(-1651, [Fault::migrated(-1_001_651)]);
    let _bot = setup.serve(&fake, &[], "");
    let calls = fake
        .wait_for(|c| delivered(c, -1_001_651, "PART-C") == 1, STEP)
        .await;
    assert_eq!(delivered(&calls, -1_001_651, "PART-A"), 1);
    let store = Store::open(&setup.db()).unwrap();
    assert_eq!(store.subscriptions(-1_001_651).unwrap(), [Topic::All]);
    assert!(store.subscriptions(-1651).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_refused_with_a_migration_is_sent_to_the_new_chat() {
    let h = harness().await;
    h.fake.script(-1652, [Fault::migrated(-1_001_652)]);
    h.fake.push_update(tg::group_text(
        -1652,
        1652,
        &format!("@{} TVP", tg::BOT_USERNAME),
    ));
    let answer = reply(&h.fake, -1_001_652).await;
    assert!(answer.text().contains("Technology Voucher Programme"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_service_message_moves_the_chat() {
    let setup = Setup::new();
    setup.seed(&[(-1653, Topic::Category(schemebot::corpus::Category::Funding))]);
    let fake = FakeApi::start().await;
    let bot = setup.serve(&fake, &[], "");
    logged(&bot, "corpus published", 1).await;
    let mut service = tg::message(-1653, 1653, None, json!({"migrate_to_chat_id": -1_001_653}));
    service["from"] = tg::user_json(1653, None);
    fake.push_update(tg::update("message", service));
    logged(&bot, "its settings moved", 1).await;
    let store = Store::open(&setup.db()).unwrap();
    assert_eq!(
        store.subscriptions(-1_001_653).unwrap(),
        [Topic::Category(schemebot::corpus::Category::Funding)]
    );
}

/// A message in group `chat` sent by an anonymous admin (or, with a channel id as `sender`, by
/// a member posting as that channel).
fn as_chat(chat: i64, sender: i64, text: &str) -> serde_json::Value {
    let mut m = tg::message(chat, 1_087_968_824, None, json!({ "text": text }));
    m["from"] = json!({"id": 1_087_968_824_i64, "is_bot": true, "first_name": "Group",
                       "username": "GroupAnonymousBot"});
    m["sender_chat"] = tg::chat_json(sender);
    if sender != chat {
        m["from"] = json!({"id": 136_817_688, "is_bot": true, "first_name": "Channel",
                           "username": "Channel_Bot"});
    }
    tg::update("message", m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_admins_and_channel_senders_act_as_their_chat() {
    let h = harness().await;
    let me = tg::BOT_USERNAME;
    h.fake
        .push_update(as_chat(-1661, -1661, &format!("/subscribe@{me} all")));
    let done = reply(&h.fake, -1661).await;
    assert!(done.text().contains("Subscribed"), "{}", done.text());
    h.fake
        .push_update(as_chat(-1662, -1_001_000_001_662, &format!("@{me} TVP")));
    let answer = reply(&h.fake, -1662).await;
    assert!(answer.text().contains("Technology Voucher Programme"));
    let store = Store::open(&h.data.path().join("schemebot.db")).unwrap();
    assert_eq!(store.subscriptions(-1661).unwrap(), [Topic::All]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_gets_its_replies_and_its_notices() {
    let setup = Setup::new();
    let fake = FakeApi::start().await;
    let bot = setup.serve(&fake, &[], "");
    logged(&bot, "corpus published", 1).await;
    let mut m = tg::message(
        -1671,
        1671,
        Some("en"),
        json!({"text": format!("/subscribe@{} all", tg::BOT_USERNAME),
               "message_thread_id": 77, "is_topic_message": true}),
    );
    m["chat"] = json!({"id": -1671, "type": "supergroup", "title": "Forum", "is_forum": true});
    fake.push_update(tg::update("message", m));
    let done = reply(&fake, -1671).await;
    assert_eq!(
        done.body["message_thread_id"], 77,
        "the reply stays in the topic"
    );
    setup.edit("ess", "summary = \"", "summary = \"(Updated) ");
    crate::subscriptions::signal(&bot, "-HUP");
    let calls = fake
        .wait_for(|c| delivered(c, -1671, "Scheme update") == 1, STEP)
        .await;
    let notice = calls
        .iter()
        .find(|c| c.ok && is_reply_to(c, -1671) && c.text().contains("Scheme update"))
        .unwrap();
    assert_eq!(
        notice.body["message_thread_id"], 77,
        "the notice goes to the topic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_teloxide_cannot_parse_is_logged_and_counted() {
    let h = harness_with(&["--listen", "127.0.0.1:0"]).await;
    let addr = crate::production::listening(&h.bot).await;
    // A message without a date: teloxide cannot read it.
    h.fake.push_raw_update(json!({"message": {"message_id": 1, "chat": {"id": 1681, "type": "private"}, "text": "hi"}}));
    h.fake.push_update(tg::text(1682, "TVP"));
    reply(&h.fake, 1682).await;
    h.bot
        .wait_log(|l| l.contains("an update could not be parsed"))
        .await;
    let (_, metrics) = crate::production::http(addr, "GET", "/metrics", &[], "").await;
    assert_eq!(
        crate::support::http::sample(&metrics, "schemebot_updates_total{kind=\"unparsed\"}"),
        Some(1.0),
        "{metrics}"
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 13: the failure modes found by attacking the bot.

/// Holds the write lock of the bot's database from another connection (as a backup or
/// `schemebot publish` would) until the returned guard is dropped.
fn hold_write_lock(db: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
    conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_that_cannot_be_marked_sent_is_not_sent_again() {
    // 13.1: the store fails between the send and the mark (here: a held write lock; a full
    // disk fails the same statement). The notice goes out once; the worker stops and says so.
    let setup = Setup::new();
    setup.seed(&[(1701, Topic::All), (1702, Topic::All)]);
    {
        let store = Store::open(&setup.db()).unwrap();
        let id = store.create_broadcast(1, "Lock test", 0).unwrap();
        schemebot::notify::queue_broadcast(&store, id, "Lock test", 0).unwrap();
    }
    let fake = FakeApi::start().await;
    let lock = std::sync::Arc::new(std::sync::Mutex::new(None));
    let (db, held) = (setup.db(), std::sync::Arc::clone(&lock));
    fake.on_send(1701, move || {
        *held.lock().unwrap() = Some(hold_write_lock(&db));
    });
    let bot = setup.serve(&fake, &["--listen", "127.0.0.1:0"], "");
    let addr = crate::production::listening(&bot).await;
    logged(&bot, "stopping the worker so nothing is sent twice", 1).await;
    let (status, body) = crate::production::http(addr, "GET", "/healthz", &[], "").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("delivery worker stopped"),
        "{body}\n{}",
        bot.log()
    );
    drop(lock.lock().unwrap().take());
    // Whatever happens next, the notice is not sent to 1701 again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(delivered(&fake.calls(), 1701, "Lock test"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_write_lock_fails_the_write_not_the_other_chats() {
    // 13.8 and 13.9: /subscribe under a held lock is told it failed (never "subscribed" or
    // "already subscribed"), other chats are answered meanwhile, /healthz says why.
    let h = harness_with(&["--listen", "127.0.0.1:0"]).await;
    let addr = crate::production::listening(&h.bot).await;
    let db = h.data.path().join("schemebot.db");
    h.fake.push_update(tg::text(1711, "TVP"));
    reply(&h.fake, 1711).await;
    let lock = hold_write_lock(&db);
    h.fake.push_update(tg::text(1712, "/subscribe all"));
    h.fake.push_update(tg::text(1713, "TVP"));
    let other = reply(&h.fake, 1713).await;
    let calls = h
        .fake
        .wait_for(|c| c.iter().any(|c| c.ok && is_reply_to(c, 1712)), STEP)
        .await;
    let told = calls.iter().find(|c| c.ok && is_reply_to(c, 1712)).unwrap();
    assert!(told.text().contains("Sorry"), "{}", told.text());
    assert!(
        other.at < told.at,
        "the other chat did not wait for the lock"
    );
    drop(lock);
    let (status, body) = crate::production::http(addr, "GET", "/healthz", &[], "").await;
    assert_eq!(status, 503, "{body}");
    // The failed write is named. (The other chat's conversation, saved after its reply, is
    // best effort: it gives up after 250 ms and is not a health failure.)
    assert!(body.contains("subscribing failed"), "{body}");
    // Once a write succeeds again, health recovers.
    h.fake.push_update(tg::text(1712, "/subscribe all"));
    replies(&h.fake, 1712, 2).await;
    let (status, body) = crate::production::http(addr, "GET", "/healthz", &[], "").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_database_is_noticed() {
    // 13.9: the database file deleted while running: writes are refused and /healthz is 503.
    let h = harness_with(&["--listen", "127.0.0.1:0"]).await;
    let addr = crate::production::listening(&h.bot).await;
    h.fake.push_update(tg::text(1721, "TVP"));
    reply(&h.fake, 1721).await;
    std::fs::remove_file(h.data.path().join("schemebot.db")).unwrap();
    h.fake.push_update(tg::text(1721, "/subscribe all"));
    let told = replies(&h.fake, 1721, 2).await;
    assert!(told[1].text().contains("Sorry"), "{}", told[1].text());
    let (status, body) = crate::production::http(addr, "GET", "/healthz", &[], "").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("deleted or replaced"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_webhook_update_is_answered_once() {
    // 13.12: Telegram re-sends an update it did not see acknowledged, with the same id.
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut cmd = serve_command(
        Some(fake.url()),
        data.path(),
        &[
            "--webhook-url",
            "https://bot.example.org/hook",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    cmd.env("SCHEMEBOT_WEBHOOK_SECRET", "s3cret");
    let bot = BotProcess::spawn(cmd);
    let addr = crate::production::listening(&bot).await;
    let mut update = tg::text(1731, "TVP");
    update["update_id"] = json!(7001);
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Telegram-Bot-Api-Secret-Token", "s3cret"),
    ];
    for _ in 0..2 {
        let (status, _) =
            crate::production::http(addr, "POST", "/hook", &headers, &update.to_string()).await;
        assert_eq!(status, 200);
    }
    h_wait(&fake, 1731).await;
    bot.wait_log(|l| l.contains("dropping an update already handled"))
        .await;
    assert_eq!(sent_to(&fake.calls(), 1731).len(), 1);
}

async fn h_wait(fake: &FakeApi, chat: i64) {
    fake.wait_for(|c| c.iter().any(|c| c.ok && is_reply_to(c, chat)), STEP)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_callback_data_subscribes_to_nothing_and_buttons_are_flood_limited() {
    // 13.13 and 13.4: a scheme id that is not in the corpus is refused; a chat pressing
    // buttons in a loop gets at most the flood limit's worth of work.
    let h = harness().await;
    let (answer, _) = press(&h.fake, 1741, 5, "sub:s:no-such-scheme", 0).await;
    assert!(answer.ok);
    let store = Store::open(&h.data.path().join("schemebot.db")).unwrap();
    assert!(store.subscriptions(1741).unwrap().is_empty());
    for _ in 0..30 {
        h.fake.push_update(tg::callback(1742, 6, "cat"));
    }
    h.fake.push_update(tg::text(1743, "TVP"));
    reply(&h.fake, 1743).await;
    let calls = h
        .fake
        .wait_for(
            |c| c.iter().filter(|c| c.is("answercallbackquery")).count() >= 31,
            STEP,
        )
        .await;
    let edits = calls
        .iter()
        .filter(|c| c.is("editmessagetext") && c.chat_id() == Some(1742))
        .count();
    assert!(
        edits <= 8,
        "{edits} edits for 30 presses (flood limit 8/10s)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidi_controls_are_not_echoed_and_huge_chat_ids_do_not_panic() {
    // 13.14 and 13.15.
    let h = harness().await;
    h.fake.push_update(tg::text(
        1751,
        "/subscribe \u{2066}evil\u{2069} \u{202e}gnp\u{2067}x",
    ));
    let told = reply(&h.fake, 1751).await;
    assert!(
        !told
            .text()
            .chars()
            .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
        "{:?}",
        told.text()
    );
    let huge = (1_i64 << 40) + 7;
    h.fake.push_update(tg::text(huge, "TVP"));
    assert!(
        reply(&h.fake, huge)
            .await
            .text()
            .contains("Technology Voucher Programme")
    );
    assert!(!h.bot.log().contains("panicked"), "{}", h.bot.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_chat_does_not_hold_up_another() {
    // 13.4: 100 questions from one chat, then one from another: the other is answered before
    // the flooding chat has had its allowed replies (they are paced per chat, not globally).
    let h = harness().await;
    for _ in 0..100 {
        h.fake.push_update(tg::text(1761, "TVP"));
    }
    h.fake.push_update(tg::text(1762, "TVP"));
    let other = reply(&h.fake, 1762).await;
    let calls = h.fake.wait_for(|c| sent_to(c, 1761).len() >= 5, STEP).await;
    let flooding = sent_to(&calls, 1761);
    assert!(
        flooding.last().unwrap().at > other.at,
        "the other chat waited for the flooding chat's replies"
    );
    assert!(
        flooding.len() <= 9,
        "{} replies to the flooding chat",
        flooding.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 13, the rest: repeats across a restart, the intake's bound, a stop with a backlog,
// polling through 5xx, a read-only index folder.

/// The webhook secret the webhook-mode tests use.
const SECRET: &str = "s3cret";

/// `schemebot serve` in webhook mode (path `/hook`, secret [`SECRET`]) over `data`.
fn webhook_bot(fake: &FakeApi, data: &std::path::Path, envs: &[(&str, &str)]) -> BotProcess {
    let mut cmd = serve_command(
        Some(fake.url()),
        data,
        &[
            "--webhook-url",
            "https://bot.example.org/hook",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    cmd.env("SCHEMEBOT_WEBHOOK_SECRET", SECRET);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    BotProcess::spawn(cmd)
}

/// Posts `update` to the webhook as Telegram would; the HTTP status.
async fn post_update(addr: std::net::SocketAddr, update: &serde_json::Value) -> u16 {
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Telegram-Bot-Api-Secret-Token", SECRET),
    ];
    crate::production::http(addr, "POST", "/hook", &headers, &update.to_string())
        .await
        .0
}

/// A question from `chat` with update id `id`.
fn question(chat: i64, id: i64) -> serde_json::Value {
    let mut update = tg::text(chat, "TVP");
    update["update_id"] = json!(id);
    update
}

/// Waits until the fake holds a sendMessage to `chat` ([`FakeApi::hang_sends`]).
async fn wait_held(fake: &FakeApi, chat: i64) {
    let deadline = Instant::now() + STEP;
    while fake.held(chat) == 0 {
        assert!(Instant::now() < deadline, "no message to {chat} arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_update_replayed_after_a_restart_is_answered_once() {
    // 13.12 across a restart: the handled ids are kept in the store.
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let bot = webhook_bot(&fake, data.path(), &[]);
    let addr = crate::production::listening(&bot).await;
    assert_eq!(post_update(addr, &question(1741, 8001)).await, 200);
    h_wait(&fake, 1741).await;
    let (status, log) = bot.terminate().await;
    assert!(status.success(), "{log}");

    let bot = webhook_bot(&fake, data.path(), &[]);
    let addr = crate::production::listening(&bot).await;
    assert_eq!(post_update(addr, &question(1741, 8001)).await, 200);
    bot.wait_log(|l| l.contains("dropping an update already handled"))
        .await;
    // A new question after the replay is answered, in the chat's order: had the replay been
    // taken, its answer would be there too.
    assert_eq!(post_update(addr, &question(1741, 8002)).await, 200);
    replies(&fake, 1741, 2).await;
    assert_eq!(sent_to(&fake.calls(), 1741).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_burst_past_the_intake_queue_gets_429_and_every_accepted_update_is_answered() {
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let bot = webhook_bot(&fake, data.path(), &[("SCHEMEBOT_INTAKE_QUEUE", "3")]);
    let addr = crate::production::listening(&bot).await;
    // Three questions whose replies Telegram holds take the three places.
    let busy = [1751, 1752, 1753];
    for (i, chat) in (0..).zip(busy) {
        fake.hang_sends(chat);
        assert_eq!(post_update(addr, &question(chat, 8101 + i)).await, 200);
    }
    for chat in busy {
        wait_held(&fake, chat).await;
    }
    // The burst past the bound is refused, not queued.
    let burst: Vec<(i64, i64)> = (0..5).map(|i| (1760 + i, 8110 + i)).collect();
    for &(chat, id) in &burst {
        assert_eq!(post_update(addr, &question(chat, id)).await, 429);
    }
    // Room again: the held replies fail once (502) and are sent again; Telegram posts the
    // refused updates again until they are taken.
    for chat in busy {
        fake.release(chat);
    }
    for &(chat, id) in &burst {
        let deadline = Instant::now() + STEP;
        loop {
            match post_update(addr, &question(chat, id)).await {
                200 => break,
                429 => {}
                other => panic!("unexpected status {other}"),
            }
            assert!(Instant::now() < deadline, "update {id} was never taken");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    for chat in busy.into_iter().chain(burst.iter().map(|&(c, _)| c)) {
        h_wait(&fake, chat).await;
    }
    bot.wait_log(|l| l.contains("the intake queue is full"))
        .await;
    let calls = fake.calls();
    for chat in busy.into_iter().chain(burst.iter().map(|&(c, _)| c)) {
        assert_eq!(sent_to(&calls, chat).len(), 1, "chat {chat}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_stops_fetching_while_the_intake_queue_is_full() {
    let h = harness_with_env(&[("SCHEMEBOT_INTAKE_QUEUE", "1")]).await;
    h.fake.hang_sends(1755);
    h.fake.push_update(tg::text(1755, "TVP"));
    wait_held(&h.fake, 1755).await;
    let fetches = || h.fake.calls().iter().filter(|c| c.is("getupdates")).count();
    let before = fetches();
    h.fake.push_update(tg::text(1756, "TVP"));
    // While the one place is taken nothing is fetched (a fetch would confirm or queue).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        fetches(),
        before,
        "getUpdates was called with the queue full"
    );
    h.fake.release(1755);
    h_wait(&h.fake, 1755).await;
    h_wait(&h.fake, 1756).await;
    let calls = h.fake.calls();
    assert_eq!(sent_to(&calls, 1755).len(), 1);
    assert_eq!(sent_to(&calls, 1756).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_backlog_in_polling_confirms_only_handled_updates() {
    // 13.6 in polling mode: an update not handled within the stop's bound is not confirmed,
    // so Telegram delivers it to the next start; one handled after it comes too, and is
    // recognised as a repeat.
    let h = harness().await;
    h.fake.hang_sends(1771);
    let stuck = h.fake.push_update(tg::text(1771, "TVP"));
    wait_held(&h.fake, 1771).await;
    h.fake.push_update(tg::text(1772, "TVP"));
    h_wait(&h.fake, 1772).await;
    let Harness { fake, bot, data } = h;
    // The bound: 10 s, then 1 s for the runtime.
    let (status, log) = bot.terminate_within(Duration::from_secs(15)).await;
    assert!(status.success(), "{log}");
    assert!(
        log.contains("not answered within the stop's bound"),
        "{log}"
    );
    let confirmed = fake
        .calls()
        .iter()
        .filter(|c| c.is("getupdates"))
        .filter_map(|c| c.body["offset"].as_i64())
        .max()
        .unwrap();
    assert!(
        confirmed <= stuck,
        "offset {confirmed} confirmed update {stuck}, which was not handled"
    );

    fake.release(1771);
    let bot = BotProcess::start(&fake, data.path(), &[]);
    h_wait(&fake, 1771).await;
    bot.wait_log(|l| l.contains("dropping an update already handled"))
        .await;
    let calls = fake.calls();
    assert_eq!(sent_to(&calls, 1771).len(), 1);
    assert_eq!(sent_to(&calls, 1772).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_backlog_in_webhook_mode_answers_what_was_accepted() {
    // 13.6 in webhook mode: accepted updates are answered before the process exits; one that
    // cannot be answered within the bound is named in the log (Telegram will not resend it).
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let bot = webhook_bot(&fake, data.path(), &[]);
    let addr = crate::production::listening(&bot).await;
    fake.hang_sends(1780);
    assert_eq!(post_update(addr, &question(1780, 8200)).await, 200);
    let chats: Vec<i64> = (1781..1821).collect();
    for (id, &chat) in (8201..).zip(&chats) {
        assert_eq!(post_update(addr, &question(chat, id)).await, 200);
    }
    let (status, log) = bot.terminate_within(Duration::from_secs(15)).await;
    assert!(status.success(), "{log}");
    let calls = fake.calls();
    for &chat in &chats {
        assert_eq!(sent_to(&calls, chat).len(), 1, "chat {chat}:\n{log}");
    }
    assert!(calls.iter().any(|c| c.is("deletewebhook")));
    let lost = log
        .lines()
        .find(|l| l.contains("not answered within the stop's bound"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(lost.contains("8200") && lost.contains("count=1"), "{lost}");
    fake.release(1780);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_recovers_from_5xx_in_seconds_not_tens_of_seconds() {
    // 13.3: teloxide's polling slept 10 s on every 5xx.
    index_dir();
    let fake = FakeApi::start().await;
    fake.fail_get_updates([502, 502]);
    fake.push_update(tg::text(1791, "TVP"));
    let data = tempfile::tempdir().unwrap();
    let bot = BotProcess::start(&fake, data.path(), &[]);
    h_wait(&fake, 1791).await;
    let calls = fake.calls();
    let failed = calls
        .iter()
        .find(|c| c.is("getupdates") && !c.ok)
        .expect("a failed getUpdates")
        .at;
    let answered = calls
        .iter()
        .find(|c| c.ok && is_reply_to(c, 1791))
        .unwrap()
        .at;
    // 0.5 s + 1 s of backoff; generous, and far below the 20 s of two 10 s sleeps.
    assert!(
        answered.duration_since(failed) < Duration::from_secs(6),
        "answered {:?} after the first 5xx",
        answered.duration_since(failed)
    );
    assert!(bot.log().contains("getting updates failed; retrying"));
}

/// A copy of the shared index in a fresh folder.
fn copy_of_the_index() -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(index_dir().join("."))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    copy
}

/// `schemebot ask TVP` over `index` (through `wrapper`, e.g. a shell, when given).
fn ask_tvp(index: &std::path::Path, wrapper: Option<&str>) -> std::process::Output {
    let corpus = crate::support::engine::corpus_dir();
    let mut cmd = match wrapper {
        Some(script) => {
            let mut c = std::process::Command::new("sh");
            c.args(["-c", script]);
            c
        }
        None => {
            let mut c = std::process::Command::new(BIN);
            c.arg("--corpus")
                .arg(&corpus)
                .arg("--index")
                .arg(index)
                .args(["ask", "TVP"]);
            c
        }
    };
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn an_index_whose_lock_cannot_be_taken_is_rebuilt_and_the_path_named() {
    // 13.15: tantivy's reader needs its lock file; here it is a folder, which even root cannot
    // open for writing (the stand-in for a lock that cannot be taken).
    let index = copy_of_the_index();
    let lock = index.path().join("current/.tantivy-meta.lock");
    std::fs::remove_file(&lock).unwrap();
    std::fs::create_dir(&lock).unwrap();
    let out = ask_tvp(index.path(), None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("TVP"));
    let current = index.path().join("current").display().to_string();
    assert!(
        err.contains("index rebuilt") && err.contains(&current),
        "{err}"
    );
}

#[test]
fn a_read_only_index_folder_falls_back_to_an_index_in_memory() {
    // 13.15 on a real read-only mount (a private mount namespace: `unshare -rm`); skipped
    // where user namespaces are not allowed.
    let probe = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .stderr(std::process::Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("skipped: unshare -rm is not available here");
        return;
    }
    let index = copy_of_the_index();
    let mount = tempfile::tempdir().unwrap();
    let corpus = crate::support::engine::corpus_dir();
    let script = format!(
        "unshare -rm sh -c \"mount --bind -o ro '{src}' '{dst}' && exec '{bin}' --corpus '{corpus}' --index '{dst}' ask TVP\"",
        src = index.path().display(),
        dst = mount.path().display(),
        bin = BIN,
        corpus = corpus.display(),
    );
    let out = ask_tvp(mount.path(), Some(&script));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("TVP"),
        "{err}"
    );
    assert!(err.contains("index kept in memory"), "{err}");
    assert!(
        err.contains(&mount.path().join("current").display().to_string()),
        "the folder is named: {err}"
    );
}
