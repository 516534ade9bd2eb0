//! Corpus loading: the real corpus is complete and valid; broken files fail with the file, the
//! line and the field named, and nothing is half-loaded.

use schemebot::corpus::{Category, Corpus, CorpusError};

use crate::support::engine::{GOOD_SCHEME, corpus_dir, temp_corpus};

/// The scheme ids the project must cover (the Policy Address deck and the schemes people
/// confuse with them).
const REQUIRED_IDS: &[&str] = &[
    "raise-plus",
    "nias",
    "ai-supercomputing-centre",
    "hk-microelectronics-institute",
    "iti-oriented-fund",
    "itvf",
    "accelerator-pilot",
    "innohk",
    "it-innovation-lab",
    "knowing-more-about-it",
    "stem-internship",
    "research-talent-hub",
    "nittp",
    "techtas",
    "global-stem-professorship",
    "frontier-tech-research",
    "innohk-third-cluster",
    "aerospace-change8",
    "tsssu",
    "ess",
    "itsp",
    "psts",
    "rttp",
    "cyberport-incubation",
    "hkstp-incubation",
    "mhkjfs",
    "ttps",
    "rmgs",
    "tvp",
    "nifs",
    "dtspp",
    "bud-fund",
];

#[test]
fn the_repository_corpus_has_every_required_scheme() {
    let corpus = Corpus::load(&corpus_dir()).expect("corpus loads");
    for id in REQUIRED_IDS {
        assert!(corpus.get(id).is_some(), "missing scheme {id}");
    }
    assert_eq!(corpus.schemes.len(), REQUIRED_IDS.len());
    for c in Category::ALL {
        assert!(
            corpus.schemes.iter().any(|s| s.category == c),
            "no scheme in {c:?}"
        );
    }
}

fn load_one(text: &str) -> Result<Corpus, CorpusError> {
    let dir = temp_corpus(&[("example.toml", text)]);
    Corpus::load(dir.path())
}

#[test]
fn a_good_file_loads() {
    let corpus = load_one(GOOD_SCHEME).expect("loads");
    let s = corpus.get("example").expect("id from the file stem");
    assert_eq!(s.money.max_per_project, Some(1_000_000));
}

#[test]
fn a_missing_field_is_named() {
    let text = GOOD_SCHEME.replace("url = \"https://example.org/scheme\"\n", "");
    let e = load_one(&text).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("url"), "{e}");
    assert!(e.to_string().contains("example.toml"), "{e}");
}

#[test]
fn an_unknown_field_is_named_with_its_line() {
    let text = GOOD_SCHEME.replace(
        "status = \"open\"\n",
        "status = \"open\"\nstatsu = \"typo\"\n",
    );
    let e = load_one(&text).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("statsu"), "{e}");
    assert_eq!(e.line, Some(8), "{e}");
}

#[test]
fn a_bad_value_is_named_with_its_line() {
    let text = GOOD_SCHEME.replace("category = \"funding\"", "category = \"snacks\"");
    let e = load_one(&text).unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    assert_eq!(e.field.as_deref(), Some("category"), "{e}");
}

#[test]
fn malformed_toml_names_the_line() {
    let text = GOOD_SCHEME.replace("as_of = \"2025-01\"", "as_of = \"2025-01");
    let e = load_one(&text).unwrap_err();
    assert_eq!(e.line, Some(8), "{e}");
}

#[test]
fn bad_dates_urls_and_empty_text_are_refused() {
    for (from, to, field) in [
        ("as_of = \"2025-01\"", "as_of = \"Jan 2025\"", "as_of"),
        (
            "url = \"https://example.org/scheme\"",
            "url = \"example.org\"",
            "url",
        ),
        (
            "summary = \"An example.\"",
            "summary = \"  \"",
            "en.summary",
        ),
    ] {
        let e = load_one(&GOOD_SCHEME.replace(from, to)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert!(e.line.is_some(), "{e}");
    }
}

#[test]
fn an_impossible_date_names_the_file_the_line_and_the_field() {
    // Every date field is parsed strictly (jiff): a day the month does not have, a 13th month.
    // (facts.rs checks the linter and `deadline`; this pins the message for each field.)
    for (line, field, value) in [
        ("deadline = \"2026-02-31\"", "deadline", "2026-02-31"),
        ("opens = \"2026-04-31\"", "opens", "2026-04-31"),
        ("status_since = \"2025-13\"", "status_since", "2025-13"),
    ] {
        // On line 9, after `as_of`.
        let text = GOOD_SCHEME.replace("pa2024 = \"none\"", &format!("{line}\npa2024 = \"none\""));
        let e = load_one(&text).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert_eq!(e.line, Some(9), "{e}");
        let shown = e.to_string();
        assert!(
            shown.contains("example.toml:9: field `") && shown.contains(value),
            "{shown}"
        );
    }
    let e = load_one(&GOOD_SCHEME.replace("2025-01", "2025-02-30")).unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.line),
        (Some("as_of"), Some(8)),
        "{e}"
    );
}

#[test]
fn a_duplicate_id_is_refused() {
    // Two files cannot share a stem in one folder, so build the corpus from two paths.
    let files = vec![
        ("a/example.toml".into(), GOOD_SCHEME.to_owned()),
        ("b/example.toml".into(), GOOD_SCHEME.to_owned()),
    ];
    let e = Corpus::from_files(files).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("id"), "{e}");
    assert!(e.message.contains("duplicate"), "{e}");
}

#[test]
fn one_bad_file_fails_the_whole_corpus() {
    let dir = temp_corpus(&[("good.toml", GOOD_SCHEME), ("bad.toml", "name_en = 3")]);
    let e = Corpus::load(dir.path()).unwrap_err();
    assert!(e.path.ends_with("bad.toml"), "{e}");
}

#[test]
fn an_empty_folder_is_an_error() {
    let dir = temp_corpus(&[]);
    assert!(Corpus::load(dir.path()).is_err());
}

#[test]
fn the_fingerprint_follows_the_contents() {
    let a = load_one(GOOD_SCHEME).unwrap().fingerprint;
    let b = load_one(&GOOD_SCHEME.replace("1000000", "2000000"))
        .unwrap()
        .fingerprint;
    assert_ne!(a, b);
    assert_eq!(a, load_one(GOOD_SCHEME).unwrap().fingerprint);
}

#[test]
fn the_enquiry_body_and_line_are_checked() {
    let body = "body = \"itf\"";
    for (to, field, line) in [
        // An unknown body names the file, the line and the field.
        ("body = \"itf-secretariat\"", "body", 16),
        ("body = \"itf\"\nphone = \"36555678\"", "phone", 17),
        ("body = \"itf\"\nphone = \"+852 3655 5678\"", "phone", 17),
        (
            "body = \"itf\"\nemail = \"enquiry at itf.gov.hk\"",
            "email",
            17,
        ),
        (
            "body = \"itf\"\nphone = \"3655 5678\"\ndesk_en = \"Desk\"",
            "desk_zh",
            18,
        ),
        (
            "body = \"itf\"\ndesk_en = \"Desk\"\ndesk_zh = \"處\"",
            "desk_en",
            17,
        ),
        ("body = \"itf\"\nfax = \"3655 5678\"", "fax", 17),
    ] {
        let e = load_one(&GOOD_SCHEME.replace(body, to)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert_eq!(e.line, Some(line), "{e}");
        assert!(e.to_string().contains("example.toml:"), "{e}");
    }
    let e = load_one(&GOOD_SCHEME.replace("[enquiry]\nbody = \"itf\"\n", "")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("enquiry"), "{e}");
    let own = GOOD_SCHEME.replace(
        body,
        "body = \"tid\"\nphone = \"2788 6088\"\ndesk_en = \"Desk\"\ndesk_zh = \"處\"",
    );
    let corpus = load_one(&own).expect("a scheme's own line loads");
    assert_eq!(
        corpus.schemes[0].enquiry.phone.as_deref(),
        Some("2788 6088")
    );
}

#[test]
fn matching_ratios_are_structured_and_checked() {
    let money = "max_per_project = 1000000";
    let ok = GOOD_SCHEME.replace(
        money,
        "max_per_project = 1000000\nmatching = [{ government = 1, partner = 2, who = \"company\" }]",
    );
    let corpus = load_one(&ok).expect("a ratio loads");
    assert_eq!(corpus.schemes[0].money.matching[0].partner, 2);
    for (to, field) in [
        // The old free-text field is refused, so no file keeps English in it.
        (
            "matching_ratio = \"1 (Government) : 2 (company)\"",
            "matching_ratio",
        ),
        (
            "matching = [{ government = 1, partner = 2, who = \"firm\" }]",
            "matching",
        ),
        (
            "matching = [{ government = 0, partner = 2, who = \"company\" }]",
            "matching",
        ),
        (
            "matching = [{ government = 1, partner = 2, who = \"company\", part_en = \"Stage 1\" }]",
            "matching",
        ),
        (
            "matching = [{ government = 1, partner = 2, who = \"company\" }, { government = 1, partner = 1, who = \"company\" }]",
            "matching",
        ),
    ] {
        let e = load_one(&GOOD_SCHEME.replace(money, &format!("{money}\n{to}"))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert_eq!(e.line, Some(14), "{e}");
    }
}
