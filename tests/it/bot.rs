//! The Telegram bot end to end: the real `schemebot serve` binary, with its own data folder,
//! polling a fake Bot API ([`crate::support::fake_api`]) started by each test. Tests push
//! updates, wait (with a deadline, never a fixed sleep) for the calls the bot makes, and assert
//! on them exactly.
//!
//! The production stack throttles sends to one message per second per chat, as Telegram asks,
//! so independent steps use different chats and run concurrently; the index is built once per
//! test run in Cargo's temporary folder and shared read-only by every bot process.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::engine::corpus_dir;
use crate::support::fake_api::{self as tg, BOT_USERNAME, Call, FakeApi};
use crate::support::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_welcomes_in_the_users_language_and_publishes_the_command_menu() {
    let h = harness().await;
    h.fake.push_update(tg::text_in(101, Some("en"), "/start"));
    h.fake
        .push_update(tg::text_in(102, Some("zh-hk"), "/start"));
    h.fake
        .push_update(tg::text_in(103, Some("zh-cn"), "/start"));
    h.fake.push_update(tg::text_in(104, None, "/START"));

    let en = reply(&h.fake, 101).await;
    assert!(
        en.text().contains("Hong Kong innovation and technology"),
        "{}",
        en.text()
    );
    assert_eq!(en.body["parse_mode"], "HTML");
    assert_eq!(en.callback_data(), ["cat;en", "lang;en"]);
    let hant = reply(&h.fake, 102).await;
    assert!(
        hant.text().contains("你好！我可以解答香港創新科技"),
        "{}",
        hant.text()
    );
    assert_eq!(hant.callback_data(), ["cat;zh-hant", "lang;zh-hant"]);
    let hans = reply(&h.fake, 103).await;
    assert!(
        hans.text().contains("你好！我可以解答香港创新科技"),
        "{}",
        hans.text()
    );
    assert!(
        reply(&h.fake, 104)
            .await
            .text()
            .contains("Hong Kong innovation and technology")
    );

    let menus: Vec<Call> = h
        .fake
        .calls()
        .into_iter()
        .filter(|c| c.is("setmycommands"))
        .collect();
    assert_eq!(menus.len(), 2, "{menus:#?}");
    assert!(menus.iter().all(|c| c.ok));
    let names = |c: &Call| -> Vec<String> {
        c.body["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["command"].as_str().unwrap().to_owned())
            .collect()
    };
    let expected = [
        "start",
        "help",
        "schemes",
        "scheme",
        "match",
        "funding",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "lang",
        "about",
    ];
    assert_eq!(names(&menus[0]), expected);
    assert_eq!(menus[0].body.get("language_code"), None);
    assert_eq!(
        menus[0].body["commands"][2]["description"],
        "Browse schemes by category"
    );
    assert_eq!(names(&menus[1]), expected);
    assert_eq!(menus[1].body["language_code"], "zh");
    assert_eq!(
        menus[1].body["commands"][2]["description"],
        "按類別瀏覽計劃"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_link_opens_its_scheme() {
    let h = harness().await;
    h.fake.push_update(tg::text(201, "/start techtas"));
    let card = reply(&h.fake, 201).await;
    assert!(
        card.text()
            .contains("<b>Technology Talent Admission Scheme (TechTAS)</b>"),
        "{}",
        card.text()
    );
    assert_eq!(
        card.urls(),
        ["https://www.itc.gov.hk/en/fund_app/techtas/techtas_faq.html"]
    );
    assert_eq!(card.callback_data(), ["sub:s:techtas;en", "cat:talent;en"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_says_what_to_ask() {
    let h = harness().await;
    h.fake.push_update(tg::text(211, "/help"));
    let help = reply(&h.fake, 211).await;
    for expected in [
        "<b>How to use me</b>",
        "Who can apply for TechTAS?",
        "/schemes",
        "/scheme &lt;name&gt;",
        "@schemebot_test_bot",
    ] {
        assert!(
            help.text().contains(expected),
            "{expected:?} in {}",
            help.text()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsing_edits_the_message_in_place_and_answers_every_button() {
    let h = harness().await;
    h.fake.push_update(tg::text(301, "/schemes"));
    let menu = reply(&h.fake, 301).await;
    assert!(
        menu.text()
            .contains("Hong Kong I&amp;T schemes I can tell you about"),
        "{}",
        menu.text()
    );
    assert_eq!(menu.callback_data().len(), 8, "one button per category");
    assert!(menu.callback_data().contains(&"cat:talent;en".to_owned()));
    let id = the_message_id(&menu);

    let (answer, edits) = press(&h.fake, 301, id, "cat:talent;en", 1).await;
    assert_eq!(answer.body.get("text"), None);
    assert!(edits[0].text().contains("TechTAS"), "{}", edits[0].text());
    assert!(
        edits[0]
            .callback_data()
            .contains(&"s:techtas;en".to_owned())
    );
    assert_eq!(
        edits[0].callback_data().last().map(String::as_str),
        Some("cat;en")
    );

    let (_, edits) = press(&h.fake, 301, id, "s:techtas;en", 1).await;
    assert!(
        edits[0]
            .text()
            .contains("<b>Technology Talent Admission Scheme (TechTAS)</b>")
    );
    assert_eq!(
        edits[0].callback_data(),
        ["sub:s:techtas;en", "cat:talent;en"]
    );
    assert_eq!(edits[0].urls().len(), 1);

    let (_, edits) = press(&h.fake, 301, id, "cat;en", 1).await;
    assert!(
        edits[0]
            .text()
            .contains("Hong Kong I&amp;T schemes I can tell you about")
    );

    // Chinese buttons keep Chinese, whatever the user's Telegram language.
    let (_, edits) = press(&h.fake, 301, id, "cat:talent;zh-hans", 1).await;
    assert!(edits[0].text().contains("人才"), "{}", edits[0].text());
    assert!(
        edits[0]
            .callback_data()
            .contains(&"s:techtas;zh-hans".to_owned())
    );

    let (stale, _) = press(&h.fake, 301, id, "sub:techtas", 0).await;
    assert!(
        stale.text().contains("This button has expired"),
        "{}",
        stale.text()
    );
    let (gone, _) = press(&h.fake, 301, id, "s:no-such-scheme", 0).await;
    assert!(gone.text().contains("no longer listed"), "{}", gone.text());
    // A chat's updates are handled in order: once this edit is in, the stale presses are done.
    let (_, edits) = press(&h.fake, 301, id, "cat;en", 1).await;
    assert!(edits[0].text().contains("Hong Kong I&amp;T schemes"));

    let calls = h.fake.calls();
    assert_eq!(
        calls.iter().filter(|c| is_reply_to(c, 301)).count(),
        1,
        "browsing never sends new messages"
    );
    assert_eq!(
        calls.iter().filter(|c| c.is("editmessagetext")).count(),
        5,
        "stale buttons only get a notice"
    );
    assert!(
        calls.iter().filter(|c| !c.is("getupdates")).all(|c| c.ok),
        "the fake accepted every call"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheme_commands_show_one_scheme() {
    let h = harness().await;
    h.fake.push_update(tg::text(401, "/scheme techtas"));
    h.fake.push_update(tg::text(402, "/scheme_raise_plus"));
    h.fake.push_update(tg::text(403, "/scheme 科技券"));
    h.fake.push_update(tg::text(404, "/scheme"));
    h.fake
        .push_update(tg::text(405, "/scheme weather forecast"));

    assert!(
        reply(&h.fake, 401)
            .await
            .text()
            .contains("<b>Technology Talent Admission Scheme (TechTAS)</b>")
    );
    let raise = reply(&h.fake, 402).await;
    assert!(raise.text().contains("RAISe+"), "{}", raise.text());
    assert_eq!(
        raise.callback_data(),
        ["sub:s:raise-plus;en", "cat:funding;en"],
        "a follow button and a way back to its category"
    );
    let tvp = reply(&h.fake, 403).await;
    assert!(
        tvp.text().contains("<b>科技券計劃 (TVP)</b>"),
        "a name in Chinese gets a Chinese card: {}",
        tvp.text()
    );
    assert!(
        reply(&h.fake, 404)
            .await
            .text()
            .contains("Send /scheme and a scheme's name")
    );
    assert!(
        reply(&h.fake, 405)
            .await
            .text()
            .contains("Sorry, I couldn't find")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn funding_lists_schemes_by_money_largest_first() {
    let corpus = schemebot::corpus::Corpus::load(&corpus_dir()).expect("the corpus loads");
    let mut expected: Vec<(u64, &str)> = corpus
        .schemes
        .iter()
        .filter(|s| s.status != schemebot::corpus::Status::Closed)
        .filter_map(|s| s.money.headline().map(|m| (m, s.id.as_str())))
        .collect();
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    assert!(expected.len() > 3);
    let closed: Vec<&str> = corpus
        .schemes
        .iter()
        .filter(|s| s.status == schemebot::corpus::Status::Closed)
        .map(|s| s.id.as_str())
        .collect();
    assert!(closed.contains(&"tvp"), "the Technology Voucher is closed");

    let h = harness().await;
    h.fake.push_update(tg::text(501, "/funding"));
    let calls = h
        .fake
        .wait_for(
            |c| {
                c.iter()
                    .any(|c| is_reply_to(c, 501) && c.text().contains("Check the official page"))
            },
            STEP,
        )
        .await;
    let text: String = calls
        .iter()
        .filter(|c| c.ok && is_reply_to(c, 501))
        .map(Call::text)
        .collect();
    assert!(text.contains("💰 Schemes by money, largest figure first"));
    let positions: Vec<usize> = expected
        .iter()
        .map(|(_, id)| {
            let command = format!("/scheme_{}\n", id.replace('-', "_"));
            text.find(&command)
                .unwrap_or_else(|| panic!("{command:?} missing from {text}"))
        })
        .collect();
    assert!(positions.is_sorted(), "largest first: {expected:?}\n{text}");
    assert!(text.contains("HK$10 billion"), "{text}");
    // A closed scheme's past terms never read as money on offer: it is listed by name only,
    // under its own heading after every current scheme.
    let closed_at = text
        .find("Closed to new applications")
        .expect("a heading for closed schemes");
    assert!(positions.iter().all(|&p| p < closed_at), "{text}");
    for id in closed {
        let command = format!("/scheme_{}", id.replace('-', "_"));
        assert!(
            text[closed_at..].contains(&command),
            "{command} under closed: {text}"
        );
        assert_eq!(
            text.matches(&command).count(),
            1,
            "{command} listed once: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_choice_is_kept_and_survives_a_restart() {
    let h = harness().await;
    h.fake.push_update(tg::text(601, "/lang"));
    let menu = reply(&h.fake, 601).await;
    assert!(menu.text().contains("Now: automatic"), "{}", menu.text());
    assert_eq!(
        menu.callback_data(),
        ["lang:en", "lang:zh-hant", "lang:zh-hans", "lang:auto"]
    );

    let (answer, edits) = press(&h.fake, 601, the_message_id(&menu), "lang:zh-hans", 1).await;
    assert_eq!(answer.text(), "✅ 我会用简体中文回复。");
    assert!(edits[0].text().contains("我会用简体中文回复"));

    // An English question now gets a Simplified answer.
    h.fake
        .push_update(tg::text(601, "How do I apply for TechTAS?"));
    let replies_now = replies(&h.fake, 601, 2).await;
    assert!(
        replies_now[1].text().contains("科技人才入境计划"),
        "{}",
        replies_now[1].text()
    );

    let Harness { fake, bot, data } = h;
    let (status, _) = bot.terminate().await;
    assert_eq!(status.code(), Some(0));
    let _restarted = BotProcess::start(&fake, data.path(), &[]);
    fake.push_update(tg::text(601, "/help"));
    let after = replies(&fake, 601, 3).await;
    assert!(after[2].text().contains("问题示例"), "{}", after[2].text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_database_stops_start_up_with_a_clear_error_and_is_kept() {
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("schemebot.db");
    let garbage = b"this is not a database, but it may be somebody's data".repeat(100);
    std::fs::write(&db, &garbage).unwrap();
    let mut bot = BotProcess::start(&fake, data.path(), &[]);
    let deadline = tokio::time::Instant::now() + STEP;
    while bot.is_running() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot should refuse to start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = bot.child.wait().unwrap();
    assert_eq!(status.code(), Some(65), "not our database: a data error");
    let log = bot.log();
    assert!(
        log.contains("schemebot.db") && log.contains("not a"),
        "{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        garbage,
        "the file is left as it was"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_in_each_language_name_the_right_scheme() {
    let h = harness().await;
    h.fake.push_update(tg::text(
        701,
        "How much can I get from the Technology Voucher Programme?",
    ));
    h.fake.push_update(tg::text(702, "科技券點樣申請？"));
    h.fake.push_update(tg::text(703, "科技券怎么申请？"));
    h.fake
        .push_update(tg::text(704, "How do I apply for TechTAS?"));

    let en = reply(&h.fake, 701).await;
    assert!(
        en.text()
            .contains("<b>Technology Voucher Programme (TVP)</b>"),
        "{}",
        en.text()
    );
    assert_eq!(en.urls().len(), 1, "the official website button");
    let hant = reply(&h.fake, 702).await;
    assert!(
        hant.text().contains("<b>科技券計劃 (TVP)</b>"),
        "{}",
        hant.text()
    );
    let hans = reply(&h.fake, 703).await;
    assert!(
        hans.text().contains("<b>科技券计划 (TVP)</b>"),
        "{}",
        hans.text()
    );
    assert!(!hans.text().contains("計劃"));
    let techtas = reply(&h.fake, 704).await;
    assert!(
        techtas
            .text()
            .starts_with("<b>Technology Talent Admission Scheme (TechTAS)</b>")
    );
    // Every button (sections, alternatives, follow, 👍/👎) keeps the reply's language.
    for (call, lang) in [
        (&en, ";en"),
        (&hant, ";zh-hant"),
        (&hans, ";zh-hans"),
        (&techtas, ";en"),
    ] {
        assert!(
            call.callback_data().iter().all(|d| d.ends_with(lang)),
            "{:?}",
            call.callback_data()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_match_is_polite_in_the_questions_language() {
    let h = harness().await;
    h.fake
        .push_update(tg::text(801, "What's the weather tomorrow?"));
    h.fake.push_update(tg::text(802, "明天天氣點樣？"));
    let en = reply(&h.fake, 801).await;
    assert!(
        en.text()
            .starts_with("Sorry, I couldn't find a Hong Kong I&amp;T scheme"),
        "{}",
        en.text()
    );
    assert_eq!(en.callback_data(), ["cat;en"]);
    let zh = reply(&h.fake, 802).await;
    assert!(zh.text().starts_with("抱歉"), "{}", zh.text());
    assert_eq!(zh.callback_data(), ["cat;zh-hant"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_queries_offer_scheme_cards() {
    let h = harness().await;
    let mut ids = Vec::new();
    for (user, query) in [
        (901, "TVP"),
        (902, ""),
        (903, "weather forecast tomorrow"),
        (904, "人才計劃"),
    ] {
        let update = tg::inline_query(user, query);
        ids.push(
            update["inline_query"]["id"]
                .as_str()
                .expect("an inline query id")
                .to_owned(),
        );
        h.fake.push_update(update);
    }
    let calls = h
        .fake
        .wait_for(
            |c| c.iter().filter(|c| c.is("answerinlinequery")).count() >= 4,
            STEP,
        )
        .await;
    let answers: Vec<&Call> = calls.iter().filter(|c| c.is("answerinlinequery")).collect();
    assert_eq!(answers.len(), 4);
    assert!(answers.iter().all(|c| c.ok), "{answers:#?}");
    let results = |query: usize| -> Vec<Value> {
        let answer = answers
            .iter()
            .find(|c| c.body["inline_query_id"] == ids[query].as_str())
            .expect("answered");
        answer.body["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let tvp = results(0);
    assert!((1..=10).contains(&tvp.len()));
    assert_eq!(tvp[0]["id"], "tvp");
    assert_eq!(tvp[0]["type"], "article");
    assert_eq!(tvp[0]["input_message_content"]["parse_mode"], "HTML");
    let card = tvp[0]["input_message_content"]["message_text"]
        .as_str()
        .unwrap_or("");
    assert!(
        card.contains("<b>Technology Voucher Programme (TVP)</b>"),
        "{card}"
    );
    assert!(
        (1..=5).contains(&results(1).len()),
        "an empty query offers a few schemes"
    );
    assert!(results(2).is_empty());
    let talent = results(3);
    assert!((2..=10).contains(&talent.len()), "{talent:#?}");
    assert!(talent.iter().any(|r| r["id"] == "techtas"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_get_answers_only_when_they_address_the_bot() {
    let h = harness().await;
    let group = -4242;
    h.fake
        .push_update(tg::group_text(group, 11, "hello everyone, lunch?"));
    h.fake
        .push_update(tg::group_text(group, 11, "/help@other_bot"));
    h.fake
        .push_update(tg::group_text(group, 11, "TVP is great"));
    let help_cmd = tg::group_text(group, 12, &format!("/help@{BOT_USERNAME}"));
    let help_id = help_cmd["message"]["message_id"].clone();
    h.fake.push_update(help_cmd);
    let help = reply(&h.fake, group).await;
    assert!(help.text().contains("How to use me"));
    assert_eq!(
        help.body["reply_parameters"]["message_id"], help_id,
        "in groups the bot replies to the message"
    );

    h.fake.push_update(tg::group_text(
        group,
        13,
        &format!("@{BOT_USERNAME} how do I apply for TechTAS?"),
    ));
    let mention = replies(&h.fake, group, 2).await;
    assert!(
        mention[1]
            .text()
            .contains("Technology Talent Admission Scheme"),
        "{}",
        mention[1].text()
    );

    let mut to_bot = tg::group_text(group, 14, "and for TVP?");
    to_bot["message"]["reply_to_message"] =
        tg::bot_message(group, the_message_id(&mention[1]), "…");
    h.fake.push_update(to_bot);
    h.fake.push_update(tg::group_text(group, 15, "thanks all"));
    h.fake.push_update(tg::group_text(group, 15, "/about"));
    let all = replies(&h.fake, group, 4).await;
    assert!(
        all[2].text().contains("Technology Voucher Programme"),
        "{}",
        all[2].text()
    );
    assert!(
        all[3].text().contains("About this bot"),
        "{}",
        all[3].text()
    );
    assert_eq!(all.len(), 4, "chatter and other bots' commands are ignored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_hint_or_is_ignored_and_the_bot_lives_on() {
    let mut h = harness().await;
    let media = [
        (
            1001,
            json!({"sticker": {"file_id": "s", "file_unique_id": "su", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "👍"}}),
        ),
        (
            1002,
            json!({"photo": [{"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}]}),
        ),
        (
            1003,
            json!({"voice": {"file_id": "v", "file_unique_id": "vu", "duration": 2, "mime_type": "audio/ogg"}}),
        ),
        (
            1004,
            json!({"location": {"latitude": 22.3, "longitude": 114.2}}),
        ),
        (
            1005,
            json!({"document": {"file_id": "d", "file_unique_id": "du", "file_name": "form.pdf"}}),
        ),
    ];
    for (chat, content) in &media {
        h.fake.push_update(tg::update(
            "message",
            tg::message(*chat, *chat, Some("en"), content.clone()),
        ));
    }
    h.fake.push_update(tg::text(1006, "🙂🙂🙂👍"));
    h.fake.push_update(tg::text(1007, " \u{200b} "));
    h.fake.push_update(tg::text(1008, &"TVP ".repeat(2500)));
    h.fake.push_update(tg::text(
        1009,
        "\u{0}\u{1}\u{2}\u{7f}\u{fffd}\u{fffd}\u{1b}",
    ));
    h.fake.push_update(tg::text(
        1014,
        "\u{1b}[0m\u{0}PK\u{3}\u{4}\u{14}\u{0}\u{8}\u{0}\u{fffd}\u{fffd}",
    ));
    h.fake
        .push_update(tg::text(1010, "<b>TVP</b> & <script>alert(1)</script>"));
    h.fake.push_update(tg::text(1011, "title:\"x\" AND ("));
    h.fake.push_update(tg::update("edited_message", {
        let mut m = tg::message(
            1012,
            1012,
            Some("en"),
            json!({"text": "How do I apply for TechTAS?"}),
        );
        m["edit_date"] = json!(m["date"]);
        m
    }));
    h.fake.push_update(tg::update(
        "channel_post",
        tg::message(-1_001_234_567_890, 1013, None, json!({"text": "/help"})),
    ));
    h.fake.push_update(tg::text(1012, "/about"));
    let mut card = tg::text(1015, "Technology Voucher Programme (TVP) ...");
    card["message"]["via_bot"] = tg::bot_user();
    h.fake.push_update(card);
    h.fake.push_update(tg::text(1015, "/about"));

    for (chat, _) in &media {
        let hint = reply(&h.fake, *chat).await;
        assert!(
            hint.text().starts_with("I can only read text"),
            "{chat}: {}",
            hint.text()
        );
    }
    for chat in [1006, 1007, 1009] {
        let hint = reply(&h.fake, chat).await;
        assert!(
            hint.text().starts_with("Please ask your question in words"),
            "{chat}: {}",
            hint.text()
        );
    }
    assert!(
        reply(&h.fake, 1008)
            .await
            .text()
            .contains("Technology Voucher Programme")
    );
    let html = reply(&h.fake, 1010).await;
    assert!(
        html.text()
            .contains("<b>Technology Voucher Programme (TVP)</b>"),
        "{}",
        html.text()
    );
    assert!(
        reply(&h.fake, 1011)
            .await
            .text()
            .starts_with("Sorry, I couldn't find")
    );
    assert!(
        reply(&h.fake, 1014)
            .await
            .text()
            .starts_with("Sorry, I couldn't find"),
        "binary with letters in it"
    );
    assert!(
        reply(&h.fake, 1012).await.text().contains("About this bot"),
        "the edit was ignored, the new message answered"
    );
    assert!(
        reply(&h.fake, 1015).await.text().contains("About this bot"),
        "a card posted through inline mode is not a question"
    );

    // Still alive: a follow-up in a chat that sent a sticker is answered.
    h.fake
        .push_update(tg::text(1001, "Who can apply for TechTAS?"));
    let follow_up = replies(&h.fake, 1001, 2).await;
    assert!(
        follow_up[1]
            .text()
            .contains("Technology Talent Admission Scheme")
    );
    assert!(h.bot.is_running());
    let calls = h.fake.calls();
    assert!(
        calls.iter().filter(|c| !c.is("getupdates")).all(|c| c.ok),
        "every call was valid for Telegram"
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.chat_id() == Some(-1_001_234_567_890)),
        "channel posts are ignored"
    );
    assert!(!h.bot.log().contains("panicked"), "{}", h.bot.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_chat_gets_one_slow_down_reply() {
    let h = harness_with(&["--flood-limit", "3/10s"]).await;
    let at = |text: &str, date: i64| {
        let mut u = tg::text(1101, text);
        u["message"]["date"] = json!(date);
        u
    };
    let start = tg::text(1101, "x")["message"]["date"].as_i64().unwrap();
    for _ in 0..6 {
        h.fake.push_update(at("TVP", start));
    }
    h.fake.push_update(tg::text(1102, "TVP"));
    // Eleven seconds later (by Telegram's clock) the chat is welcome again.
    h.fake
        .push_update(at("How do I apply for TechTAS?", start + 11));

    let flood = replies(&h.fake, 1101, 5).await;
    assert_eq!(flood.len(), 5, "{flood:#?}");
    for r in &flood[..3] {
        assert!(r.text().contains("Technology Voucher Programme"));
    }
    assert!(
        flood[3]
            .text()
            .starts_with("🐢 You are sending messages very fast"),
        "{}",
        flood[3].text()
    );
    assert!(
        flood[4]
            .text()
            .contains("Technology Talent Admission Scheme"),
        "{}",
        flood[4].text()
    );
    assert!(
        reply(&h.fake, 1102)
            .await
            .text()
            .contains("Technology Voucher Programme"),
        "other chats are unaffected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_that_telegram_rejects_is_resent_as_plain_text() {
    let h = harness().await;
    h.fake.reject_html_for(1201);
    h.fake.push_update(tg::text(1201, "/help"));
    let calls = h
        .fake
        .wait_for(|c| c.iter().any(|c| c.ok && is_reply_to(c, 1201)), STEP)
        .await;
    let attempts: Vec<&Call> = calls.iter().filter(|c| is_reply_to(c, 1201)).collect();
    assert_eq!(attempts.len(), 2, "{attempts:#?}");
    assert!(!attempts[0].ok);
    assert_eq!(attempts[0].body["parse_mode"], "HTML");
    assert_eq!(attempts[1].body.get("parse_mode"), None);
    assert!(
        attempts[1].text().starts_with("How to use me"),
        "{}",
        attempts[1].text()
    );
    assert!(
        attempts[1].text().contains("/scheme <name>"),
        "plain text is not escaped"
    );
    assert_eq!(
        attempts[1].callback_data(),
        ["cat;en"],
        "the keyboard survives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_chat_is_logged_and_other_chats_are_served() {
    let mut h = harness().await;
    h.fake
        .fail_chat(1301, 403, "Forbidden: bot was blocked by the user");
    h.fake.push_update(tg::text(1301, "TVP"));
    h.fake.push_update(tg::text(1302, "TVP"));
    assert!(
        reply(&h.fake, 1302)
            .await
            .text()
            .contains("Technology Voucher Programme")
    );
    h.fake
        .wait_for(|c| c.iter().any(|c| is_reply_to(c, 1301) && !c.ok), STEP)
        .await;
    let log = h
        .bot
        .wait_log(|l| l.contains("chat_id=1301") && l.contains("the chat is gone"))
        .await;
    assert!(log.contains("bot was blocked by the user"), "{log}");
    assert!(h.bot.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_bot_cleanly_and_the_token_is_never_logged() {
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    // The most verbose logging, to show that nothing prints the token.
    let mut cmd = serve_command(Some(fake.url()), data.path(), &[]);
    cmd.env("RUST_LOG", "trace");
    let bot = BotProcess::spawn(cmd);
    fake.push_update(tg::text(1401, "TVP"));
    reply(&fake, 1401).await;
    let (status, log) = bot.terminate().await;
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        log.contains("SIGTERM received") && log.contains("stopped"),
        "{log}"
    );
    assert!(
        !log.contains(tg::TOKEN),
        "the token leaked into the log:\n{log}"
    );
    let calls = fake.calls();
    let last = calls
        .iter()
        .rfind(|c| c.is("getupdates"))
        .expect("polling happened");
    assert_eq!(
        last.body["timeout"], 0,
        "a graceful stop confirms the last update: {:?}",
        last.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_token_is_a_one_line_error() {
    let data = tempfile::tempdir().unwrap();
    let out = serve_command(None, data.path(), &[])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "configuration: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("schemebot: TELOXIDE_TOKEN is not set"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));

    let out = serve_command(None, data.path(), &[])
        .env("TELOXIDE_TOKEN", tg::TOKEN)
        .env("TELOXIDE_API_URL", "not a url")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "configuration: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("TELOXIDE_API_URL"), "{stderr}");
}
