//! Change detection: a [`Snapshot`] of what subscribers were last told about every scheme, and
//! [`diff`], which compares two snapshots scheme by scheme and field by field.
//!
//! A snapshot keeps only the facts worth a notice: names, category, status and dates, the
//! official link, every money figure, and the summary, eligibility, money, application and
//! status texts in both languages. The "as of" date alone is not news (it moves whenever a page
//! is re-checked), and neither is the 2024 Policy Address paragraph. Snapshots are stored as
//! JSON in the store, so their shape is a compatibility boundary: fields may be added with
//! `#[serde(default)]`, never renamed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::corpus::{Corpus, Ratio, Scheme, SchemeId};

/// The notice-worthy facts of every scheme.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schemes: BTreeMap<SchemeId, Facts>,
}

/// Text in both languages (Chinese in Traditional characters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    pub en: String,
    pub zh: String,
}

/// The notice-worthy facts of one scheme.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub name: Bilingual,
    #[serde(default)]
    pub acronym: Option<String>,
    pub category: String,
    pub status: String,
    /// When the status took effect.
    #[serde(default)]
    pub status_since: Option<String>,
    /// Schemes to look at instead (for a closed scheme), by id.
    #[serde(default)]
    pub alternatives: Vec<SchemeId>,
    #[serde(default)]
    pub opens: Option<String>,
    #[serde(default)]
    pub deadline: Option<String>,
    pub url: String,
    #[serde(default)]
    pub money: BTreeMap<String, u64>,
    /// The matching ratios. `None` in a snapshot written before ratios were structured (they
    /// were English text then), so the first publish after the upgrade compares nothing here
    /// rather than telling every subscriber that every ratio changed.
    #[serde(default)]
    pub matching: Option<Vec<Ratio>>,
    pub summary: Bilingual,
    pub eligibility: Bilingual,
    pub money_text: Bilingual,
    pub apply: Bilingual,
    pub status_text: Bilingual,
}

/// What changed in a field: its name and its old and new values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// A field value, kept raw so each reader's language can format it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    /// Whole Hong Kong dollars.
    Amount(u64),
    /// A code or date shown as is (status, category, a date, a link, an acronym).
    Code(String),
    /// Prose in both languages.
    Text(Bilingual),
    /// Scheme ids, shown as the schemes' names in the reader's language.
    Schemes(Vec<SchemeId>),
    /// Matching ratios, worded in the reader's language.
    Ratios(Vec<Ratio>),
}

/// The fields a notice can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Acronym,
    Category,
    Status,
    StatusSince,
    Alternatives,
    Opens,
    Deadline,
    Url,
    TotalBudget,
    MaxPerProject,
    MinProjectCost,
    MaxPerApplicant,
    MaxPerPerson,
    MonthlyAllowance,
    MatchingRatio,
    Summary,
    Eligibility,
    MoneyText,
    Apply,
    StatusText,
}

/// The structured money figures and the field each is reported as.
const MONEY_FIELDS: [(&str, Field); 6] = [
    ("total_budget", Field::TotalBudget),
    ("max_per_project", Field::MaxPerProject),
    ("min_project_cost", Field::MinProjectCost),
    ("max_per_applicant", Field::MaxPerApplicant),
    ("max_per_person", Field::MaxPerPerson),
    ("monthly_allowance", Field::MonthlyAllowance),
];

/// One scheme's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SchemeChange {
    /// A scheme that was not in the published corpus.
    Added {
        id: SchemeId,
        name: Bilingual,
        category: String,
    },
    /// A scheme that is no longer in the corpus.
    Removed {
        id: SchemeId,
        name: Bilingual,
        category: String,
    },
    /// A scheme whose facts changed.
    Changed {
        id: SchemeId,
        name: Bilingual,
        /// The category before and after (the same unless the category changed).
        categories: Vec<String>,
        fields: Vec<FieldChange>,
    },
}

impl SchemeChange {
    /// The scheme the change is about.
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            SchemeChange::Added { id, .. }
            | SchemeChange::Removed { id, .. }
            | SchemeChange::Changed { id, .. } => id,
        }
    }

    /// The category keys a subscriber of a category hears this change through.
    #[must_use]
    pub fn categories(&self) -> Vec<&str> {
        match self {
            SchemeChange::Added { category, .. } | SchemeChange::Removed { category, .. } => {
                vec![category.as_str()]
            }
            SchemeChange::Changed { categories, .. } => {
                categories.iter().map(String::as_str).collect()
            }
        }
    }
}

impl Snapshot {
    /// The snapshot of a corpus.
    #[must_use]
    pub fn of(corpus: &Corpus) -> Snapshot {
        Snapshot {
            schemes: corpus
                .schemes
                .iter()
                .map(|s| (s.id.clone(), Facts::of(s)))
                .collect(),
        }
    }
}

impl Facts {
    fn of(s: &Scheme) -> Facts {
        let both = |en: &str, zh: &str| Bilingual {
            en: en.to_owned(),
            zh: zh.to_owned(),
        };
        let m = &s.money;
        let figures = m.figures();
        Facts {
            name: both(&s.name_en, &s.name_zh),
            acronym: s.acronym.clone(),
            category: s.category.key().to_owned(),
            status: s.status.key().to_owned(),
            status_since: s.status_since.clone(),
            alternatives: s.alternatives.clone(),
            opens: s.opens.clone(),
            deadline: s.deadline.clone(),
            url: s.url.clone(),
            money: MONEY_FIELDS
                .iter()
                .zip(figures)
                .filter_map(|((key, _), v)| v.map(|v| ((*key).to_owned(), v)))
                .collect(),
            matching: Some(m.matching.clone()),
            summary: both(&s.en.summary, &s.zh.summary),
            eligibility: both(&s.en.eligibility, &s.zh.eligibility),
            money_text: both(&s.en.money, &s.zh.money),
            apply: both(&s.en.apply, &s.zh.apply),
            status_text: both(&s.en.status, &s.zh.status),
        }
    }
}

/// The changes from `old` to `new`, in scheme id order.
#[must_use]
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<SchemeChange> {
    let mut out = Vec::new();
    let ids: std::collections::BTreeSet<&SchemeId> =
        old.schemes.keys().chain(new.schemes.keys()).collect();
    for id in ids {
        match (old.schemes.get(id), new.schemes.get(id)) {
            (None, Some(n)) => out.push(SchemeChange::Added {
                id: id.clone(),
                name: n.name.clone(),
                category: n.category.clone(),
            }),
            (Some(o), None) => out.push(SchemeChange::Removed {
                id: id.clone(),
                name: o.name.clone(),
                category: o.category.clone(),
            }),
            (Some(o), Some(n)) => {
                let fields = diff_facts(o, n);
                if !fields.is_empty() {
                    let mut categories = vec![n.category.clone()];
                    if o.category != n.category {
                        categories.push(o.category.clone());
                    }
                    out.push(SchemeChange::Changed {
                        id: id.clone(),
                        name: n.name.clone(),
                        categories,
                        fields,
                    });
                }
            }
            (None, None) => {}
        }
    }
    out
}

fn diff_facts(o: &Facts, n: &Facts) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field: Field, old: Option<Value>, new: Option<Value>| {
        if old != new {
            out.push(FieldChange { field, old, new });
        }
    };
    let code = |s: &Option<String>| s.clone().map(Value::Code);
    let text = |b: &Bilingual| Some(Value::Text(b.clone()));
    push(Field::Name, text(&o.name), text(&n.name));
    push(Field::Acronym, code(&o.acronym), code(&n.acronym));
    push(
        Field::Category,
        Some(Value::Code(o.category.clone())),
        Some(Value::Code(n.category.clone())),
    );
    push(
        Field::Status,
        Some(Value::Code(o.status.clone())),
        Some(Value::Code(n.status.clone())),
    );
    push(
        Field::StatusSince,
        code(&o.status_since),
        code(&n.status_since),
    );
    let schemes = |ids: &Vec<SchemeId>| (!ids.is_empty()).then(|| Value::Schemes(ids.clone()));
    push(
        Field::Alternatives,
        schemes(&o.alternatives),
        schemes(&n.alternatives),
    );
    push(Field::Opens, code(&o.opens), code(&n.opens));
    push(Field::Deadline, code(&o.deadline), code(&n.deadline));
    push(
        Field::Url,
        Some(Value::Code(o.url.clone())),
        Some(Value::Code(n.url.clone())),
    );
    for (key, field) in MONEY_FIELDS {
        push(
            field,
            o.money.get(key).copied().map(Value::Amount),
            n.money.get(key).copied().map(Value::Amount),
        );
    }
    if let (Some(old), Some(new)) = (&o.matching, &n.matching) {
        let ratios = |r: &Vec<Ratio>| (!r.is_empty()).then(|| Value::Ratios(r.clone()));
        push(Field::MatchingRatio, ratios(old), ratios(new));
    }
    push(Field::Summary, text(&o.summary), text(&n.summary));
    push(
        Field::Eligibility,
        text(&o.eligibility),
        text(&n.eligibility),
    );
    push(Field::MoneyText, text(&o.money_text), text(&n.money_text));
    push(Field::Apply, text(&o.apply), text(&n.apply));
    push(
        Field::StatusText,
        text(&o.status_text),
        text(&n.status_text),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        let b = |s: &str| Bilingual {
            en: s.to_owned(),
            zh: s.to_owned(),
        };
        Facts {
            name: b("New Industrialisation Acceleration Scheme"),
            acronym: Some("NIAS".to_owned()),
            category: "industry".to_owned(),
            status: "open".to_owned(),
            url: "https://example.org".to_owned(),
            money: BTreeMap::from([("min_project_cost".to_owned(), 300_000_000)]),
            summary: b("s"),
            eligibility: b("e"),
            money_text: b("m"),
            apply: b("a"),
            status_text: b("t"),
            ..Facts::default()
        }
    }

    fn snapshot(entries: &[(&str, Facts)]) -> Snapshot {
        Snapshot {
            schemes: entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    #[test]
    fn identical_snapshots_have_no_changes() {
        let s = snapshot(&[("nias", facts())]);
        assert!(diff(&s, &s).is_empty());
    }

    #[test]
    fn a_money_change_names_the_field_with_old_and_new() {
        let old = snapshot(&[("nias", facts())]);
        let mut f = facts();
        f.money.insert("min_project_cost".to_owned(), 150_000_000);
        let new = snapshot(&[("nias", f)]);
        let changes = diff(&old, &new);
        let [SchemeChange::Changed { id, fields, .. }] = changes.as_slice() else {
            panic!("{changes:?}")
        };
        assert_eq!(id, "nias");
        assert_eq!(
            fields,
            &[FieldChange {
                field: Field::MinProjectCost,
                old: Some(Value::Amount(300_000_000)),
                new: Some(Value::Amount(150_000_000)),
            }]
        );
    }

    #[test]
    fn added_and_removed_schemes_are_changes() {
        let old = snapshot(&[("a", facts())]);
        let new = snapshot(&[("b", facts())]);
        let changes = diff(&old, &new);
        assert!(matches!(changes[0], SchemeChange::Removed { ref id, .. } if id == "a"));
        assert!(matches!(changes[1], SchemeChange::Added { ref id, .. } if id == "b"));
    }

    #[test]
    fn a_category_move_reaches_both_categories() {
        let old = snapshot(&[("a", facts())]);
        let mut f = facts();
        f.category = "funding".to_owned();
        let changes = diff(&old, &snapshot(&[("a", f)]));
        assert_eq!(changes[0].categories(), vec!["funding", "industry"]);
    }

    #[test]
    fn snapshots_round_trip_through_json() {
        let s = snapshot(&[("nias", facts())]);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), s);
    }
}
