//! Conversations: the chats in conversations.tsv to conversations-14.tsv (turns of two to four
//! questions, written by helpers who saw only the fact sheet, never the corpus or the code), each turn answered with the context the previous answer left, exactly
//! as the bot and `ask --conversation` do. A turn is right when it is about the expected scheme
//! (the first of a compare card; `none` for small talk; `list` for "what can I apply for") and
//! leads with the expected section (summary, money, eligibility, apply, when; `compare`,
//! `smalltalk` and `match` are the kind of answer). Split by conversation, like the question
//! set, into a development and a test half; failures are printed for the dev half only.

use std::collections::BTreeMap;

use schemebot::answer::{Context, DEFAULT_LIMIT, Remember, answer_in};
use schemebot::search::Found;
use schemebot::search::decision::is_dev;
use schemebot::ui::Section;

use crate::support::engine::engine;

/// The share of turns that must be right, per file and split: a regression guard set a little
/// under the figures measured (BENCHMARKS.md). Issue 11's target is 95%: the development halves
/// of the first two files reach it, the test halves do not (87–90%), so the cues read from the
/// development misses do not yet cover how the test conversations ask. The later files, written
/// by other helpers from the fact sheet alone, show how far: 73–89% on their test halves, and
/// `conversations-8.tsv` 71.4% on arrival and 71.4% again after the session that added it
/// (its dev half went from 70.7% to 78.9%: the rules read from dev misses still do not carry
/// over). `conversations-9.tsv` scored 74.1% dev and 79.5% test on arrival; `conversations-10.tsv`
/// 77.8% dev and 76.7% test; `conversations-11.tsv` 76.0% dev and 75.4% test (both before the
/// learnt lead model, `text::lead`, which took them to 91.1 / 81.4 and 86.8 / 83.1).
/// `conversations-12.tsv` arrived at 72.7% dev and 67.7% test, the lowest yet: its writer
/// labels leads differently (what a grant may pay for as eligibility, an intake as a date), and
/// after a refit of the model with its development half the test half reads 69.0%.
/// `conversations-13.tsv` arrived at 76.7% dev and 71.7% test, and `conversations-14.tsv`
/// (long messages with the question last, typed in a hurry) at 64.1% and 67.6%; after the
/// lead model learnt the cues' choice and the follow-up model (`text::follow`) they read
/// 74.8% and 70.6% on their test halves, and the lowest test half of the first eleven files
/// 82.4%. The newer files have floors of their own ([`floors`]), so the others keep theirs.
/// Training chats written from the fact sheet alone (`src/text/data/training-chats.tsv`) and
/// the lead model reading a long message's last question again took the test halves from
/// 84.8% to 88.4% (the lowest of the first eleven 85.7%, of the newer three 76.5%); the
/// floors follow. A list word in a chat that names no schemes asking about the chat's scheme,
/// a fairly likely new subject answered in a chat, a closed scheme said to be gone setting the
/// scene, and the lead model refitted with a stronger penalty and a lower threshold (chosen on
/// the training chats held out of its fit) took them to 88.5% (the lowest of the first eleven
/// 87.4%, of the newer three 74.3%).
const FLOOR: f64 = 84.0;

/// The share of turns whose scheme (or small talk / list) must be right, per file and split
/// (the lowest half reads 85.5%, the development half of `conversations-14.tsv`).
const SCHEME_FLOOR: f64 = 84.0;

/// The (turn, scheme) floors of `file`: [`FLOOR`] and [`SCHEME_FLOOR`] but for the newest,
/// hardest files, whose turn floors sit under their lowest half as measured.
fn floors(file: &str) -> (f64, f64) {
    match file {
        "conversations-12.tsv" => (78.0, SCHEME_FLOOR),
        "conversations-13.tsv" => (81.0, SCHEME_FLOOR),
        "conversations-14.tsv" => (74.0, SCHEME_FLOOR),
        _ => (FLOOR, SCHEME_FLOOR),
    }
}

/// What a turn got: (scheme or `none` / `list`, intent label).
fn got(found: &Found, intents: &[schemebot::text::Intent]) -> (String, String) {
    let corpus = engine().corpus();
    let section = Section::for_intent(intents.first().copied());
    let intent = match section {
        Section::Overview | Section::Full => "summary",
        Section::Money => "money",
        Section::Eligibility => "eligibility",
        Section::Apply => "apply",
        Section::Status => "when",
    };
    match found {
        Found::Schemes(hits) => (
            hits.first()
                .map_or("none".to_owned(), |h| corpus.schemes[h.scheme].id.clone()),
            intent.to_owned(),
        ),
        Found::Compare(schemes) => (corpus.schemes[schemes[0]].id.clone(), "compare".to_owned()),
        Found::SmallTalk(_) => ("none".to_owned(), "smalltalk".to_owned()),
        Found::Match | Found::Filtered(_) => ("list".to_owned(), "match".to_owned()),
        Found::List(_) => ("list".to_owned(), "list".to_owned()),
        Found::Suggestions(_) => ("suggest".to_owned(), intent.to_owned()),
        Found::Nothing => ("none".to_owned(), "none".to_owned()),
    }
}

/// Whether a compare turn is right: a compare card that includes the expected scheme.
fn compare_ok(found: &Found, expected: &str) -> bool {
    let corpus = engine().corpus();
    matches!(found, Found::Compare(s) if s.iter().any(|&i| corpus.schemes[i].id == expected))
}

/// Right turns, right schemes and turns, per split.
type Tally = BTreeMap<&'static str, (usize, usize, usize)>;

fn run(file: &str, set: &str) -> (Tally, Vec<String>) {
    let corpus = engine().corpus();
    let mut chats: BTreeMap<&str, Vec<(&str, &str, &str)>> = BTreeMap::new();
    for (n, line) in set.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [id, _turn, expected, intent, text] = cols[..] else {
            panic!("{file}:{}: expected 5 tab-separated columns", n + 1);
        };
        assert!(
            matches!(expected, "none" | "list") || corpus.get(expected).is_some(),
            "{file}:{}: unknown scheme {expected}",
            n + 1
        );
        chats.entry(id).or_default().push((expected, intent, text));
    }
    let mut tally: Tally = BTreeMap::new();
    let mut failures = Vec::new();
    for (id, turns) in &chats {
        let split = if is_dev(id) { "dev" } else { "test" };
        let mut context: Option<Context> = None;
        for (expected, intent, text) in turns {
            let a = answer_in(engine(), text, None, DEFAULT_LIMIT, context.as_ref());
            match Context::after(&a, corpus) {
                Remember::Set(c) => context = Some(c),
                Remember::Keep => {}
                Remember::Forget => context = None,
            }
            let (scheme, lead) = got(&a.found, &a.intents);
            let ok = if *intent == "compare" {
                compare_ok(&a.found, expected)
            } else {
                scheme == *expected && lead == *intent
            };
            let t = tally.entry(split).or_default();
            t.2 += 1;
            if scheme == *expected || compare_ok(&a.found, expected) {
                t.1 += 1;
            }
            if ok {
                t.0 += 1;
            } else if split == "dev" {
                failures.push(format!(
                    "  {file} {id}: {text}\n      expected {expected}/{intent}, got {scheme}/{lead}"
                ));
            }
        }
    }
    (tally, failures)
}

#[test]
fn follow_ups_switches_comparisons_and_small_talk_in_both_splits() {
    let mut report = String::new();
    let mut below = Vec::new();
    let mut all_failures = Vec::new();
    for (file, set) in [
        ("conversations.tsv", include_str!("conversations.tsv")),
        ("conversations-2.tsv", include_str!("conversations-2.tsv")),
        ("conversations-3.tsv", include_str!("conversations-3.tsv")),
        ("conversations-4.tsv", include_str!("conversations-4.tsv")),
        ("conversations-5.tsv", include_str!("conversations-5.tsv")),
        ("conversations-6.tsv", include_str!("conversations-6.tsv")),
        ("conversations-7.tsv", include_str!("conversations-7.tsv")),
        ("conversations-8.tsv", include_str!("conversations-8.tsv")),
        ("conversations-9.tsv", include_str!("conversations-9.tsv")),
        ("conversations-10.tsv", include_str!("conversations-10.tsv")),
        ("conversations-11.tsv", include_str!("conversations-11.tsv")),
        ("conversations-12.tsv", include_str!("conversations-12.tsv")),
        ("conversations-13.tsv", include_str!("conversations-13.tsv")),
        ("conversations-14.tsv", include_str!("conversations-14.tsv")),
    ] {
        let (tally, failures) = run(file, set);
        all_failures.extend(failures);
        for (split, (ok, schemes, n)) in &tally {
            let share = 100.0 * *ok as f64 / *n as f64;
            let scheme_share = 100.0 * *schemes as f64 / *n as f64;
            report.push_str(&format!(
                "{file:20} {split:5} turns {ok:3}/{n:3} {share:5.1}%  scheme only {scheme_share:5.1}%\n"
            ));
            let (floor, scheme_floor) = floors(file);
            if share < floor {
                below.push(format!("{file} {split}: {share:.1}% < {floor}%"));
            }
            if scheme_share < scheme_floor {
                below.push(format!(
                    "{file} {split}: schemes {scheme_share:.1}% < {scheme_floor}%"
                ));
            }
        }
    }
    println!("{report}dev failures:\n{}", all_failures.join("\n"));
    assert!(below.is_empty(), "{}\n{report}", below.join("\n"));
}
