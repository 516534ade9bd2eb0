//! Facts as of today (issue: closed schemes said closed, the 2025–26 updates, staleness): the
//! status model in answers, the corpus linter on small bad corpora, the change notice for a status
//! change in three scripts, and every structured money figure traced back to the fact sheet.

use std::path::{Path, PathBuf};

use schemebot::answer::{DEFAULT_LIMIT, answer};
use schemebot::changes::{Snapshot, diff};
use schemebot::check::{Finding, Severity, check_files};
use schemebot::corpus::{Corpus, Status};
use schemebot::date::Date;
use schemebot::text::Lang;
use schemebot::ui::{Button, CallbackData, list, notice, render, scheme_reply};

use crate::support::engine::{GOOD_SCHEME, corpus_dir, engine};

const TODAY: Date = Date::constant(2026, 11, 30);

fn callbacks(buttons: &[Vec<Button>]) -> Vec<String> {
    buttons
        .iter()
        .flatten()
        .filter_map(|b| match b {
            // The action alone, without the language it carries.
            Button::Callback { data, .. } => {
                Some(CallbackData::new(data.action.clone()).to_string())
            }
            Button::Url { .. } => None,
        })
        .collect()
}

#[test]
fn a_closed_scheme_says_so_first_and_offers_its_alternatives() {
    let corpus = engine().corpus();
    let tvp = corpus.get("tvp").expect("tvp");
    assert_eq!(tvp.status, Status::Closed);
    assert!(tvp.alternatives.iter().any(|a| a == "dtspp"));
    assert!(tvp.alternatives.iter().any(|a| a == "bud-fund"));
    for (question, lang, first) in [
        (
            "Can I still apply for the Technology Voucher Programme?",
            Lang::En,
            "⛔ Closed",
        ),
        (
            "科技券仲可唔可以申請？",
            Lang::ZhHant,
            "⛔ 已停止接受新申請",
        ),
        ("科技券还能申请吗？", Lang::ZhHans, "⛔ 已停止接受新申请"),
    ] {
        let a = answer(engine(), question, Some(lang), DEFAULT_LIMIT);
        let r = render(&a, corpus);
        let first_line = r.plain.lines().next().unwrap_or_default();
        assert!(
            first_line.starts_with(first),
            "{question}: {first_line:?}\n{}",
            r.plain
        );
        assert!(first_line.contains("2025-01-01"), "{first_line}");
        let data = callbacks(&r.buttons);
        for alt in &tvp.alternatives {
            assert!(data.contains(&format!("s:{alt}")), "{question}: {data:?}");
        }
    }
    let card = scheme_reply(tvp, corpus, Lang::En);
    assert!(card.plain.contains("Money (past terms)"), "{}", card.plain);
    assert!(card.plain.contains("Who could apply (past terms)"));
    assert!(card.plain.contains("You may look at"), "{}", card.plain);
    assert!(
        !card.plain.contains("open for applications"),
        "{}",
        card.plain
    );
}

#[test]
fn listings_mark_closed_schemes() {
    let corpus = engine().corpus();
    let r = list(corpus, Some(corpus.get("tvp").unwrap().category), Lang::En);
    let line = r
        .plain
        .lines()
        .find(|l| l.contains("Technology Voucher"))
        .expect("tvp listed in its category");
    assert!(line.contains("(closed)"), "{line}");
}

#[test]
fn stale_facts_say_when_they_were_last_checked() {
    let corpus = engine().corpus();
    let old = corpus
        .schemes
        .iter()
        .find(|s| {
            schemebot::date::months_between(s.checked, schemebot::date::today_hk_date()) >= 12
        })
        .expect("some scheme's facts are over a year old");
    let r = scheme_reply(old, corpus, Lang::En);
    assert!(
        r.plain.contains(&format!("last checked in {}", old.as_of)),
        "{}",
        r.plain
    );
    let fresh = corpus.schemes.iter().find(|s| {
        schemebot::date::months_between(s.checked, schemebot::date::today_hk_date()) < 11
    });
    if let Some(fresh) = fresh {
        let r = scheme_reply(fresh, corpus, Lang::En);
        assert!(!r.plain.contains("last checked in"), "{}", r.plain);
    }
}

#[test]
fn a_status_change_notice_names_the_status_and_alternatives_in_three_scripts() {
    let corpus = engine().corpus();
    let mut before = Snapshot::of(corpus);
    let tvp = before.schemes.get_mut("tvp").expect("tvp");
    tvp.status = "open".to_owned();
    tvp.status_since = None;
    tvp.alternatives.clear();
    let changes = diff(&before, &Snapshot::of(corpus));
    assert_eq!(changes.len(), 1, "{changes:?}");
    for (lang, status, instead) in [
        (
            Lang::En,
            "Status: open for applications → closed to new applications",
            "You may look at instead",
        ),
        (
            Lang::ZhHant,
            "狀況：接受申請中 → 已停止接受新申請",
            "可改為參考",
        ),
        (
            Lang::ZhHans,
            "状况：接受申请中 → 已停止接受新申请",
            "可改为参考",
        ),
    ] {
        let r = notice(&changes, corpus, lang);
        assert!(r.plain.contains(status), "{lang:?}: {}", r.plain);
        assert!(r.plain.contains(instead), "{lang:?}: {}", r.plain);
        let dtspp = schemebot::ui::display_name(corpus.get("dtspp").unwrap(), lang);
        assert!(r.plain.contains(&dtspp), "{lang:?}: {}", r.plain);
    }
}

// ---- the corpus linter ----

fn file(name: &str, text: &str) -> (PathBuf, String) {
    (PathBuf::from(name), text.to_owned())
}

fn findings(files: &[(PathBuf, String)]) -> Vec<Finding> {
    check_files(files, TODAY, 12)
}

fn has(findings: &[Finding], severity: Severity, name: &str, field: &str) -> bool {
    findings.iter().any(|f| {
        f.severity == severity && f.path == Path::new(name) && f.field.as_deref() == Some(field)
    })
}

fn good() -> String {
    GOOD_SCHEME.replace("as_of = \"2025-01\"", "as_of = \"2026-06\"")
}

#[test]
fn check_passes_a_good_file() {
    let f = findings(&[file("a.toml", &good())]);
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn check_warns_of_stale_facts() {
    let f = findings(&[file("a.toml", GOOD_SCHEME)]);
    assert!(has(&f, Severity::Warning, "a.toml", "as_of"), "{f:?}");
    assert!(f.iter().all(|f| f.severity == Severity::Warning), "{f:?}");
}

#[test]
fn check_catches_an_open_scheme_past_its_deadline() {
    let text = good().replace("url =", "deadline = \"2026-04-30\"\nurl =");
    let f = findings(&[file("a.toml", &text)]);
    assert!(has(&f, Severity::Error, "a.toml", "status"), "{f:?}");
}

#[test]
fn check_catches_an_opening_after_the_deadline() {
    let text = good().replace(
        "url =",
        "opens = \"2027-03-01\"\ndeadline = \"2027-02-01\"\nurl =",
    );
    let f = findings(&[file("a.toml", &text)]);
    assert!(has(&f, Severity::Error, "a.toml", "opens"), "{f:?}");
}

#[test]
fn check_and_load_catch_impossible_dates() {
    let text = good().replace("url =", "deadline = \"2027-02-31\"\nurl =");
    let f = findings(&[file("a.toml", &text)]);
    assert!(has(&f, Severity::Error, "a.toml", "deadline"), "{f:?}");
    let e = Corpus::from_files(vec![file("a.toml", &text)]).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("deadline"), "{e}");
    assert_eq!(e.line, Some(10), "{e}");
    assert!(e.message.contains("2027-02-31"), "{e}");
}

#[test]
fn check_catches_an_alias_shared_by_two_schemes() {
    let a = good().replace("category =", "aliases = [\"Shared Name\"]\ncategory =");
    let b = good()
        .replace("Example Scheme", "Other Scheme")
        .replace("示例計劃", "其他計劃")
        .replace("category =", "aliases = [\"shared  name\"]\ncategory =");
    let f = findings(&[file("a.toml", &a), file("b.toml", &b)]);
    assert!(has(&f, Severity::Error, "b.toml", "aliases"), "{f:?}");
}

#[test]
fn check_catches_an_alternative_that_does_not_exist() {
    let text = good()
        .replace("status = \"open\"", "status = \"closed\"")
        .replace(
            "pa2024 = \"none\"",
            "status_since = \"2025-01-01\"\nalternatives = [\"nowhere\"]\npa2024 = \"none\"",
        );
    let f = findings(&[file("a.toml", &text)]);
    assert!(has(&f, Severity::Error, "a.toml", "alternatives"), "{f:?}");
    assert!(Corpus::from_files(vec![file("a.toml", &text)]).is_err());
}

#[test]
fn check_warns_of_a_closed_scheme_without_date_or_alternatives() {
    let text = good().replace("status = \"open\"", "status = \"closed\"");
    let f = findings(&[file("a.toml", &text)]);
    assert!(
        has(&f, Severity::Warning, "a.toml", "status_since"),
        "{f:?}"
    );
    assert!(
        has(&f, Severity::Warning, "a.toml", "alternatives"),
        "{f:?}"
    );
}

#[test]
fn check_catches_malformed_urls() {
    for bad in [
        "https://",
        "https://intranet/scheme",
        "ftp://example.org/x",
        "https://exa mple.org",
    ] {
        let text = good().replace("https://example.org/scheme", bad);
        let f = findings(&[file("a.toml", &text)]);
        assert!(has(&f, Severity::Error, "a.toml", "url"), "{bad}: {f:?}");
    }
}

#[test]
fn check_reports_every_broken_file_at_once() {
    let f = findings(&[
        file(
            "a.toml",
            &good().replace("category = \"funding\"", "category = \"snacks\""),
        ),
        file(
            "b.toml",
            &good().replace("url = \"https://example.org/scheme\"", "url = \"nope\""),
        ),
    ]);
    assert!(has(&f, Severity::Error, "a.toml", "category"), "{f:?}");
    assert!(has(&f, Severity::Error, "b.toml", "url"), "{f:?}");
}

#[test]
fn the_shipped_corpus_has_no_check_errors() {
    let f = schemebot::check::check_dir(&corpus_dir(), schemebot::date::today_hk_date(), 12)
        .expect("the corpus folder reads");
    let errors: Vec<String> = f
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    for w in &f {
        println!("{w}");
    }
}

#[test]
fn the_check_command_exits_non_zero_on_errors_unless_warn_only() {
    let dir = crate::support::engine::temp_corpus(&[(
        "a.toml",
        &good().replace("url =", "deadline = \"2026-04-30\"\nurl ="),
    )]);
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_schemebot"))
            .arg("--corpus")
            .arg(dir.path())
            .args(["check", "--today", "2026-11-30"])
            .args(extra)
            .env_remove("SCHEMEBOT_CORPUS")
            .output()
            .expect("the binary runs")
    };
    let strict = run(&[]);
    let out = String::from_utf8_lossy(&strict.stdout);
    assert_eq!(
        strict.status.code(),
        Some(65),
        "a data error (sysexits): {out}"
    );
    assert!(
        out.contains("error: ") && out.contains("a.toml") && out.contains("`status`"),
        "{out}"
    );
    assert!(run(&["--warn-only"]).status.success());
}

// ---- money figures trace to the fact sheet ----

#[test]
fn every_money_figure_traces_to_the_fact_sheet() {
    let table = include_str!("sheet-money.tsv");
    let sheet = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/sources/schemes-facts.md"),
    )
    .ok();
    let mut rows = std::collections::BTreeMap::new();
    for (n, line) in table.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [id, field, amount, quote] = cols[..] else {
            panic!("sheet-money.tsv:{}: expected 4 columns", n + 1);
        };
        let amount: u64 = amount.parse().expect("a whole number of HK dollars");
        // The quote is the sheet's own wording, and it says this amount.
        assert!(
            schemebot::search::amounts(quote).contains(&amount),
            "sheet-money.tsv:{}: {quote:?} does not say {amount}",
            n + 1
        );
        if let Some(sheet) = &sheet {
            let start = sheet
                .find(&format!("\n## {id}\n"))
                .unwrap_or_else(|| panic!("no section {id} in the fact sheet"));
            let end = sheet[start + 4..]
                .find("\n## ")
                .map_or(sheet.len(), |e| start + 4 + e);
            assert!(
                sheet[start..end].contains(quote),
                "sheet-money.tsv:{}: {quote:?} is not in the sheet's {id} section",
                n + 1
            );
        }
        rows.insert((id.to_owned(), field.to_owned()), amount);
    }
    let corpus = engine().corpus();
    let names = [
        "total_budget",
        "max_per_project",
        "min_project_cost",
        "max_per_applicant",
        "max_per_person",
        "monthly_allowance",
    ];
    let mut checked = 0;
    for s in &corpus.schemes {
        for (name, value) in names.iter().zip(s.money.figures()) {
            if let Some(v) = value {
                let traced = rows.get(&(s.id.clone(), (*name).to_owned()));
                assert_eq!(
                    traced,
                    Some(&v),
                    "{}.money.{name} = {v} is not traced to the sheet",
                    s.id
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} figures checked");
}
