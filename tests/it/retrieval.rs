//! Retrieval quality over the question set in questions.tsv, split once (a fixed seed, by a hash
//! of each question's text) into a development half, which ranking and the no-match decision
//! may be tuned on, and a test half, whose misses are never read while tuning. For each split
//! and group it reports top-1 (the first scheme, list or "none" is the expected one) and, for
//! questions about one scheme, top-3 (the expected scheme among the first three results); each
//! group must stay at or above its floor. Failures are printed for the dev split only.

use std::collections::BTreeMap;

use schemebot::answer::{DEFAULT_LIMIT, answer};
use schemebot::search::Found;
use schemebot::search::decision::is_dev;

use crate::support::engine::engine;

/// Floors per group (top-1, in percent), the same for both splits: a group below its floor
/// fails the test. They guard against regressions, set a little under the figures measured when
/// the decision model was last fitted; BENCHMARKS.md gives those figures. (Issue 9's targets are
/// higher: 95% in every in-domain group; where a floor is lower, that target is not met yet.)
/// Mixed and out-of-domain went down a point when set 7, written by a sixth helper, was added;
/// structured and out-of-domain (test 73.7% and 91.2%) fell further with set 8, a seventh
/// helper's structured requests and near misses in deliberately varied phrasing. Set 9 (an
/// eighth helper) lowered English and mixed a point; the floors below are a little under the
/// figures measured after it (test structured 83.4%, out-of-domain 92.3%). The learnt domain
/// model (`text::domain`) took test out-of-domain from 92.0% to 95.9%, and answering what it
/// is sure is ours Cantonese to 95.7% and English to 95.4%; their floors follow. Its training
/// examples written from the fact sheet (`text/data/domain-examples.tsv`) took out-of-domain
/// to 97.4% on the test half (set 15 included); the browse model (`text::browse`) took
/// structured requests from 85.6% to 91.8% and out-of-domain back to 96.9%. The scheme model's
/// re-ranking (`text::scheme`) took test English from 95.5% to 97.4%, Cantonese from 96.1% to
/// 97.4%, mixed to 99.1% and Traditional to 99.1%; their floors follow.
const FLOOR: &[(&str, f64)] = &[
    ("cantonese", 96.0),
    ("eligibility", 95.0),
    ("en", 95.0),
    ("list", 80.0),
    ("mixed", 95.0),
    ("money", 95.0),
    ("ood", 96.0),
    ("short", 95.0),
    ("structured", 89.0),
    ("typo", 95.0),
    ("zh-hans", 94.0),
    ("zh-hant", 97.0),
];

fn got(found: &Found) -> Vec<String> {
    let corpus = engine().corpus();
    match found {
        Found::Schemes(hits) => hits
            .iter()
            .map(|h| corpus.schemes[h.scheme].id.clone())
            .collect(),
        Found::List(Some(c)) => vec![format!("list:{}", c.key())],
        Found::List(None) => vec!["list:all".to_owned()],
        Found::Filtered(f) => vec![f.key()],
        // Unsure: the first suggestion is not an answer, but counts for top-3.
        Found::Suggestions(hits) => std::iter::once("suggest".to_owned())
            .chain(hits.iter().map(|h| corpus.schemes[h.scheme].id.clone()))
            .collect(),
        Found::Compare(schemes) => schemes
            .iter()
            .map(|&i| corpus.schemes[i].id.clone())
            .collect(),
        // "What can I apply for?" asks to browse what fits the asker.
        Found::Match => vec!["list:all".to_owned()],
        // Small talk is not about a scheme.
        Found::SmallTalk(_) | Found::Nothing => vec!["none".to_owned()],
    }
}

#[derive(Default, Debug)]
struct Tally {
    top1: usize,
    top3: usize,
    total: usize,
}

#[test]
fn every_group_stays_above_its_floor_in_both_splits() {
    let set = include_str!("questions.tsv");
    let corpus = engine().corpus();
    let mut tallies: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for (n, line) in set.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [group, expected, question] = cols[..] else {
            panic!("questions.tsv:{}: expected 3 tab-separated columns", n + 1);
        };
        assert!(
            expected == "none" || expected.starts_with("list:") || corpus.get(expected).is_some(),
            "questions.tsv:{}: unknown scheme {expected}",
            n + 1
        );
        let split = if is_dev(question) { "dev" } else { "test" };
        let a = answer(engine(), question, None, DEFAULT_LIMIT);
        let got = got(&a.found);
        let t = tallies.entry((split, group)).or_default();
        t.total += 1;
        if got.first().map(String::as_str) == Some(expected) {
            t.top1 += 1;
        } else if split == "dev" {
            failures.push(format!(
                "  [{group}] {question}\n      expected {expected}, got {}",
                got.join(", ")
            ));
        }
        if got.iter().take(4).any(|g| g == expected) {
            t.top3 += 1;
        }
    }
    let mut report = String::from("split group       top-1          top-3\n");
    let mut below = Vec::new();
    for ((split, group), t) in &tallies {
        let top1 = 100.0 * t.top1 as f64 / t.total as f64;
        let top3 = 100.0 * t.top3 as f64 / t.total as f64;
        report.push_str(&format!(
            "{split:5} {group:11} {:3}/{:3} {top1:5.1}%  {top3:5.1}%\n",
            t.top1, t.total
        ));
        let floor = FLOOR
            .iter()
            .find(|(g, _)| g == group)
            .map_or(100.0, |f| f.1);
        if top1 < floor {
            below.push(format!("{split} {group}: {top1:.1}% < {floor}%"));
        }
    }
    for split in ["dev", "test"] {
        let (ok, n) = tallies
            .iter()
            .filter(|((s, _), _)| *s == split)
            .fold((0, 0), |(a, b), (_, t)| (a + t.top1, b + t.total));
        report.push_str(&format!(
            "{split:5} all         {ok:3}/{n:3} {:5.1}%\n",
            100.0 * ok as f64 / n as f64
        ));
    }
    println!("{report}dev failures:\n{}", failures.join("\n"));
    assert!(
        tallies.len() >= 2 * FLOOR.len(),
        "every group in both splits"
    );
    assert!(tallies.values().map(|t| t.total).sum::<usize>() >= 900);
    assert!(below.is_empty(), "{}\n{report}", below.join("\n"));
}
