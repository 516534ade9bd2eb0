//! The scheme corpus: reading and validating `corpus/*.toml` into [`Scheme`] values.
//!
//! The corpus is the ground truth; everything else (the index, the jieba user dictionary, the
//! replies) is derived from it. Loading is all-or-nothing: a malformed file, a missing or unknown
//! field, a bad enum value or a duplicate id fails with a [`CorpusError`] naming the file, the line
//! and the field, and no partial corpus is ever returned. This module does no searching and knows
//! nothing about tantivy or Telegram.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Deserialize;

/// The id of a scheme: the corpus file's stem, e.g. `techtas`.
pub type SchemeId = String;

/// Broad groups used for browsing and "list" questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Talent,
    Research,
    Startup,
    Industry,
    Funding,
    Investment,
    Infrastructure,
    Education,
}

impl Category {
    /// Every category, in browsing order.
    pub const ALL: [Category; 8] = [
        Category::Funding,
        Category::Startup,
        Category::Talent,
        Category::Research,
        Category::Industry,
        Category::Investment,
        Category::Infrastructure,
        Category::Education,
    ];

    /// The stable lowercase key used in files, JSON and callback data.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Category::Talent => "talent",
            Category::Research => "research",
            Category::Startup => "startup",
            Category::Industry => "industry",
            Category::Funding => "funding",
            Category::Investment => "investment",
            Category::Infrastructure => "infrastructure",
            Category::Education => "education",
        }
    }

    /// Parses a key as written by [`Category::key`].
    #[must_use]
    pub fn from_key(key: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// Where a scheme stands for someone who wants to apply today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Taking applications now.
    Open,
    /// Announced, not yet taking applications.
    Upcoming,
    /// Takes no new applications: the scheme has ended or stopped. Its terms are past terms.
    Closed,
    /// Has no application round: an institute, a centre, a facility.
    Ongoing,
    /// The last round has closed and the next one has not been announced.
    NotAnnounced,
}

impl Status {
    /// Every status, in the order lists show them.
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::Upcoming,
        Status::NotAnnounced,
        Status::Ongoing,
        Status::Closed,
    ];

    /// The stable key used in files, JSON and change notices: `open`, `upcoming`, `closed`,
    /// `ongoing`, `not-announced`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Upcoming => "upcoming",
            Status::Closed => "closed",
            Status::Ongoing => "ongoing",
            Status::NotAnnounced => "not-announced",
        }
    }
}

/// Whether a scheme is one of ours or a related one people confuse with ours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// An innovation & technology scheme (the default).
    #[default]
    #[serde(rename = "i-and-t")]
    InnoTech,
    /// Outside innovation & technology (e.g. a trade fund), kept because people ask about it
    /// alongside ours; answers say so first.
    Related,
}

/// What the 2024 Policy Address did to a scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pa2024 {
    New,
    Enhanced,
    Listed,
    None,
}

/// Structured money facts, all in whole Hong Kong dollars. A missing value means the fact sheet
/// gives no figure, never zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    pub total_budget: Option<u64>,
    pub max_per_project: Option<u64>,
    pub min_project_cost: Option<u64>,
    pub max_per_applicant: Option<u64>,
    pub max_per_person: Option<u64>,
    pub monthly_allowance: Option<u64>,
    pub matching_ratio: Option<String>,
}

impl Money {
    /// The largest single figure, used to order schemes by money.
    #[must_use]
    pub fn headline(&self) -> Option<u64> {
        [
            self.max_per_project,
            self.max_per_applicant,
            self.max_per_person,
            self.total_budget,
        ]
        .into_iter()
        .flatten()
        .max()
    }

    /// Every amount field, in a fixed order: total budget, maximum per project, minimum project
    /// cost, maximum per applicant, maximum per person, monthly allowance.
    #[must_use]
    pub fn figures(&self) -> [Option<u64>; 6] {
        [
            self.total_budget,
            self.max_per_project,
            self.min_project_cost,
            self.max_per_applicant,
            self.max_per_person,
            self.monthly_allowance,
        ]
    }

    /// Whether any figure at all is known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.headline().is_none()
            && self.min_project_cost.is_none()
            && self.monthly_allowance.is_none()
            && self.matching_ratio.is_none()
    }
}

/// The prose of a scheme in one language.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub summary: String,
    pub eligibility: String,
    pub money: String,
    pub apply: String,
    pub status: String,
    pub pa2024: String,
}

/// One scheme file as written on disk.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeFile {
    name_en: String,
    name_zh: String,
    acronym: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    asked_as: Vec<String>,
    #[serde(default)]
    applicants: Vec<String>,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default)]
    benefits: Vec<String>,
    category: Category,
    body_en: String,
    body_zh: String,
    individuals_can_apply: bool,
    status: Status,
    as_of: String,
    status_since: Option<String>,
    #[serde(default)]
    alternatives: Vec<SchemeId>,
    #[serde(default)]
    scope: Scope,
    pa2024: Pa2024,
    url: String,
    #[serde(default)]
    more_urls: Vec<String>,
    opens: Option<String>,
    deadline: Option<String>,
    money: Money,
    en: Text,
    zh: Text,
}

/// A validated scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheme {
    pub id: SchemeId,
    pub name_en: String,
    pub name_zh: String,
    pub acronym: Option<String>,
    pub aliases: Vec<String>,
    pub keywords: Vec<String>,
    /// Example questions people ask about the scheme, in their own words (FAQ retrieval).
    pub asked_as: Vec<String>,
    /// Who can apply directly: applicant keys of `text/data/vocabulary.toml`.
    pub applicants: Vec<String>,
    /// The needs the scheme serves: need keys of `text/data/vocabulary.toml`.
    pub needs: Vec<String>,
    /// Who gains from the scheme without applying (a student whose university applies, a
    /// researcher whose employer is subsidised): applicant keys of `text/data/vocabulary.toml`.
    /// `/match` lists the scheme for them with the reason "your university applies for you".
    pub benefits: Vec<String>,
    pub category: Category,
    pub body_en: String,
    pub body_zh: String,
    pub individuals_can_apply: bool,
    pub status: Status,
    /// When the facts were last checked against the fact sheet: `YYYY-MM` or `YYYY-MM-DD`.
    pub as_of: String,
    /// The first day of `as_of` (the day itself when `as_of` has one).
    pub checked: Date,
    /// When the current status took effect (`YYYY-MM` or `YYYY-MM-DD`), if the sheet says.
    pub status_since: Option<String>,
    /// For a closed scheme: ids of schemes people may look at instead (never a promise of
    /// eligibility). Every id exists in the corpus.
    pub alternatives: Vec<SchemeId>,
    pub scope: Scope,
    pub pa2024: Pa2024,
    pub url: String,
    pub more_urls: Vec<String>,
    pub opens: Option<String>,
    pub deadline: Option<String>,
    pub money: Money,
    pub en: Text,
    pub zh: Text,
}

impl Scheme {
    /// Every name a person may use for the scheme: official names, acronym and aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        [self.name_en.as_str(), self.name_zh.as_str()]
            .into_iter()
            .chain(self.acronym.as_deref())
            .chain(self.aliases.iter().map(String::as_str))
    }
}

/// A loaded, validated corpus, ordered by id.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    pub schemes: Vec<Scheme>,
    /// A hash of every file's name and bytes, used to detect a stale index.
    pub fingerprint: u64,
}

impl Corpus {
    /// Looks a scheme up by id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Scheme> {
        self.schemes
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.schemes[i])
    }

    /// The position of a scheme in [`Corpus::schemes`] (sorted by id), by id.
    #[must_use]
    pub fn position(&self, id: &str) -> Option<usize> {
        self.schemes
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
    }

    /// Loads and validates every `*.toml` file in `dir`.
    pub fn load(dir: &Path) -> Result<Corpus, CorpusError> {
        let entries = std::fs::read_dir(dir).map_err(|e| CorpusError::io(dir, e))?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| CorpusError::io(dir, e))?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                paths.push(path);
            }
        }
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| CorpusError::io(&path, e))?;
            files.push((path, text));
        }
        Corpus::from_files(files)
    }

    /// Validates a corpus given as `(path, contents)` pairs; the path's stem is the id.
    pub fn from_files(files: Vec<(PathBuf, String)>) -> Result<Corpus, CorpusError> {
        let mut by_id: BTreeMap<SchemeId, (PathBuf, Scheme)> = BTreeMap::new();
        let mut hasher = Fnv::default();
        let mut alt_lines: BTreeMap<SchemeId, Option<usize>> = BTreeMap::new();
        for (path, text) in files {
            hasher.write(path.file_name().map_or(&[][..], |n| n.as_encoded_bytes()));
            hasher.write(text.as_bytes());
            let scheme = parse_scheme(&path, &text)?;
            alt_lines.insert(scheme.id.clone(), find_key_line(&text, "alternatives"));
            if let Some((first, _)) = by_id.get(&scheme.id) {
                return Err(CorpusError {
                    path,
                    line: None,
                    field: Some("id".to_owned()),
                    message: format!(
                        "duplicate scheme id {:?}, also in {}",
                        scheme.id,
                        first.display()
                    ),
                });
            }
            by_id.insert(scheme.id.clone(), (path, scheme));
        }
        for (path, scheme) in by_id.values() {
            if let Some(alt) = scheme
                .alternatives
                .iter()
                .find(|a| *a == &scheme.id || !by_id.contains_key(*a))
            {
                return Err(CorpusError {
                    path: path.clone(),
                    line: alt_lines.get(&scheme.id).copied().flatten(),
                    field: Some("alternatives".to_owned()),
                    message: format!("{alt:?} is not another scheme's id"),
                });
            }
        }
        if by_id.is_empty() {
            return Err(CorpusError {
                path: PathBuf::from("."),
                line: None,
                field: None,
                message: "the corpus has no scheme files (*.toml)".to_owned(),
            });
        }
        let schemes = by_id.into_values().map(|(_, s)| s).collect();
        Ok(Corpus {
            schemes,
            fingerprint: hasher.0,
        })
    }
}

/// Parses and validates one scheme file on its own (no cross-file checks such as duplicate ids or
/// unknown alternatives); the path's stem is the id. Used by [`Corpus::from_files`] and by the
/// corpus linter, which reports every file's problems at once.
///
/// # Errors
/// A [`CorpusError`] naming the file, the line and the field.
pub fn parse_scheme(path: &Path, text: &str) -> Result<Scheme, CorpusError> {
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    let err = |line: Option<usize>, field: Option<&str>, message: String| CorpusError {
        path: path.to_owned(),
        line,
        field: field.map(str::to_owned),
        message,
    };
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || id.len() > 40
    {
        return Err(err(
            None,
            None,
            "the file name must be a scheme id: lowercase letters, digits and '-', at most 40"
                .to_owned(),
        ));
    }
    let file: SchemeFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        let message = e.message().to_owned();
        // "missing field `x`" and "unknown field `x`" name the field; for a bad value the key
        // is the one assigned where the error points.
        let named = message.starts_with("missing field") || message.starts_with("unknown field");
        let field = if named {
            field_from_message(&message)
        } else {
            e.span()
                .and_then(|s| key_at(text, s.start))
                .or_else(|| field_from_message(&message))
        };
        err(line, field.as_deref(), message)
    })?;
    let line_for = |key: &str| find_key_line(text, key);
    let nonempty: [(&str, &str); 4] = [
        ("name_en", &file.name_en),
        ("name_zh", &file.name_zh),
        ("body_en", &file.body_en),
        ("body_zh", &file.body_zh),
    ];
    for (key, value) in nonempty {
        if value.trim().is_empty() {
            return Err(err(
                line_for(key),
                Some(key),
                "must not be empty".to_owned(),
            ));
        }
    }
    for (lang, t) in [("en", &file.en), ("zh", &file.zh)] {
        let fields = [
            ("summary", &t.summary),
            ("eligibility", &t.eligibility),
            ("money", &t.money),
            ("apply", &t.apply),
            ("status", &t.status),
            ("pa2024", &t.pa2024),
        ];
        for (key, value) in fields {
            if value.trim().is_empty() {
                let field = format!("{lang}.{key}");
                return Err(err(
                    line_for(key),
                    Some(&field),
                    "must not be empty".to_owned(),
                ));
            }
        }
    }
    let urls =
        std::iter::once(("url", &file.url)).chain(file.more_urls.iter().map(|u| ("more_urls", u)));
    for (key, value) in urls {
        let web = url::Url::parse(value).is_ok_and(|u| {
            matches!(u.scheme(), "https" | "http") && u.host_str().is_some_and(|h| h.contains('.'))
        });
        if !web || value.contains(char::is_whitespace) {
            return Err(err(
                line_for(key),
                Some(key),
                format!("not a web address: {value:?}"),
            ));
        }
    }
    for (key, values, known) in [
        (
            "applicants",
            &file.applicants,
            crate::text::vocabulary::applicant_keys(),
        ),
        ("needs", &file.needs, crate::text::vocabulary::need_keys()),
        (
            "benefits",
            &file.benefits,
            crate::text::vocabulary::applicant_keys(),
        ),
    ] {
        if let Some(bad) = values.iter().find(|v| !known.contains(&v.as_str())) {
            return Err(err(
                line_for(key),
                Some(key),
                format!(
                    "{bad:?} is not in text/data/vocabulary.toml (known: {})",
                    known.join(", ")
                ),
            ));
        }
    }
    let checked = crate::date::parse_month_or_date(&file.as_of)
        .map_err(|m| err(line_for("as_of"), Some("as_of"), m))?;
    if let Some(v) = &file.status_since {
        crate::date::parse_month_or_date(v)
            .map_err(|m| err(line_for("status_since"), Some("status_since"), m))?;
    }
    for (key, value) in [("opens", &file.opens), ("deadline", &file.deadline)] {
        if let Some(v) = value {
            crate::date::parse_date(v).map_err(|m| err(line_for(key), Some(key), m))?;
        }
    }
    Ok(Scheme {
        id,
        name_en: file.name_en,
        name_zh: file.name_zh,
        acronym: file.acronym.filter(|a| !a.trim().is_empty()),
        aliases: file.aliases,
        keywords: file.keywords,
        asked_as: file.asked_as,
        applicants: file.applicants,
        needs: file.needs,
        benefits: file.benefits,
        category: file.category,
        body_en: file.body_en,
        body_zh: file.body_zh,
        individuals_can_apply: file.individuals_can_apply,
        status: file.status,
        as_of: file.as_of,
        checked,
        status_since: file.status_since,
        alternatives: file.alternatives,
        scope: file.scope,
        pa2024: file.pa2024,
        url: file.url,
        more_urls: file.more_urls,
        opens: file.opens,
        deadline: file.deadline,
        money: file.money,
        en: file.en,
        zh: file.zh,
    })
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// The line where `key = ` is first assigned, for errors found after parsing.
fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// serde's messages name the field in backquotes: "missing field `url`", "unknown field `foo`".
fn field_from_message(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

/// The key assigned on the line containing `offset`, e.g. for a bad value.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_owned())
}

/// A corpus that cannot be served, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl CorpusError {
    fn io(path: &Path, e: std::io::Error) -> CorpusError {
        CorpusError {
            path: path.to_owned(),
            line: None,
            field: None,
            message: e.to_string(),
        }
    }
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message.trim_end())
    }
}

impl std::error::Error for CorpusError {}

/// FNV-1a, 64 bit: a stable content hash (std's hasher is not stable across releases).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // Separate consecutive writes so ("ab", "c") and ("a", "bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }
}
