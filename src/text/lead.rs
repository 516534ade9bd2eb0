//! Which section a scheme answer leads with, learnt from conversations: intent classification
//! by a multinomial logistic regression over the question's character and word n-grams,
//! fitted on the development half of the conversation files and kept as data
//! (`data/lead-model.tsv`).
//!
//! The phrase cues of [`super::chat`] choose the lead first; they were read from development
//! misses and carry over badly to chats written by someone else (on the test halves the lead
//! was right for 88% of scheme answers, against 96% on the development halves). The model
//! overrules them only when it is sure ([`LeadModel::threshold`]): on the development half of
//! `conversations-10.tsv`, which neither the cues nor the model had seen, cues alone led right
//! for 95 of 113 scheme answers and cues overruled by a sure model for 104. `schemebot
//! fit-lead` refits the weights; rebuild to use them.

use std::collections::HashMap;

use super::Intent;

/// The sections a model can choose, in the order of the weight columns: `None` is the
/// summary (the overview), the others lead with that intent's section.
pub const CLASSES: [Option<Intent>; 5] = [
    None,
    Some(Intent::Money),
    Some(Intent::Eligibility),
    Some(Intent::Apply),
    Some(Intent::When),
];

/// The column labels of the model file, in [`CLASSES`] order.
pub const CLASS_KEYS: [&str; 5] = ["summary", "money", "eligibility", "apply", "when"];

/// How many classes the model scores.
pub const N_CLASSES: usize = CLASSES.len();

/// The probability the model must give its choice to overrule the phrase cues, when the file
/// does not say.
pub const DEFAULT_THRESHOLD: f32 = 0.6;

/// The shipped model.
pub const SOURCE: &str = include_str!("data/lead-model.tsv");

/// The features of a question: `h:` Han character unigrams, bigrams and trigrams of the
/// normalised (lower-case, Simplified) text, `w:` its Latin words and word bigrams, and
/// whether the answer follows up on the conversation's scheme (`follow`) or opens a chat
/// (`first`). Each feature counts once per occurrence.
#[must_use]
pub fn features(question: &str, follow_up: bool, first: bool) -> Vec<String> {
    let mut out = Vec::new();
    for_each_feature(question, follow_up, first, |f| out.push(f.to_owned()));
    out
}

/// Calls `each` with every feature of [`features`], in the same order, written into one
/// reused buffer (answering reads them without allocating one string each).
fn for_each_feature(question: &str, follow_up: bool, first: bool, mut each: impl FnMut(&str)) {
    each(if follow_up { "follow=1" } else { "follow=0" });
    each(if first { "first=1" } else { "first=0" });
    for_each_ngram(&super::normalize(question).text(), each);
}

/// Calls `each` with the text features of a question's normalised (lower-case, Simplified)
/// `text` (`normalize(question).text()`), written into one reused buffer: `h:` Han character
/// unigrams, bigrams and trigrams, then `w:` its Latin words and word bigrams. Shared by the
/// lead model and the domain model ([`super::domain`]).
pub(crate) fn for_each_ngram(text: &str, mut each: impl FnMut(&str)) {
    let mut buffer = String::new();
    let han: Vec<char> = text.chars().filter(|&c| super::is_han(c)).collect();
    for n in 1..=3 {
        for window in han.windows(n) {
            buffer.clear();
            buffer.push_str("h:");
            buffer.extend(window);
            each(&buffer);
        }
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for w in &words {
        buffer.clear();
        buffer.push_str("w:");
        buffer.push_str(w);
        each(&buffer);
    }
    for pair in words.windows(2) {
        buffer.clear();
        buffer.push_str("w:");
        buffer.push_str(pair[0]);
        buffer.push('_');
        buffer.push_str(pair[1]);
        each(&buffer);
    }
}

/// Whether an answer that found `found` leads with a section, so the model may choose it:
/// an answer about one or more schemes (not a compare card, a list or small talk). The fit
/// learns from these answers only.
#[must_use]
pub fn leads_with_a_section(found: &crate::search::Found) -> bool {
    matches!(found, crate::search::Found::Schemes(hits) if !hits.is_empty())
}

/// A fitted model: one weight per class for each feature, a bias per class, and the
/// probability at which its choice overrules the cues.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeadModel {
    pub weights: HashMap<String, [f32; N_CLASSES]>,
    pub bias: [f32; N_CLASSES],
    /// Overrule the cues at or above this probability (0..=1).
    pub threshold: f32,
}

impl LeadModel {
    /// The model compiled in from `data/lead-model.tsv`.
    ///
    /// # Panics
    /// If the shipped file is malformed (a test checks it is not).
    #[must_use]
    pub fn shipped() -> &'static LeadModel {
        static MODEL: std::sync::OnceLock<LeadModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| LeadModel::parse(SOURCE).expect("text/data/lead-model.tsv is valid"))
    }

    /// Reads the model file: `#` comments, a `threshold<TAB>p` line, a `bias` line and one
    /// line a feature, each with [`N_CLASSES`] tab-separated weights in [`CLASS_KEYS`] order.
    ///
    /// # Errors
    /// A line that is not a name and five numbers, or a threshold outside 0..=1.
    pub fn parse(text: &str) -> anyhow::Result<LeadModel> {
        let mut model = LeadModel {
            threshold: DEFAULT_THRESHOLD,
            ..LeadModel::default()
        };
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let name = cols.next().unwrap_or_default();
            let numbers: Vec<f32> = cols
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| anyhow::anyhow!("line {}: {e}", n + 1))?;
            match (name, numbers.as_slice()) {
                ("threshold", [p]) if (0.0..=1.0).contains(p) => model.threshold = *p,
                ("threshold", _) => anyhow::bail!("line {}: a threshold within 0..=1", n + 1),
                (name, w) if w.len() == N_CLASSES => {
                    let mut row = [0.0; N_CLASSES];
                    row.copy_from_slice(w);
                    if name == "bias" {
                        model.bias = row;
                    } else {
                        model.weights.insert(name.to_owned(), row);
                    }
                }
                _ => anyhow::bail!("line {}: a name and {N_CLASSES} weights", n + 1),
            }
        }
        Ok(model)
    }

    /// Class probabilities (summing to 1, in [`CLASSES`] order) for `features`.
    #[must_use]
    pub fn probabilities(&self, features: &[String]) -> [f32; N_CLASSES] {
        let mut z = self.bias;
        for f in features {
            if let Some(w) = self.weights.get(f) {
                for (z, w) in z.iter_mut().zip(w) {
                    *z += w;
                }
            }
        }
        softmax(z)
    }

    /// The section the model is sure of for `question` (see [`features`]), or `None` when no
    /// class reaches the threshold: the cues' choice stands.
    #[must_use]
    pub fn sure_lead(
        &self,
        question: &str,
        follow_up: bool,
        first: bool,
    ) -> Option<Option<Intent>> {
        let mut z = self.bias;
        for_each_feature(question, follow_up, first, |f| {
            if let Some(w) = self.weights.get(f) {
                for (z, w) in z.iter_mut().zip(w) {
                    *z += w;
                }
            }
        });
        let p = softmax(z);
        let (best, &pb) = p
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap_or((0, &0.0));
        (pb >= self.threshold).then_some(CLASSES[best])
    }

    /// Fits weights by stochastic gradient descent on the log loss with an L2 penalty, over
    /// `(features, class index)` examples, in a shuffled order fixed by `seed` (so a refit of
    /// the same data writes the same file). Weights smaller than 1e-3 are dropped.
    #[must_use]
    pub fn fit(examples: &[(Vec<String>, usize)], threshold: f32, seed: u64) -> LeadModel {
        const EPOCHS: usize = 20;
        const RATE: f32 = 0.1;
        const L2: f32 = 1e-3;
        let mut model = LeadModel {
            threshold,
            ..LeadModel::default()
        };
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut state = seed | 1;
        for _ in 0..EPOCHS {
            shuffle(&mut order, &mut state);
            for &i in &order {
                let (features, class) = &examples[i];
                let p = model.probabilities(features);
                for (c, pc) in p.iter().enumerate() {
                    let gradient = pc - f32::from(u8::from(c == *class));
                    model.bias[c] -= RATE * gradient;
                    for f in features {
                        let w = model.weights.entry(f.clone()).or_default();
                        w[c] -= RATE * (gradient + L2 * w[c]);
                    }
                }
            }
        }
        model
            .weights
            .retain(|_, w| w.iter().any(|x| x.abs() >= 1e-3));
        model
    }

    /// The model as the text of `data/lead-model.tsv`, features sorted, after `header`.
    #[must_use]
    pub fn to_tsv(&self, header: &str) -> String {
        let row = |w: &[f32; N_CLASSES]| {
            w.iter()
                .map(|x| format!("{x:.4}"))
                .collect::<Vec<_>>()
                .join("\t")
        };
        let mut out = format!(
            "{header}# columns: feature, then {}\nthreshold\t{}\nbias\t{}\n",
            CLASS_KEYS.join(", "),
            self.threshold,
            row(&self.bias)
        );
        let mut names: Vec<&String> = self.weights.keys().collect();
        names.sort();
        for name in names {
            out.push_str(&format!("{name}\t{}\n", row(&self.weights[name])));
        }
        out
    }
}

/// Shuffles `order` in place (Fisher–Yates) with a 64-bit linear congruential generator whose
/// state is `state`: determinism, not randomness, is what a refit needs (the same data and
/// seed write the same model file). Shared with the domain model's fit.
pub(crate) fn shuffle(order: &mut [usize], state: &mut u64) {
    for i in (1..order.len()).rev() {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = ((*state >> 33) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}

fn softmax(z: [f32; N_CLASSES]) -> [f32; N_CLASSES] {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e = z.map(|x| (x - max).exp());
    let sum: f32 = e.iter().sum();
    e.map(|x| x / sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_and_knows_words() {
        let m = LeadModel::shipped();
        assert!((0.0..=1.0).contains(&m.threshold));
        assert!(m.weights.len() > 100, "{} features", m.weights.len());
    }

    #[test]
    fn features_fold_scripts_and_read_words() {
        let a = features("幾多錢？", true, false);
        let b = features("几多钱？", true, false);
        assert_eq!(a, b);
        assert!(a.contains(&"h:多钱".to_owned()));
        let e = features("How much, per company?", false, true);
        assert!(e.contains(&"w:how_much".to_owned()) && e.contains(&"first=1".to_owned()));
    }

    #[test]
    fn a_fitted_model_learns_its_examples_and_round_trips() {
        let ex = |q: &str, c: usize| (features(q, false, true), c);
        let examples = vec![
            ex("how much money", 1),
            ex("how much is the grant", 1),
            ex("who can apply", 2),
            ex("can we apply", 2),
            ex("how to apply", 3),
            ex("when is the deadline", 4),
            ex("what is it", 0),
        ];
        let m = LeadModel::fit(&examples, 0.5, 7);
        let p = m.probabilities(&features("how much", false, true));
        assert!(p[1] > 0.5, "{p:?}");
        let back = LeadModel::parse(&m.to_tsv("# test\n")).expect("parses");
        assert_eq!(back.weights.len(), m.weights.len());
        assert!((back.threshold - 0.5).abs() < 1e-6);
        assert!(LeadModel::parse("bias\t1\t2").is_err());
        assert!(LeadModel::parse("threshold\t2").is_err());
    }
}
