//! A conversation with the real binary over the fake Bot API: follow-ups that keep the scheme,
//! switching scheme, /start forgetting, short answers and their section buttons, compare cards,
//! the /match steps, small talk, 👍/👎 with the gaps log (`/gaps` and `schemebot gaps`), and
//! questions typed as captions.

use serde_json::json;

use crate::support::fake_api::{self as tg, Call, FakeApi};
use crate::support::harness::{
    BotProcess, harness, harness_with, index_dir, press, replies, serve_command, the_message_id,
};

/// Asks `text` in `chat` and waits for the `n`-th reply to that chat (counting from 1).
async fn ask(fake: &FakeApi, chat: i64, text: &str, n: usize) -> Call {
    fake.push_update(tg::text(chat, text));
    replies(fake, chat, n).await.remove(n - 1)
}

/// Asks in Chinese (the user's Telegram language is zh-hk).
async fn ask_zh(fake: &FakeApi, chat: i64, text: &str, n: usize) -> Call {
    fake.push_update(tg::text_in(chat, Some("zh-hk"), text));
    replies(fake, chat, n).await.remove(n - 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_ups_keep_the_scheme_until_another_is_named_or_start_forgets_it() {
    let h = harness().await;
    let f = &h.fake;
    let first = ask(f, 2001, "What is the Technology Voucher Programme?", 1).await;
    assert!(
        first.text().contains("Technology Voucher Programme"),
        "{}",
        first.text()
    );
    let money = ask(f, 2001, "how much?", 2).await;
    assert!(money.text().contains("💰 Money"), "{}", money.text());
    assert!(money.text().contains("HK$600,000"), "{}", money.text());
    let who = ask(f, 2001, "who can apply?", 3).await;
    assert!(who.text().contains("👥 Who could apply"), "{}", who.text());
    assert!(who.text().contains("Technology Voucher Programme"));
    // "and TechTAS?" asks the same question about another scheme.
    let switched = ask(f, 2001, "and TechTAS?", 4).await;
    assert!(switched.text().contains("TechTAS"), "{}", switched.text());
    assert!(
        switched.text().contains("👥 Who can apply"),
        "{}",
        switched.text()
    );
    let deadline = ask(f, 2001, "deadline?", 5).await;
    assert!(deadline.text().contains("TechTAS"), "{}", deadline.text());
    assert!(deadline.text().contains("📅"), "{}", deadline.text());
    // /start begins again: "how much?" is no longer about TechTAS.
    ask(f, 2001, "/start", 6).await;
    let forgotten = ask(f, 2001, "how much?", 7).await;
    assert!(
        !forgotten
            .text()
            .contains("<b>Technology Talent Admission Scheme"),
        "{}",
        forgotten.text()
    );

    // Cantonese and Simplified follow-ups; another chat's context is its own.
    let zh = ask_zh(f, 2002, "科技券係咩？", 1).await;
    assert!(zh.text().contains("科技券計劃"), "{}", zh.text());
    let zh_money = ask_zh(f, 2002, "幾多錢？", 2).await;
    assert!(
        zh_money.text().contains("港幣60萬元"),
        "{}",
        zh_money.text()
    );
    let hans = ask_zh(f, 2003, "研究人才库是什么？", 1).await;
    assert!(hans.text().contains("研究人才库"), "{}", hans.text());
    let hans_who = ask_zh(f, 2003, "个人可以申请吗？", 2).await;
    assert!(
        hans_who.text().contains("研究人才库"),
        "{}",
        hans_who.text()
    );
    assert!(hans_who.text().contains("👥"), "{}", hans_who.text());
    let other = ask(f, 2004, "how much?", 1).await;
    assert!(
        !other.text().contains("Research Talent Hub"),
        "{}",
        other.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_answers_lead_with_what_was_asked_and_section_buttons_edit_in_place() {
    // Seventeen presses in a few seconds: more than the default flood limit lets one chat do.
    let h = harness_with(&["--flood-limit", "100/10s"]).await;
    let f = &h.fake;
    let money = ask(f, 2101, "How much can a company get from ESS?", 1).await;
    let text = money.text();
    assert!(text.contains("💰 Money"), "{text}");
    assert!(
        !text.contains("📝 How to apply"),
        "only the section asked: {text}"
    );
    let visible = text.chars().count();
    assert!(visible <= 1300, "{visible} characters: {text}");
    let data = money.callback_data();
    for section in ["who", "apply", "when", "full"] {
        assert!(data.contains(&format!("sec:ess:{section};en")), "{data:?}");
    }
    assert!(data.contains(&"fb:up:ess;en".to_owned()), "{data:?}");
    assert!(data.contains(&"fb:down:ess;en".to_owned()), "{data:?}");
    assert!(data.contains(&"sub:s:ess;en".to_owned()), "{data:?}");
    let id = the_message_id(&money);
    let (_, edits) = press(f, 2101, id, "sec:ess:apply;en", 1).await;
    assert!(
        edits[0].text().contains("📝 How to apply"),
        "{}",
        edits[0].text()
    );
    assert!(
        edits[0]
            .callback_data()
            .contains(&"sec:ess:money;en".to_owned()),
        "{:?}",
        edits[0].callback_data()
    );
    let (_, edits) = press(f, 2101, id, "sec:ess:full;en", 1).await;
    let full = edits[0].text();
    for heading in [
        "💰 Money",
        "👥 Who can apply",
        "📝 How to apply",
        "📅 Status",
    ] {
        assert!(full.contains(heading), "{heading}: {full}");
    }
    // Every section, in each script, edits the same message in place.
    for (lang, headings) in [
        (
            ";en",
            [
                "💰 Money",
                "👥 Who can apply",
                "📝 How to apply",
                "📅 Status",
                "ℹ️",
            ],
        ),
        (
            ";zh-hant",
            ["💰 金額", "👥 申請資格", "📝 申請方法", "📅 最新狀況", "ℹ️"],
        ),
        (
            ";zh-hans",
            ["💰 金额", "👥 申请资格", "📝 申请方法", "📅 最新状况", "ℹ️"],
        ),
    ] {
        for (section, heading) in ["money", "who", "apply", "when", "sum"]
            .iter()
            .zip(headings)
        {
            let data = format!("sec:ess:{section}{lang}");
            let (_, edits) = press(f, 2101, id, &data, 1).await;
            let shown = edits.last().unwrap();
            if *section == "sum" {
                assert!(shown.text().contains("📅"), "{data}: {}", shown.text());
            } else {
                assert!(shown.text().contains(heading), "{data}: {}", shown.text());
            }
            assert!(
                shown.callback_data().iter().all(|d| d.ends_with(lang)),
                "{data}: {:?}",
                shown.callback_data()
            );
        }
    }
    // A Chinese short answer stays within 600 characters.
    let zh = ask_zh(f, 2102, "ESS 點樣申請？", 1).await;
    assert!(zh.text().contains("📝"), "{}", zh.text());
    assert!(zh.text().chars().count() <= 650, "{}", zh.text());
    let (gone, _) = press(f, 2101, id, "sec:no-such-scheme:money;en", 0).await;
    assert!(gone.text().contains("no longer listed"), "{}", gone.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comparisons_get_a_compare_card_in_every_script() {
    let h = harness().await;
    let f = &h.fake;
    let en = ask(f, 2201, "TVP vs TSSSU", 1).await;
    assert!(en.text().contains("⚖️ TVP vs TSSSU"), "{}", en.text());
    for field in [
        "Who can apply",
        "Money and matching",
        "Status and dates",
        "Responsible body",
    ] {
        assert!(en.text().contains(field), "{field}: {}", en.text());
    }
    assert!(en.callback_data().contains(&"s:tvp;en".to_owned()));
    assert!(en.callback_data().contains(&"s:tsssu;en".to_owned()));
    let hant = ask_zh(f, 2202, "NIFS同NIAS有咩分別？", 1).await;
    assert!(hant.text().contains("⚖️ NIFS vs NIAS"), "{}", hant.text());
    assert!(hant.text().contains("負責機構"), "{}", hant.text());
    let hans = ask_zh(f, 2203, "RAISe+和TSSSU有什么区别？", 1).await;
    assert!(hans.text().contains("负责机构"), "{}", hans.text());
    // Across turns: "how does it compare to NIFS?" compares the last scheme with NIFS.
    ask(f, 2204, "What's NIAS?", 1).await;
    let across = ask(f, 2204, "How does it compare to NIFS?", 2).await;
    assert!(
        across.text().contains("⚖️ NIAS vs NIFS"),
        "{}",
        across.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_walks_two_button_steps_to_a_ranked_list_with_reasons() {
    let h = harness().await;
    let f = &h.fake;
    let start = ask(f, 2301, "/match", 1).await;
    assert!(start.text().contains("Step 1 of 2"), "{}", start.text());
    assert!(start.callback_data().contains(&"m:student;en".to_owned()));
    let id = the_message_id(&start);
    let (_, edits) = press(f, 2301, id, "m:student;en", 1).await;
    assert!(
        edits[0].text().contains("Step 2 of 2"),
        "{}",
        edits[0].text()
    );
    assert!(
        edits[0]
            .callback_data()
            .contains(&"m:student:*;en".to_owned()),
        "{:?}",
        edits[0].callback_data()
    );
    let (_, edits) = press(f, 2301, id, "m:student:internship;en", 1).await;
    let result = edits[0].text();
    assert!(result.contains("STEM Internship Scheme"), "{result}");
    assert!(
        result.contains("your university applies for you"),
        "{result}"
    );
    // A question that says who is asking skips step one.
    let phd = ask(
        f,
        2302,
        "I'm a PhD student, which schemes can I apply for?",
        1,
    )
    .await;
    assert!(!phd.text().contains("Step 1"), "{}", phd.text());
    assert!(phd.text().contains("applies for you"), "{}", phd.text());
    assert!(!phd.text().contains("Technology Voucher"), "{}", phd.text());
    let individual = ask_zh(f, 2303, "我是个人可以申请什么", 1).await;
    assert!(
        individual.text().contains("个人可直接申请"),
        "{}",
        individual.text()
    );
    let (stale, _) = press(f, 2301, id, "m:astronaut;en", 0).await;
    assert!(stale.text().contains("expired"), "{}", stale.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_talk_is_answered_kindly_in_the_users_language() {
    let h = harness().await;
    let f = &h.fake;
    for (chat, text, expect) in [
        (2401, "hi", "Hello!"),
        (2402, "thanks!", "You're welcome"),
        (2403, "are you a human?", "not a person"),
        (2404, "唔該晒", "不用客氣"),
        (2405, "谢谢", "不用客气"),
        (2406, "拜拜", "再見"),
    ] {
        let r = if text.is_ascii() {
            ask(f, chat, text, 1).await
        } else {
            ask_zh(f, chat, text, 1).await
        };
        assert!(r.text().contains(expect), "{text}: {}", r.text());
        assert!(!r.text().contains("couldn't find"), "{text}: {}", r.text());
        assert!(!r.text().contains("找不到"), "{text}: {}", r.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captions_are_questions() {
    let h = harness().await;
    h.fake.push_update(tg::update(
        "message",
        tg::message(
            2501,
            2501,
            Some("en"),
            json!({
                "photo": [{"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}],
                "caption": "Who can apply for TechTAS?",
            }),
        ),
    ));
    let r = replies(&h.fake, 2501, 1).await.remove(0);
    assert!(r.text().contains("TechTAS"), "{}", r.text());
    assert!(r.text().contains("👥"), "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbs_down_and_unanswered_questions_reach_the_gaps_log_without_chat_ids() {
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut cmd = serve_command(Some(fake.url()), data.path(), &[]);
    cmd.env("SCHEMEBOT_ADMINS", "2699");
    let bot = BotProcess::spawn(cmd);
    let f = &fake;
    // Two people ask what the bot cannot answer, in words that fold to the same text.
    ask(f, 2601, "How do I renew my driving licence?", 1).await;
    ask(f, 2602, "how do I renew my DRIVING licence", 1).await;
    // A 👎 asks what was missing; the next message is the comment, and is answered too.
    let tvp = ask(f, 2603, "How much is TVP?", 1).await;
    let id = the_message_id(&tvp);
    let (toast, _) = press(f, 2603, id, "fb:down:tvp;en", 0).await;
    assert!(toast.text().contains("Thanks"), "{}", toast.text());
    let prompt = replies(f, 2603, 2).await.remove(1);
    assert!(
        prompt.text().contains("What were you looking for?"),
        "{}",
        prompt.text()
    );
    assert_eq!(prompt.callback_data(), ["fbx;en"]);
    let noted = ask(f, 2603, "the current voucher for my shop's POS system", 3).await;
    assert!(noted.text().contains("noted"), "{}", noted.text());
    // 👍 is thanked with a toast only.
    let (up, _) = press(f, 2603, id, "fb:up:tvp;en", 0).await;
    assert!(up.text().contains("Thanks"), "{}", up.text());
    // Non-admins may not read the log; admins may.
    let refused = ask(f, 2604, "/gaps", 1).await;
    assert!(
        !refused.text().contains("driving licence"),
        "{}",
        refused.text()
    );
    let report = ask(f, 2699, "/gaps", 1).await;
    let text = report.text();
    assert!(text.contains("2× "), "{text}");
    assert!(text.contains("renew my"), "{text}");
    assert!(text.contains("1 👎"), "{text}");
    assert!(text.contains("POS system"), "{text}");
    assert!(
        !text.contains("2601") && !text.contains("2603"),
        "no chat ids: {text}"
    );
    drop(bot);
    // The same report on the command line.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemebot"))
        .args(["gaps", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("renew my"), "{stdout}");
    assert!(
        stdout.contains("offered tvp") || stdout.contains("👎"),
        "{stdout}"
    );
    // Nothing of the log names a chat.
    let db = rusqlite::Connection::open(data.path().join("schemebot.db")).unwrap();
    let columns: Vec<String> = db
        .prepare("SELECT name FROM pragma_table_info('gaps')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        !columns
            .iter()
            .any(|c| c.contains("chat") || c.contains("user")),
        "{columns:?}"
    );
}
