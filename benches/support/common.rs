//! What the bot and webhook benchmarks share: the corpus and its questions, building the index,
//! stopping the bot, formatting, and reading a process's CPU time from /proc. Included by
//! `#[path]` from each benchmark (they are separate programs).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

/// The release binary the benchmarks run.
pub const BIN: &str = env!("CARGO_BIN_EXE_schemebot");

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

pub fn repo_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The questions of tests/it/questions.tsv with the Telegram language code a user asking them
/// would most likely have.
pub fn questions() -> Vec<(&'static str, &'static str)> {
    include_str!("../../tests/it/questions.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let group = cols.next()?;
            let question = cols.nth(1)?;
            let code = match group {
                "zh-hans" => "zh-hans",
                "zh-hant" | "cantonese" => "zh-hant",
                _ => "en",
            };
            Some((code, question))
        })
        .collect()
}

pub fn build_index(corpus: &Path, index: &Path) {
    let out = Command::new(BIN)
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index)
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
}

/// SIGTERM, then up to 10 s for a clean exit, then SIGKILL.
pub async fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    for _ in 0..100 {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
}

pub fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a process, in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces; the fields after it do not. utime and stime are the
    // 14th and 15th fields, the 12th and 13th after the name.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// The value at quantile `p` (0 to 1) of sorted durations; zero for none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Kibibytes (as /proc gives them) in megabytes, for tables.
pub fn mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 / 1024.0)
}

/// A copy of the repository corpus (its scheme files) that can be edited.
pub fn corpus_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(repo_corpus()).expect("corpus folder") {
        let path = entry.expect("corpus entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    dir
}

/// Changes one scheme's English summary in a corpus copy (one change: one notice per chat).
pub fn edit_one_scheme(corpus: &Path) {
    let path = corpus.join("ess.toml");
    let text = std::fs::read_to_string(&path).expect("ess.toml");
    assert!(text.contains("summary = \""), "ess.toml has a summary");
    std::fs::write(
        &path,
        text.replacen("summary = \"", "summary = \"(Updated) ", 1),
    )
    .expect("write ess.toml");
}
