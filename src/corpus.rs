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
use serde::{Deserialize, Serialize};

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

/// Where applicants lodge their application when it is not with the funding body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplyThrough {
    /// With the applicant's own university, on its form and by its deadline (TSSSU: "apply to
    /// your university, not to ITC", schemes-facts.md).
    University,
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

/// Who answers enquiries about a scheme: the responsible body, by key. The bodies' names and
/// their public contacts (where the fact sheet gives one) live in `ui::body_contact` (names in the catalogues).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Body {
    /// The Innovation and Technology Fund (its Secretariat, in the Innovation and Technology
    /// Commission): every scheme "under the ITF".
    Itf,
    /// The Innovation and Technology Commission, for its schemes outside the ITF.
    Itc,
    /// The Innovation, Technology and Industry Bureau.
    Itib,
    /// The Hong Kong Microelectronics Research and Development Institute.
    Mrdi,
    /// The Immigration Department.
    Immd,
    /// Hong Kong Science and Technology Parks Corporation.
    Hkstp,
    /// Hong Kong Cyberport Management Company Limited.
    Cyberport,
    /// The Digital Policy Office.
    Dpo,
    /// The University Grants Committee / Research Grants Council Secretariat.
    Ugc,
    /// The Trade and Industry Department.
    Tid,
}

impl Body {
    /// Every body.
    pub const ALL: [Body; 10] = [
        Body::Itf,
        Body::Itc,
        Body::Itib,
        Body::Mrdi,
        Body::Immd,
        Body::Hkstp,
        Body::Cyberport,
        Body::Dpo,
        Body::Ugc,
        Body::Tid,
    ];

    /// The key written in scheme files.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Body::Itf => "itf",
            Body::Itc => "itc",
            Body::Itib => "itib",
            Body::Mrdi => "mrdi",
            Body::Immd => "immd",
            Body::Hkstp => "hkstp",
            Body::Cyberport => "cyberport",
            Body::Dpo => "dpo",
            Body::Ugc => "ugc",
            Body::Tid => "tid",
        }
    }
}

/// Where to send enquiries about a scheme: its body and, when the fact sheet gives one for this
/// scheme, a line of its own (which then replaces the body's).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enquiry {
    pub body: Body,
    /// A telephone number for this scheme, eight digits as "3655 5678".
    pub phone: Option<String>,
    /// An e-mail address for this scheme.
    pub email: Option<String>,
    /// Who answers on this line when it is not the body itself ("BUD Fund Secretariat"), in
    /// English and Traditional Chinese; both or neither.
    pub desk_en: Option<String>,
    pub desk_zh: Option<String>,
}

impl Enquiry {
    /// Whether the scheme has a contact of its own.
    #[must_use]
    pub fn has_own_line(&self) -> bool {
        self.phone.is_some() || self.email.is_some()
    }
}

/// Whom the Government matches in a funding ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Partner {
    Applicant,
    Company,
    Sme,
    Operator,
    University,
    UniversityOrOthers,
    Industry,
    IndustryAndUniversity,
    Market,
    CoInvestor,
    PrivateInvestment,
}

/// How exact a ratio is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// Exactly this ratio.
    #[default]
    Exact,
    /// The Government's share is at most this.
    UpTo,
    /// About this ratio.
    About,
}

/// One matching ratio: the Government pays `government` for every `partner` the partner pays.
/// `part_en`/`part_zh` say what it applies to when a scheme has several ("Stage 1", "staff pay").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratio {
    pub government: u32,
    pub partner: u32,
    pub who: Partner,
    #[serde(default)]
    pub bound: Bound,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_zh: Option<String>,
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
    /// How the Government matches the applicant's (or others') money; several when the terms
    /// differ by stage or by cost.
    #[serde(default)]
    pub matching: Vec<Ratio>,
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
            && self.matching.is_empty()
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
    apply_through: Option<ApplyThrough>,
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
    enquiry: Enquiry,
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
    /// Where `applicants` lodge their application when it is not with the funding body
    /// (`None`: with the body itself). `/match` then says "you apply through your university"
    /// instead of "you apply directly".
    pub apply_through: Option<ApplyThrough>,
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
    /// Who answers enquiries about the scheme.
    pub enquiry: Enquiry,
    pub en: Text,
    pub zh: Text,
}

impl Scheme {
    /// Whether applicant kind `kind` (a vocabulary key) can apply itself: the scheme lists it
    /// or a broader kind it is a case of (`is_a` in `text/data/vocabulary.toml`: a
    /// manufacturer is a company), or it is `individual` and individuals can apply.
    #[must_use]
    pub fn accepts(&self, kind: &str) -> bool {
        self.applicants
            .iter()
            .any(|x| x == kind || crate::text::vocabulary::is_a(kind, x))
            || (kind == "individual" && self.individuals_can_apply)
    }

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
    check_enquiry(&file.enquiry).map_err(|(key, m)| {
        // A missing half of a pair is reported on the line of the half that is there.
        let line = line_for(key)
            .or_else(|| line_for("desk_en"))
            .or_else(|| line_for("desk_zh"));
        err(line, Some(key), m)
    })?;
    check_matching(&file.money.matching)
        .map_err(|m| err(line_for("matching"), Some("matching"), m))?;
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
        apply_through: file.apply_through,
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
        enquiry: file.enquiry,
        en: file.en,
        zh: file.zh,
    })
}

/// A scheme's own enquiry line: a Hong Kong number ("3655 5678"), an address, and the desk's
/// name in both languages or in neither. Errors name the key.
fn check_enquiry(e: &Enquiry) -> Result<(), (&'static str, String)> {
    if let Some(phone) = &e.phone {
        let digits: Vec<&str> = phone.split(' ').collect();
        let ok = digits.len() == 2
            && digits
                .iter()
                .all(|d| d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err((
                "phone",
                format!("{phone:?} is not a Hong Kong number written as \"3655 5678\""),
            ));
        }
    }
    if let Some(email) = &e.email {
        let ok = email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && !host.contains('@')
        }) && !email.contains(char::is_whitespace);
        if !ok {
            return Err(("email", format!("{email:?} is not an e-mail address")));
        }
    }
    let blank = |v: &Option<String>| v.as_ref().is_some_and(|v| v.trim().is_empty());
    match (&e.desk_en, &e.desk_zh) {
        (Some(_), None) => return Err(("desk_zh", "desk_en needs desk_zh too".to_owned())),
        (None, Some(_)) => return Err(("desk_en", "desk_zh needs desk_en too".to_owned())),
        _ if blank(&e.desk_en) || blank(&e.desk_zh) => {
            return Err(("desk_en", "must not be empty".to_owned()));
        }
        (Some(_), Some(_)) if !e.has_own_line() => {
            return Err((
                "desk_en",
                "a desk needs the phone or email it answers on".to_owned(),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Matching ratios: positive shares, and what each applies to in both languages or neither; a
/// scheme with several ratios says what each applies to.
fn check_matching(ratios: &[Ratio]) -> Result<(), String> {
    for r in ratios {
        if r.government == 0 || r.partner == 0 {
            return Err("a share of 0 is not a ratio; leave the ratio out instead".to_owned());
        }
        match (&r.part_en, &r.part_zh) {
            (Some(en), Some(zh)) if en.trim().is_empty() || zh.trim().is_empty() => {
                return Err("part_en and part_zh must not be empty".to_owned());
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err("part_en and part_zh go together".to_owned());
            }
            (None, None) if ratios.len() > 1 => {
                return Err("with several ratios, each needs part_en and part_zh".to_owned());
            }
            _ => {}
        }
    }
    Ok(())
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
