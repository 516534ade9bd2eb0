//! Golden replies: what a person reads on the main screens, in each script, kept in
//! `tests/it/snapshots/*.txt` so a wording change is one reviewed diff. After an intended
//! change, `UPDATE_EXPECT=1 cargo test --test it snapshots` rewrites the files; review them with
//! `git diff` like code.
//!
//! Each file holds the reply's plain text, then its keyboard, a row a line, each button as
//! `[text](callback data or URL)`. Screens with time-dependent text (the staleness note of a
//! full card) are left out. The bot's own screens (help, subscriptions, notices, admin) are
//! pinned in all three languages.

use expect_test::expect_file;
use schemebot::changes::{Snapshot, diff};
use schemebot::corpus::Category;
use schemebot::store::{GapGroup, OutboxCounts, Stats, Topic};
use schemebot::text::Lang;
use schemebot::text::chat::SmallTalk;
use schemebot::ui::{
    Button, Reply, Section, about, brief, broadcast, broadcast_done, broadcast_preview, compare,
    funding, gaps, help, lang_menu, list, match_result, match_who, no_match, notice, reloaded,
    reminder, small_talk, stats, subscribe_menu, subscribed, subscriptions_screen, welcome,
};

use crate::support::engine::engine;

fn shown(reply: &Reply) -> String {
    let mut out = reply.plain.clone();
    out.push_str("\n---\n");
    for row in &reply.buttons {
        let cells: Vec<String> = row
            .iter()
            .map(|b| match b {
                Button::Callback { text, data } => format!("[{text}]({data})"),
                Button::Url { text, url } => format!("[{text}]({url})"),
            })
            .collect();
        out.push_str(&cells.join(" "));
        out.push('\n');
    }
    out
}

fn index(id: &str) -> usize {
    engine()
        .corpus()
        .position(id)
        .unwrap_or_else(|| panic!("no scheme {id}"))
}

macro_rules! golden {
    ($name:literal, $reply:expr) => {
        expect_file![concat!("snapshots/", $name, ".txt")].assert_eq(&shown(&$reply))
    };
}

/// The three reply languages with the suffix of their snapshot files.
const LANGS: [(Lang, &str); 3] = [
    (Lang::En, "en"),
    (Lang::ZhHant, "zh-hant"),
    (Lang::ZhHans, "zh-hans"),
];

/// One snapshot per language: `snapshots/<name>-<lang>.txt`.
fn golden_in_each(name: &str, reply: impl Fn(Lang) -> Reply) {
    for (lang, suffix) in LANGS {
        expect_file![format!("snapshots/{name}-{suffix}.txt")].assert_eq(&shown(&reply(lang)));
    }
}

#[test]
fn short_answers() {
    let corpus = engine().corpus();
    let tvp = corpus.get("tvp").unwrap();
    let ess = corpus.get("ess").unwrap();
    let ttps = corpus.get("ttps").unwrap();
    golden!(
        "brief-tvp-summary-en",
        brief(tvp, Section::Overview, corpus, Lang::En)
    );
    golden!(
        "brief-tvp-summary-zh-hant",
        brief(tvp, Section::Overview, corpus, Lang::ZhHant)
    );
    golden!(
        "brief-tvp-summary-zh-hans",
        brief(tvp, Section::Overview, corpus, Lang::ZhHans)
    );
    golden!(
        "brief-ess-money-en",
        brief(ess, Section::Money, corpus, Lang::En)
    );
    golden!(
        "brief-ess-money-zh-hant",
        brief(ess, Section::Money, corpus, Lang::ZhHant)
    );
    golden!(
        "brief-ttps-who-zh-hans",
        brief(ttps, Section::Eligibility, corpus, Lang::ZhHans)
    );
}

#[test]
fn compare_match_small_talk_and_no_match() {
    let corpus = engine().corpus();
    let pair = [index("nias"), index("nifs")];
    golden!("compare-nias-nifs-en", compare(corpus, &pair, Lang::En));
    golden!(
        "compare-nias-nifs-zh-hans",
        compare(corpus, &pair, Lang::ZhHans)
    );
    golden!("match-who-en", match_who(Lang::En));
    golden!(
        "match-student-en",
        match_result(corpus, "student", None, Lang::En)
    );
    golden!(
        "match-sme-zh-hant",
        match_result(corpus, "sme", None, Lang::ZhHant)
    );
    golden!(
        "smalltalk-greeting-en",
        small_talk(SmallTalk::Greeting, Lang::En)
    );
    golden!(
        "smalltalk-thanks-zh-hant",
        small_talk(SmallTalk::Thanks, Lang::ZhHant)
    );
    golden!(
        "smalltalk-identity-zh-hans",
        small_talk(SmallTalk::Identity, Lang::ZhHans)
    );
    golden!("no-match-en", no_match(Lang::En));
    golden!("no-match-zh-hant", no_match(Lang::ZhHant));
    golden!("list-all-en", list(corpus, None, Lang::En));
}

#[test]
fn help_and_about() {
    let corpus = engine().corpus();
    golden_in_each("welcome", |lang| welcome(corpus, lang));
    golden_in_each("help", |lang| help(lang, "SchemeBot"));
    golden_in_each("about", |lang| about(corpus, lang));
    golden_in_each("lang-menu", |lang| lang_menu(Some(Lang::ZhHans), lang));
    golden_in_each("funding", |lang| funding(corpus, lang));
}

#[test]
fn subscriptions() {
    let corpus = engine().corpus();
    let topics = [
        Topic::All,
        Topic::Category(Category::Talent),
        Topic::Scheme("tvp".to_owned()),
    ];
    golden_in_each("subscribe-menu", subscribe_menu);
    golden_in_each("subscriptions", |lang| {
        subscriptions_screen(&topics, corpus, lang)
    });
    golden_in_each("subscriptions-none", |lang| {
        subscriptions_screen(&[], corpus, lang)
    });
    golden_in_each("subscribed-scheme", |lang| {
        subscribed(&topics[2], corpus, true, lang)
    });
}

#[test]
fn notices() {
    let corpus = engine().corpus();
    let mut before = Snapshot::of(corpus);
    let tvp = before.schemes.get_mut("tvp").expect("tvp");
    tvp.status = "open".to_owned();
    tvp.status_since = None;
    tvp.deadline = Some("2025-03-31".to_owned());
    let added = before.schemes.remove("ess").expect("ess");
    let changes = diff(&before, &Snapshot::of(corpus));
    assert!(changes.len() >= 2, "{changes:?}");
    drop(added);
    golden_in_each("notice", |lang| notice(&changes, corpus, lang));
    golden_in_each("reminder", |lang| {
        reminder(corpus.get("tvp"), "tvp", "2026-12-31", 7, lang)
    });
    golden_in_each("broadcast", |lang| {
        broadcast("The office is closed on Friday.", lang)
    });
}

#[test]
fn admin_screens() {
    let corpus = engine().corpus();
    let figures = Stats {
        by_topic: vec![
            (Topic::All, 3),
            (Topic::Category(Category::Funding), 1),
            (Topic::Scheme("tvp".to_owned()), 2),
        ],
        active_chats: 5,
        inactive_chats: 1,
        outbox: OutboxCounts {
            pending: 2,
            sent: 40,
            failed: 1,
            dropped: 0,
        },
    };
    golden_in_each("stats", |lang| stats(&figures, corpus, lang));
    let groups = [GapGroup {
        normalised: "robot subsidy".to_owned(),
        example: "Is there a subsidy for robots?".to_owned(),
        count: 3,
        no_answer: 2,
        suggested_only: 1,
        thumbs_down: 0,
        schemes: vec!["rtsp".to_owned()],
        comments: vec!["robots for my factory".to_owned()],
    }];
    golden_in_each("gaps", |lang| gaps(&groups, lang));
    golden_in_each("gaps-none", |lang| gaps(&[], lang));
    golden_in_each("reloaded", |lang| reloaded(33, 1, 1, lang));
    golden_in_each("broadcast-preview", |lang| {
        broadcast_preview(7, "New rounds open in May.", 1, lang)
    });
    golden_in_each("broadcast-done", |lang| broadcast_done(Some(2), lang));
}
