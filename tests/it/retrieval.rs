//! Retrieval quality over the question set in questions.tsv: for each question, the first
//! scheme (or the list category, or no scheme) must be the expected one, for at least 95% of
//! the questions in every group. Failures are printed so a regression is easy to read.

use std::collections::BTreeMap;

use schemebot::answer::{DEFAULT_LIMIT, answer};
use schemebot::search::Found;

use crate::support::engine::engine;

/// The pass mark for every group.
const PASS: f64 = 0.95;

fn got(found: &Found) -> String {
    let corpus = engine().corpus();
    match found {
        Found::Schemes(hits) => corpus.schemes[hits[0].scheme].id.clone(),
        Found::List(Some(c)) => format!("list:{}", c.key()),
        Found::List(None) => "list:all".to_owned(),
        Found::Nothing => "none".to_owned(),
    }
}

#[test]
fn every_group_passes() {
    let set = include_str!("questions.tsv");
    let mut groups: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (n, line) in set.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [group, expected, question] = cols[..] else {
            panic!("questions.tsv:{}: expected 3 tab-separated columns", n + 1);
        };
        let corpus = engine().corpus();
        assert!(
            expected == "none" || expected.starts_with("list:") || corpus.get(expected).is_some(),
            "questions.tsv:{}: unknown scheme {expected}",
            n + 1
        );
        let a = answer(engine(), question, None, DEFAULT_LIMIT);
        let got = got(&a.found);
        let entry = groups.entry(group).or_default();
        entry.1 += 1;
        if got == expected {
            entry.0 += 1;
        } else {
            failures.push(format!(
                "  [{group}] {question}\n      expected {expected}, got {got}"
            ));
        }
    }
    let mut report = String::new();
    let mut ok = true;
    for (group, (pass, total)) in &groups {
        let rate = *pass as f64 / *total as f64;
        ok &= rate >= PASS;
        report.push_str(&format!(
            "{group:10} {pass:3}/{total:3} {:5.1}%\n",
            100.0 * rate
        ));
    }
    println!("{report}failures:\n{}", failures.join("\n"));
    assert!(groups.len() >= 9, "every group is present: {groups:?}");
    assert!(groups.values().map(|g| g.1).sum::<usize>() >= 200);
    assert!(
        ok,
        "a group is below {}%:\n{report}failures:\n{}",
        PASS * 100.0,
        failures.join("\n")
    );
}
