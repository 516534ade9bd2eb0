//! Subscriptions and change notices end to end: the real `schemebot serve` over a copy of the
//! corpus that each test edits, its SQLite database in a temporary data folder, and the fake
//! Bot API. Subscribers are seeded through the library's `Store` where the test is about
//! delivery rather than about the subscribe commands.

use std::path::PathBuf;
use std::process::Command;

use std::time::Duration;

use schemebot::corpus::Corpus;
use schemebot::store::{Store, Topic};

use crate::support::engine::corpus_dir;
use crate::support::fake_api::{self as tg, Call, FakeApi};
use crate::support::harness::*;

/// An editable copy of the corpus, its own index folder and a data folder.
pub(crate) struct Setup {
    pub corpus: tempfile::TempDir,
    pub index: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

impl Setup {
    pub fn new() -> Setup {
        let corpus = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(corpus_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                std::fs::copy(&path, corpus.path().join(path.file_name().unwrap())).unwrap();
            }
        }
        Setup {
            corpus,
            index: tempfile::tempdir().unwrap(),
            data: tempfile::tempdir().unwrap(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.data.path().join("schemebot.db")
    }

    /// Subscribes chats directly in the database, and records the corpus as published so the
    /// bot's start-up finds nothing new.
    pub fn seed(&self, subscriptions: &[(i64, Topic)]) {
        let store = Store::open(&self.db()).unwrap();
        for (chat, topic) in subscriptions {
            store.subscribe(*chat, topic).unwrap();
        }
        let corpus = Corpus::load(self.corpus.path()).unwrap();
        schemebot::notify::publish(&store, &corpus, 0).unwrap();
    }

    /// Replaces `from` with `to` in a scheme file.
    pub fn edit(&self, id: &str, from: &str, to: &str) {
        let path = self.corpus.path().join(format!("{id}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{id}.toml has no {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    pub fn serve(&self, fake: &FakeApi, extra: &[&str], admins: &str) -> BotProcess {
        let mut cmd = serve_with(
            self.corpus.path(),
            self.index.path(),
            self.data.path(),
            Some(fake.url()),
            extra,
        );
        cmd.env("SCHEMEBOT_ADMINS", admins);
        BotProcess::spawn(cmd)
    }
}

pub(crate) fn signal(bot: &BotProcess, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &bot.child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Successful sendMessage calls to `chat` whose text contains `needle`.
pub(crate) fn delivered(calls: &[Call], chat: i64, needle: &str) -> usize {
    calls
        .iter()
        .filter(|c| c.ok && is_reply_to(c, chat) && c.text().contains(needle))
        .count()
}

/// Waits (at most `within`) until every chat in `chats` has received a notice containing
/// `needle`; every call the fake received by then.
pub(crate) async fn all_notified(
    fake: &FakeApi,
    chats: &[i64],
    needle: &str,
    within: Duration,
) -> Vec<Call> {
    fake.wait_for(
        |c| chats.iter().all(|&chat| delivered(c, chat, needle) >= 1),
        within,
    )
    .await
}

/// Waits until the bot has logged `needle` `n` times in all.
pub(crate) async fn logged(bot: &BotProcess, needle: &str, n: usize) {
    bot.wait_log(|l| l.matches(needle).count() >= n).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribing_and_unsubscribing_with_commands_and_buttons() {
    let setup = Setup::new();
    let fake = FakeApi::start().await;
    let _bot = setup.serve(&fake, &[], "");

    fake.push_update(tg::text(101, "/subscribe"));
    let menu = reply(&fake, 101).await;
    let data = menu.callback_data();
    assert!(data.contains(&"sub:all;en".to_owned()), "{data:?}");
    assert!(data.contains(&"sub:cat:talent;en".to_owned()), "{data:?}");
    let (answer, edits) = press(&fake, 101, the_message_id(&menu), "sub:cat:talent;en", 1).await;
    assert_eq!(answer.body["text"], "✅ Subscribed");
    assert!(
        edits[0].text().contains("Talent schemes"),
        "{}",
        edits[0].text()
    );

    fake.push_update(tg::text(102, "/subscribe TechTAS"));
    assert!(reply(&fake, 102).await.text().contains("Subscribed"));
    fake.push_update(tg::text(102, "/subscribe techtas"));
    let again = replies(&fake, 102, 2).await;
    assert!(
        again[1].text().contains("already follow"),
        "{}",
        again[1].text()
    );
    fake.push_update(tg::text(102, "/subscribe 人才"));
    let zh = replies(&fake, 102, 3).await;
    assert!(zh[2].text().contains("已訂閱"), "{}", zh[2].text());

    fake.push_update(tg::text(102, "/subscriptions"));
    let list = replies(&fake, 102, 4).await.remove(3);
    assert!(
        list.text().contains("Technology Talent Admission Scheme"),
        "{}",
        list.text()
    );
    let data = list.callback_data();
    assert!(data.contains(&"un:s:techtas;en".to_owned()), "{data:?}");
    assert!(data.contains(&"un:cat:talent;en".to_owned()), "{data:?}");
    let (answer, edits) = press(&fake, 102, the_message_id(&list), "un:s:techtas;en", 1).await;
    assert_eq!(answer.body["text"], "🔕 Unsubscribed");
    assert!(!edits[0].text().contains("TechTAS"), "{}", edits[0].text());

    fake.push_update(tg::text(102, "/unsubscribe all"));
    let all = replies(&fake, 102, 5).await.remove(4);
    assert!(all.text().contains("everything (1)"), "{}", all.text());

    // Every scheme answer carries a follow button, which flips when pressed.
    fake.push_update(tg::text(103, "How much is the technology voucher?"));
    let answer_msg = reply(&fake, 103).await;
    assert!(
        answer_msg
            .callback_data()
            .contains(&"sub:s:tvp;en".to_owned())
    );
    let (ack, edits) = press(&fake, 103, the_message_id(&answer_msg), "sub:s:tvp;en", 1).await;
    assert_eq!(ack.body["text"], "✅ Subscribed");
    assert!(
        edits[0].callback_data().contains(&"un:s:tvp;en".to_owned()),
        "{:?}",
        edits[0].callback_data()
    );

    let store = Store::open(&setup.db()).unwrap();
    assert_eq!(
        store.subscriptions(101).unwrap(),
        vec![Topic::Category(schemebot::corpus::Category::Talent)]
    );
    assert!(store.subscriptions(102).unwrap().is_empty());
    assert_eq!(
        store.subscriptions(103).unwrap(),
        vec![Topic::Scheme("tvp".into())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_reaches_exactly_its_subscribers_once_naming_the_field() {
    let setup = Setup::new();
    let industry = Topic::Category(schemebot::corpus::Category::Industry);
    setup.seed(&[
        (201, Topic::Scheme("nias".into())),
        (202, industry.clone()),
        (203, Topic::All),
        (204, Topic::Scheme("techtas".into())),
        (205, Topic::Scheme("nias".into())),
        (205, industry),
        (205, Topic::All),
    ]);
    let fake = FakeApi::start().await;
    let bot = setup.serve(&fake, &[], "");
    logged(&bot, "corpus published", 1).await;

    setup.edit(
        "nias",
        "min_project_cost = 150000000",
        "min_project_cost = 120000000",
    );
    signal(&bot, "-HUP");
    let needle = "Minimum project cost: HK$150 million → HK$120 million";
    let calls = all_notified(&fake, &[201, 202, 203, 205], needle, STEP).await;
    let notice = calls.iter().find(|c| c.ok && is_reply_to(c, 201)).unwrap();
    assert!(
        notice
            .text()
            .contains("New Industrialisation Acceleration Scheme"),
        "{}",
        notice.text()
    );
    assert!(
        notice.callback_data().contains(&"subs;en".to_owned()),
        "an unsubscribe button"
    );

    // A second reload with nothing changed must send nothing more.
    signal(&bot, "-HUP");
    logged(&bot, "corpus published changes=0", 1).await;
    logged(&bot, "delivered", 4).await;
    let calls = fake.calls();
    for chat in [201, 202, 203, 205] {
        assert_eq!(
            delivered(&calls, chat, "Scheme update"),
            1,
            "chat {chat} hears it once"
        );
    }
    assert_eq!(
        delivered(&calls, 204, ""),
        0,
        "techtas followers hear nothing about NIAS"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_that_blocked_the_bot_is_tried_once_and_dropped() {
    let setup = Setup::new();
    setup.seed(&[(301, Topic::All), (302, Topic::All)]);
    let fake = FakeApi::start().await;
    fake.fail_chat(302, 403, "Forbidden: bot was blocked by the user");
    let bot = setup.serve(&fake, &[], "");
    logged(&bot, "corpus published", 1).await;

    setup.edit(
        "tvp",
        "max_per_applicant = 600000",
        "max_per_applicant = 700000",
    );
    signal(&bot, "-HUP");
    fake.wait_for(|c| delivered(c, 301, "HK$700,000") == 1, STEP)
        .await;
    logged(&bot, "the chat is gone", 1).await;

    setup.edit(
        "tvp",
        "max_per_applicant = 700000",
        "max_per_applicant = 800000",
    );
    signal(&bot, "-HUP");
    let calls = fake
        .wait_for(|c| delivered(c, 301, "HK$800,000") == 1, STEP)
        .await;
    let tries = calls
        .iter()
        .filter(|c| c.is("sendmessage") && c.chat_id() == Some(302))
        .count();
    assert_eq!(
        tries, 1,
        "the blocked chat was tried once, then never again"
    );
    assert!(!Store::open(&setup.db()).unwrap().is_active(302).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_delay_delivery_but_lose_nothing() {
    let setup = Setup::new();
    let chats: Vec<i64> = (401..=405).collect();
    setup.seed(&chats.iter().map(|&c| (c, Topic::All)).collect::<Vec<_>>());
    let fake = FakeApi::start().await;
    let bot = setup.serve(&fake, &[], "");
    logged(&bot, "corpus published", 1).await;

    fake.too_many_requests(3, 1);
    setup.edit("ess", "summary = \"", "summary = \"(Updated) ");
    signal(&bot, "-HUP");
    let calls = fake
        .wait_for(
            |c| {
                chats
                    .iter()
                    .all(|&chat| delivered(c, chat, "Scheme update") == 1)
            },
            STEP,
        )
        .await;
    let refused: Vec<&Call> = calls
        .iter()
        .filter(|c| c.is("sendmessage") && !c.ok)
        .collect();
    assert_eq!(refused.len(), 3, "three 429s were answered");
    let first_refusal = refused[0].at;
    let first_success = calls
        .iter()
        .filter(|c| c.ok && c.is("sendmessage"))
        .map(|c| c.at)
        .min()
        .unwrap();
    assert!(
        first_success.duration_since(first_refusal) >= Duration::from_millis(950),
        "sending waited for retry_after"
    );
    logged(&bot, "Telegram asked to slow down", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_killed_midway_resumes_after_a_restart() {
    let setup = Setup::new();
    let chats: Vec<i64> = (10_000..10_300).collect();
    setup.seed(&chats.iter().map(|&c| (c, Topic::All)).collect::<Vec<_>>());
    // The change is made while the bot is stopped: start-up publishes it.
    setup.edit("rmgs", "summary = \"", "summary = \"(Updated) ");
    let fake = FakeApi::start().await;
    let mut bot = setup.serve(&fake, &["--notify-rate", "100"], "");
    fake.wait_for(
        |c| c.iter().filter(|c| c.ok && c.is("sendmessage")).count() >= 100,
        STEP,
    )
    .await;
    bot.child.kill().unwrap(); // SIGKILL: no chance to finish or record anything
    bot.child.wait().unwrap();
    let at_kill = fake
        .calls()
        .iter()
        .filter(|c| c.ok && c.is("sendmessage"))
        .count();
    assert!(
        at_kill < chats.len(),
        "killed in the middle ({at_kill} sent)"
    );

    let _restarted = setup.serve(&fake, &["--notify-rate", "100"], "");
    let calls = all_notified(&fake, &chats, "Scheme update", Duration::from_secs(30)).await;
    let doubled: Vec<i64> = chats
        .iter()
        .copied()
        .filter(|&chat| delivered(&calls, chat, "Scheme update") > 1)
        .collect();
    assert!(
        doubled.len() <= 1,
        "at most the message in flight is sent twice: {doubled:?}"
    );
    assert!(
        chats
            .iter()
            .all(|&chat| delivered(&calls, chat, "Scheme update") <= 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_in_flight_still_deliver_each_notice_once() {
    let setup = Setup::new();
    let chats: Vec<i64> = (20_000..20_060).collect();
    setup.seed(&chats.iter().map(|&c| (c, Topic::All)).collect::<Vec<_>>());
    setup.edit("psts", "summary = \"", "summary = \"(Updated) ");
    let fake = FakeApi::start().await;
    let bot = setup.serve(
        &fake,
        &["--notify-in-flight", "8", "--notify-rate", "200"],
        "",
    );
    all_notified(&fake, &chats, "Scheme update", STEP).await;
    // A clean stop waits for the sends in flight; then count.
    let (status, _) = bot.terminate().await;
    assert_eq!(status.code(), Some(0));
    let calls = fake.calls();
    assert!(
        chats
            .iter()
            .all(|&chat| delivered(&calls, chat, "Scheme update") == 1)
    );
    let store = Store::open(&setup.db()).unwrap();
    assert_eq!(store.outbox_counts().unwrap().pending, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_corpus_is_refused_and_the_old_one_keeps_answering() {
    let setup = Setup::new();
    let fake = FakeApi::start().await;
    let bot = setup.serve(&fake, &[], "501");
    logged(&bot, "corpus published", 1).await;

    std::fs::write(setup.corpus.path().join("tvp.toml"), "name_en = 3\n").unwrap();
    signal(&bot, "-HUP");
    logged(&bot, "the corpus was refused", 1).await;
    fake.push_update(tg::text(502, "technology voucher"));
    let answer = reply(&fake, 502).await;
    assert!(
        answer.text().contains("Technology Voucher Programme"),
        "{}",
        answer.text()
    );

    fake.push_update(tg::text(501, "/reload"));
    let refused = reply(&fake, 501).await;
    assert!(
        refused.text().contains("refused") && refused.text().contains("tvp.toml"),
        "{}",
        refused.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_may_reload_broadcast_and_see_stats() {
    let setup = Setup::new();
    setup.seed(&[(611, Topic::All), (612, Topic::Scheme("tvp".into()))]);
    let fake = FakeApi::start().await;
    let _bot = setup.serve(&fake, &[], "600, 601");

    for (chat, command) in [(621, "/reload"), (622, "/broadcast hello"), (623, "/stats")] {
        fake.push_update(tg::text(chat, command));
        let r = reply(&fake, chat).await;
        assert_eq!(
            r.text(),
            "Sorry, you are not allowed to do that.",
            "{command}"
        );
    }

    fake.push_update(tg::text(600, "/stats"));
    let stats = reply(&fake, 600).await;
    assert!(stats.text().contains("2 active"), "{}", stats.text());

    fake.push_update(tg::text(601, "/broadcast New <b>rules</b> & dates"));
    let preview = reply(&fake, 601).await;
    assert!(
        preview.text().contains("2 subscribed chats"),
        "{}",
        preview.text()
    );
    let send = preview
        .callback_data()
        .into_iter()
        .find(|d| d.starts_with("bc:"))
        .expect("a send button");
    // Another user pressing the button (e.g. in a group) is refused.
    let (refused, _) = press(&fake, 699, the_message_id(&preview), &send, 0).await;
    assert_eq!(
        refused.body["text"],
        "Sorry, you are not allowed to do that."
    );
    let (_, edits) = press(&fake, 601, the_message_id(&preview), &send, 1).await;
    assert!(
        edits[0].text().contains("Queued for 2 chats"),
        "{}",
        edits[0].text()
    );
    let calls = fake
        .wait_for(
            |c| delivered(c, 611, "Announcement") == 1 && delivered(c, 612, "Announcement") == 1,
            STEP,
        )
        .await;
    let announcement = calls.iter().find(|c| c.ok && is_reply_to(c, 611)).unwrap();
    assert!(
        announcement
            .text()
            .contains("New &lt;b&gt;rules&lt;/b&gt; &amp; dates"),
        "{}",
        announcement.text()
    );
    // Pressing send again does not send twice.
    let (_, edits) = press(&fake, 601, the_message_id(&preview), &send, 1).await;
    assert!(
        edits.last().unwrap().text().contains("already sent"),
        "{}",
        edits.last().unwrap().text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_and_unblocking_the_bot_stops_and_resumes_notices() {
    let setup = Setup::new();
    setup.seed(&[(701, Topic::All)]);
    let fake = FakeApi::start().await;
    let bot = setup.serve(&fake, &[], "");
    logged(&bot, "corpus published", 1).await;

    fake.push_update(tg::my_chat_member(701, "kicked"));
    logged(&bot, "active=false changed=true", 1).await;
    setup.edit("itsp", "summary = \"", "summary = \"(Updated) ");
    signal(&bot, "-HUP");
    logged(&bot, "corpus published changes=1 notices=0", 1).await;

    fake.push_update(tg::my_chat_member(701, "member"));
    logged(&bot, "active=true changed=true", 1).await;
    setup.edit("itsp", "(Updated) ", "(Updated again) ");
    signal(&bot, "-HUP");
    let calls = fake
        .wait_for(|c| delivered(c, 701, "Scheme update") == 1, STEP)
        .await;
    assert!(
        calls.iter().filter(|c| is_reply_to(c, 701)).count() == 1,
        "nothing was sent while blocked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_near_deadline_is_reminded_once() {
    let setup = Setup::new();
    let soon = schemebot::date::format(schemebot::date::today_hk() + 3);
    setup.edit(
        "accelerator-pilot",
        "status = \"not-announced\"",
        &format!("status = \"open\"\ndeadline = \"{soon}\""),
    );
    setup.seed(&[
        (801, Topic::Scheme("accelerator-pilot".into())),
        (802, Topic::Scheme("tvp".into())),
    ]);
    let fake = FakeApi::start().await;
    let bot = setup.serve(&fake, &[], "");
    let calls = fake
        .wait_for(|c| delivered(c, 801, "Deadline reminder") == 1, STEP)
        .await;
    let reminder = calls.iter().find(|c| c.ok && is_reply_to(c, 801)).unwrap();
    assert!(reminder.text().contains("in 3 days"), "{}", reminder.text());
    signal(&bot, "-HUP");
    logged(&bot, "corpus published", 2).await;
    logged(&bot, "delivery worker started", 1).await;
    let calls = fake.calls();
    assert_eq!(delivered(&calls, 801, "Deadline reminder"), 1);
    assert_eq!(delivered(&calls, 802, ""), 0);
}
