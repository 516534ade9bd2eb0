//! Two replicas of the real binary in webhook mode on one PostgreSQL database, against the fake
//! Bot API: a published change reaches every subscriber once, the delivering replica killed
//! mid-broadcast hands over to the other without losing anyone or breaking the rate, and a
//! follow-up answered by the other replica still knows the scheme.
//!
//! They need `SCHEMEBOT_TEST_DATABASE_URL` (see `.ci/postgres`); without it they pass without
//! running, unless `SCHEMEBOT_REQUIRE_POSTGRES=1` (CI) makes that a failure.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use schemebot::corpus::Corpus;
use schemebot::store::{Store, Topic};
use serde_json::json;

use crate::subscriptions::{Setup, all_notified, delivered};
use crate::support::fake_api::{self as tg, Call, FakeApi};
use crate::support::harness::*;

const SECRET: &str = "replica-secret";

/// A schema of its own in the test database, dropped at the end; `None` without a database.
struct Schema {
    admin: String,
    name: String,
    url: String,
}

impl Schema {
    async fn create(tag: &str) -> Option<Schema> {
        let Ok(admin) = std::env::var("SCHEMEBOT_TEST_DATABASE_URL") else {
            assert!(
                std::env::var("SCHEMEBOT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SCHEMEBOT_REQUIRE_POSTGRES=1 but SCHEMEBOT_TEST_DATABASE_URL is not set"
            );
            eprintln!("skipped: no SCHEMEBOT_TEST_DATABASE_URL");
            return None;
        };
        let name = format!("it_{tag}_{}", std::process::id());
        execute(
            &admin,
            &format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"),
        )
        .await;
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-csearch_path%3D{name}");
        Some(Schema { admin, name, url })
    }

    async fn drop_schema(self) {
        execute(&self.admin, &format!("DROP SCHEMA {} CASCADE", self.name)).await;
    }
}

async fn execute(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("the test database answers");
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = task.await;
}

/// Waits (up to 10 s) until the shared database holds a conversation for `chat`: a replica
/// saves a turn just after sending its reply, and a person's follow-up comes seconds later,
/// never within the same millisecond as the test's would.
async fn wait_for_context(url: &str, chat: i64) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("the test database answers");
    let task = tokio::spawn(connection);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = client
            .query("SELECT 1 FROM contexts WHERE chat_id = $1", &[&chat])
            .await
            .unwrap();
        if !rows.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first replica never saved the conversation of chat {chat}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(client);
    let _ = task.await;
}

/// A replica: `serve` in webhook mode on the shared database, at the default rate (30 a
/// second), with its own data and index folders in `own`.
fn replica(setup: &Setup, fake: &FakeApi, database: &str, own: &tempfile::TempDir) -> BotProcess {
    let (index, data) = (own.path().join("index"), own.path().join("data"));
    let mut cmd = serve_with(
        setup.corpus.path(),
        &index,
        &data,
        Some(fake.url()),
        &[
            "--database",
            database,
            "--webhook-url",
            "https://bot.example.org/hook",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    cmd.env("SCHEMEBOT_WEBHOOK_SECRET", SECRET);
    BotProcess::spawn(cmd)
}

/// The address a replica's HTTP listener took.
async fn address(bot: &BotProcess) -> SocketAddr {
    let log = bot.wait_log(|l| l.contains("HTTP listener ready")).await;
    let line = log
        .lines()
        .find(|l| l.contains("HTTP listener ready"))
        .unwrap();
    let at = line.find("addr=").unwrap() + "addr=".len();
    line[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn post(addr: SocketAddr, update: &serde_json::Value) -> u16 {
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Telegram-Bot-Api-Secret-Token", SECRET),
    ];
    crate::production::http(addr, "POST", "/hook", &headers, &update.to_string())
        .await
        .0
}

/// A change published by two replicas on one database to 120 subscribers, the delivering
/// replica killed after 30 notices when `kill` is set; checks what the fake Bot API received.
async fn broadcast_from_two_replicas(kill: bool) {
    let Some(schema) = Schema::create(if kill { "handover" } else { "once" }).await else {
        return;
    };
    let setup = Setup::new();
    let chats: Vec<i64> = (50_000..50_120).collect();
    {
        // Subscribers and the corpus as published; then a change both replicas will find.
        let store = Store::connect(&schema.url).unwrap();
        for &chat in &chats {
            store.subscribe(chat, &Topic::All).unwrap();
        }
        let corpus = Corpus::load(setup.corpus.path()).unwrap();
        schemebot::notify::publish(&store, &corpus, 0).unwrap();
    }
    setup.edit("rmgs", "summary = \"", "summary = \"(Updated) ");
    let fake = FakeApi::start().await;
    let own = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut bots = vec![
        replica(&setup, &fake, &schema.url, &own[0]),
        replica(&setup, &fake, &schema.url, &own[1]),
    ];
    if kill {
        fake.wait_for(
            |c| c.iter().filter(|c| c.ok && c.is("sendmessage")).count() >= 30,
            STEP,
        )
        .await;
        let leader = bots
            .iter()
            .position(|b| b.log().contains("this replica now delivers the outbox"))
            .expect("one replica delivers");
        let mut dead = bots.swap_remove(leader);
        dead.child.kill().unwrap();
        dead.child.wait().unwrap();
    }
    let calls = all_notified(&fake, &chats, "Scheme update", Duration::from_secs(40)).await;
    let delivering = bots
        .iter()
        .filter(|b| b.log().contains("this replica now delivers the outbox"))
        .count();
    assert_eq!(delivering, 1, "exactly one live replica delivers");
    let per_chat: BTreeMap<i64, usize> = chats
        .iter()
        .map(|&chat| (chat, delivered(&calls, chat, "Scheme update")))
        .collect();
    let twice: Vec<_> = per_chat.iter().filter(|(_, n)| **n > 1).collect();
    if kill {
        // Nobody missed; at most the one notice in flight at the kill went twice.
        assert!(twice.len() <= 1, "more than one duplicate: {twice:?}");
        assert!(per_chat.values().all(|&n| n <= 2), "{per_chat:?}");
    } else {
        assert!(twice.is_empty(), "a chat was told twice: {twice:?}");
    }
    // Published once, whichever replica loaded the change first.
    let store = Store::connect(&schema.url).unwrap();
    assert_eq!(store.stats().unwrap().outbox.sent, chats.len());
    // Never more than 30 messages in any second, across both replicas and a hand-over.
    let sends: Vec<Instant> = calls
        .iter()
        .filter(|c: &&Call| c.is("sendmessage"))
        .map(|c| c.at)
        .collect();
    let most = crate::faults::max_in_any_second(&sends);
    assert!(most <= 30, "{most} messages in one second");
    drop(store);
    drop(bots);
    schema.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_published_by_two_replicas_reaches_each_subscriber_once() {
    broadcast_from_two_replicas(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivering_replica_killed_mid_broadcast_hands_over_without_loss() {
    broadcast_from_two_replicas(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_answered_by_the_other_replica_knows_the_scheme() {
    let Some(schema) = Schema::create("followup").await else {
        return;
    };
    let setup = Setup::new();
    let fake = FakeApi::start().await;
    let own = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = replica(&setup, &fake, &schema.url, &own[0]);
    let b = replica(&setup, &fake, &schema.url, &own[1]);
    let (addr_a, addr_b) = (address(&a).await, address(&b).await);
    let chat = 61_001;
    let mut first = tg::text(chat, "Technology Voucher Programme");
    first["update_id"] = json!(1);
    assert_eq!(post(addr_a, &first).await, 200);
    replies(&fake, chat, 1).await;
    wait_for_context(&schema.url, chat).await;
    let mut follow_up = tg::text(chat, "how much can we get?");
    follow_up["update_id"] = json!(2);
    assert_eq!(post(addr_b, &follow_up).await, 200);
    let answers = replies(&fake, chat, 2).await;
    // Telegram posting the same update again, to the other replica: answered once.
    assert_eq!(post(addr_a, &follow_up).await, 200);
    a.wait_log(|l| l.contains("dropping an update already handled"))
        .await;
    let text = answers[1].text();
    assert!(
        text.contains("Technology Voucher") || text.contains("TVP"),
        "the other replica lost the conversation: {text}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all = fake.calls();
    assert_eq!(
        all.iter().filter(|c| c.ok && is_reply_to(c, chat)).count(),
        2,
        "the repeat was answered"
    );
    drop((a, b));
    schema.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_store_copies_the_bots_sqlite_store_once() {
    let run = |args: &[&str]| {
        std::process::Command::new(BIN)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .output()
            .unwrap()
    };
    // Arguments are checked before anything is opened.
    let missing = run(&[
        "migrate-store",
        "--from",
        "sqlite:/nonexistent/x.db",
        "--to",
        "postgres://u@h/d",
    ]);
    assert_eq!(missing.status.code(), Some(64));
    let Some(schema) = Schema::create("migrate").await else {
        return;
    };
    let setup = Setup::new();
    setup.seed(&[
        (70_001, Topic::All),
        (70_002, Topic::Category(schemebot::corpus::Category::Talent)),
    ]);
    let from = format!("sqlite:{}", setup.db().display());
    let copied = run(&["migrate-store", "--from", &from, "--to", &schema.url]);
    let out = String::from_utf8_lossy(&copied.stdout);
    assert!(
        copied.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    assert!(
        out.contains("2 chats") && out.contains("2 subscriptions"),
        "{out}"
    );
    assert!(
        !out.contains(":schemebot@"),
        "the password is not printed: {out}"
    );
    let store = Store::connect(&schema.url).unwrap();
    assert_eq!(store.active_subscriber_chats().unwrap(), [70_001, 70_002]);
    drop(store);
    let again = run(&["migrate-store", "--from", &from, "--to", &schema.url]);
    assert_eq!(again.status.code(), Some(73));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a store"));
    schema.drop_schema().await;
}
