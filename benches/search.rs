//! `cargo bench --bench search`: the figures in BENCHMARKS.md for the search layer.
//!
//! - engine build (jieba dictionary + corpus load + in-memory index) and on-disk index build;
//! - warm query latency of `answer()` + `render()` over every question in
//!   tests/it/questions.tsv, p50 / p99 / max;
//! - process start to first answer for `schemebot ask` (index already built), median and p90;
//! - peak resident memory of this process and of an `ask` process.
//!
//! A plain `main` (harness = false): the numbers are printed as a table to paste, and nothing
//! here asserts on time.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use schemebot::answer::{DEFAULT_LIMIT, answer};
use schemebot::corpus::Corpus;
use schemebot::search::{Engine, build};
use schemebot::ui::render;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn peak_rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus_dir = root.join("corpus");

    let t = Instant::now();
    let corpus = Corpus::load(&corpus_dir).expect("corpus");
    let analyzer = Engine::analyzer_for(&corpus);
    let analyzer_time = t.elapsed();
    let index_dir = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    build(index_dir.path(), &corpus, &analyzer).expect("index build");
    let disk_build = t.elapsed();
    let t = Instant::now();
    let engine = Engine::in_memory(corpus).expect("engine");
    let engine_build = t.elapsed();

    let questions: Vec<&str> = include_str!("../tests/it/questions.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').nth(2))
        .collect();
    for q in &questions {
        let _ = render(&answer(&engine, q, None, DEFAULT_LIMIT), engine.corpus());
    }
    let rounds = 30;
    let mut times = Vec::with_capacity(questions.len() * rounds);
    let mut by_question = vec![Vec::with_capacity(rounds); questions.len()];
    for _ in 0..rounds {
        for (i, q) in questions.iter().enumerate() {
            let t = Instant::now();
            let reply = render(&answer(&engine, q, None, DEFAULT_LIMIT), engine.corpus());
            let took = t.elapsed();
            times.push(took);
            by_question[i].push(took);
            std::hint::black_box(reply);
        }
    }
    times.sort();
    // Where the tail comes from: the questions slowest at their median.
    let mut medians: Vec<(Duration, &str)> = by_question
        .iter_mut()
        .zip(&questions)
        .map(|(t, q)| {
            t.sort();
            (percentile(t, 0.5), *q)
        })
        .collect();
    medians.sort_by_key(|m| std::cmp::Reverse(m.0));
    let self_rss = peak_rss_kib("self").unwrap_or(0);

    // Process start to first answer, with the index already on disk.
    let bin = env!("CARGO_BIN_EXE_schemebot");
    let run = |args: &[&str]| {
        Command::new(bin)
            .arg("--corpus")
            .arg(&corpus_dir)
            .arg("--index")
            .arg(index_dir.path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run schemebot")
    };
    run(&["ask", "warm up"]);
    let mut starts: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            assert!(run(&["ask", "TechTAS 點樣申請？"]).success());
            t.elapsed()
        })
        .collect();
    starts.sort();

    // Peak memory of an `ask` process after it has answered every question.
    let mut child = Command::new(bin)
        .arg("--corpus")
        .arg(&corpus_dir)
        .arg("--index")
        .arg(index_dir.path())
        .args(["ask", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ask");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    for q in &questions {
        writeln!(stdin, "{q}").expect("write");
        line.clear();
        stdout.read_line(&mut line).expect("read");
    }
    let ask_rss = peak_rss_kib(&child.id().to_string()).unwrap_or(0);
    drop(stdin);
    let _ = child.wait();

    println!("| measure | value |");
    println!("|---|---|");
    println!("| questions × rounds | {} × {rounds} |", questions.len());
    println!(
        "| query latency p50 (answer + render, warm) | {} |",
        micros(percentile(&times, 0.5))
    );
    println!(
        "| query latency p99 | {} |",
        micros(percentile(&times, 0.99))
    );
    println!("| query latency max | {} |", micros(*times.last().unwrap()));
    println!(
        "| `ask` start to first answer, median of 20 | {:.0} ms |",
        percentile(&starts, 0.5).as_secs_f64() * 1e3
    );
    println!(
        "| `ask` start to first answer, p90 | {:.0} ms |",
        percentile(&starts, 0.9).as_secs_f64() * 1e3
    );
    println!(
        "| analyzer (jieba + user words) | {:.0} ms |",
        analyzer_time.as_secs_f64() * 1e3
    );
    println!(
        "| index build on disk (30 schemes) | {:.0} ms |",
        disk_build.as_secs_f64() * 1e3
    );
    println!(
        "| engine build in memory (analyzer + index) | {:.0} ms |",
        engine_build.as_secs_f64() * 1e3
    );
    println!(
        "| peak RSS, `ask` process after all questions | {:.1} MB |",
        ask_rss as f64 / 1024.0
    );
    println!(
        "| peak RSS, this bench process | {:.1} MB |",
        self_rss as f64 / 1024.0
    );
    println!("\nslowest questions (median of {rounds}):");
    for (took, q) in medians.iter().take(10) {
        println!("  {} {q}", micros(*took));
    }
}
