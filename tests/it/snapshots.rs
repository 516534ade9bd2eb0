//! Golden replies: what a person reads on the main screens, in each script, kept in
//! `tests/it/snapshots/*.txt` so a wording change is one reviewed diff. After an intended
//! change, `UPDATE_EXPECT=1 cargo test --test it snapshots` rewrites the files; review them with
//! `git diff` like code.
//!
//! Each file holds the reply's plain text, then its keyboard, a row a line, each button as
//! `[text](callback data or URL)`. Screens with time-dependent text (the staleness note of a
//! full card) are left out.

use expect_test::expect_file;
use schemebot::text::Lang;
use schemebot::text::chat::SmallTalk;
use schemebot::ui::{
    Button, Reply, Section, brief, compare, list, match_result, match_who, no_match, small_talk,
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
