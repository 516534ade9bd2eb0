//! `cargo bench --bench api`: the HTTP API's figures in BENCHMARKS.md, through the real release
//! binary in `schemebot api` mode (one process, no Telegram) on loopback.
//!
//! - questions: `SCHEMEBOT_BENCH_REQUESTS` (default 2,000) `POST /api/v1/ask` requests, the
//!   questions of tests/it/questions.tsv in turn, over 8 concurrent clients, one request per
//!   connection (`Connection: close`). Each has no session, so the server issues one and writes
//!   it to SQLite: the full cost of a first question.
//! - conversations: the same number of requests as pairs — a question, then "how much?" /
//!   "幾多錢？" in its session (a session read before answering, a write after).
//! - resources: the process's CPU time (utime + stime) and peak RSS (VmHWM).
//!
//! Requests/s, and latency p50 / p99 measured by the client. A plain `main` (harness = false)
//! that prints a markdown table; nothing here asserts on time.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "support/common.rs"]
mod common;
use common::*;

#[allow(dead_code)]
#[path = "../tests/it/support/http.rs"]
mod http_client;
use http_client::request;

const CLIENTS: usize = 8;

fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("its address")
}

async fn ask(addr: SocketAddr, body: &serde_json::Value) -> (u16, String) {
    request(
        addr,
        "POST",
        "/api/v1/ask",
        &[("Content-Type", "application/json")],
        &body.to_string(),
    )
    .await
    .unwrap_or((0, String::new()))
}

struct Run {
    ok: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// `total` requests over [`CLIENTS`] clients; `pairs`: each client asks a question and then a
/// follow-up in the session the first answer returned.
async fn run(addr: SocketAddr, total: usize, pairs: bool) -> Run {
    let questions: Arc<Vec<(&'static str, &'static str)>> = Arc::new(questions());
    let next = Arc::new(AtomicUsize::new(0));
    let begun = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (questions, next) = (Arc::clone(&questions), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut latencies) = (0, 0, Vec::new());
            loop {
                let n = next.fetch_add(if pairs { 2 } else { 1 }, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let (code, question) = questions[n % questions.len()];
                let t = Instant::now();
                let (status, body) = ask(addr, &serde_json::json!({ "question": question })).await;
                latencies.push(t.elapsed());
                if status == 200 {
                    ok += 1
                } else {
                    failed += 1
                }
                if pairs {
                    let session = serde_json::from_str::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v["session"].as_str().map(str::to_owned));
                    let follow = if code == "en" {
                        "how much?"
                    } else {
                        "幾多錢？"
                    };
                    let t = Instant::now();
                    let (status, _) = ask(
                        addr,
                        &serde_json::json!({ "question": follow, "session": session }),
                    )
                    .await;
                    latencies.push(t.elapsed());
                    if status == 200 { ok += 1 } else { failed += 1 }
                }
            }
            (ok, failed, latencies)
        }));
    }
    let mut r = Run {
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for t in tasks {
        let (ok, failed, lat) = t.await.expect("a client");
        r.ok += ok;
        r.failed += failed;
        r.latencies.extend(lat);
    }
    r.elapsed = begun.elapsed();
    r.latencies.sort();
    r
}

fn vm_hwm_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = std::env::var("SCHEMEBOT_BENCH_REQUESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    let index = tempfile::tempdir().expect("index dir");
    let data = tempfile::tempdir().expect("data dir");
    build_index(&repo_corpus(), index.path());
    let addr = free_port();
    let child = Command::new(BIN)
        .arg("--corpus")
        .arg(repo_corpus())
        .arg("--index")
        .arg(index.path())
        .args(["api", "--api-rate", "100000", "--listen", &addr.to_string()])
        .arg("--data-dir")
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("schemebot api starts");
    let pid = child.id();
    // Wait for the listener, then warm up.
    let deadline = Instant::now() + Duration::from_secs(30);
    while request(addr, "GET", "/healthz", &[], "")
        .await
        .map(|r| r.0)
        .ok()
        != Some(200)
    {
        assert!(Instant::now() < deadline, "schemebot api did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    run(addr, 200, false).await;

    let ticks = clock_ticks_per_second();
    let cpu0 = cpu_ticks(pid);
    let single = run(addr, total, false).await;
    let cpu1 = cpu_ticks(pid);
    let pairs = run(addr, total, true).await;
    let cpu2 = cpu_ticks(pid);
    let hwm = vm_hwm_kb(pid);
    stop(child).await;

    println!(
        "### HTTP API (real `schemebot api`, loopback, {CLIENTS} clients, `Connection: close`)\n"
    );
    println!("| run | requests ok / failed | requests/s | p50 | p99 | server CPU per request |");
    println!("|---|---|---|---|---|---|");
    for (name, r, cpu) in [
        ("first questions (a new session each)", &single, cpu1 - cpu0),
        ("question + follow-up in its session", &pairs, cpu2 - cpu1),
    ] {
        println!(
            "| {name} | {} / {} | {:.0} | {} | {} | {} |",
            r.ok,
            r.failed,
            r.ok as f64 / r.elapsed.as_secs_f64(),
            ms(percentile(&r.latencies, 0.5)),
            ms(percentile(&r.latencies, 0.99)),
            ms(Duration::from_secs_f64(
                cpu as f64 / ticks / (r.ok + r.failed).max(1) as f64
            )),
        );
    }
    println!("\npeak RSS (VmHWM): {:.1} MB", hwm as f64 / 1024.0);
}
