//! Wording that is right in every language (issue 11, item 7): the enquiry contact of each
//! scheme's own body, money lines in the reader's language, Simplified replies in standard written
//! Chinese, English counts and verbs that agree.
//!
//! The rules are those of `schemebot::text::wording`, applied to replies:
//! - a **money line** is a line of a card's 💰 section (with the money intent, so the structured
//!   figures and ratios are shown), a line of `/funding` naming a figure, or a notice's line for a
//!   money field; in Chinese it holds no Latin-letter word other than an acronym (two or more
//!   capitals, or one capital alone), a word of an address (URL, domain, e-mail) or a command
//!   (`/scheme_tvp`), or a quoted name 「…」;
//! - **no Cantonese**: none of `wording::CANTONESE` (嘅 咩 冇 係 喺 哋 唔 嚟 啲 咁 噉 邊個 幾多
//!   點樣 …) in a Chinese reply;
//! - **all Simplified**: a Simplified reply is unchanged by converting it to Simplified again;
//! - in both rules, the schemes' own names, acronyms and aliases (奇趣IT識多啲, BUD Fund,
//!   Incu-Bio), in the reply's script, are names and not wording, and are taken out first.

use schemebot::answer::Answer;
use schemebot::changes::{Snapshot, diff};
use schemebot::check::{Severity, check_files};
use schemebot::corpus::{Body, Bound, Category, Corpus, Partner, Ratio, Scheme};
use schemebot::search::{Filter, Found, Hit, SortBy};
use schemebot::text::wording::{cantonese_words, latin_words};
use schemebot::text::{Intent, Lang};
use schemebot::ui::{
    Reply, enquiry_line, filtered, list, no_match, notice, reminder, render, scheme_reply,
    suggestions,
};

use crate::support::engine::{GOOD_SCHEME, corpus_dir, engine};
use crate::support::fake_api::{self as tg, FakeApi};
use crate::support::harness::*;

const CHINESE: [Lang; 2] = [Lang::ZhHant, Lang::ZhHans];

fn corpus() -> &'static Corpus {
    engine().corpus()
}

/// `text` without any scheme's names, in either script: what is left is wording.
fn unnamed(text: &str) -> String {
    let mut names: Vec<String> = corpus()
        .schemes
        .iter()
        .flat_map(|s| {
            s.names()
                .flat_map(|n| [n.to_owned(), Lang::ZhHans.script(n)])
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.iter().fold(text.to_owned(), |t, n| t.replace(n, ""))
}

fn visible(html: &str) -> String {
    schemebot::ui::strip_html(html)
}

fn assert_no_cantonese(text: &str, what: &str) {
    let found = cantonese_words(&unnamed(text));
    assert!(found.is_empty(), "{what}: Cantonese {found:?} in\n{text}");
}

/// A Simplified reply is all Simplified: converting it again changes nothing.
fn assert_all_simplified(text: &str, what: &str) {
    let again = Lang::ZhHans.script(text);
    if again != text {
        let (was, now): (String, String) = text
            .chars()
            .zip(again.chars())
            .filter(|(a, b)| a != b)
            .unzip();
        panic!("{what}: Traditional {was:?} (→ {now:?}) in a Simplified reply:\n{text}");
    }
}

fn assert_chinese_money(line: &str, what: &str) {
    let found = latin_words(&unnamed(line));
    assert!(found.is_empty(), "{what}: English {found:?} in {line:?}");
}

/// The lines of a card's 💰 section.
fn money_section(plain: &str) -> Vec<&str> {
    plain
        .split("\n\n")
        .find(|p| p.starts_with("💰"))
        .map(|p| p.lines().collect())
        .unwrap_or_default()
}

/// A scheme's card as the answer to a money question.
fn money_card(i: usize, lang: Lang) -> Reply {
    let answer = Answer {
        asks_which_scheme: false,
        question: String::new(),
        lang,
        intents: vec![Intent::Money],
        phrase_lead: Some(Intent::Money),
        rule_follows: None,
        found: Found::Schemes(vec![Hit {
            scheme: i,
            score: 1.0,
            named: true,
        }]),
        follow_up: false,
        not_covered: Vec::new(),
    };
    render(&answer, corpus())
}

/// The card's last paragraph: the as-of date and whom to ask.
fn footer(s: &Scheme, lang: Lang) -> String {
    let plain = scheme_reply(s, corpus(), lang).plain;
    plain.rsplit("\n\n").next().unwrap_or_default().to_owned()
}

fn scheme(id: &str) -> &'static Scheme {
    corpus().get(id).expect("a scheme of the corpus")
}

#[test]
fn every_card_keeps_english_out_of_chinese_money_lines() {
    for (i, s) in corpus().schemes.iter().enumerate() {
        for lang in CHINESE {
            let plain = money_card(i, lang).plain;
            let money = money_section(&plain);
            assert!(!money.is_empty(), "{} has a money section", s.id);
            for line in &money {
                assert_chinese_money(line, &s.id);
            }
            if !s.money.matching.is_empty() {
                let ratio = lang.script("配對比例：");
                let line = money.iter().find(|l| l.contains(&ratio));
                let line = line.unwrap_or_else(|| panic!("{}: no ratio in {money:?}", s.id));
                assert!(line.contains(&lang.script("政府")), "{line}");
            }
        }
        // English keeps its own wording.
        let en = money_card(i, Lang::En).plain;
        if !s.money.matching.is_empty() {
            assert!(en.contains("(Government) : "), "{}: {en}", s.id);
        }
    }
    let tvp = corpus().schemes.iter().position(|s| s.id == "tvp").unwrap();
    let hant = money_card(tvp, Lang::ZhHant).plain;
    assert!(hant.contains("• 配對比例：政府3 : 申請者1"), "{hant}");
    assert!(!hant.contains("Government"), "{hant}");
}

#[test]
fn lists_and_notices_word_money_in_the_readers_language() {
    let by_money = Filter {
        open_only: false,
        applicant: None,
        sort: SortBy::Money,
    };
    // A ratio and two figures change: the notice names them in the reader's language.
    let old = Snapshot::of(corpus());
    let mut new = old.clone();
    let nias = new.schemes.get_mut("nias").unwrap();
    nias.money.insert("max_per_project".to_owned(), 250_000_000);
    nias.matching = Some(vec![Ratio {
        government: 1,
        partner: 1,
        who: Partner::Company,
        bound: Bound::UpTo,
        part_en: Some("Stage 2".to_owned()),
        part_zh: Some("第二階段".to_owned()),
    }]);
    let changes = diff(&old, &new);
    assert_eq!(changes.len(), 1, "{changes:?}");
    for lang in CHINESE {
        for line in filtered(corpus(), &by_money, lang).plain.lines().skip(1) {
            if line.starts_with("• ") {
                assert_chinese_money(line.rsplit(" — ").next().unwrap(), "money list");
            }
        }
        let n = notice(&changes, corpus(), lang).plain;
        let ratio = n
            .lines()
            .find(|l| l.contains(&lang.script("配對比例")))
            .unwrap_or_else(|| panic!("{n}"));
        assert_chinese_money(ratio, "notice");
        assert!(
            ratio.contains(&lang.script("第二階段，政府最多1 : 公司1")),
            "{ratio}"
        );
        let cap = n
            .lines()
            .find(|l| l.contains(&lang.script("每個項目上限")))
            .unwrap();
        assert!(cap.contains(&lang.script("港幣2.5億元")), "{cap}");
        assert_chinese_money(cap, "notice");
    }
    let en = notice(&changes, corpus(), Lang::En).plain;
    assert!(
        en.contains("1 (Government) : 2 (company) → Stage 2, up to 1 (Government) : 1 (company)"),
        "{en}"
    );
}

#[test]
fn a_snapshot_from_before_structured_ratios_announces_no_ratio_change() {
    // Snapshots stored before this change have a free-text `matching_ratio` and no `matching`.
    let mut json = serde_json::to_value(Snapshot::of(corpus())).unwrap();
    for facts in json["schemes"].as_object_mut().unwrap().values_mut() {
        let facts = facts.as_object_mut().unwrap();
        facts.remove("matching");
        facts.insert(
            "matching_ratio".into(),
            "1 (Government) : 2 (company)".into(),
        );
    }
    let old: Snapshot = serde_json::from_value(json).unwrap();
    assert_eq!(diff(&old, &Snapshot::of(corpus())), []);
}

#[test]
fn no_chinese_reply_has_cantonese() {
    let hits: Vec<Hit> = (0..3)
        .map(|i| Hit {
            scheme: i,
            score: 1.0,
            named: false,
        })
        .collect();
    let filters = [
        (false, None, SortBy::Money),
        (true, None, SortBy::Category),
        (false, Some("individual"), SortBy::Category),
        (false, None, SortBy::Deadline),
    ];
    let old = Snapshot::of(corpus());
    let mut new = old.clone();
    new.schemes.get_mut("tvp").unwrap().status = "open".to_owned();
    new.schemes.remove("ess");
    let changes = diff(&old, &new);
    for lang in CHINESE {
        for (i, s) in corpus().schemes.iter().enumerate() {
            for r in [scheme_reply(s, corpus(), lang), money_card(i, lang)] {
                assert_no_cantonese(&r.plain, &s.id);
                if lang == Lang::ZhHans {
                    assert_all_simplified(&r.plain, &s.id);
                }
            }
        }
        let mut replies = vec![
            ("no match", no_match(lang)),
            ("all schemes", list(corpus(), None, lang)),
            ("did you mean", suggestions(corpus(), &hits, lang)),
            ("notice", notice(&changes, corpus(), lang)),
            (
                "reminder",
                reminder(Some(scheme("nias")), "nias", "2026-12-31", 3, lang),
            ),
        ];
        for c in Category::ALL {
            replies.push(("category", list(corpus(), Some(c), lang)));
        }
        for (open_only, applicant, sort) in filters {
            let f = Filter {
                open_only,
                applicant,
                sort,
            };
            replies.push(("filtered", filtered(corpus(), &f, lang)));
        }
        for (what, r) in replies {
            assert_no_cantonese(&r.plain, what);
            if lang == Lang::ZhHans {
                assert_all_simplified(&r.plain, what);
            }
        }
    }
    // Standard written Chinese examples, about a scheme that is still open.
    let hans = no_match(Lang::ZhHans).plain;
    assert!(hans.contains("企业支援计划最多资助多少？"), "{hans}");
    assert!(hans.contains("谁可以申请"), "{hans}");
}

#[test]
fn the_enquiry_contact_is_the_schemes_own_body() {
    for s in &corpus().schemes {
        for lang in [Lang::En, Lang::ZhHant, Lang::ZhHans] {
            let f = footer(s, lang);
            assert!(f.contains(&enquiry_line(s, lang)), "{}: {f}", s.id);
            let itf_line = s.enquiry.body == Body::Itf && !s.enquiry.has_own_line();
            assert_eq!(f.contains("3655 5678"), itf_line, "{}: {f}", s.id);
            assert!(
                f.contains("1823") || f.contains('@') || f.chars().any(|c| c.is_ascii_digit()),
                "{}: no contact in {f}",
                s.id
            );
        }
    }
    // An ITF scheme: the ITF Secretariat.
    let itsp = footer(scheme("itsp"), Lang::En);
    assert!(
        itsp.contains("Enquiries: ITF Secretariat — 3655 5678, enquiry@itf.gov.hk."),
        "{itsp}"
    );
    // An Immigration Department scheme: not the ITF; ImmD, the official page and 1823.
    for (lang, body) in [
        (Lang::En, "Immigration Department"),
        (Lang::ZhHant, "入境事務處"),
        (Lang::ZhHans, "入境事务处"),
    ] {
        let ttps = scheme_reply(scheme("ttps"), corpus(), lang).plain;
        assert!(!ttps.contains("3655"), "{ttps}");
        let f = footer(scheme("ttps"), lang);
        assert!(f.contains(body) && f.contains("1823"), "{f}");
    }
    // Cyberport: its AI Subsidy Scheme address where the sheet has it, else 1823.
    let aisc = footer(scheme("ai-supercomputing-centre"), Lang::ZhHant);
    assert!(
        aisc.contains("數碼港") && aisc.contains("aiss_enquiry@cyberport.hk"),
        "{aisc}"
    );
    let incubation = footer(scheme("cyberport-incubation"), Lang::ZhHans);
    assert!(
        incubation.contains("数码港") && incubation.contains("1823"),
        "{incubation}"
    );
    // A scheme's own line from the sheet, and a desk that is not the body itself.
    assert!(footer(scheme("nias"), Lang::En).contains("3543 5904"));
    assert!(footer(scheme("innohk"), Lang::En).contains("3855 7715"));
    let bud = footer(scheme("bud-fund"), Lang::ZhHant);
    assert!(
        bud.contains("BUD專項基金秘書處") && bud.contains("2788 6088"),
        "{bud}"
    );
    assert!(footer(scheme("rmgs"), Lang::En).contains("Research Grants Council"));
}

#[test]
fn the_no_match_reply_gives_the_governments_line() {
    for lang in [Lang::En, Lang::ZhHant, Lang::ZhHans] {
        let r = no_match(lang).plain;
        assert!(r.contains("1823") && !r.contains("3655"), "{r}");
    }
}

#[test]
fn the_linter_refuses_cantonese_and_english_in_chinese_text() {
    let today = schemebot::date::parse_date("2025-06-01").unwrap();
    let lint = |text: String| {
        check_files(&[("example.toml".into(), text)], today, 120)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.field.unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(lint(GOOD_SCHEME.to_owned()), Vec::<String>::new());
    assert_eq!(
        lint(GOOD_SCHEME.replace("summary = \"示例。\"", "summary = \"示例嘅計劃。\"")),
        ["zh.summary"]
    );
    assert_eq!(
        lint(GOOD_SCHEME.replace(
            "money = \"最多港幣100萬元。\"",
            "money = \"配對比例：1 (Government) : 1 (company)。\""
        )),
        ["zh.money"]
    );
    // Names, acronyms and addresses are not English wording.
    assert_eq!(
        lint(GOOD_SCHEME.replace(
            "money = \"最多港幣100萬元。\"",
            "money = \"TSSSU+最多港幣100萬元，詳見nittp.vtc.edu.hk及「AI Innovation Acceleration」。\""
        )),
        Vec::<String>::new()
    );
    // The shipped corpus keeps the rules.
    let findings = schemebot::check::check_dir(&corpus_dir(), today, 120).unwrap();
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Every delivered message to `chat` once `n` have arrived, as read.
async fn read(fake: &FakeApi, chat: i64, n: usize) -> Vec<String> {
    replies(fake, chat, n)
        .await
        .iter()
        .map(|c| visible(c.text()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simplified_chat_reads_standard_chinese_money_and_the_right_contact() {
    let h = harness().await;
    let hans = Some("zh-cn");
    let screens = [
        (8101, "/start"),
        (8102, "/help"),
        (8103, "/about"),
        (8104, "/schemes"),
        (8105, "/funding"),
        (8106, "/subscribe"),
        // The same in both scripts: the reply follows the app's zh-cn.
        (8107, "/subscribe 科技券"),
        (8108, "/subscriptions"),
        (8109, "明天天气怎么样？"),
        (8110, "高端人才通行证计划怎么申请？"),
        (8111, "新型工业加速计划最多资助多少？"),
        (8112, "有哪些人才计划？"),
    ];
    for (chat, text) in screens {
        h.fake.push_update(tg::text_in(chat, hans, text));
    }
    for (chat, text) in screens {
        let messages = read(&h.fake, chat, 1).await;
        for m in &messages {
            assert_no_cantonese(m, text);
            assert_all_simplified(m, text);
        }
    }
    let funding = read(&h.fake, 8105, 1).await.join("\n");
    let figures: Vec<&str> = funding
        .lines()
        .filter(|l| l.starts_with("• ") && l.contains("港币"))
        .collect();
    assert!(figures.len() > 10, "{funding}");
    for line in figures {
        assert_chinese_money(line, "/funding");
    }
    let subscribed = read(&h.fake, 8107, 1).await.join("\n");
    assert!(
        subscribed.contains("已订阅：科技券计划 (TVP)"),
        "{subscribed}"
    );
    let ttps = read(&h.fake, 8110, 1).await.join("\n");
    assert!(
        ttps.contains("入境事务处") && ttps.contains("1823"),
        "{ttps}"
    );
    assert!(!ttps.contains("3655 5678"), "{ttps}");
    let nias = read(&h.fake, 8111, 1).await.join("\n");
    let money = money_section(&nias);
    assert!(
        money.iter().any(|l| l.contains("配对比例：政府1 : 公司2")),
        "{nias}"
    );
    for line in money {
        assert_chinese_money(line, "NIAS money");
    }
    assert!(nias.contains("3543 5904"), "{nias}");
    let no_match = read(&h.fake, 8109, 1).await.join("\n");
    assert!(
        no_match.contains("1823") && !no_match.contains("3655"),
        "{no_match}"
    );

    // English: a count and its noun, a subject and its verb.
    h.fake
        .push_update(tg::text_in(8120, Some("en"), "/subscribe TVP"));
    h.fake
        .push_update(tg::text_in(8121, Some("en"), "/subscribe talent"));
    let one = read(&h.fake, 8120, 1).await.join("\n");
    assert!(
        one.contains("I will tell you when Technology Voucher Programme (TVP) changes."),
        "{one}"
    );
    let many = read(&h.fake, 8121, 1).await.join("\n");
    assert!(many.contains("when Talent schemes change."), "{many}");
    let about = read(&h.fake, 8103, 1).await.join("\n");
    assert!(about.contains("1823"), "{about}");
}

#[test]
fn conversation_screens_read_as_standard_chinese() {
    use schemebot::text::chat::SmallTalk;
    use schemebot::ui::{
        Button, Section, brief, compare, match_need, match_result, match_who, small_talk,
    };
    let corpus = corpus();
    let mut screens: Vec<(String, Reply)> = Vec::new();
    for lang in [Lang::ZhHant, Lang::ZhHans] {
        for s in &corpus.schemes {
            for section in Section::ALL {
                screens.push((
                    format!("{} {section:?}", s.id),
                    brief(s, section, corpus, lang),
                ));
            }
        }
        let ids: Vec<usize> = (0..corpus.schemes.len()).collect();
        for pair in ids.chunks(2) {
            if pair.len() == 2 {
                screens.push(("compare".to_owned(), compare(corpus, pair, lang)));
            }
        }
        screens.push(("match step 1".to_owned(), match_who(lang)));
        screens.push(("which scheme".to_owned(), schemebot::ui::which_scheme(lang)));
        for who in schemebot::text::vocabulary::applicant_keys() {
            screens.push((format!("match {who}"), match_need(corpus, who, lang)));
            screens.push((
                format!("match {who} *"),
                match_result(corpus, who, None, lang),
            ));
        }
        for kind in SmallTalk::ALL {
            screens.push((format!("{kind:?}"), small_talk(kind, lang)));
        }
        for (what, reply) in screens.drain(..) {
            let text = reply
                .html
                .iter()
                .map(|h| visible(h))
                .collect::<Vec<_>>()
                .join("\n");
            let buttons: Vec<String> = reply
                .buttons
                .iter()
                .flatten()
                .map(|b| match b {
                    Button::Callback { text, .. } | Button::Url { text, .. } => text.clone(),
                })
                .collect();
            let all = format!("{text}\n{}", buttons.join("\n"));
            assert_no_cantonese(&all, &what);
            if lang == Lang::ZhHans {
                assert_all_simplified(&all, &what);
            }
        }
    }
}

/// A scheme whose applicants lodge with their university never says "you apply directly"
/// (TSSSU: "apply to your university, not to ITC", schemes-facts.md).
#[test]
fn match_reasons_name_where_the_application_goes() {
    use schemebot::corpus::ApplyThrough;
    use schemebot::ui::match_result;
    let corpus = corpus();
    let via: Vec<_> = corpus
        .schemes
        .iter()
        .filter(|s| s.apply_through == Some(ApplyThrough::University))
        .collect();
    assert!(!via.is_empty(), "the corpus marks at least TSSSU");
    for s in via {
        for who in &s.applicants {
            for lang in [Lang::En, Lang::ZhHant, Lang::ZhHans] {
                let reply = match_result(corpus, who, None, lang);
                let line = reply
                    .html
                    .iter()
                    .flat_map(|h| h.lines())
                    .find(|l| l.contains(s.acronym.as_deref().unwrap_or(&s.name_en)))
                    .unwrap_or_else(|| panic!("{} listed for {who}", s.id))
                    .to_owned();
                assert!(
                    !line.contains("directly")
                        && !line.contains("直接申請")
                        && !line.contains("直接申请"),
                    "{line}"
                );
                assert!(
                    line.contains("university") || line.contains("大學") || line.contains("大学"),
                    "{line}"
                );
            }
        }
    }
}

/// The examples a reply offers never send people to a scheme that takes no applications.
#[test]
fn example_questions_never_name_a_closed_scheme() {
    use schemebot::corpus::Status;
    use schemebot::text::chat::SmallTalk;
    use schemebot::ui::{no_match, small_talk, which_scheme};
    for lang in [Lang::En, Lang::ZhHant, Lang::ZhHans] {
        let mut texts = vec![no_match(lang).plain, which_scheme(lang).plain];
        texts.extend(SmallTalk::ALL.map(|k| small_talk(k, lang).plain));
        for s in corpus()
            .schemes
            .iter()
            .filter(|s| s.status == Status::Closed)
        {
            let names = [&s.name_en, &s.name_zh]
                .into_iter()
                .chain(&s.acronym)
                .chain(&s.aliases)
                .filter(|n| n.chars().count() >= 3);
            for n in names {
                for t in &texts {
                    assert!(!t.contains(n.as_str()), "{n} in {t}");
                }
            }
        }
    }
}
