//! Running the real `schemebot serve` binary against the fake Bot API: the shared index, the
//! process wrapper with its captured log, and helpers to wait for replies and press buttons.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;

use crate::support::engine::corpus_dir;
use crate::support::fake_api::{self as tg, Call, FakeApi};

/// A deadline for one step; steps normally take well under a second, plus the per-chat pacing.
pub const STEP: Duration = Duration::from_secs(15);

pub const BIN: &str = env!("CARGO_BIN_EXE_schemebot");

/// The index over the repository corpus, built once per test process in Cargo's temporary
/// folder (one folder per process, so concurrent test runs never build into the same one; those
/// of finished runs are removed).
pub fn index_dir() -> &'static Path {
    static INDEX: OnceLock<PathBuf> = OnceLock::new();
    INDEX.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        for entry in std::fs::read_dir(base).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.strip_prefix("bot-index-") else {
                continue;
            };
            let alive = Command::new("kill")
                .args(["-0", pid])
                .stderr(Stdio::null())
                .status();
            if alive.is_ok_and(|s| !s.success()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = base.join(format!("bot-index-{}", std::process::id()));
        let out = Command::new(BIN)
            .arg("--corpus")
            .arg(corpus_dir())
            .arg("--index")
            .arg(&dir)
            .arg("index")
            .env_remove("SCHEMEBOT_CORPUS")
            .env_remove("SCHEMEBOT_INDEX")
            .output()
            .expect("schemebot index runs");
        assert!(
            out.status.success(),
            "schemebot index failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

/// The `schemebot serve` command with a clean environment (no inherited bot settings).
pub fn serve_command(api_url: Option<&str>, data_dir: &Path, extra: &[&str]) -> Command {
    serve_with(&corpus_dir(), index_dir(), data_dir, api_url, extra)
}

/// `schemebot serve` over any corpus and index, with an empty environment but for `PATH`, debug
/// logs without colour, and (with `api_url`) the test token and the fake's URL.
pub fn serve_with(
    corpus: &Path,
    index: &Path,
    data_dir: &Path,
    api_url: Option<&str>,
    extra: &[&str],
) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .args(extra)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "schemebot=debug")
        .env("NO_COLOR", "1");
    if let Some(url) = api_url {
        cmd.env("TELOXIDE_TOKEN", tg::TOKEN)
            .env("TELOXIDE_API_URL", url);
    }
    cmd
}

/// `schemebot api` (the HTTP API and web page alone) on a free loopback port: no token, no
/// Bot API, a clean environment.
pub fn api_command(data_dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--corpus")
        .arg(crate::support::engine::corpus_dir())
        .arg("--index")
        .arg(index_dir())
        .arg("api")
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "schemebot=debug")
        .env("NO_COLOR", "1");
    cmd
}

/// A running bot process; killed if a test ends without stopping it.
pub struct BotProcess {
    pub child: Child,
    log: Arc<Mutex<String>>,
}

impl BotProcess {
    pub fn start(fake: &FakeApi, data_dir: &Path, extra: &[&str]) -> BotProcess {
        BotProcess::spawn(serve_command(Some(fake.url()), data_dir, extra))
    }

    pub fn spawn(mut cmd: Command) -> BotProcess {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the bot starts");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        BotProcess { child, log }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits until the log satisfies `done`.
    pub async fn wait_log(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let log = self.log();
            if done(&log) {
                return log;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the log never matched:\n{log}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM and waits (at most 5 s) for the exit status.
    pub async fn terminate(self) -> (ExitStatus, String) {
        self.terminate_within(Duration::from_secs(5)).await
    }

    /// Sends SIGTERM and waits at most `bound` for the exit status.
    pub async fn terminate_within(mut self, bound: Duration) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting for the bot") {
                // The reader thread ends with the process; give it its last bytes.
                let log = self.log();
                return (status, log);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the bot did not stop within {bound:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A fake Bot API, a bot polling it, and the bot's data folder.
pub struct Harness {
    pub fake: FakeApi,
    pub bot: BotProcess,
    pub data: tempfile::TempDir,
}

pub async fn harness() -> Harness {
    harness_with(&[]).await
}

pub async fn harness_with(extra: &[&str]) -> Harness {
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().expect("a data folder");
    let bot = BotProcess::start(&fake, data.path(), extra);
    Harness { fake, bot, data }
}

/// [`harness_with`] plus environment variables for the bot.
pub async fn harness_with_env(envs: &[(&str, &str)]) -> Harness {
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().expect("a data folder");
    let mut cmd = serve_command(Some(fake.url()), data.path(), &[]);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let bot = BotProcess::spawn(cmd);
    Harness { fake, bot, data }
}

pub fn is_reply_to(call: &Call, chat: i64) -> bool {
    call.is("sendmessage") && call.chat_id() == Some(chat)
}

/// Waits for `n` delivered messages to `chat`, and returns every delivered one.
pub async fn replies(fake: &FakeApi, chat: i64, n: usize) -> Vec<Call> {
    let calls = fake
        .wait_for(
            |c| c.iter().filter(|c| c.ok && is_reply_to(c, chat)).count() >= n,
            STEP,
        )
        .await;
    calls
        .into_iter()
        .filter(|c| c.ok && is_reply_to(c, chat))
        .collect()
}

/// Waits for exactly one delivered message to `chat` and returns it.
pub async fn reply(fake: &FakeApi, chat: i64) -> Call {
    let mut r = replies(fake, chat, 1).await;
    assert_eq!(r.len(), 1, "{r:#?}");
    r.remove(0)
}

pub fn the_message_id(call: &Call) -> i64 {
    call.result["message_id"]
        .as_i64()
        .expect("a sent message has an id")
}

pub fn callback_id(update: &Value) -> String {
    update["callback_query"]["id"]
        .as_str()
        .expect("a callback query id")
        .to_owned()
}

/// Presses a button and waits for the answerCallbackQuery (and `edits` edits of `message`).
pub async fn press(
    fake: &FakeApi,
    chat: i64,
    message: i64,
    data: &str,
    edits: usize,
) -> (Call, Vec<Call>) {
    let update = tg::callback(chat, message, data);
    let id = callback_id(&update);
    let before = fake
        .calls()
        .iter()
        .filter(|c| c.is("editmessagetext") && c.body["message_id"] == message)
        .count();
    fake.push_update(update);
    let calls = fake
        .wait_for(
            |c| {
                c.iter().any(|c| {
                    c.is("answercallbackquery") && c.body["callback_query_id"] == id.as_str()
                }) && c
                    .iter()
                    .filter(|c| c.is("editmessagetext") && c.body["message_id"] == message)
                    .count()
                    >= before + edits
            },
            STEP,
        )
        .await;
    let answers: Vec<Call> = calls
        .iter()
        .filter(|c| c.is("answercallbackquery") && c.body["callback_query_id"] == id.as_str())
        .cloned()
        .collect();
    assert_eq!(
        answers.len(),
        1,
        "each callback query is answered exactly once: {answers:#?}"
    );
    let edited: Vec<Call> = calls
        .into_iter()
        .filter(|c| c.is("editmessagetext") && c.body["message_id"] == message)
        .skip(before)
        .collect();
    (answers.into_iter().next().expect("one answer"), edited)
}
