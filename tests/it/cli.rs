//! The real binary: `schemebot index` and `schemebot ask`, including the index being built on
//! first use, rebuilt when the corpus changes or the index is damaged, and JSON Lines output.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::engine::corpus_dir;

fn schemebot(corpus: &Path, index: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemebot"))
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .args(args)
        .env_remove("SCHEMEBOT_CORPUS")
        .env_remove("SCHEMEBOT_INDEX")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(pipe);
    child.wait_with_output().expect("the binary finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A copy of the repository corpus that a test may edit.
fn corpus_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

#[test]
fn index_builds_and_says_what_it_built() {
    let index = tempfile::tempdir().unwrap();
    let o = schemebot(&corpus_dir(), index.path(), &["index"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout(&o).starts_with("indexed 32 schemes"),
        "{}",
        stdout(&o)
    );
    assert!(index.path().join("current").join("meta.json").exists());
}

#[test]
fn ask_works_on_a_fresh_clone_without_an_index() {
    let index = tempfile::tempdir().unwrap();
    let missing = index.path().join("not-yet");
    let o = schemebot(
        &corpus_dir(),
        &missing,
        &["ask", "TechTAS 點樣申請？"],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout(&o).starts_with("科技人才入境計劃 (TechTAS)"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("<b>"), "plain text, not HTML");
}

#[test]
fn ask_explain_shows_the_analysis_and_who_is_asking() {
    let index = tempfile::tempdir().unwrap();
    let o = schemebot(
        &corpus_dir(),
        index.path(),
        &[
            "ask",
            "--explain",
            "I'm a PhD student, which schemes can I apply for?",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("  tokens: "), "{err}");
    let asker = err
        .lines()
        .find(|l| l.starts_with("  asker: "))
        .unwrap_or("");
    assert!(asker.contains("\"student\""), "{err}");
    assert!(!stdout(&o).is_empty(), "the answer still goes to stdout");
}

#[test]
fn ask_conversation_prints_a_transcript_that_follows_up() {
    let index = tempfile::tempdir().unwrap();
    let o = schemebot(
        &corpus_dir(),
        index.path(),
        &["ask", "--conversation"],
        Some("What is TechTAS?\nhow much does it cost?\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    let first = out.find("› What is TechTAS?").expect("the first question");
    let second = out
        .find("› how much does it cost?")
        .expect("the second question");
    assert!(first < second, "{out}");
    // The follow-up is answered about TechTAS, not refused.
    assert!(out[second..].contains("TechTAS"), "{out}");
}

/// A follow-up whose characters are the same in both scripts ("要多久？") keeps the chat's
/// script: a Simplified chat is not answered in Traditional.
#[test]
fn ask_conversation_keeps_the_chats_script() {
    let index = tempfile::tempdir().unwrap();
    let o = schemebot(
        &corpus_dir(),
        index.path(),
        &["ask", "--conversation", "--json"],
        Some("科技人才入境计划是什么？\n要多久？\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let langs: Vec<String> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["lang"].to_string())
        .collect();
    assert_eq!(langs, ["\"zh-hans\"", "\"zh-hans\""], "{}", stdout(&o));
}

#[test]
fn ask_json_answers_each_line_of_stdin() {
    let index = tempfile::tempdir().unwrap();
    let o = schemebot(
        &corpus_dir(),
        index.path(),
        &["ask", "--json"],
        Some("how much is the technology voucher?\n\nwhat's the weather\n有哪些人才计划\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "blank lines are skipped");
    assert_eq!(lines[0]["query"], "how much is the technology voucher?");
    assert_eq!(lines[0]["lang"], "en");
    assert_eq!(lines[0]["results"][0]["id"], "tvp");
    assert!(lines[0]["results"][0]["score"].as_f64().unwrap() > 0.0);
    assert!(lines[0]["reply"].as_str().unwrap().contains("HK$600,000"));
    assert_eq!(lines[1]["results"].as_array().unwrap().len(), 0);
    assert_eq!(lines[2]["lang"], "zh-hans");
    assert_eq!(lines[2]["kind"], "list");
    assert_eq!(lines[2]["category"], "talent");
}

#[test]
fn lang_and_limit_options_apply() {
    let index = tempfile::tempdir().unwrap();
    let o = schemebot(
        &corpus_dir(),
        index.path(),
        &[
            "ask",
            "--json",
            "--lang",
            "zh-hans",
            "--limit",
            "1",
            "NIAS and NIFS",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["lang"], "zh-hans");
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    assert!(v["reply"].as_str().unwrap().starts_with("新型工业加速计划"));
    let bad = schemebot(
        &corpus_dir(),
        index.path(),
        &["ask", "--lang", "fr", "x"],
        None,
    );
    assert_eq!(bad.status.code(), Some(64), "a usage error");
}

#[test]
fn a_changed_corpus_rebuilds_the_index() {
    let corpus = corpus_copy();
    let index = tempfile::tempdir().unwrap();
    let first = schemebot(
        corpus.path(),
        index.path(),
        &["ask", "technology voucher"],
        None,
    );
    assert!(
        stdout(&first).contains("Technology Voucher Programme"),
        "{}",
        stdout(&first)
    );
    let tvp = corpus.path().join("tvp.toml");
    let text = std::fs::read_to_string(&tvp).unwrap();
    std::fs::write(
        &tvp,
        text.replace(
            "name_en = \"Technology Voucher Programme\"",
            "name_en = \"Tech Coupon Programme\"",
        ),
    )
    .unwrap();
    let second = schemebot(
        corpus.path(),
        index.path(),
        &["ask", "tech coupon programme"],
        None,
    );
    assert!(
        stdout(&second).contains("Tech Coupon Programme"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn a_damaged_index_is_rebuilt() {
    let index = tempfile::tempdir().unwrap();
    assert!(
        schemebot(&corpus_dir(), index.path(), &["index"], None)
            .status
            .success()
    );
    let current = index.path().join("current");
    for entry in std::fs::read_dir(&current).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n != "schemebot-stamp.json")
        {
            std::fs::write(&path, b"garbage").unwrap();
        }
    }
    let o = schemebot(&corpus_dir(), index.path(), &["ask", "TVP"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout(&o).contains("Technology Voucher Programme"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_broken_corpus_is_a_clear_error() {
    let corpus = corpus_copy();
    std::fs::write(
        corpus.path().join("broken.toml"),
        "name_en = \"x\"\nbogus = 1\n",
    )
    .unwrap();
    let index = tempfile::tempdir().unwrap();
    let o = schemebot(corpus.path(), index.path(), &["ask", "TVP"], None);
    assert_eq!(o.status.code(), Some(65), "a data error");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("broken.toml:2") && err.contains("bogus"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
