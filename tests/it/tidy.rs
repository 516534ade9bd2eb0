//! Tidy: the invariants of ARCHITECTURE.md that a grep can check, checked on every test run
//! (in the manner of rust-analyzer's tidy tests), so they stay true as the code moves.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file below `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The file's path below the crate root, with forward slashes.
fn name(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// The file's lines that are code, not comments.
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| {
        let t = l.trim_start();
        !(t.starts_with("//") || t.starts_with("///") || t.starts_with("//!"))
    })
}

#[test]
fn every_module_starts_with_a_paragraph_saying_what_it_is() {
    for path in rust_files(&root().join("src")) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not start with a //! paragraph",
            name(&path)
        );
    }
}

#[test]
fn only_the_bot_speaks_telegram_and_only_the_store_speaks_sql() {
    for path in rust_files(&root().join("src")) {
        let file = name(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        for line in code_lines(&text) {
            if line.contains("teloxide::") || line.contains("use teloxide") {
                assert!(file.starts_with("src/bot/"), "{file} uses teloxide: {line}");
            }
            for sql in ["SELECT ", "INSERT INTO", "CREATE TABLE", "DELETE FROM"] {
                if line.contains(sql) {
                    assert!(file.starts_with("src/store/"), "{file} has SQL: {line}");
                }
            }
        }
    }
}

/// Where string literals may hold Chinese, and why. Everything else a person reads comes from
/// the catalogues (`src/ui/locales/*.ftl`) or the corpus (`corpus/*.toml`); tests and data
/// files are not checked.
const CHINESE_ALLOWED: [(&str, &str); 5] = [
    (
        "src/text/",
        "the words of questions: folding, Cantonese, the lexicon",
    ),
    ("src/search/", "question words: amounts, filler"),
    (
        "src/check.rs",
        "the corpus linter names the quotes 「…」 it accepts",
    ),
    (
        "src/bot/handlers.rs",
        "words a person types after /subscribe",
    ),
    (
        "src/api.rs",
        "follow-up questions in a questioner's words, fed back to the search",
    ),
];

/// A Han character: Chinese wording always has some (full-width punctuation alone is not
/// wording).
fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

#[test]
fn chinese_wording_lives_in_the_catalogues() {
    for path in rust_files(&root().join("src")) {
        let file = name(&path);
        if file.ends_with("/tests.rs") || CHINESE_ALLOWED.iter().any(|(p, _)| file.starts_with(p)) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let shipped = text.split("#[cfg(test)]").next().unwrap_or_default();
        for line in code_lines(shipped) {
            let in_literal = line.contains('"') || line.contains('\'');
            assert!(
                !(in_literal && line.chars().any(is_chinese)),
                "{file} has Chinese wording outside the catalogues (src/ui/locales/): {line}"
            );
        }
    }
}

#[test]
fn only_the_command_line_prints() {
    for path in rust_files(&root().join("src")) {
        let file = name(&path);
        if matches!(file.as_str(), "src/cli.rs" | "src/main.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests may print what they skip.
        let shipped = text.split("#[cfg(test)]").next().unwrap_or_default();
        for line in code_lines(shipped) {
            assert!(
                !line.contains("println!") && !line.contains("eprintln!"),
                "{file} prints instead of logging or returning text: {line}"
            );
        }
    }
}

#[test]
fn only_the_settings_read_the_environment() {
    for path in rust_files(&root().join("src")) {
        let file = name(&path);
        // Test modules (`tests.rs`, compiled only under cfg(test)) read their own variables,
        // such as the test database's URL.
        if file == "src/settings.rs" || file.ends_with("/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for line in code_lines(&text) {
            assert!(
                !["env::var", "var_os(", "providers::Env", "env = \""]
                    .iter()
                    .any(|p| line.contains(p)),
                "{file} reads a setting from the environment (settings::resolve does): {line}"
            );
        }
    }
}

#[test]
fn the_code_map_names_every_module_and_every_data_file_is_used() {
    let map = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    for path in rust_files(&root().join("src")) {
        let file = name(&path);
        if matches!(file.as_str(), "src/lib.rs" | "src/main.rs") {
            continue;
        }
        let short = file.trim_start_matches("src/");
        let base = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            map.contains(short) || map.contains(&format!("`{base}`")),
            "ARCHITECTURE.md's code map does not name {file}"
        );
    }
    let sources: String = rust_files(&root().join("src"))
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for entry in std::fs::read_dir(root().join("src/text/data")).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            sources.contains(&format!("data/{file}\")")),
            "src/text/data/{file} is not read by any code"
        );
    }
}
