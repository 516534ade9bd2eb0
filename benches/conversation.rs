//! `cargo bench --bench conversation`: the figures in BENCHMARKS.md for issue 11.
//!
//! - answer lengths: for every question of tests/it/questions.tsv answered with a scheme, the
//!   characters a person reads (Telegram's visible text, tags removed) of the full card (what
//!   every answer was before short answers) and of the short answer, median and max per reply
//!   language;
//! - warm latency of a turn (`answer_in` + `render`) over the turns of the conversation sets,
//!   with the context each previous answer left, beside the same turns answered without one:
//!   p50 / p99 / max.
//!
//! A plain `main` (harness = false): it prints tables to paste and asserts nothing on time.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use schemebot::answer::{Context, DEFAULT_LIMIT, Remember, answer, answer_in};
use schemebot::corpus::Corpus;
use schemebot::search::{Engine, Found};
use schemebot::ui::{Reply, render, render_full};

fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// What Telegram shows: the characters of every message without tags, entities decoded.
fn visible(reply: &Reply) -> usize {
    reply
        .html
        .iter()
        .map(|h| schemebot::ui::strip_html(h).chars().count())
        .sum()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = Corpus::load(&root.join("corpus")).expect("corpus");
    let engine = Engine::in_memory(corpus).expect("engine");

    // Answer lengths, full card vs short answer.
    let questions: Vec<&str> = include_str!("../tests/it/questions.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').nth(2))
        .collect();
    let mut lengths: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for q in &questions {
        let a = answer(&engine, q, None, DEFAULT_LIMIT);
        if !matches!(a.found, Found::Schemes(_)) {
            continue;
        }
        let e = lengths.entry(a.lang.code()).or_default();
        e.0.push(visible(&render_full(&a, engine.corpus())));
        e.1.push(visible(&render(&a, engine.corpus())));
    }
    println!("| reply language | answers | full card median / max | short answer median / max |");
    println!("|---|---|---|---|");
    for (lang, (mut full, mut short)) in lengths {
        full.sort_unstable();
        short.sort_unstable();
        println!(
            "| {lang} | {} | {} / {} | {} / {} |",
            full.len(),
            percentile(&full, 0.5),
            full.last().unwrap(),
            percentile(&short, 0.5),
            short.last().unwrap()
        );
    }

    // Turn latency with and without context.
    let mut chats: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (file, set) in [
        ("a", include_str!("../tests/it/conversations.tsv")),
        ("b", include_str!("../tests/it/conversations-2.tsv")),
        ("c", include_str!("../tests/it/conversations-3.tsv")),
        ("d", include_str!("../tests/it/conversations-4.tsv")),
        ("e", include_str!("../tests/it/conversations-5.tsv")),
        ("f", include_str!("../tests/it/conversations-6.tsv")),
        ("g", include_str!("../tests/it/conversations-7.tsv")),
        ("h", include_str!("../tests/it/conversations-8.tsv")),
        ("i", include_str!("../tests/it/conversations-9.tsv")),
        ("j", include_str!("../tests/it/conversations-10.tsv")),
        ("k", include_str!("../tests/it/conversations-11.tsv")),
        ("l", include_str!("../tests/it/conversations-12.tsv")),
        ("m", include_str!("../tests/it/conversations-13.tsv")),
        ("n", include_str!("../tests/it/conversations-14.tsv")),
    ] {
        for line in set.lines().filter(|l| !l.trim().is_empty()) {
            let cols: Vec<&str> = line.split('\t').collect();
            if let [id, _, _, _, text] = cols[..] {
                chats.entry(format!("{file}{id}")).or_default().push(text);
            }
        }
    }
    let turns: usize = chats.values().map(Vec::len).sum();
    let rounds = 30;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for texts in chats.values() {
            let mut context: Option<Context> = None;
            for text in texts {
                let t = Instant::now();
                let a = answer_in(&engine, text, None, DEFAULT_LIMIT, context.as_ref());
                let reply = render(&a, engine.corpus());
                with.push(t.elapsed());
                std::hint::black_box(reply);
                match Context::after(&a, engine.corpus()) {
                    Remember::Set(c) => context = Some(c),
                    Remember::Keep => {}
                    Remember::Forget => context = None,
                }
                let t = Instant::now();
                let reply = render(&answer(&engine, text, None, DEFAULT_LIMIT), engine.corpus());
                without.push(t.elapsed());
                std::hint::black_box(reply);
            }
        }
    }
    with.sort();
    without.sort();
    println!();
    println!("| turns × rounds: {turns} × {rounds} | p50 | p99 | max |");
    println!("|---|---|---|---|");
    for (name, times) in [("with context", &with), ("without context", &without)] {
        println!(
            "| {name} | {} | {} | {} |",
            micros(percentile(times, 0.5)),
            micros(percentile(times, 0.99)),
            micros(*times.last().unwrap())
        );
    }
}
