//! `cargo bench --bench bot`: the figures in BENCHMARKS.md for the bot, end to end through the
//! real release binary (`schemebot serve`) and the fake Telegram Bot API of the integration
//! tests (tests/it/support/fake_api.rs), which records every call with the instant it arrived.
//!
//! - interactive: 600 questions from 600 private chats pushed at once (updates answered per
//!   second, update→reply latency p50 / p99), and 50 questions one at a time (latency at low
//!   load);
//! - broadcast: a change notice to `SCHEMEBOT_BENCH_SUBSCRIBERS` subscribers (default 10,000)
//!   published at start-up and sent at the default 30/s: achieved rate, the most sends in any
//!   one-second window, CPU time per notice and peak RSS of the bot; then 300 notices through a
//!   relay adding a round trip (`SCHEMEBOT_BENCH_RTT_MS`, default 100) to show the rate one
//!   message in flight allows on a real network;
//! - paced: questions from distinct private chats at a steady 10/s and 30/s for 20 s each
//!   (update→reply latency p50 / p99); `SCHEMEBOT_BENCH_ONLY=paced` runs only this;
//! - outbox (in process, no bot): `notify::publish` writing 10,000 notices, and `Store::due` +
//!   `mark_sent` over 10,000 rows.
//!
//! A plain `main` (harness = false): the numbers are printed as markdown tables to paste, and
//! nothing here asserts on time. The broadcast of 10,000 notices takes about 5.5 minutes by
//! design (30 a second).

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use schemebot::corpus::Corpus;
use schemebot::notify::publish;
use schemebot::store::{Store, Topic};

#[allow(dead_code)]
#[path = "support/common.rs"]
mod common;
use common::*;

#[allow(dead_code)]
#[path = "../tests/it/support/telegram.rs"]
mod telegram;

#[allow(dead_code)]
#[path = "../tests/it/support/fake_api.rs"]
mod fake_api;

use fake_api::{self as tg, Call, FakeApi};

/// Questions pushed at once in the interactive burst (one chat each).
const BURST: usize = 600;
/// Questions asked one at a time at low load.
const SEQUENTIAL: usize = 50;
/// Rows in the in-process outbox measurements.
const OUTBOX_ROWS: usize = 10_000;
/// Subscribers in the broadcast over a slow link (it runs at one message per round trip).
const RTT_SUBSCRIBERS: usize = 300;
/// How often the benchmark looks at progress: coarse, so the bench competes little with the bot
/// for the machine's two cores.
const POLL: Duration = Duration::from_millis(500);

/// Seeds `n` chats subscribed to everything (chat ids from `first`).
fn seed(store: &Store, first: i64, n: usize) {
    for i in 0..n as i64 {
        store.subscribe(first + i, &Topic::All).expect("subscribe");
    }
}

/// `schemebot serve` with a clean environment, logging at info (as in production) to a file.
fn serve(corpus: &Path, index: &Path, data: &Path, api_url: &str) -> Child {
    let log = std::fs::File::create(data.join("serve.log")).expect("log file");
    Command::new(BIN)
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .arg("serve")
        .arg("--data-dir")
        .arg(data)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TELOXIDE_TOKEN", tg::TOKEN)
        .env("TELOXIDE_API_URL", api_url)
        .env("RUST_LOG", "schemebot=info")
        .env("NO_COLOR", "1")
        // Passed through so the slow-link run can be repeated with a wider window.
        .env(
            "SCHEMEBOT_NOTIFY_IN_FLIGHT",
            std::env::var("SCHEMEBOT_NOTIFY_IN_FLIGHT").unwrap_or_else(|_| "1".to_owned()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the bot starts")
}

fn peak_rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// The most instants (sorted) in any window `[t, t + 1 s)`, and how many windows starting at an
/// instant hold more than `limit`.
fn busiest_second(sorted: &[Instant], limit: usize) -> (usize, usize) {
    let (mut max, mut over, mut end) = (0, 0, 0);
    for (start, &t) in sorted.iter().enumerate() {
        while end < sorted.len() && sorted[end].duration_since(t) < Duration::from_secs(1) {
            end += 1;
        }
        let n = end - start;
        max = max.max(n);
        over += usize::from(n > limit);
    }
    (max, over)
}

fn is_send_to(call: &Call, chat: i64) -> bool {
    call.is("sendmessage") && call.chat_id() == Some(chat)
}

// ---------------------------------------------------------------------------------------------
// Interactive

struct Interactive {
    back_to_back: Vec<Duration>,
    spaced: Vec<Duration>,
    burst_latency: Vec<Duration>,
    burst_span: Duration,
    burst_messages: usize,
    burst_failed: usize,
    burst_busiest: usize,
    burst_windows_over: usize,
}

/// Asks `SEQUENTIAL` questions one at a time, each from its own chat, waiting for each reply
/// (and `pause` before each question); returns the update→reply latencies, sorted.
async fn one_at_a_time(
    fake: &FakeApi,
    qs: &[(&str, &str)],
    first_chat: i64,
    pause: Duration,
) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(SEQUENTIAL);
    for i in 0..SEQUENTIAL {
        let chat = first_chat + i as i64;
        let (code, q) = qs[(i * 7) % qs.len()];
        tokio::time::sleep(pause).await;
        let pushed = Instant::now();
        fake.push_update(tg::text_in(chat, Some(code), q));
        let calls = fake
            .wait_for(
                |c| c.iter().any(|c| c.ok && is_send_to(c, chat)),
                Duration::from_secs(30),
            )
            .await;
        let reply = calls
            .iter()
            .find(|c| c.ok && is_send_to(c, chat))
            .expect("a reply");
        latencies.push(reply.at.duration_since(pushed));
    }
    latencies.sort();
    latencies
}

async fn interactive(index: &Path) -> Interactive {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().expect("data dir");
    let child = serve(&repo_corpus(), index, data.path(), fake.url());
    fake.wait_for(
        |c| c.iter().any(|c| c.is("getupdates")),
        Duration::from_secs(30),
    )
    .await;
    let qs = questions();

    // Warm up: the first answer after start-up pays for lazy initialisation.
    fake.push_update(tg::text(1_000_000, "technology voucher"));
    fake.wait_for(
        |c| c.iter().any(|c| c.ok && is_send_to(c, 1_000_000)),
        Duration::from_secs(30),
    )
    .await;

    eprintln!("interactive: {SEQUENTIAL} questions one at a time");
    let back_to_back = one_at_a_time(&fake, &qs, 2_000_000, Duration::ZERO).await;
    let spaced = one_at_a_time(&fake, &qs, 2_100_000, Duration::from_millis(300)).await;

    eprintln!("interactive: {BURST} questions at once");
    let first_chat = 3_000_000_i64;
    let mut pushed = Vec::with_capacity(BURST);
    for i in 0..BURST {
        let (code, q) = qs[i % qs.len()];
        let chat = first_chat + i as i64;
        pushed.push(Instant::now());
        fake.push_update(tg::text_in(chat, Some(code), q));
    }
    let in_burst = |c: &Call| {
        c.is("sendmessage")
            && c.chat_id()
                .is_some_and(|id| (first_chat..first_chat + BURST as i64).contains(&id))
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    let calls = loop {
        tokio::time::sleep(POLL).await;
        let calls = fake.calls();
        let mut answered: Vec<bool> = vec![false; BURST];
        for c in calls.iter().filter(|c| c.ok && in_burst(c)) {
            answered[(c.chat_id().unwrap_or(first_chat) - first_chat) as usize] = true;
        }
        if answered.iter().all(|&a| a) {
            break calls;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {BURST} chats answered in 300 s",
            answered.iter().filter(|&&a| a).count()
        );
    };
    let mut first_reply: HashMap<i64, Instant> = HashMap::new();
    for c in calls.iter().filter(|c| c.ok && in_burst(c)) {
        first_reply.entry(c.chat_id().unwrap_or(0)).or_insert(c.at);
    }
    let mut burst_latency: Vec<Duration> = (0..BURST)
        .map(|i| first_reply[&(first_chat + i as i64)].duration_since(pushed[i]))
        .collect();
    burst_latency.sort();
    let last = first_reply.values().max().copied().expect("replies");
    let mut sends: Vec<Instant> = calls
        .iter()
        .filter(|c| c.ok && in_burst(c))
        .map(|c| c.at)
        .collect();
    sends.sort();
    let (burst_busiest, burst_windows_over) = busiest_second(&sends, 30);
    let result = Interactive {
        back_to_back,
        spaced,
        burst_span: last.duration_since(pushed[0]),
        burst_latency,
        burst_messages: sends.len(),
        burst_failed: calls.iter().filter(|c| !c.ok && in_burst(c)).count(),
        burst_busiest,
        burst_windows_over,
    };
    stop(child).await;
    result
}

// ---------------------------------------------------------------------------------------------
// Replies at a steady rate

/// Questions from distinct private chats pushed at `per_second` (open loop: the next is pushed
/// on schedule whether or not the last was answered) for `seconds`; returns the update→reply
/// latencies, sorted.
async fn paced(index: &Path, per_second: u32, seconds: u32) -> Vec<Duration> {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().expect("data dir");
    let child = serve(&repo_corpus(), index, data.path(), fake.url());
    fake.wait_for(
        |c| c.iter().any(|c| c.is("getupdates")),
        Duration::from_secs(30),
    )
    .await;
    fake.push_update(tg::text(1_000_000, "technology voucher"));
    fake.wait_for(
        |c| c.iter().any(|c| c.ok && is_send_to(c, 1_000_000)),
        Duration::from_secs(30),
    )
    .await;
    let qs = questions();
    let n = (per_second * seconds) as usize;
    let first_chat = 5_000_000_i64 + i64::from(per_second) * 10_000;
    let mut tick = tokio::time::interval(Duration::from_secs(1) / per_second);
    let mut pushed = Vec::with_capacity(n);
    for i in 0..n {
        tick.tick().await;
        let (code, q) = qs[(i * 11) % qs.len()];
        pushed.push(Instant::now());
        fake.push_update(tg::text_in(first_chat + i as i64, Some(code), q));
    }
    let chats = first_chat..first_chat + n as i64;
    let calls = fake
        .wait_for(
            |c| {
                let mut answered = std::collections::HashSet::new();
                for c in c.iter().filter(|c| c.ok && c.is("sendmessage")) {
                    if let Some(id) = c.chat_id().filter(|id| chats.contains(id)) {
                        answered.insert(id);
                    }
                }
                answered.len() == n
            },
            Duration::from_secs(120),
        )
        .await;
    let mut first_reply: HashMap<i64, Instant> = HashMap::new();
    for c in calls.iter().filter(|c| c.ok && c.is("sendmessage")) {
        if let Some(id) = c.chat_id().filter(|id| chats.contains(id)) {
            first_reply.entry(id).or_insert(c.at);
        }
    }
    let mut latency: Vec<Duration> = (0..n)
        .map(|i| first_reply[&(first_chat + i as i64)].duration_since(pushed[i]))
        .collect();
    latency.sort();
    stop(child).await;
    latency
}

// ---------------------------------------------------------------------------------------------
// Broadcast

struct Broadcast {
    subscribers: usize,
    delivered: usize,
    failed_calls: usize,
    start_to_first: Duration,
    span: Duration,
    busiest: usize,
    windows_over: usize,
    /// Gaps between consecutive sends, sorted.
    gaps: Vec<Duration>,
    cpu_per_notice: Duration,
    cpu_total: Duration,
    peak_rss_kib: u64,
}

/// Seeds `subscribers`, changes one scheme and starts `serve`, which publishes the change and
/// sends the notices; with `rtt`, through a link with that round-trip time to the fake.
async fn broadcast(subscribers: usize, rtt: Option<Duration>) -> Broadcast {
    let corpus = corpus_copy();
    let index = tempfile::tempdir().expect("index dir");
    let data = tempfile::tempdir().expect("data dir");
    let db = data.path().join("schemebot.db");
    {
        let store = Store::open(&db).expect("store");
        let t = Instant::now();
        seed(&store, 10_000_000, subscribers);
        let baseline = Corpus::load(corpus.path()).expect("corpus");
        assert!(publish(&store, &baseline, 0).expect("baseline").first);
        eprintln!(
            "broadcast: {subscribers} subscribers seeded and baseline published in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    edit_one_scheme(corpus.path());
    build_index(corpus.path(), index.path());

    let fake = FakeApi::start().await;
    let api_url = match rtt {
        Some(rtt) => slow_link(fake.url(), rtt / 2).await,
        None => fake.url().to_owned(),
    };
    let started = Instant::now();
    let child = serve(corpus.path(), index.path(), data.path(), &api_url);
    let pid = child.id();
    // Progress comes from the outbox (a cheap COUNT), not from cloning the fake's call log.
    let store = Store::open(&db).expect("store");
    let deadline = started + Duration::from_secs(subscribers as u64 / 25 + 180);
    let mut first: Option<(u64, usize)> = None;
    let mut last_report = Instant::now();
    let (cpu_end, rss) = loop {
        tokio::time::sleep(POLL).await;
        let counts = store.outbox_counts().expect("outbox counts");
        let done = counts.sent + counts.failed + counts.dropped;
        if first.is_none() && counts.sent > 0 {
            first = Some((cpu_ticks(pid), counts.sent));
        }
        if done >= subscribers && counts.pending == 0 {
            break (cpu_ticks(pid), peak_rss_kib(&pid.to_string()));
        }
        if last_report.elapsed() >= Duration::from_secs(30) {
            last_report = Instant::now();
            eprintln!(
                "broadcast: {} sent, {} pending after {:.0} s",
                counts.sent,
                counts.pending,
                started.elapsed().as_secs_f64()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the broadcast did not finish: {counts:?}"
        );
    };
    let calls = fake.calls();
    stop(child).await;

    let mut sends: Vec<Instant> = calls
        .iter()
        .filter(|c| c.ok && c.is("sendmessage") && c.text().contains("Scheme update"))
        .map(|c| c.at)
        .collect();
    sends.sort();
    let (busiest, windows_over) = busiest_second(&sends, 30);
    let mut gaps: Vec<Duration> = sends.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort();
    let ticks = clock_ticks_per_second();
    let (cpu_start, sent_at_start) = first.unwrap_or((0, 0));
    let steady = (sends.len() - sent_at_start).max(1);
    let cpu_per_notice =
        Duration::from_secs_f64((cpu_end - cpu_start) as f64 / ticks / steady as f64);
    Broadcast {
        subscribers,
        delivered: sends.len(),
        failed_calls: calls
            .iter()
            .filter(|c| !c.ok && c.is("sendmessage"))
            .count(),
        start_to_first: sends[0].duration_since(started),
        span: sends[sends.len() - 1].duration_since(sends[0]),
        busiest,
        windows_over,
        gaps,
        cpu_per_notice,
        cpu_total: Duration::from_secs_f64(cpu_end as f64 / ticks),
        peak_rss_kib: rss,
    }
}

/// A TCP relay to the fake at `upstream` (an `http://host:port` URL) that delays the bytes it
/// forwards by `one_way` in each direction, like a long network path: a constant-latency pipe
/// (bytes keep their order and spacing), so each request/response pays one round trip. Returns
/// the relay's URL.
async fn slow_link(upstream: &str, one_way: Duration) -> String {
    let upstream = upstream
        .strip_prefix("http://")
        .expect("an http URL")
        .to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding the relay");
    let url = format!(
        "http://{}",
        listener.local_addr().expect("the relay's address")
    );
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::join!(
                    delayed_copy(client_read, server_write, one_way),
                    delayed_copy(server_read, client_write, one_way)
                );
            });
        }
    });
    url
}

async fn delayed_copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buf).await {
            if n == 0
                || tx
                    .send((tokio::time::Instant::now() + delay, buf[..n].to_vec()))
                    .is_err()
            {
                break;
            }
        }
    };
    let writer = async move {
        while let Some((at, bytes)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if to.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}

// ---------------------------------------------------------------------------------------------
// Outbox

struct Outbox {
    seed: Duration,
    publish: Duration,
    notices: usize,
    due: Duration,
    mark_sent: Duration,
    drained: usize,
}

fn outbox() -> Outbox {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("schemebot.db")).expect("store");
    let t = Instant::now();
    seed(&store, 10_000_000, OUTBOX_ROWS);
    let seed_time = t.elapsed();
    let corpus = corpus_copy();
    let before = Corpus::load(corpus.path()).expect("corpus");
    assert!(publish(&store, &before, 0).expect("baseline").first);
    edit_one_scheme(corpus.path());
    let after = Corpus::load(corpus.path()).expect("edited corpus");
    let now = schemebot::bot::now_ms();
    let t = Instant::now();
    let published = publish(&store, &after, now).expect("publish");
    let publish_time = t.elapsed();

    let (mut due_time, mut mark_time, mut drained) = (Duration::ZERO, Duration::ZERO, 0);
    loop {
        // The delivery worker's batch size.
        let t = Instant::now();
        let due = store.due(now, 64).expect("due");
        due_time += t.elapsed();
        if due.is_empty() {
            break;
        }
        let t = Instant::now();
        for item in &due {
            store.mark_sent(item.id, now).expect("mark sent");
        }
        mark_time += t.elapsed();
        drained += due.len();
    }
    Outbox {
        seed: seed_time,
        publish: publish_time,
        notices: published.notices,
        due: due_time,
        mark_sent: mark_time,
        drained,
    }
}

// ---------------------------------------------------------------------------------------------

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let subscribers: usize = std::env::var("SCHEMEBOT_BENCH_SUBSCRIBERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let begun = Instant::now();

    // Replies at a steady rate from distinct chats (also alone: SCHEMEBOT_BENCH_ONLY=paced).
    let index = tempfile::tempdir().expect("index dir");
    build_index(&repo_corpus(), index.path());
    let mut steady = Vec::new();
    for per_second in [10, 30] {
        eprintln!("paced: questions from distinct chats at {per_second}/s for 20 s");
        steady.push((per_second, paced(index.path(), per_second, 20).await));
    }
    println!("### Replies at a steady rate (distinct private chats, 20 s each)\n");
    println!("| questions a second | replies | latency p50 | latency p99 | max |");
    println!("|---|---|---|---|---|");
    for (per_second, latency) in &steady {
        println!(
            "| {per_second}/s | {} | {} | {} | {} |",
            latency.len(),
            ms(percentile(latency, 0.5)),
            ms(percentile(latency, 0.99)),
            ms(*latency.last().expect("latencies"))
        );
    }
    if std::env::var("SCHEMEBOT_BENCH_ONLY").is_ok_and(|v| v == "paced") {
        return;
    }

    eprintln!("outbox: {OUTBOX_ROWS} rows in process");
    let ob = outbox();

    let it = interactive(index.path()).await;

    eprintln!("broadcast: {subscribers} subscribers at the default 30/s");
    let bc = broadcast(subscribers, None).await;
    let rtt = Duration::from_millis(
        std::env::var("SCHEMEBOT_BENCH_RTT_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100),
    );
    let slow_subscribers = subscribers.min(RTT_SUBSCRIBERS);
    eprintln!(
        "broadcast: {slow_subscribers} subscribers through a link with {} ms round trip",
        rtt.as_millis()
    );
    let slow = broadcast(slow_subscribers, Some(rtt)).await;

    println!("### Interactive (real `schemebot serve`, fake Bot API on loopback)\n");
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| burst: questions from distinct private chats, pushed at once | {BURST} ({} messages sent, {} refused) |",
        it.burst_messages, it.burst_failed
    );
    println!(
        "| burst: updates answered per second (first push to last reply) | {:.1}/s ({:.1} s) |",
        BURST as f64 / it.burst_span.as_secs_f64(),
        it.burst_span.as_secs_f64()
    );
    println!(
        "| burst: most messages sent in any 1-second window (windows above 30) | {} ({}) |",
        it.burst_busiest, it.burst_windows_over
    );
    println!(
        "| burst: update→reply latency p50 | {} |",
        ms(percentile(&it.burst_latency, 0.5))
    );
    println!(
        "| burst: update→reply latency p99 | {} |",
        ms(percentile(&it.burst_latency, 0.99))
    );
    println!(
        "| low load, {SEQUENTIAL} one at a time, 300 ms pause before each: latency p50 | {} |",
        ms(percentile(&it.spaced, 0.5))
    );
    println!(
        "| low load, 300 ms pause: latency p99 | {} |",
        ms(percentile(&it.spaced, 0.99))
    );
    println!(
        "| {SEQUENTIAL} back to back (next as soon as the reply arrives): latency p50 | {} |",
        ms(percentile(&it.back_to_back, 0.5))
    );
    println!(
        "| back to back: latency p99 | {} |",
        ms(percentile(&it.back_to_back, 0.99))
    );

    println!("\n### Broadcast (real `schemebot serve`, default rates)\n");
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| subscribers (Topic::All), notices delivered | {} / {} ({} sends refused) |",
        bc.subscribers, bc.delivered, bc.failed_calls
    );
    println!(
        "| process start to first notice (start-up + publish) | {} |",
        ms(bc.start_to_first)
    );
    println!(
        "| achieved rate (delivered / first to last) | {:.2}/s over {:.1} s |",
        bc.delivered as f64 / bc.span.as_secs_f64(),
        bc.span.as_secs_f64()
    );
    println!("| most sends in any 1-second window | {} |", bc.busiest);
    println!("| 1-second windows above 30 | {} |", bc.windows_over);
    println!(
        "| gap between consecutive sends p50 / p99 / max | {} / {} / {} |",
        ms(percentile(&bc.gaps, 0.5)),
        ms(percentile(&bc.gaps, 0.99)),
        ms(*bc.gaps.last().expect("gaps"))
    );
    println!(
        "| bot CPU per notice (utime + stime while sending) | {:.0} µs |",
        bc.cpu_per_notice.as_secs_f64() * 1e6
    );
    println!(
        "| bot CPU in all (start-up, publish, broadcast) | {:.2} s |",
        bc.cpu_total.as_secs_f64()
    );
    println!(
        "| bot peak RSS (VmHWM) | {:.1} MB |",
        bc.peak_rss_kib as f64 / 1024.0
    );
    println!(
        "| over a link with {} ms round trip: notices delivered | {} / {} |",
        rtt.as_millis(),
        slow.delivered,
        slow.subscribers
    );
    println!(
        "| over a {} ms link: achieved rate | {:.2}/s over {:.1} s (10,000 would take {:.0} min) |",
        rtt.as_millis(),
        slow.delivered as f64 / slow.span.as_secs_f64(),
        slow.span.as_secs_f64(),
        10_000.0 * slow.span.as_secs_f64() / slow.delivered as f64 / 60.0
    );
    println!(
        "| over a {} ms link: most sends in any 1-second window | {} |",
        rtt.as_millis(),
        slow.busiest
    );

    println!("\n### Outbox (in process, on-disk SQLite)\n");
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| seeding {OUTBOX_ROWS} subscribers (one transaction each) | {:.0} /s |",
        OUTBOX_ROWS as f64 / ob.seed.as_secs_f64()
    );
    println!(
        "| `notify::publish` writing {} notices | {} → {:.0} notices/s |",
        ob.notices,
        ms(ob.publish),
        ob.notices as f64 / ob.publish.as_secs_f64()
    );
    let drain = ob.due + ob.mark_sent;
    println!(
        "| `Store::due` (64 a batch) + `mark_sent`, {} rows | {} → {:.0} rows/s |",
        ob.drained,
        ms(drain),
        ob.drained as f64 / drain.as_secs_f64()
    );
    println!(
        "| of which `due` / `mark_sent` | {} / {} ({:.0} µs per `mark_sent`) |",
        ms(ob.due),
        ms(ob.mark_sent),
        ob.mark_sent.as_secs_f64() * 1e6 / ob.drained.max(1) as f64
    );
    println!("\nwhole run: {:.0} s", begun.elapsed().as_secs_f64());
}
