//! Whether a question is about something other than our schemes, learnt from the question set:
//! a binary logistic regression over the question's character and word n-grams (the same
//! features as the lead model, [`super::lead`]), fitted on the development half of
//! `tests/it/questions.tsv` (out-of-domain questions against all others) and kept as data
//! (`data/domain-model.tsv`).
//!
//! The no-match decision ([`crate::search::decision`]) judges how well the best scheme explains
//! a question; it cannot tell a question that merely shares words with ours ("How do I apply for
//! the SME loan guarantee?") from one of ours put in new words. The words themselves can: the
//! out-of-domain questions people ask (other funds and subsidies, housing, tax, visas outside
//! technology, jobs at the parks) have their own vocabulary. A question that names none of our
//! schemes and that this model is sure is out of domain gets the no-match reply. `schemebot
//! fit-domain` refits the weights; rebuild to use them.

/// The probability at or above which a question is out of domain, when the file does not say.
pub const DEFAULT_THRESHOLD: f32 = 0.7;

/// The probability below which a question is surely in domain, when the file does not say.
pub const DEFAULT_SURE_IN: f32 = 0.02;

/// The no-match decision's probability at or above which a question surely in domain is
/// answered although the decision would not answer it, when the file does not say. 0.4 was
/// chosen when the model learnt from the question sets alone; with the written examples in the
/// fit, 0.2 answered one more of 750 held-out dev questions (of 0.1–0.4) and refused the same.
pub const DEFAULT_RESCUE: f32 = 0.2;

/// The shipped model.
pub const SOURCE: &str = include_str!("data/domain-model.tsv");

/// The features of a question ([`super::lead::for_each_ngram`] of its normalised text), as
/// owned strings.
#[must_use]
pub fn features(question: &str) -> Vec<String> {
    let mut out = Vec::new();
    super::lead::for_each_ngram(&super::normalize(question).text(), |f| {
        out.push(f.to_owned());
    });
    out
}

/// A fitted model: a weight per feature (towards out of domain), a bias, and the probabilities
/// it is read at.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DomainModel {
    pub weights: super::WordMap<String, f32>,
    pub bias: f32,
    /// Out of domain at or above this probability (0..=1).
    pub threshold: f32,
    /// Surely in domain below this probability (0..=1).
    pub sure_in: f32,
    /// A question surely in domain is answered when the no-match decision gives its best
    /// candidate at least this probability (0..=1), even below the decision's own threshold.
    pub rescue: f32,
}

impl DomainModel {
    /// The model compiled in from `data/domain-model.tsv`.
    ///
    /// # Panics
    /// If the shipped file is malformed (a test checks it is not).
    #[must_use]
    pub fn shipped() -> &'static DomainModel {
        static MODEL: std::sync::OnceLock<DomainModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            DomainModel::parse(SOURCE).expect("text/data/domain-model.tsv is valid")
        })
    }

    /// Reads the model file: `#` comments, `threshold`, `sure_in` and `rescue` lines (a name, a
    /// tab and a probability), a `bias<TAB>w` line and one `feature<TAB>weight` line a feature.
    ///
    /// # Errors
    /// A line that is not a name and one number, or a probability outside 0..=1.
    pub fn parse(text: &str) -> anyhow::Result<DomainModel> {
        let mut model = DomainModel {
            threshold: DEFAULT_THRESHOLD,
            sure_in: DEFAULT_SURE_IN,
            rescue: DEFAULT_RESCUE,
            ..DomainModel::default()
        };
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let Some((name, number)) = line.split_once('\t') else {
                anyhow::bail!("line {}: a name and a weight", n + 1);
            };
            let x: f32 = number
                .parse()
                .map_err(|e| anyhow::anyhow!("line {}: {e}", n + 1))?;
            match name {
                "threshold" | "sure_in" | "rescue" if !(0.0..=1.0).contains(&x) => {
                    anyhow::bail!("line {}: {name} is a probability within 0..=1", n + 1)
                }
                "threshold" => model.threshold = x,
                "sure_in" => model.sure_in = x,
                "rescue" => model.rescue = x,
                "bias" => model.bias = x,
                _ => {
                    model.weights.insert(name.to_owned(), x);
                }
            }
        }
        Ok(model)
    }

    /// The probability (0..=1) that a question is out of domain, from its normalised text
    /// (`normalize(question).text()`, which search has already made).
    #[must_use]
    pub fn probability(&self, normalised: &str) -> f32 {
        let mut z = self.bias;
        super::lead::for_each_ngram(normalised, |f| {
            z += self.weights.get(f).copied().unwrap_or(0.0);
        });
        1.0 / (1.0 + (-z).exp())
    }

    /// Fits weights by stochastic gradient descent on the log loss with an L2 penalty, over
    /// `(features, out of domain)` examples, in a shuffled order fixed by `seed` (a refit of
    /// the same data writes the same file). Weights smaller than 1e-3 are dropped; the
    /// probabilities it is read at are the defaults (the caller may set others).
    #[must_use]
    pub fn fit(examples: &[(Vec<String>, bool)], seed: u64) -> DomainModel {
        const EPOCHS: usize = 20;
        const RATE: f32 = 0.1;
        const L2: f32 = 1e-3;
        let mut model = DomainModel {
            threshold: DEFAULT_THRESHOLD,
            sure_in: DEFAULT_SURE_IN,
            rescue: DEFAULT_RESCUE,
            ..DomainModel::default()
        };
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut state = seed | 1;
        for _ in 0..EPOCHS {
            super::softmax::shuffle(&mut order, &mut state);
            for &i in &order {
                let (features, foreign) = &examples[i];
                let z = model.bias
                    + features
                        .iter()
                        .map(|f| model.weights.get(f).copied().unwrap_or(0.0))
                        .sum::<f32>();
                let gradient = 1.0 / (1.0 + (-z).exp()) - f32::from(u8::from(*foreign));
                model.bias -= RATE * gradient;
                for f in features {
                    let w = model.weights.entry(f.clone()).or_default();
                    *w -= RATE * (gradient + L2 * *w);
                }
            }
        }
        model.weights.retain(|_, w| w.abs() >= 1e-3);
        model
    }

    /// The model as the text of `data/domain-model.tsv`, features sorted, after `header`.
    #[must_use]
    pub fn to_tsv(&self, header: &str) -> String {
        let mut out = format!(
            "{header}threshold\t{}\nsure_in\t{}\nrescue\t{}\nbias\t{:.4}\n",
            self.threshold, self.sure_in, self.rescue, self.bias
        );
        let mut names: Vec<&String> = self.weights.keys().collect();
        names.sort();
        for name in names {
            out.push_str(&format!("{name}\t{:.4}\n", self.weights[name]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_and_knows_words() {
        let m = DomainModel::shipped();
        assert!((0.0..=1.0).contains(&m.threshold));
        assert!(m.weights.len() > 100, "{} features", m.weights.len());
    }

    #[test]
    fn a_fitted_model_separates_its_examples_and_round_trips() {
        let ex = |q: &str, foreign: bool| (features(q), foreign);
        let examples = vec![
            ex("research funding for my start-up", false),
            ex("salary subsidy for research staff", false),
            ex("technology voucher for my shop", false),
            ex("public housing application", true),
            ex("renew my identity card", true),
            ex("housing allowance for civil servants", true),
        ];
        let m = DomainModel::fit(&examples, 7);
        assert!(m.probability("public housing") >= m.threshold);
        assert!(m.probability("research funding") < m.threshold);
        let back = DomainModel::parse(&m.to_tsv("# test\n")).expect("parses");
        assert_eq!(back.weights.len(), m.weights.len());
        assert!(DomainModel::parse("bias").is_err());
        assert!(DomainModel::parse("threshold\t2").is_err());
        assert!(DomainModel::parse("rescue\t-1").is_err());
    }
}
