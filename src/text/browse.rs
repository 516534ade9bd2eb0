//! Which list of schemes a question asks for, learnt: a multinomial logistic regression
//! ([`super::softmax`]) over the question's character and word n-grams (the lead model's
//! features), with one class per structured list ([`KEYS`]: every scheme, open now, most money,
//! closing soonest, or what one kind of applicant can apply for) and one for everything else.
//! Fitted by `schemebot fit-browse` on the development half of `tests/it/questions.tsv`,
//! `data/browse-examples.tsv` (list requests written from the fact sheet alone) and
//! `data/domain-examples.tsv` (questions that are not list requests), and kept as data
//! (`data/browse-model.tsv`).
//!
//! The phrase rules of search (`Engine::structured_request`) recognise most list requests, but
//! they were read from development questions and miss new wording ("請列出現時接受申請的創新科技計劃",
//! "wich scheme deadline comming up first"), which then gets the no-match reply or a scheme. When
//! a question names none of our schemes, is not out of domain, and this model is sure it asks
//! for one of the lists, that list is the answer (outside a chat; see `answer.rs`).

use super::softmax::Softmax;
use crate::search::{Filter, Found, SortBy};

/// The classes, in the order of the model's weight columns: `other` (not a list request),
/// then the keys of [`Filter::key`] (and `list:all`) the model can answer with.
pub const KEYS: [&str; 18] = [
    "other",
    "list:all",
    "list:open",
    "list:sort=money",
    "list:sort=deadline",
    "list:applicant=individual",
    "list:applicant=student",
    "list:applicant=graduate",
    "list:applicant=researcher",
    "list:applicant=overseas-talent",
    "list:applicant=start-up",
    "list:applicant=sme",
    "list:applicant=company",
    "list:applicant=manufacturer",
    "list:applicant=university",
    "list:applicant=school",
    "list:applicant=fund-manager",
    "list:applicant=accelerator",
];

/// How many classes the model scores.
pub const N_KEYS: usize = KEYS.len();

/// The probability the model must give a list to answer with it, when the file does not say.
/// 0.7 turned most held-out answers right (of 0.5, 0.7, 0.8, 0.9; see ARCHITECTURE.md).
pub const DEFAULT_THRESHOLD: f32 = 0.7;

/// The probability the likeliest list needs to answer a question search found nothing for
/// (outside a chat): a list beats "Sorry, I couldn't find…" at lower odds than it beats a
/// scheme. In held-out runs (five folds over the development questions, the written list
/// requests and the domain examples) 0.3 answered 17 more list requests right than 0.7 and
/// refused the same questions (0.05–0.2 one more; 0.4–0.6 fewer).
pub const AFTER_NOTHING: f32 = 0.3;

/// Weights smaller than this are dropped from the fitted model (`Softmax::pruned`): with 18
/// classes the full table is eight times the lead model's, and in the held-out runs the
/// pruned model answered the same.
pub const PRUNE: f32 = 0.05;

/// The domain model's probability (out of domain) under which a question may be read as a list
/// request: "Which public housing schemes are accepting applications right now?" asks for
/// someone else's list. 0.1 lost no held-out answer (0.5, 0.3 and 0.2 each lost that one).
pub const MAX_FOREIGN: f32 = 0.1;

/// The shipped model.
pub const SOURCE: &str = include_str!("data/browse-model.tsv");

/// The browse model: a [`Softmax`] over [`KEYS`].
pub type BrowseModel = Softmax<N_KEYS>;

impl Softmax<N_KEYS> {
    /// The model compiled in from `data/browse-model.tsv`.
    ///
    /// # Panics
    /// If the shipped file is malformed (a test checks it is not).
    #[must_use]
    pub fn shipped() -> &'static BrowseModel {
        static MODEL: std::sync::OnceLock<BrowseModel> = std::sync::OnceLock::new();
        BrowseModel::compiled_in(
            &MODEL,
            SOURCE,
            DEFAULT_THRESHOLD,
            "text/data/browse-model.tsv",
        )
    }

    /// The list `normalised` (`normalize(question).text()`) most likely asks for, as a key of
    /// [`KEYS`] other than `other`, with its probability (0..=1); `None` when `other` is the
    /// likeliest class. The caller decides how sure is sure enough: [`Softmax::threshold`]
    /// against another answer, [`AFTER_NOTHING`] against the no-match reply.
    #[must_use]
    pub fn likeliest_list(&self, normalised: &str) -> Option<(&'static str, f32)> {
        let p = self.probabilities_with(|each| super::lead::for_each_ngram(normalised, each));
        let (best, &pb) = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
        (best != 0).then_some((KEYS[best], pb))
    }
}

/// What answers a list key of [`KEYS`]: every scheme for `list:all`, otherwise the structured
/// list; `None` for `other` or a key that is not in [`KEYS`].
#[must_use]
pub fn found(key: &'static str) -> Option<Found> {
    let filter = |open_only, applicant, sort| {
        Some(Found::Filtered(Filter {
            open_only,
            applicant,
            sort,
        }))
    };
    match key {
        "list:all" => Some(Found::List(None)),
        "list:open" => filter(true, None, SortBy::Category),
        "list:sort=money" => filter(false, None, SortBy::Money),
        "list:sort=deadline" => filter(false, None, SortBy::Deadline),
        _ => key
            .strip_prefix("list:applicant=")
            .filter(|_| KEYS.contains(&key))
            .and_then(|who| filter(false, Some(who), SortBy::Category)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_and_every_key_answers_with_its_own_list() {
        let m = BrowseModel::shipped();
        assert!((0.0..=1.0).contains(&m.threshold));
        assert!(m.weights.len() > 100, "{} features", m.weights.len());
        let kinds = crate::text::vocabulary::applicant_keys();
        for key in &KEYS[1..] {
            let found = found(key).unwrap_or_else(|| panic!("{key} answers"));
            match found {
                Found::List(None) => assert_eq!(*key, "list:all"),
                Found::Filtered(f) => {
                    assert_eq!(f.key(), *key);
                    if let Some(who) = f.applicant {
                        assert!(kinds.contains(&who), "{who} is an applicant kind");
                    }
                }
                other => panic!("{key}: {other:?}"),
            }
        }
        assert!(found("other").is_none() && found("list:applicant=pilot").is_none());
    }

    #[test]
    fn the_shipped_model_reads_plain_list_requests_and_leaves_questions_about_one_scheme() {
        let m = BrowseModel::shipped();
        let sure = |q: &str| {
            m.likeliest_list(&crate::text::normalize(q).text())
                .filter(|&(_, p)| p >= m.threshold)
                .map(|(key, _)| key)
        };
        assert_eq!(sure("list every scheme you cover please"), Some("list:all"));
        assert_eq!(sure("哪些计划现在可以申请？"), Some("list:open"));
        assert_eq!(sure("邊個計劃俾錢最多？排一排"), Some("list:sort=money"));
        assert_eq!(
            sure("How much can a company get from the Technology Voucher?"),
            None
        );
        assert_eq!(sure("科技券點樣申請？"), None);
        // The likeliest class and its probability, whatever it is: the caller sets the bar.
        let (key, p) = m
            .likeliest_list(&crate::text::normalize("開咗定截咗都好，全部列晒").text())
            .expect("a list is likeliest");
        assert_eq!(key, "list:all");
        assert!(p > AFTER_NOTHING, "{p}");
        assert_eq!(
            m.likeliest_list(&crate::text::normalize("科技券點樣申請？").text()),
            None
        );
    }
}
