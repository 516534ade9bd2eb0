//! `cargo bench --bench replicas`: the broadcast rate with two replicas of the release binary
//! (`schemebot serve --database postgres://… --webhook-url … --listen 127.0.0.1:0`) sharing one
//! PostgreSQL database, against the fake Telegram Bot API of the integration tests
//! (tests/it/support/fake_api.rs), which records every call with the instant it arrived.
//!
//! - undisturbed: a change notice to `SCHEMEBOT_BENCH_SUBSCRIBERS` subscribers (default 3,000),
//!   published at start-up and sent at the default 30/s by whichever replica takes the delivery
//!   lock: chats notified, duplicates, achieved rate, the most sends in any one-second window,
//!   which replica delivered;
//! - hand-over: the same, but the delivering replica is killed (SIGKILL) once a third of the
//!   notices are marked sent; the other takes over (it asks for the lock every second): the same
//!   figures over the whole run, and the gap between the last send before the kill and the first
//!   after it.
//!
//! Each replica's peak RSS (VmHWM) and CPU time come from /proc. The database is
//! `SCHEMEBOT_BENCH_DATABASE_URL` (else `SCHEMEBOT_TEST_DATABASE_URL`); the bench works in a
//! schema of its own (`bench_<pid>`, created afresh for each run and dropped at the end). Without
//! either variable it says it is skipped and exits 0.
//!
//! A plain `main` (harness = false): the numbers are printed as a markdown table to paste, and
//! nothing here asserts on time. Each run takes about N / 30 seconds by design.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use schemebot::corpus::Corpus;
use schemebot::notify::publish;
use schemebot::store::{OutboxCounts, Store, Topic};

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

/// How often the bench looks at progress in the outbox (a cheap COUNT).
const POLL: Duration = Duration::from_millis(500);
/// How often it looks while waiting for the moment to kill the leader.
const KILL_POLL: Duration = Duration::from_millis(50);
/// The log line of the replica that takes the delivery lock.
const LEADS: &str = "this replica now delivers the outbox";
/// The overall limit the goals are about (the default `--notify-rate`).
const RATE: usize = 30;

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
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

/// The shortest time covering `limit + 1` consecutive instants (sorted): under a second means
/// some 1-second window held more than `limit`; how far under says by how much it missed.
fn shortest_span(sorted: &[Instant], limit: usize) -> Option<Duration> {
    sorted.windows(limit + 1).map(|w| w[limit] - w[0]).min()
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// The database

/// The bench's schema in the database at `admin`; [`Schema::url`] selects it.
struct Schema {
    admin: String,
    name: String,
    url: String,
}

impl Schema {
    fn new(admin: String) -> Schema {
        let name = format!("bench_{}", std::process::id());
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-csearch_path%3D{name}");
        Schema { admin, name, url }
    }

    /// Drops the schema (if it is there) and creates it empty.
    async fn reset(&self) {
        execute(
            &self.admin,
            &format!(
                "DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}",
                self.name
            ),
        )
        .await;
    }

    async fn drop_schema(&self) {
        execute(
            &self.admin,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        )
        .await;
    }
}

async fn execute(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("the bench database answers");
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.expect("schema statement");
    drop(client);
    let _ = task.await;
}

// ---------------------------------------------------------------------------------------------
// The corpus and the replicas

/// One `schemebot serve` in webhook mode on the shared database, with its own index and data
/// folders, logging at info (as in production) to `serve.log` in its data folder. Killed with
/// SIGKILL if still running when dropped (a panic in the bench leaves no replica behind).
struct Replica {
    name: &'static str,
    child: Option<Child>,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Replica {
    /// Its own folders, with the index built (so that both replicas start at once).
    fn prepare(corpus: &Path) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("replica dir");
        std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
        build_index(corpus, &dir.path().join("index"));
        dir
    }

    fn start(
        name: &'static str,
        dir: tempfile::TempDir,
        corpus: &Path,
        database: &str,
        fake: &FakeApi,
    ) -> Replica {
        let (index, data) = (dir.path().join("index"), dir.path().join("data"));
        let log = data.join("serve.log");
        let child = Command::new(BIN)
            .arg("--corpus")
            .arg(corpus)
            .arg("--index")
            .arg(&index)
            .arg("serve")
            .arg("--data-dir")
            .arg(&data)
            .args(["--database", database])
            .args(["--webhook-url", "https://bot.example.org/hook"])
            .args(["--listen", "127.0.0.1:0"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TELOXIDE_TOKEN", tg::TOKEN)
            .env("TELOXIDE_API_URL", fake.url())
            .env("SCHEMEBOT_WEBHOOK_SECRET", "bench-secret")
            .env("RUST_LOG", "schemebot=info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("the replica starts");
        Replica {
            name,
            child: Some(child),
            log,
            _dir: dir,
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    fn leads(&self) -> bool {
        std::fs::read_to_string(&self.log).is_ok_and(|l| l.contains(LEADS))
    }

    fn usage(&self) -> Usage {
        let pid = self.pid();
        Usage {
            peak_rss_kib: peak_rss_kib(pid),
            cpu: Duration::from_secs_f64(cpu_ticks(pid) as f64 / clock_ticks_per_second()),
        }
    }

    /// SIGKILL, and reaps it; returns when it is gone.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM and a clean stop (SIGKILL after 10 s).
    async fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            stop(child).await;
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

#[derive(Clone, Copy, Default)]
struct Usage {
    peak_rss_kib: u64,
    cpu: Duration,
}

// ---------------------------------------------------------------------------------------------
// One broadcast across two replicas

struct Run {
    subscribers: usize,
    /// Chats that received the notice at least once.
    notified: usize,
    /// Chats that received it more than once.
    duplicates: usize,
    /// Notice sends the fake accepted, duplicates included.
    sends: usize,
    refused: usize,
    outbox: OutboxCounts,
    start_to_first: Duration,
    span: Duration,
    busiest: usize,
    windows_over: usize,
    /// The shortest time covering 31 consecutive sends.
    span_of_31: Option<Duration>,
    /// Gaps between consecutive sends, sorted.
    gaps: Vec<Duration>,
    /// Which replicas took the delivery lock, in order.
    leaders: Vec<&'static str>,
    usage: [Usage; 2],
    kill: Option<Kill>,
}

/// What happened around the kill of the delivering replica.
struct Kill {
    /// Marked sent in the outbox when the kill was decided.
    sent_before: usize,
    /// Notices the fake had received when the leader was gone.
    received_before: usize,
    /// The last send received before the kill to the first after it.
    hand_over: Duration,
    /// The kill to the first send after it.
    kill_to_first: Duration,
    /// Sends in any 1-second window touching the hand-over (last before − 1 s … first after + 1 s).
    busiest_around: usize,
}

async fn counts(store: &Arc<Store>) -> OutboxCounts {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || store.outbox_counts().expect("outbox counts"))
        .await
        .expect("the counting task")
}

/// Seeds `subscribers` in a fresh schema, publishes the corpus as a baseline, edits one scheme
/// and starts two replicas, which publish the change and deliver it; with `kill`, the
/// delivering replica is killed once a third of the notices are marked sent.
async fn broadcast(schema: &Schema, subscribers: usize, kill: bool) -> Run {
    schema.reset().await;
    let corpus = corpus_copy();
    {
        let t = Instant::now();
        let url = schema.url.clone();
        let path = corpus.path().to_owned();
        tokio::task::spawn_blocking(move || {
            let store = Store::connect(&url).expect("the bench schema");
            for i in 0..subscribers as i64 {
                store
                    .subscribe(10_000_000 + i, &Topic::All)
                    .expect("subscribe");
            }
            let baseline = Corpus::load(&path).expect("corpus");
            assert!(publish(&store, &baseline, 0).expect("baseline").first);
        })
        .await
        .expect("seeding");
        eprintln!(
            "{subscribers} subscribers seeded and baseline published in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    edit_one_scheme(corpus.path());

    let dirs = [
        Replica::prepare(corpus.path()),
        Replica::prepare(corpus.path()),
    ];
    let fake = FakeApi::start().await;
    let started = Instant::now();
    let [a, b] = dirs;
    let mut replicas = [
        Replica::start("A", a, corpus.path(), &schema.url, &fake),
        Replica::start("B", b, corpus.path(), &schema.url, &fake),
    ];
    let url = schema.url.clone();
    let store = Arc::new(
        tokio::task::spawn_blocking(move || Store::connect(&url).expect("the bench schema"))
            .await
            .expect("connecting"),
    );
    let deadline = started + Duration::from_secs(subscribers as u64 / 25 + 180);
    let mut leaders: Vec<&'static str> = Vec::new();
    let mut usage = [Usage::default(); 2];
    let mut killed: Option<(Instant, usize)> = None;
    let mut last_report = Instant::now();
    loop {
        let waiting = kill && killed.is_none();
        tokio::time::sleep(if waiting { KILL_POLL } else { POLL }).await;
        for (i, r) in replicas.iter().enumerate() {
            if r.child.is_some() && !leaders.contains(&r.name) && r.leads() {
                leaders.push(r.name);
                eprintln!(
                    "replica {} delivers (after {:.1} s)",
                    r.name,
                    started.elapsed().as_secs_f64()
                );
            }
            if r.child.is_some() {
                usage[i] = r.usage();
            }
        }
        let c = counts(&store).await;
        if waiting && c.sent >= subscribers / 3 {
            let leader = leaders.last().copied().expect("a replica delivers");
            let i = replicas
                .iter()
                .position(|r| r.name == leader)
                .expect("the leader");
            usage[i] = replicas[i].usage();
            replicas[i].kill();
            killed = Some((Instant::now(), c.sent));
            eprintln!("killed replica {leader} with {} sent", c.sent);
        }
        if c.sent + c.failed + c.dropped >= subscribers && c.pending == 0 {
            break;
        }
        if last_report.elapsed() >= Duration::from_secs(30) {
            last_report = Instant::now();
            eprintln!(
                "{} sent, {} pending after {:.0} s",
                c.sent,
                c.pending,
                started.elapsed().as_secs_f64()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the broadcast did not finish: {c:?}"
        );
    }
    let outbox = counts(&store).await;
    let calls = fake.calls();
    for (i, r) in replicas.iter_mut().enumerate() {
        if r.child.is_some() {
            usage[i] = r.usage();
            r.stop().await;
        }
    }
    drop(store);

    let notices: Vec<&Call> = calls
        .iter()
        .filter(|c| c.ok && c.is("sendmessage") && c.text().contains("Scheme update"))
        .collect();
    let mut per_chat: HashMap<i64, usize> = HashMap::new();
    for c in &notices {
        *per_chat.entry(c.chat_id().unwrap_or(0)).or_default() += 1;
    }
    let mut sends: Vec<Instant> = notices.iter().map(|c| c.at).collect();
    sends.sort();
    let (busiest, windows_over) = busiest_second(&sends, RATE);
    let mut gaps: Vec<Duration> = sends.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort();
    let kill = killed.map(|(at, sent_before)| {
        let before: Vec<Instant> = sends.iter().copied().filter(|&t| t <= at).collect();
        let last = *before.last().expect("sends before the kill");
        let first = *sends
            .iter()
            .find(|&&t| t > at)
            .expect("sends after the kill");
        let around: Vec<Instant> = sends
            .iter()
            .copied()
            .filter(|&t| t + Duration::from_secs(1) >= last && t <= first + Duration::from_secs(1))
            .collect();
        Kill {
            sent_before,
            received_before: before.len(),
            hand_over: first - last,
            kill_to_first: first - at,
            busiest_around: busiest_second(&around, RATE).0,
        }
    });
    Run {
        subscribers,
        notified: per_chat.len(),
        duplicates: per_chat.values().filter(|&&n| n > 1).count(),
        sends: sends.len(),
        refused: calls
            .iter()
            .filter(|c| !c.ok && c.is("sendmessage"))
            .count(),
        outbox,
        start_to_first: sends[0].duration_since(started),
        span: sends[sends.len() - 1].duration_since(sends[0]),
        busiest,
        windows_over,
        span_of_31: shortest_span(&sends, RATE),
        gaps,
        leaders,
        usage,
        kill,
    }
}

// ---------------------------------------------------------------------------------------------

fn row(measure: &str, calm: String, handed: String) {
    println!("| {measure} | {calm} | {handed} |");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(admin) = std::env::var("SCHEMEBOT_BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("SCHEMEBOT_TEST_DATABASE_URL"))
        .ok()
        .filter(|u| !u.is_empty())
    else {
        println!(
            "replicas: skipped (set SCHEMEBOT_BENCH_DATABASE_URL or SCHEMEBOT_TEST_DATABASE_URL \
             to a PostgreSQL database where the user may create a schema)"
        );
        return;
    };
    let subscribers: usize = std::env::var("SCHEMEBOT_BENCH_SUBSCRIBERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000);
    let begun = Instant::now();
    let schema = Schema::new(admin);

    eprintln!("undisturbed: {subscribers} subscribers, two replicas at the default 30/s");
    let calm = broadcast(&schema, subscribers, false).await;
    eprintln!("hand-over: {subscribers} subscribers, the delivering replica killed after ~1/3");
    let handed = broadcast(&schema, subscribers, true).await;
    schema.drop_schema().await;

    println!(
        "### Two replicas on one PostgreSQL (real `schemebot serve` ×2, webhook mode, default \
         rates)\n"
    );
    println!("| measure | undisturbed | delivering replica killed after ~1/3 |");
    println!("|---|---|---|");
    let both = |f: &dyn Fn(&Run) -> String| (f(&calm), f(&handed));
    let (a, b) = both(&|r| {
        format!(
            "{} / {} ({} sends refused)",
            r.notified, r.subscribers, r.refused
        )
    });
    row("chats notified / subscribers", a, b);
    let (a, b) = both(&|r| format!("{} ({} notices received in all)", r.duplicates, r.sends));
    row("chats notified more than once", a, b);
    let (a, b) = both(&|r| {
        format!(
            "{} / {} / {} / {}",
            r.outbox.sent, r.outbox.pending, r.outbox.failed, r.outbox.dropped
        )
    });
    row("outbox sent / pending / failed / dropped", a, b);
    let (a, b) = both(&|r| match &r.kill {
        None => format!("{} (the other waited)", r.leaders.join(", ")),
        Some(k) => format!(
            "{} until the kill ({} marked sent, {} received), then {}",
            r.leaders.first().copied().unwrap_or("?"),
            k.sent_before,
            k.received_before,
            r.leaders.get(1).copied().unwrap_or("nobody")
        ),
    });
    row("delivered by", a, b);
    let (a, b) = both(&|r| ms(r.start_to_first));
    row("replicas started to first notice", a, b);
    let (a, b) = both(&|r| {
        format!(
            "{:.2}/s over {:.1} s",
            r.sends as f64 / r.span.as_secs_f64(),
            r.span.as_secs_f64()
        )
    });
    row("achieved rate (notices received / first to last)", a, b);
    let (a, b) = both(&|r| r.busiest.to_string());
    row("most sends in any 1-second window", a, b);
    let (a, b) = both(&|r| r.windows_over.to_string());
    row("1-second windows above 30", a, b);
    let (a, b) = both(&|r| r.span_of_31.map_or_else(|| "–".to_owned(), ms));
    row("shortest time covering 31 consecutive sends", a, b);
    let (a, b) = both(&|r| {
        format!(
            "{} / {} / {}",
            ms(percentile(&r.gaps, 0.5)),
            ms(percentile(&r.gaps, 0.99)),
            ms(r.gaps.last().copied().unwrap_or_default())
        )
    });
    row("gap between consecutive sends p50 / p99 / max", a, b);
    let (a, b) = both(&|r| match &r.kill {
        None => "–".to_owned(),
        Some(k) => format!(
            "{} (kill → first send {})",
            seconds(k.hand_over),
            seconds(k.kill_to_first)
        ),
    });
    row("hand-over: last send before the kill → first after", a, b);
    let (a, b) = both(&|r| match &r.kill {
        None => "–".to_owned(),
        Some(k) => k.busiest_around.to_string(),
    });
    row(
        "most sends in any 1-second window around the hand-over",
        a,
        b,
    );
    let (a, b) = both(&|r| {
        format!(
            "{} / {}",
            mb(r.usage[0].peak_rss_kib),
            mb(r.usage[1].peak_rss_kib)
        )
    });
    row("peak RSS (VmHWM), replica A / B", a, b);
    let (a, b) = both(&|r| {
        format!(
            "{:.2} s / {:.2} s",
            r.usage[0].cpu.as_secs_f64(),
            r.usage[1].cpu.as_secs_f64()
        )
    });
    row("CPU (utime + stime), replica A / B", a, b);
    println!("\nwhole run: {:.0} s", begun.elapsed().as_secs_f64());
}
