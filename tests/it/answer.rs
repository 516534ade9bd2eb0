//! The answer pipeline and its rendering: every reply Telegram would accept, in the right
//! language, money first when money is asked, honest "no match".

use schemebot::answer::{Context, DEFAULT_LIMIT, Remember, answer, answer_in};
use schemebot::search::Found;
use schemebot::text::Lang;
use schemebot::ui::{
    Button, CallbackData, MAX_CALLBACK_BYTES, Reply, list, no_match, render, scheme_reply,
};

use crate::support::engine::engine;
use crate::support::telegram::check_message;

/// What a chat remembers after `question` is answered on its own; panics when no scheme is.
fn context_after(question: &str) -> Context {
    let a = answer(engine(), question, None, DEFAULT_LIMIT);
    match Context::after(&a, engine().corpus()) {
        Remember::Set(context) => context,
        _ => panic!("{question}: no scheme remembered ({:?})", a.found),
    }
}

/// The id of the first scheme `found` answers with; panics, naming `question`, for any other
/// kind of answer.
fn first_scheme(found: &Found, question: &str) -> String {
    let Found::Schemes(hits) = found else {
        panic!("{question}: {found:?}");
    };
    engine().corpus().schemes[hits[0].scheme].id.clone()
}

fn reply(question: &str) -> Reply {
    render(
        &answer(engine(), question, None, DEFAULT_LIMIT),
        engine().corpus(),
    )
}

fn assert_sendable(r: &Reply) {
    assert!(!r.html.is_empty());
    for part in &r.html {
        check_message(part).unwrap_or_else(|e| panic!("{e}\n{part}"));
    }
    for b in r.buttons.iter().flatten() {
        if let Button::Callback { data, .. } = b {
            let wire = data.to_string();
            assert!(wire.len() <= MAX_CALLBACK_BYTES, "{wire}");
            assert_eq!(CallbackData::parse(&wire).as_ref(), Some(data), "{wire}");
        }
    }
}

#[test]
fn every_scheme_card_is_sendable_in_every_language() {
    for s in &engine().corpus().schemes {
        for lang in [Lang::En, Lang::ZhHant, Lang::ZhHans] {
            let r = scheme_reply(s, engine().corpus(), lang);
            assert_sendable(&r);
            assert!(r.plain.contains(&s.url), "{} has its link", s.id);
        }
    }
}

#[test]
fn lists_and_no_match_are_sendable() {
    for lang in [Lang::En, Lang::ZhHant, Lang::ZhHans] {
        assert_sendable(&list(engine().corpus(), None, lang));
        for c in schemebot::corpus::Category::ALL {
            assert_sendable(&list(engine().corpus(), Some(c), lang));
        }
        assert_sendable(&no_match(lang));
    }
}

#[test]
fn the_reply_language_follows_the_question() {
    let en = reply("How do I apply for TechTAS?");
    assert!(
        en.plain.starts_with("Technology Talent Admission Scheme"),
        "{}",
        en.plain
    );
    let hant = reply("TechTAS 點樣申請？");
    assert!(hant.plain.starts_with("科技人才入境計劃"), "{}", hant.plain);
    let hans = reply("科技人才入境计划怎么申请？");
    assert!(hans.plain.starts_with("科技人才入境计划"), "{}", hans.plain);
    assert!(
        !hans.plain.contains("計劃"),
        "Simplified throughout: {}",
        hans.plain
    );
}

#[test]
fn money_questions_lead_with_the_figures() {
    let r = reply("How much can I get from the Technology Voucher Programme?");
    // The card's sections start with these marks; the money one comes first.
    let first_section = r
        .plain
        .split("\n\n")
        .find(|p| ["💰", "👥", "📝", "📅"].iter().any(|m| p.starts_with(m)))
        .unwrap_or_default();
    assert!(first_section.starts_with("💰"), "{}", r.plain);
    assert!(first_section.contains("HK$600,000"), "{first_section}");
    let zh = reply("科技券最多資助幾多錢？");
    let first_section = zh
        .plain
        .split("\n\n")
        .find(|p| ["💰", "👥", "📝", "📅"].iter().any(|m| p.starts_with(m)))
        .unwrap_or_default();
    assert!(first_section.contains("港幣60萬元"), "{}", zh.plain);
}

#[test]
fn out_of_domain_questions_get_an_honest_no_match() {
    for q in ["what's the weather tomorrow", "點樣申請公屋", "asdf", ""] {
        let a = answer(engine(), q, None, DEFAULT_LIMIT);
        assert_eq!(a.found, Found::Nothing, "{q}");
    }
    // A greeting is small talk, answered kindly, never with the no-match text.
    let a = answer(engine(), "hello", None, DEFAULT_LIMIT);
    assert!(matches!(a.found, Found::SmallTalk(_)), "{:?}", a.found);
    assert!(!reply("hello").plain.contains("couldn't find"));
    let r = reply("點樣申請公屋");
    assert!(r.plain.contains("抱歉"), "{}", r.plain);
    assert!(
        r.plain.contains("1823") && !r.plain.contains("3655 5678"),
        "{}",
        r.plain
    );
}

/// "How much?" as a first question asks which scheme is meant; someone else's programme still
/// gets the no-match reply, and after an answer the same question is a follow-up.
#[test]
fn a_question_about_no_scheme_asks_which_scheme() {
    for (q, lang) in [
        ("幾多錢？", "哪個計劃"),
        ("how do I apply?", "Which scheme"),
        ("怎么申请？", "哪个计划"),
    ] {
        let a = answer(engine(), q, None, DEFAULT_LIMIT);
        assert_eq!(a.found, Found::Nothing, "{q}");
        assert!(a.asks_which_scheme, "{q}");
        let r = reply(q);
        assert!(r.plain.contains(lang), "{}", r.plain);
        assert!(
            !r.plain.contains("couldn't find") && !r.plain.contains("抱歉"),
            "{}",
            r.plain
        );
    }
    for q in ["點樣申請公屋", "what's the weather tomorrow"] {
        assert!(
            !answer(engine(), q, None, DEFAULT_LIMIT).asks_which_scheme,
            "{q}"
        );
    }
}

/// A Mainland place's own support is not ours; a Mainland place where the asker merely is, is
/// no reason to refuse.
#[test]
fn a_mainland_place_giving_support_is_not_ours() {
    for q in ["深圳前海對港青創業有咩補貼？", "南山区政府有什么人才补贴？"]
    {
        let a = answer(engine(), q, None, DEFAULT_LIMIT);
        assert_eq!(a.found, Found::Nothing, "{q}");
    }
    for q in [
        "我在深圳做研发，想来香港工作，有什么计划？",
        "我哋喺前海有間公司，想喺香港請研發人員，有冇資助？",
    ] {
        let a = answer(engine(), q, None, DEFAULT_LIMIT);
        assert!(matches!(a.found, Found::Schemes(_)), "{q}: {:?}", a.found);
    }
}

#[test]
fn user_text_is_never_query_syntax_and_never_breaks_html() {
    for q in [
        r#"title:"TVP" AND (ESS OR *)"#,
        "<b>TechTAS</b> & <script>",
        "科技券 ~2 ^3 -ESS +TVP",
        &"TVP ".repeat(3000),
        "\u{0}\u{1}\u{7f}\u{fffd} binary?",
        "😀😀😀",
    ] {
        let a = answer(engine(), q, None, DEFAULT_LIMIT);
        assert_sendable(&render(&a, engine().corpus()));
    }
    let a = answer(
        engine(),
        r#"title:"TVP" AND (ESS OR *)"#,
        None,
        DEFAULT_LIMIT,
    );
    // "TVP … ESS OR …" names two schemes with "or": a compare card is a fair reading.
    assert!(
        matches!(a.found, Found::Schemes(_) | Found::Compare(_)),
        "{:?}",
        a.found
    );
}

#[test]
fn an_explicit_language_wins() {
    let a = answer(
        engine(),
        "TechTAS 點樣申請？",
        Some(Lang::En),
        DEFAULT_LIMIT,
    );
    let r = render(&a, engine().corpus());
    assert!(
        r.plain.starts_with("Technology Talent Admission Scheme"),
        "{}",
        r.plain
    );
}

#[test]
fn a_comparison_is_a_compare_card_with_a_button_per_scheme() {
    let r = reply("NIAS 同 NIFS 有咩分別？");
    let callbacks: Vec<String> = r
        .buttons
        .iter()
        .flatten()
        .filter_map(|b| match b {
            Button::Callback { data, .. } => {
                Some(CallbackData::new(data.action.clone()).to_string())
            }
            Button::Url { .. } => None,
        })
        .collect();
    assert!(callbacks.iter().any(|d| d == "s:nifs"), "{callbacks:?}");
    assert!(callbacks.iter().any(|d| d == "s:nias"), "{callbacks:?}");
    assert!(r.plain.starts_with("⚖️ NIAS vs NIFS"), "{}", r.plain);
    for field in ["👥", "💰", "📅", "🏛"] {
        assert!(r.plain.contains(field), "{field}: {}", r.plain);
    }
}

#[test]
fn two_programmes_of_one_scheme_are_compared_in_its_own_words() {
    for q in [
        "what's the difference between CCMF and CIP?",
        "Incu-Tech 同 Incu-App 有咩分別？",
        // The second name with the opening both share left out.
        "數碼港創意微型基金同培育計劃有咩分別？",
        "Cyberport micro fund vs incubation programme",
    ] {
        let a = answer(engine(), q, None, DEFAULT_LIMIT);
        let Found::Compare(schemes) = &a.found else {
            panic!("{q}: {:?}", a.found);
        };
        assert_eq!(schemes.len(), 1, "{q}");
    }
    let r = reply("what's the difference between CCMF and CIP?");
    assert!(r.plain.contains("👥 Who can apply"), "{}", r.plain);
    assert!(
        r.plain.contains("individuals cannot apply to CIP"),
        "{}",
        r.plain
    );
    // One scheme named once, with a compare word, and nothing to compare it with: its answer.
    let a = answer(engine(), "is TVP better?", None, DEFAULT_LIMIT);
    assert!(matches!(a.found, Found::Schemes(_)), "{:?}", a.found);
}

#[test]
fn every_compare_card_within_one_scheme_fits_a_short_answers_budget() {
    use schemebot::ui::{budget, compare};
    let corpus = engine().corpus();
    for i in 0..corpus.schemes.len() {
        for lang in [Lang::En, Lang::ZhHant, Lang::ZhHans] {
            let r = compare(corpus, &[i], lang);
            assert_sendable(&r);
            let chars = r.plain.chars().count();
            assert!(
                chars <= budget(lang),
                "{}: {chars}\n{}",
                corpus.schemes[i].id,
                r.plain
            );
        }
    }
}

#[test]
fn every_short_answer_of_every_scheme_fits_its_budget_and_telegrams_rules() {
    use schemebot::ui::{Section, brief, budget};
    let corpus = engine().corpus();
    for scheme in &corpus.schemes {
        for lang in [Lang::En, Lang::ZhHant, Lang::ZhHans] {
            for section in Section::ALL {
                let r = brief(scheme, section, corpus, lang);
                assert_sendable(&r);
                if section != Section::Full {
                    let chars = r.plain.chars().count();
                    assert!(
                        chars <= budget(lang),
                        "{} {section:?} {lang:?}: {chars} characters\n{}",
                        scheme.id,
                        r.plain
                    );
                    assert_eq!(r.html.len(), 1, "one message: {}", scheme.id);
                }
            }
        }
    }
    // Answers with "you may also mean…" too.
    for line in include_str!("questions.tsv").lines() {
        let Some(q) = line.split('\t').nth(2) else {
            continue;
        };
        let a = answer(engine(), q, None, DEFAULT_LIMIT);
        if matches!(a.found, Found::Schemes(_)) {
            let r = render(&a, corpus);
            let chars = r.plain.chars().count();
            assert!(
                chars <= budget(a.lang),
                "{q}: {chars} characters\n{}",
                r.plain
            );
        }
    }
}

#[test]
fn a_structured_request_wins_over_the_words_around_it() {
    // Written for this test, not taken from the question set: "what can I apply for" with
    // "right now" is the open list, not the /match steps; a word of the phrase set that the
    // longest phrase found leaves out ("soon") does not turn a deadline list into a search.
    let cases = [
        (
            "Which schemes can I apply for at the moment, right now?",
            "list:open",
        ),
        ("any deadlines coming up soon?", "list:sort=deadline"),
    ];
    for (question, key) in cases {
        let a = answer(engine(), question, None, DEFAULT_LIMIT);
        match &a.found {
            Found::Filtered(f) => assert_eq!(f.key(), key, "{question}"),
            other => panic!("{question}: {other:?}"),
        }
    }
}

#[test]
fn a_follow_up_that_only_says_who_asks_or_points_back_stays_on_the_scheme() {
    for (first, then) in [
        (
            "數碼港的人工智能超算中心算力補貼多少？",
            "那初创企业呢？也可以申请吗？",
        ),
        (
            "What was the funding ratio under the Technology Voucher Programme?",
            "And can I still use it?",
        ),
    ] {
        let context = context_after(first);
        let b = answer_in(engine(), then, None, DEFAULT_LIMIT, Some(&context));
        assert_eq!(first_scheme(&b.found, then), context.schemes[0], "{then}");
        assert!(b.follow_up, "{then}");
    }
}

#[test]
fn in_a_chat_a_list_word_without_a_word_for_schemes_asks_about_the_scheme() {
    let then = "Which industries qualify?";
    // On its own, the question browses a category of schemes.
    let alone = answer(engine(), then, None, DEFAULT_LIMIT);
    assert!(matches!(alone.found, Found::List(_)), "{:?}", alone.found);
    let context = context_after("What is the New Industrialisation Acceleration Scheme?");
    assert_eq!(context.schemes, ["nias"]);
    let b = answer_in(engine(), then, None, DEFAULT_LIMIT, Some(&context));
    assert_eq!(first_scheme(&b.found, then), "nias");
    // A word for schemes still browses them.
    let c = answer_in(
        engine(),
        "Which talent schemes are there?",
        None,
        DEFAULT_LIMIT,
        Some(&context),
    );
    assert!(
        matches!(c.found, Found::List(_) | Found::Filtered(_)),
        "{:?}",
        c.found
    );
}

#[test]
fn in_a_chat_a_fairly_likely_new_subject_is_answered_not_refused() {
    let then =
        "OK. We also want to send two engineers on a PLC automation course. Any help for that?";
    let context = context_after(
        "Under the Technology Voucher Programme, how much could one company get in total?",
    );
    let b = answer_in(engine(), then, None, DEFAULT_LIMIT, Some(&context));
    assert_eq!(first_scheme(&b.found, then), "nittp");
}

#[test]
fn of_two_schemes_named_one_said_to_be_gone_sets_the_scene() {
    for (question, expected) in [
        (
            "Now that the tech voucher is gone, can BUD pay for our new system?",
            "bud-fund",
        ),
        ("科技券冇咗，BUD可唔可以資助我哋買ERP？", "bud-fund"),
        (
            "科技券取消了，数码转型支援先导计划适合我的餐厅吗？",
            "dtspp",
        ),
        // Without such words, the closed scheme that fits the words best stays first.
        (
            "Can BUD and the tech voucher both pay for one system?",
            "tvp",
        ),
    ] {
        let a = answer(engine(), question, None, DEFAULT_LIMIT);
        assert_eq!(first_scheme(&a.found, question), expected, "{question}");
    }
}

#[test]
fn a_follow_up_about_today_after_a_renamed_scheme_is_about_its_successor() {
    let context = context_after("再工業化及科技培訓計劃係咩？");
    assert_eq!(context.schemes, ["rttp"]);
    for (then, expected) in [
        ("现在公司每年最多能报销多少？", "nittp"),
        ("咁改咗名之後嘅新計劃，上限係幾多？", "nittp"),
        // The past set against today asks about the old terms; "still" asks about the old name.
        ("以前是政府出三分之二，现在还是这样吗？", "rttp"),
        ("仲有冇得報？", "rttp"),
    ] {
        let b = answer_in(engine(), then, None, DEFAULT_LIMIT, Some(&context));
        assert_eq!(first_scheme(&b.found, then), expected, "{then}");
    }
}

#[test]
fn a_name_inside_a_longer_official_name_names_that_scheme_when_the_words_fit_it() {
    // "InnoHK" is part of the third cluster's official names; its own words (energy,
    // materials) make it the one asked about, and InnoHK alone stays InnoHK. An alias strand
    // ("TechTAS-NIAS") does not make NIAS a name of TechTAS.
    for (question, expected) in [
        (
            "Tell me about the new InnoHK cluster for energy and advanced materials",
            "innohk-third-cluster",
        ),
        (
            "InnoHK 新平台研究能源同材料，幾時公布？",
            "innohk-third-cluster",
        ),
        ("What does InnoHK do?", "innohk"),
        ("InnoHK有幾多間實驗室？", "innohk"),
        ("Can a Mainland company apply to NIAS?", "nias"),
    ] {
        let a = answer(engine(), question, None, DEFAULT_LIMIT);
        let Found::Schemes(hits) = &a.found else {
            panic!("{question}: {:?}", a.found);
        };
        assert_eq!(
            engine().corpus().schemes[hits[0].scheme].id,
            expected,
            "{question}"
        );
    }
}

#[test]
fn a_project_above_a_schemes_minimum_cost_is_evidence_for_it() {
    // nias: projects of HK$150 million and up; nifs: the smaller production lines.
    let a = answer(
        engine(),
        "内地企业赴港建智能工厂，总投资三亿港元，政府能补贴多少？",
        None,
        DEFAULT_LIMIT,
    );
    let ids: Vec<&str> = match &a.found {
        Found::Schemes(hits) | Found::Suggestions(hits) => hits
            .iter()
            .map(|h| engine().corpus().schemes[h.scheme].id.as_str())
            .collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(ids.first(), Some(&"nias"), "{ids:?}");
}

#[test]
fn a_long_name_with_one_wrong_character_is_still_named() {
    let corpus = engine().corpus();
    let top = |q: &str| match answer(engine(), q, None, DEFAULT_LIMIT).found {
        Found::Schemes(hits) => Some(corpus.schemes[hits[0].scheme].id.clone()),
        _ => None,
    };
    // 加數 sounds like 加速 in Cantonese.
    assert_eq!(top("新型工業加數計劃點申請").as_deref(), Some("nias"));
    assert_eq!(top("enterprize suport scheme").as_deref(), Some("ess"));
    // The first character must be right: 優秀人才入境計劃 is another scheme than 科技人才入境計劃.
    assert_ne!(top("優秀人才入境計劃點申請").as_deref(), Some("techtas"));
}

#[test]
fn a_money_answer_about_a_scheme_between_rounds_says_so_first() {
    // DTSPP's first round has ended and the next is not announced (corpus status).
    let r = reply("how much can my restaurant get from the DTSPP?");
    let status = r.plain.find("📅").expect("a status line");
    let money = r.plain.find("💰").expect("the money section");
    assert!(status < money, "{}", r.plain);
    assert!(r.plain.contains("not announced"), "{}", r.plain);
    // An open scheme's money answer has no such line.
    let r = reply("how much can a company get from TechTAS?");
    assert!(!r.plain.contains("📅"), "{}", r.plain);
}

#[test]
fn a_programme_that_is_not_ours_is_said_so_beside_the_answer() {
    // "TTPS vs QMAS": the answer is about TTPS, and says it has nothing on QMAS.
    let a = answer(engine(), "TTPS vs QMAS", None, DEFAULT_LIMIT);
    assert!(
        matches!(a.found, Found::Schemes(_) | Found::Compare(_)),
        "{:?}",
        a.found
    );
    assert_eq!(a.not_covered, vec!["QMAS".to_owned()]);
    let r = reply("TTPS vs QMAS");
    assert!(
        r.plain.starts_with("I cover only Hong Kong I&T schemes"),
        "{}",
        r.plain
    );
    assert!(r.plain.contains("QMAS") && r.plain.contains("1823"));
    assert_sendable(&r);
    // Traditional and Simplified spellings of one programme are named once.
    let r = reply("優才計劃同科技人才入境計劃邊個好？");
    assert!(
        r.plain
            .starts_with("我只解答香港創科計劃，沒有優才計劃的資料"),
        "{}",
        r.plain
    );
    // A question naming only our schemes gets no such line.
    assert!(
        answer(engine(), "TTPS vs TechTAS", None, DEFAULT_LIMIT)
            .not_covered
            .is_empty()
    );
    // A service mentioned in passing is not set beside the scheme asked about.
    assert!(
        answer(
            engine(),
            "公司有個同事未攞到永久居民身份證，佢可唔可以用政府嗰個科技培訓資助去讀課程？",
            None,
            DEFAULT_LIMIT
        )
        .not_covered
        .is_empty()
    );
    // Nothing matched: the no-match reply already points to 1823.
    assert!(
        answer(engine(), "what is QMAS", None, DEFAULT_LIMIT)
            .not_covered
            .is_empty()
    );
}

#[test]
fn an_open_now_list_says_how_fresh_each_status_is() {
    let r = reply("which schemes are open now?");
    let items: Vec<&str> = r.plain.lines().filter(|l| l.starts_with('•')).collect();
    assert!(!items.is_empty(), "{}", r.plain);
    for line in items {
        assert!(line.contains("status as of 20"), "{line}");
    }
    assert!(reply("哪些計劃現在可以申請？").plain.contains("狀況截至20"));
}

#[test]
fn a_closed_schemes_short_answer_names_where_to_go_now() {
    let r = reply("What replaced the tech voucher?");
    assert!(r.plain.contains("Where to look now:"), "{}", r.plain);
    assert!(
        r.plain.contains("(DTSPP)") && r.plain.contains("(NITTP)"),
        "{}",
        r.plain
    );
    assert!(
        reply("科技券冇咗，有咩可以代替？")
            .plain
            .contains("現在可改為參考：")
    );
    // An open scheme's answer has no such line.
    assert!(!reply("What is ESS?").plain.contains("Where to look now"));
}

#[test]
fn who_is_asking_right_after_what_can_i_apply_for_answers_that_step() {
    let corpus = engine().corpus();
    let first = answer_in(engine(), "What can I apply for?", None, DEFAULT_LIMIT, None);
    assert_eq!(first.found, Found::Match);
    let Remember::Set(context) = Context::after(&first, corpus) else {
        panic!("the match step leaves a context");
    };
    let next = answer_in(
        engine(),
        "restaurant owner",
        None,
        DEFAULT_LIMIT,
        Some(&context),
    );
    assert!(
        matches!(&next.found, Found::Filtered(f) if f.applicant == Some("sme")),
        "{:?}",
        next.found
    );
    // Without that step before it, the same words find nothing sure.
    let alone = answer(engine(), "restaurant owner", None, DEFAULT_LIMIT);
    assert!(
        !matches!(alone.found, Found::Filtered(_)),
        "{:?}",
        alone.found
    );
}

#[test]
fn a_comparison_whose_two_sides_are_both_described_is_a_compare_card() {
    let corpus = engine().corpus();
    for q in [
        "Cyberport 同 科學園 嘅培育計劃有咩分別？",
        "数码港和科学园的孵化计划有什么区别",
    ] {
        let a = answer(engine(), q, None, DEFAULT_LIMIT);
        let Found::Compare(set) = &a.found else {
            panic!("{q}: {:?}", a.found);
        };
        let ids: Vec<&str> = set.iter().map(|&i| corpus.schemes[i].id.as_str()).collect();
        assert!(
            ids.contains(&"cyberport-incubation") && ids.contains(&"hkstp-incubation"),
            "{q}: {ids:?}"
        );
    }
}
