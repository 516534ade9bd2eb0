//! `cargo bench --bench webhook`: the webhook-mode load figures in BENCHMARKS.md, through the
//! real release binary (`schemebot serve --webhook-url ... --listen ...`) and the fake Telegram
//! Bot API of the integration tests (tests/it/support/fake_api.rs), which records every call
//! with the instant it arrived.
//!
//! - intake: `SCHEMEBOT_BENCH_UPDATES` updates (default 3,000; the questions of
//!   tests/it/questions.tsv, one private chat each, unique `update_id`s) POSTed to the webhook
//!   with the secret header over 8 concurrent connections, as fast as they are accepted (plain
//!   HTTP/1.1, one request per connection, `Connection: close`; a 429 from the bot's bounded
//!   intake queue is posted again 100 ms later, as Telegram would later, and counted): requests/s
//!   answered 200, request
//!   latency p50 / p99, and how many updates were accepted but not yet answered when the last
//!   POST returned (split with the bot's `/metrics` into "not yet handled" and "handled, reply
//!   waiting in the rate limiter"), and when the last update reached a handler;
//! - end to end: POST to the bot's `sendMessage` for that chat, from the fake's call log:
//!   replies/s and latency p50 / p99. Replies go through teloxide's `Throttle` (Telegram's ~30
//!   messages/s overall), so this is capped near 30/s by design and the latency is mostly queueing;
//! - resources: the bot's VmRSS and thread count (sampled every 200 ms) and VmHWM from
//!   /proc/<pid>/status, and its CPU time (utime + stime from /proc/<pid>/stat).
//!
//! A plain `main` (harness = false): the numbers are printed as a markdown table to paste, and
//! nothing here asserts on time. The run stops when every chat has its reply or after 5 minutes;
//! with 3,000 updates at ~30 replies/s it takes about two minutes.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "support/common.rs"]
mod common;
use common::*;

#[allow(dead_code)]
#[path = "../tests/it/support/telegram.rs"]
mod telegram;

// The tests' client; the bench needs only the status and body of a response.
#[allow(dead_code)]
#[path = "../tests/it/support/http.rs"]
mod http_client;
use http_client::{request, sample};

#[allow(dead_code)]
#[path = "../tests/it/support/fake_api.rs"]
mod fake_api;

use fake_api::{self as tg, Call, FakeApi};

/// A free loopback port (bound and released; the bot binds it right after).
fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("its address")
}

/// One request with the webhook's headers: the status (0 when the exchange failed) and the body.
async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Telegram-Bot-Api-Secret-Token", SECRET),
    ];
    request(addr, method, path, &headers, body)
        .await
        .unwrap_or((0, String::new()))
}

/// Concurrent connections posting updates.
const CONNECTIONS: usize = 8;
const SECRET: &str = "bench_SECRET-1";
const HOOK_PATH: &str = "/tg/hook";
/// First chat id of the load (one chat per update).
const FIRST_CHAT: i64 = 5_000_000;
/// How often the fake's call log is read: coarse, so the bench competes little with the bot for
/// the machine's two cores (the log grows to thousands of calls).
const POLL: Duration = Duration::from_millis(500);
/// How often the bot's memory is sampled.
const SAMPLE: Duration = Duration::from_millis(200);
/// The whole load phase (intake and replies) gives up after this.
const LIMIT: Duration = Duration::from_secs(300);

/// `schemebot serve` in webhook mode with a clean environment, logging at info (as in
/// production) to a file.
fn serve(index: &Path, data: &Path, addr: SocketAddr, fake: &FakeApi) -> Child {
    let log = std::fs::File::create(data.join("serve.log")).expect("log file");
    Command::new(BIN)
        .arg("--corpus")
        .arg(repo_corpus())
        .arg("--index")
        .arg(index)
        .arg("serve")
        .arg("--data-dir")
        .arg(data)
        .arg("--webhook-url")
        .arg(format!("https://bot.example.org{HOOK_PATH}"))
        .arg("--listen")
        .arg(addr.to_string())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TELOXIDE_TOKEN", tg::TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("SCHEMEBOT_WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "schemebot=info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the bot starts")
}

/// VmRSS and VmHWM of a process, in KiB, and its thread count (0 when unreadable).
fn memory_kib(pid: u32) -> (u64, u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"), field("Threads:"))
}

/// Samples a process's memory every [`SAMPLE`] on a plain thread until told to stop; returns
/// the largest VmRSS seen, the last VmHWM read and the most threads seen.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(u64, u64, u64)>,
}

impl Sampler {
    fn start(pid: u32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (mut rss_max, mut hwm, mut threads_max) = (0, 0, 0);
            while !flag.load(Ordering::Relaxed) {
                let (rss, h, threads) = memory_kib(pid);
                rss_max = rss_max.max(rss);
                hwm = hwm.max(h);
                threads_max = threads_max.max(threads);
                std::thread::sleep(SAMPLE);
            }
            (rss_max, hwm, threads_max)
        });
        Sampler { stop, thread }
    }

    fn finish(self) -> (u64, u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the sampler thread")
    }
}

/// Sliding windows of `width` over sorted instants: the most instants in any window
/// `[t, t + width)` and where that window starts, and how many windows starting at an instant
/// hold more than `limit`.
fn busiest(sorted: &[Instant], width: Duration, limit: usize) -> (usize, Option<Instant>, usize) {
    let (mut max, mut at, mut over, mut end) = (0, None, 0, 0);
    for (start, &t) in sorted.iter().enumerate() {
        while end < sorted.len() && sorted[end].duration_since(t) < width {
            end += 1;
        }
        let n = end - start;
        if n > max {
            (max, at) = (n, Some(t));
        }
        over += usize::from(n > limit);
    }
    (max, at, over)
}

/// One POST of the load.
#[derive(Clone, Copy)]
struct Post {
    sent: Instant,
    latency: Duration,
    status: u16,
}

/// Replies read from the fake's call log so far, counted incrementally.
struct Replies {
    /// Calls of the log already looked at.
    seen: usize,
    /// The first successful sendMessage per load chat.
    first: Vec<Option<Instant>>,
    /// Every successful sendMessage to a load chat.
    sends: Vec<Instant>,
    answered: usize,
    refused: usize,
}

impl Replies {
    fn new(n: usize) -> Replies {
        Replies {
            seen: 0,
            first: vec![None; n],
            sends: Vec::with_capacity(n),
            answered: 0,
            refused: 0,
        }
    }

    fn read(&mut self, calls: &[Call]) {
        let n = self.first.len() as i64;
        for c in &calls[self.seen.min(calls.len())..] {
            let Some(i) = c
                .chat_id()
                .filter(|id| c.is("sendmessage") && (FIRST_CHAT..FIRST_CHAT + n).contains(id))
                .map(|id| (id - FIRST_CHAT) as usize)
            else {
                continue;
            };
            if !c.ok {
                self.refused += 1;
                continue;
            }
            self.sends.push(c.at);
            if self.first[i].is_none() {
                self.first[i] = Some(c.at);
                self.answered += 1;
            }
        }
        self.seen = calls.len();
    }

    /// Chats answered at or before `t`.
    fn answered_by(&self, t: Instant) -> usize {
        self.first.iter().flatten().filter(|&&at| at <= t).count()
    }
}

struct Results {
    updates: usize,
    intake: Duration,
    accepted: usize,
    rejected: usize,
    /// 429s from the full intake queue (each posted again later).
    busy: usize,
    post_latency: Vec<Duration>,
    answered_at_intake_end: usize,
    handled_at_intake_end: Option<f64>,
    replied_at_intake_end: Option<f64>,
    answered: usize,
    refused: usize,
    messages: usize,
    span: Duration,
    end_to_end: Vec<Duration>,
    busiest: usize,
    /// When the busiest window starts, from the first POST.
    busiest_at: Duration,
    windows_over: usize,
    busiest_10s: usize,
    /// When the bot's metrics first showed every update handed to a handler, from the first
    /// POST (read at each poll, so within [`POLL`]).
    all_handled: Option<Duration>,
    drain_rate: f64,
    idle_rss_kib: u64,
    idle_threads: u64,
    threads_max: u64,
    rss_max_kib: u64,
    hwm_kib: u64,
    cpu_intake: Duration,
    cpu_total: Duration,
}

async fn load(n: usize, index: &Path) -> Results {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().expect("data dir");
    let addr = free_port();
    let child = serve(index, data.path(), addr, &fake);
    let pid = child.id();
    fake.wait_for(
        |c| c.iter().any(|c| c.is("setwebhook")),
        Duration::from_secs(30),
    )
    .await;
    // setWebhook comes before the listener serves; wait for it to answer.
    let deadline = Instant::now() + Duration::from_secs(30);
    while http(addr, "GET", "/healthz", "").await.0 != 200 {
        assert!(Instant::now() < deadline, "/healthz never answered 200");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Warm up: the first answer after start-up pays for lazy initialisation.
    let mut warm = tg::text(1_000_000, "technology voucher");
    warm["update_id"] = serde_json::json!(1);
    assert_eq!(
        http(addr, "POST", HOOK_PATH, &warm.to_string()).await.0,
        200
    );
    fake.wait_for(
        |c| {
            c.iter()
                .any(|c| c.ok && c.is("sendmessage") && c.chat_id() == Some(1_000_000))
        },
        Duration::from_secs(30),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (idle_rss_kib, _, idle_threads) = memory_kib(pid);

    // The bodies are built before the clock starts.
    let qs = questions();
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..n)
            .map(|i| {
                let (code, q) = qs[i % qs.len()];
                let mut u = tg::text_in(FIRST_CHAT + i as i64, Some(code), q);
                u["update_id"] = serde_json::json!(1_000 + i as i64);
                u.to_string()
            })
            .collect(),
    );
    let posts: Arc<Mutex<Vec<Option<Post>>>> = Arc::new(Mutex::new(vec![None; n]));
    let next = Arc::new(AtomicUsize::new(0));
    let busy = Arc::new(AtomicUsize::new(0));

    eprintln!("intake: {n} updates over {CONNECTIONS} connections");
    let sampler = Sampler::start(pid);
    let ticks = clock_ticks_per_second();
    let cpu_start = cpu_ticks(pid);
    let began = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (bodies, posts, next, busy) = (
                Arc::clone(&bodies),
                Arc::clone(&posts),
                Arc::clone(&next),
                Arc::clone(&busy),
            );
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= bodies.len() {
                        break;
                    }
                    let sent = Instant::now();
                    let status = loop {
                        let (status, _) = http(addr, "POST", HOOK_PATH, &bodies[i]).await;
                        if status != 429 {
                            break status;
                        }
                        busy.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    };
                    mine.push((
                        i,
                        Post {
                            sent,
                            latency: sent.elapsed(),
                            status,
                        },
                    ));
                }
                let mut posts = posts.lock().expect("posts");
                for (i, p) in mine {
                    posts[i] = Some(p);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("a load connection");
    }
    let intake_end = Instant::now();
    let intake = intake_end - began;
    let cpu_intake = cpu_ticks(pid) - cpu_start;
    let (_, metrics) = http(addr, "GET", "/metrics", "").await;
    let posts: Vec<Post> = posts
        .lock()
        .expect("posts")
        .iter()
        .map(|p| p.expect("every update posted"))
        .collect();
    let accepted = posts.iter().filter(|p| p.status == 200).count();
    let mut post_latency: Vec<Duration> = posts.iter().map(|p| p.latency).collect();
    post_latency.sort();

    eprintln!("end to end: waiting for {accepted} replies (about 30 a second)");
    let mut replies = Replies::new(n);
    let deadline = began + LIMIT;
    let mut all_handled = None;
    loop {
        replies.read(&fake.calls());
        if all_handled.is_none() {
            let (_, text) = http(addr, "GET", "/metrics", "").await;
            // The warm-up message counts too.
            if sample(&text, "schemebot_updates_total{kind=\"message\"}")
                .is_some_and(|h| h as usize > accepted)
            {
                all_handled = Some(began.elapsed());
            }
        }
        if replies.answered >= accepted || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let cpu_total = cpu_ticks(pid) - cpu_start;
    let (rss_max_kib, hwm_kib, threads_max) = sampler.finish();
    stop(child).await;
    if replies.answered < accepted {
        eprintln!(
            "gave up after {} s: {} of {accepted} chats answered",
            LIMIT.as_secs(),
            replies.answered
        );
    }

    let mut end_to_end: Vec<Duration> = posts
        .iter()
        .zip(&replies.first)
        .filter_map(|(p, r)| Some(r.as_ref()?.duration_since(p.sent)))
        .collect();
    end_to_end.sort();
    replies.sends.sort();
    let last = replies.first.iter().flatten().max().copied();
    let answered_at_intake_end = replies.answered_by(intake_end);
    let (most_1s, most_1s_at, windows_over) = busiest(&replies.sends, Duration::from_secs(1), 30);
    let (most_10s, _, _) = busiest(&replies.sends, Duration::from_secs(10), 300);
    // The rate the queue drained at after intake: replies after the last POST over that time.
    let drain_rate = last.map_or(0.0, |last| {
        (replies.answered - answered_at_intake_end) as f64
            / last.duration_since(intake_end).as_secs_f64().max(1e-9)
    });
    Results {
        updates: n,
        intake,
        accepted,
        rejected: n - accepted,
        busy: busy.load(Ordering::Relaxed),
        post_latency,
        answered_at_intake_end,
        handled_at_intake_end: sample(&metrics, "schemebot_updates_total{kind=\"message\"}"),
        replied_at_intake_end: sample(&metrics, "schemebot_reply_duration_seconds_count"),
        answered: replies.answered,
        refused: replies.refused,
        messages: replies.sends.len(),
        span: last.map_or(Duration::ZERO, |l| l.duration_since(began)),
        end_to_end,
        busiest: most_1s,
        busiest_at: most_1s_at.map_or(Duration::ZERO, |t| t.duration_since(began)),
        windows_over,
        busiest_10s: most_10s,
        all_handled,
        drain_rate,
        idle_rss_kib,
        idle_threads,
        threads_max,
        rss_max_kib,
        hwm_kib,
        cpu_intake: Duration::from_secs_f64(cpu_intake as f64 / ticks),
        cpu_total: Duration::from_secs_f64(cpu_total as f64 / ticks),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let updates: usize = std::env::var("SCHEMEBOT_BENCH_UPDATES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000);
    let begun = Instant::now();
    let index = tempfile::tempdir().expect("index dir");
    build_index(&repo_corpus(), index.path());
    let r = load(updates, index.path()).await;

    // The warm-up reply is counted by the bot's metrics too.
    let handled = r
        .handled_at_intake_end
        .map(|h| (h as usize).saturating_sub(1));
    let replied = r
        .replied_at_intake_end
        .map(|h| (h as usize).saturating_sub(1));
    let queued = r.accepted - r.answered_at_intake_end;

    println!("### Webhook load (real `schemebot serve --webhook-url`, fake Bot API on loopback)\n");
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| updates POSTed ({CONNECTIONS} connections, `Connection: close`): answered 200 / not | {} / {} |",
        r.accepted, r.rejected
    );
    println!(
        "| intake: 429 (queue full, posted again after 100 ms) | {} |",
        r.busy
    );
    println!(
        "| intake: requests accepted per second | {:.0}/s ({:.2} s for {}) |",
        r.accepted as f64 / r.intake.as_secs_f64(),
        r.intake.as_secs_f64(),
        r.updates
    );
    println!(
        "| intake: request latency p50 / p99 / max (connect to response read) | {} / {} / {} |",
        ms(percentile(&r.post_latency, 0.5)),
        ms(percentile(&r.post_latency, 0.99)),
        ms(*r.post_latency.last().expect("posts"))
    );
    let split = match (handled, replied) {
        (Some(h), Some(rep)) => format!(
            " ({} not yet in a handler, {} in a handler waiting on the rate limiter; bot metrics: {rep} replied)",
            r.accepted.saturating_sub(h),
            h.saturating_sub(rep)
        ),
        _ => String::new(),
    };
    println!(
        "| updates still queued when intake finished (accepted, no reply yet) | {queued}{split} |"
    );
    println!(
        "| every update in a handler (bot metrics, read every {} ms) | {} |",
        POLL.as_millis(),
        r.all_handled.map_or("not seen".to_owned(), |t| format!(
            "{:.1} s after the first POST",
            t.as_secs_f64()
        ))
    );
    println!(
        "| end to end: chats answered (messages sent, sends refused) | {} ({}, {}) |",
        r.answered, r.messages, r.refused
    );
    println!(
        "| end to end: replies per second, first POST to last reply | {:.1}/s ({:.1} s) |",
        r.answered as f64 / r.span.as_secs_f64().max(1e-9),
        r.span.as_secs_f64()
    );
    println!(
        "| end to end: replies per second after intake (the queue draining) | {:.1}/s |",
        r.drain_rate
    );
    println!(
        "| end to end: most replies in any 10-second window | {} |",
        r.busiest_10s
    );
    println!(
        "| end to end: most replies in any 1-second window (at; windows above 30) | {} ({:.1} s; {}) |",
        r.busiest,
        r.busiest_at.as_secs_f64(),
        r.windows_over
    );
    println!(
        "| end to end: POST→reply latency p50 / p99 | {:.1} s / {:.1} s |",
        percentile(&r.end_to_end, 0.5).as_secs_f64(),
        percentile(&r.end_to_end, 0.99).as_secs_f64()
    );
    println!(
        "| bot RSS: idle after warm-up / largest sampled (200 ms) / VmHWM | {} / {} / {} |",
        mb(r.idle_rss_kib),
        mb(r.rss_max_kib),
        mb(r.hwm_kib)
    );
    println!(
        "| bot threads: idle / most sampled | {} / {} |",
        r.idle_threads, r.threads_max
    );
    println!(
        "| bot CPU (utime + stime): intake / whole run | {:.2} s / {:.2} s ({:.0} µs per update) |",
        r.cpu_intake.as_secs_f64(),
        r.cpu_total.as_secs_f64(),
        r.cpu_total.as_secs_f64() * 1e6 / r.accepted.max(1) as f64
    );
    println!("\nwhole run: {:.0} s", begun.elapsed().as_secs_f64());
}
