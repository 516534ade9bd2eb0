//! The corpus linter behind `schemebot check`: problems a strict load cannot see, found over the
//! whole folder at once so an operator gets every finding in one run.
//!
//! Each file is parsed on its own ([`crate::corpus::parse_scheme`]), so one broken file does not
//! hide the others' findings. Errors (the bot would say something false or broken): a file that
//! does not load (bad TOML, an impossible date, a malformed URL, …), an "open" scheme whose
//! deadline has passed, an opening date after the deadline, an alternative that names no other
//! scheme, a name or alias shared by two schemes, Cantonese in Chinese text shown in replies,
//! English words in a Chinese money text ([`crate::text::wording`]). Warnings (true but worth a look): facts not
//! checked for `stale_months` or more, a closed scheme without the date it closed or without
//! alternatives.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::corpus::{Scheme, Status, parse_scheme};
use crate::date::{Date, months_between, parse_date};
use crate::text::normalize::name_key;
use crate::text::wording::{cantonese_words, latin_words};

/// How bad a finding is: errors make `schemebot check` exit non-zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub path: PathBuf,
    /// The key concerned, e.g. `deadline`, when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{level}: {}", self.path.display())?;
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Lints every `*.toml` file in `dir` as of `today`; facts checked `stale_months` or more months
/// before `today` are reported as stale. Findings come sorted by file, errors first.
///
/// # Errors
/// Only when the folder itself cannot be read.
pub fn check_dir(dir: &Path, today: Date, stale_months: i64) -> std::io::Result<Vec<Finding>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path)?;
            files.push((path, text));
        }
    }
    files.sort();
    Ok(check_files(&files, today, stale_months))
}

/// Lints a corpus given as `(path, contents)` pairs, as [`check_dir`] does.
#[must_use]
pub fn check_files(files: &[(PathBuf, String)], today: Date, stale_months: i64) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut schemes: Vec<(&Path, Scheme)> = Vec::new();
    for (path, text) in files {
        match parse_scheme(path, text) {
            Ok(s) => schemes.push((path, s)),
            Err(e) => findings.push(Finding {
                severity: Severity::Error,
                path: path.clone(),
                field: e.field.clone(),
                message: match e.line {
                    Some(line) => format!("line {line}: {}", e.message.trim_end()),
                    None => e.message.trim_end().to_owned(),
                },
            }),
        }
    }
    let ids: BTreeMap<&str, &Path> = schemes.iter().map(|(p, s)| (s.id.as_str(), *p)).collect();
    let mut names: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    // Schemes' names, acronyms and aliases are names, not wording (奇趣IT識多啲, BUD Fund,
    // Incu-Bio): they are taken out before the wording rules are applied.
    let mut official: Vec<&str> = schemes.iter().flat_map(|(_, s)| s.names()).collect();
    official.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let unnamed = |text: &str| {
        official
            .iter()
            .fold(text.to_owned(), |t, name| t.replace(name, ""))
    };
    for (path, s) in &schemes {
        let mut add = |severity, field: &str, message: String| {
            findings.push(Finding {
                severity,
                path: path.to_path_buf(),
                field: Some(field.to_owned()),
                message,
            });
        };
        let months = months_between(s.checked, today);
        if months >= stale_months {
            add(
                Severity::Warning,
                "as_of",
                format!(
                    "facts last checked {} ({months} months ago): re-check them against the fact sheet",
                    s.as_of
                ),
            );
        }
        let deadline = s.deadline.as_deref().and_then(|d| parse_date(d).ok());
        let opens = s.opens.as_deref().and_then(|d| parse_date(d).ok());
        if s.status == Status::Open
            && let Some(d) = deadline
            && d < today
        {
            add(
                Severity::Error,
                "status",
                format!("\"open\" but the deadline {d} has passed: update the status"),
            );
        }
        if let (Some(o), Some(d)) = (opens, deadline)
            && o > d
        {
            add(
                Severity::Error,
                "opens",
                format!("opens {o}, after its deadline {d}"),
            );
        }
        for alt in &s.alternatives {
            if alt == &s.id || !ids.contains_key(alt.as_str()) {
                add(
                    Severity::Error,
                    "alternatives",
                    format!("{alt:?} is not another scheme's id"),
                );
            }
        }
        if s.status == Status::Closed {
            if s.status_since.is_none() {
                add(
                    Severity::Warning,
                    "status_since",
                    "closed, but when it closed is not given".to_owned(),
                );
            }
            if s.alternatives.is_empty() {
                add(
                    Severity::Warning,
                    "alternatives",
                    "closed, but names no scheme to look at instead".to_owned(),
                );
            }
        }
        let shown = [
            ("zh.summary", &s.zh.summary),
            ("zh.eligibility", &s.zh.eligibility),
            ("zh.money", &s.zh.money),
            ("zh.apply", &s.zh.apply),
            ("zh.status", &s.zh.status),
            ("zh.pa2024", &s.zh.pa2024),
            ("body_zh", &s.body_zh),
        ];
        for (field, text) in shown {
            let found = cantonese_words(&unnamed(text));
            if !found.is_empty() {
                add(
                    Severity::Error,
                    field,
                    format!(
                        "Cantonese ({}) in text shown to Chinese readers: write standard written Chinese",
                        found.join(" ")
                    ),
                );
            }
        }
        let english = latin_words(&unnamed(&s.zh.money));
        if !english.is_empty() {
            add(
                Severity::Error,
                "zh.money",
                format!(
                    "English words ({}) in a Chinese money text: write them in Chinese, or quote a name 「…」",
                    english.join(" ")
                ),
            );
        }
        for name in s.names() {
            let key = name_key(name);
            if key.is_empty() {
                continue;
            }
            match names.get(&key) {
                Some((other, other_name)) if *other != s.id => add(
                    Severity::Error,
                    "aliases",
                    format!(
                        "{name:?} is also a name of {other} ({other_name:?}): a question using it cannot tell them apart"
                    ),
                ),
                Some(_) => {}
                None => {
                    names.insert(key, (s.id.as_str(), name));
                }
            }
        }
    }
    findings.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then(b.severity.cmp(&a.severity))
            .then(a.field.cmp(&b.field))
    });
    findings
}
