//! The engine over the real corpus, built once per test binary (jieba's dictionary takes a
//! noticeable time to load in a debug build), and temporary corpora for negative tests.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use schemebot::corpus::Corpus;
use schemebot::search::Engine;

/// The repository's corpus folder.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The shared engine over the real corpus, with its index in memory.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let corpus = Corpus::load(&corpus_dir()).expect("the repository corpus loads");
        Engine::in_memory(corpus).expect("the engine builds")
    })
}

/// A scheme file that loads, to be broken by the negative tests.
pub const GOOD_SCHEME: &str = r#"name_en = "Example Scheme"
name_zh = "示例計劃"
category = "funding"
body_en = "Example Body"
body_zh = "示例機構"
individuals_can_apply = false
status = "open"
as_of = "2025-01"
pa2024 = "none"
url = "https://example.org/scheme"

[money]
max_per_project = 1000000

[enquiry]
body = "itf"

[en]
summary = "An example."
eligibility = "Companies."
money = "Up to HK$1 million."
apply = "Online."
status = "Open."
pa2024 = "None."

[zh]
summary = "示例。"
eligibility = "公司。"
money = "最多港幣100萬元。"
apply = "網上申請。"
status = "接受申請中。"
pa2024 = "沒有。"
"#;

/// A temporary corpus folder holding `files` (name, contents).
pub fn temp_corpus(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write a scheme file");
    }
    dir
}
