//! The answer / suggest / no-match decision: a logistic regression over a few features of the
//! best candidate, fitted on the development half of the question set and kept as data
//! (`decision.toml`), so the cut is calibrated on questions rather than hand-ruled.
//!
//! [`Features`] describe how well the best scheme explains a question (name hit, text score,
//! its margin over the runner-up, the share of the question's content weight it covers, the
//! share of that weight the corpus has never seen, evidence in names and keywords, whether the
//! question names a programme that is not ours, whether the asker's stated applicant kind and
//! need fit, whether the question asks for support for someone it describes).
//! [`Model::probability`] turns them into the probability that the best scheme is the
//! right answer; at or above `answer` the bot answers, at or above `suggest` it offers "did you
//! mean…?", below that it says it does not know. `schemebot fit-decision` refits the weights
//! and thresholds from `tests/it/questions.tsv` (dev split only) and writes this file; rebuild
//! to use them.

use serde::{Deserialize, Serialize};

/// How many features the model reads.
pub const N_FEATURES: usize = 10;

/// The features of the best candidate for a question, each roughly within 0..=1.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Features {
    /// 1 when one of the scheme's names is written in the question.
    pub named: f32,
    /// ln(1 + BM25 text score) / 5.
    pub score: f32,
    /// (best − runner-up) / best, on the weighted text scores.
    pub margin: f32,
    /// The share of the question's content weight found anywhere in the scheme.
    pub coverage: f32,
    /// The share of the question's content weight in words no scheme contains.
    pub unknown: f32,
    /// Distinct topic words found in its names or keywords (and a quoted money figure), ÷ 3,
    /// at most 1.
    pub evidence: f32,
    /// 1 when the question names a programme that is not an I&T scheme (`elsewhere.txt`).
    pub elsewhere: f32,
    /// 1 when an applicant kind the question states can apply to the scheme, −1 when it cannot.
    pub applicant_fit: f32,
    /// 1 when a need the question states is one the scheme serves.
    pub need_fit: f32,
    /// 1 when the question asks for money or support for someone it describes: a funding
    /// word or a money question, with a stated applicant kind or a first-person word
    /// ("我哋間舖想裝…有冇資助"); people near our domain by accident rarely ask that.
    pub asks_support: f32,
}

impl Features {
    /// The features in the model's order.
    #[must_use]
    pub fn vector(&self) -> [f32; N_FEATURES] {
        [
            self.named,
            self.score,
            self.margin,
            self.coverage,
            self.unknown,
            self.evidence,
            self.elsewhere,
            self.applicant_fit,
            self.need_fit,
            self.asks_support,
        ]
    }
}

/// What to do with the best candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Answer with it.
    Answer,
    /// Offer it (and the runners-up) as "did you mean…?".
    Suggest,
    /// Say nothing matched.
    None,
}

/// The fitted model: weights in [`Features::vector`] order, a bias, and two probability
/// thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub weights: Vec<f32>,
    pub bias: f32,
    /// Answer at or above this probability.
    pub answer: f32,
    /// Suggest at or above this probability (and below `answer`).
    pub suggest: f32,
}

/// The shipped model.
pub const SOURCE: &str = include_str!("decision.toml");

impl Model {
    /// The model compiled in from `decision.toml`.
    ///
    /// # Panics
    /// If the shipped file is malformed (a test checks it is not).
    #[must_use]
    pub fn shipped() -> Model {
        let m: Model = toml::from_str(SOURCE).expect("search/decision.toml is valid");
        assert_eq!(m.weights.len(), N_FEATURES, "decision.toml: weights");
        m
    }

    /// The probability (0..=1) that the best candidate is the right answer.
    #[must_use]
    pub fn probability(&self, f: &Features) -> f32 {
        let z = self.bias
            + self
                .weights
                .iter()
                .zip(f.vector())
                .map(|(w, x)| w * x)
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }

    /// The decision for a candidate. A candidate whose name the question writes (even
    /// misspelt: "高材通") is answered whatever its text score: on the dev half no
    /// out-of-domain question names one of ours and named candidates below the threshold are
    /// right ones (short follow-ups such as "and the Incubation Programme?"), which a linear
    /// model cannot express next to the text features.
    #[must_use]
    pub fn decide(&self, f: &Features) -> Confidence {
        let p = self.probability(f);
        if p >= self.answer || f.named > 0.0 {
            Confidence::Answer
        } else if p >= self.suggest {
            Confidence::Suggest
        } else {
            Confidence::None
        }
    }

    /// Fits weights by full-batch gradient descent on the log loss with a small L2 penalty,
    /// from `(features, best candidate is right, out of domain)` triples; then picks the
    /// thresholds: `suggest` just above the probability of all but `ood_allowed` of the
    /// out-of-domain examples (so at most that many get more than the no-match reply), and
    /// `answer` (at least `suggest`) maximising right answers minus twice the wrong ones.
    #[must_use]
    pub fn fit(examples: &[(Features, bool, bool)], ood_allowed: usize) -> Model {
        let mut w = [0.0f32; N_FEATURES];
        let mut b = 0.0f32;
        let n = examples.len().max(1) as f32;
        let (rate, l2) = (0.5f32, 0.001f32);
        for _ in 0..4000 {
            let mut gw = [0.0f32; N_FEATURES];
            let mut gb = 0.0f32;
            for (f, right, _) in examples {
                let x = f.vector();
                let z = b + w.iter().zip(x).map(|(w, x)| w * x).sum::<f32>();
                let err = 1.0 / (1.0 + (-z).exp()) - f32::from(u8::from(*right));
                for k in 0..N_FEATURES {
                    gw[k] += err * x[k];
                }
                gb += err;
            }
            for k in 0..N_FEATURES {
                w[k] -= rate * (gw[k] / n + l2 * w[k]);
            }
            b -= rate * gb / n;
        }
        let mut model = Model {
            weights: w.to_vec(),
            bias: b,
            answer: 0.5,
            suggest: 0.5,
        };
        // (probability, right, out of domain)
        let scored: Vec<(f32, bool, bool)> = examples
            .iter()
            .map(|(f, right, ood)| (model.probability(f), *right, *ood))
            .collect();
        let mut ood: Vec<f32> = scored.iter().filter(|s| s.2).map(|s| s.0).collect();
        ood.sort_by(f32::total_cmp);
        let keep = ood.len().saturating_sub(ood_allowed);
        model.suggest = ood
            .get(keep.saturating_sub(1))
            .map_or(0.5, |p| (p + 1e-4).min(0.99));
        let mut best = (i64::MIN, model.suggest);
        let mut candidates: Vec<f32> = scored.iter().map(|s| s.0).collect();
        candidates.push(model.suggest);
        for &t in candidates.iter().filter(|&&t| t >= model.suggest) {
            let gain: i64 = scored
                .iter()
                .filter(|s| s.0 >= t)
                .map(|s| if s.1 { 1 } else { -2 })
                .sum();
            if gain > best.0 || (gain == best.0 && t < best.1) {
                best = (gain, t);
            }
        }
        model.answer = best.1;
        model
    }

    /// The model as the TOML of `decision.toml`, with a header saying how it was made.
    #[must_use]
    pub fn to_toml(&self, header: &str) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!("{header}{body}")
    }
}

/// The seed of the one split of the question set into dev and test halves; changing it would
/// mean tuning on test questions.
pub const SPLIT_SEED: u64 = 0x0005_c4e3_eb07_2026;

/// Whether a question belongs to the development half: FNV-1a over the seed and its bytes.
#[must_use]
pub fn is_dev(question: &str) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ SPLIT_SEED;
    for b in question.trim().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.is_multiple_of(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads() {
        let m = Model::shipped();
        assert!(m.suggest <= m.answer);
        assert!((0.0..=1.0).contains(&m.answer));
    }

    #[test]
    fn fitting_separates_a_separable_set() {
        let good = Features {
            named: 1.0,
            coverage: 0.9,
            ..Features::default()
        };
        let bad = Features {
            unknown: 0.9,
            elsewhere: 1.0,
            ..Features::default()
        };
        let examples: Vec<(Features, bool, bool)> = (0..20)
            .flat_map(|_| [(good, true, false), (bad, false, true)])
            .collect();
        let m = Model::fit(&examples, 1);
        assert_eq!(m.decide(&good), Confidence::Answer);
        assert_eq!(m.decide(&bad), Confidence::None);
    }
}
