//! Which scheme a question describes, learnt: a multinomial logistic regression over the
//! question's character and word n-grams (the lead model's features), with one class per
//! scheme of the corpus it was fitted with. BM25 ranks by the words a question shares with a
//! scheme's text; this model has read how people ask for each scheme (every scheme's
//! `asked_as`, the in-domain examples written from the fact sheet, and the development half of
//! the question set) and knows which words tell two close schemes apart ("a top scholar and his
//! team" is the frontier research scheme, not the professorship; "coding club for our school"
//! the IT Innovation Lab, not the primary-school IT programme). Search uses it to re-rank its
//! first three candidates when the question names none of ours by an official name or acronym
//! (`Engine::find`; see [`RERANK_MIN`] and [`RERANK_RATIO`]).
//!
//! Fitted by `schemebot fit-scheme` with the same stochastic gradient descent as the other
//! softmax models (`super::softmax::sgd`), and kept as data (`data/scheme-model.tsv`). Its classes
//! are the scheme ids the file lists, so a scheme added to the corpus after the fit is simply
//! unknown to it (probability 0) until the model is refitted.

use std::collections::HashMap;

/// A candidate moves to first place when the model gives it at least this probability (0..=1)…
/// Of 0.3, 0.5 and 0.7 in held-out runs (five folds over the development questions and the
/// domain examples), each gave the same within one answer; 0.5 is the middle.
pub const RERANK_MIN: f32 = 0.5;

/// …and at least this many times the probability of the candidate search put first. 10 turned
/// 13 held-out answers right, net (30: 10; 5 and 3: the same or fewer).
pub const RERANK_RATIO: f32 = 10.0;

/// Weights smaller than this are dropped from the fitted model: with a class per scheme the full
/// table has about a million weights, of which 40,000 are at least 0.05; held out, the pruned
/// model re-ranked the same answers but one.
pub const PRUNE: f32 = 0.05;

/// The shipped model.
pub const SOURCE: &str = include_str!("data/scheme-model.tsv");

/// A fitted model: the scheme ids it knows (its classes, in column order), a bias per class and,
/// per feature, the classes it has a weight for (sparse: most features tell one or two schemes).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SchemeModel {
    pub classes: Vec<String>,
    pub bias: Vec<f32>,
    pub weights: super::WordMap<String, Vec<(u16, f32)>>,
}

impl SchemeModel {
    /// The model compiled in from `data/scheme-model.tsv`.
    ///
    /// # Panics
    /// If the shipped file is malformed (a test checks it is not).
    #[must_use]
    pub fn shipped() -> &'static SchemeModel {
        static MODEL: std::sync::OnceLock<SchemeModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            SchemeModel::parse(SOURCE)
                .unwrap_or_else(|e| panic!("text/data/scheme-model.tsv is invalid: {e}"))
        })
    }

    /// Fits a model over `(features, scheme id)` examples with `seed` fixing the order (so a refit
    /// of the same data writes the same file); weights under `prune` in magnitude are dropped.
    /// The classes are the ids the examples name, sorted.
    #[must_use]
    pub fn fit(examples: &[(Vec<String>, String)], prune: f32, seed: u64) -> SchemeModel {
        let mut classes: Vec<String> = examples.iter().map(|(_, id)| id.clone()).collect();
        classes.sort();
        classes.dedup();
        let index: HashMap<&str, usize> = classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let numbered: Vec<(Vec<String>, usize)> = examples
            .iter()
            .map(|(f, id)| (f.clone(), index[id.as_str()]))
            .collect();
        let (dense, bias) =
            super::softmax::sgd(&numbered, classes.len(), seed, super::softmax::DEFAULT_L2);
        let weights = dense
            .into_iter()
            .filter_map(|(f, row)| {
                let kept: Vec<(u16, f32)> = row
                    .into_iter()
                    .enumerate()
                    .filter(|&(_, w)| w.abs() >= prune)
                    .map(|(c, w)| (u16::try_from(c).expect("under 65,536 schemes"), w))
                    .collect();
                (!kept.is_empty()).then_some((f, kept))
            })
            .collect();
        SchemeModel {
            classes,
            bias,
            weights,
        }
    }

    /// Reads a model file: `#` comments, a `classes` line (the scheme ids, tab-separated), a
    /// `bias` line (one number per class), then one line per feature: the feature and its
    /// `class=weight` pairs, the class an index into `classes`.
    ///
    /// # Errors
    /// A missing or misplaced `classes` or `bias` line, a number that does not parse, or a
    /// class index out of range.
    pub fn parse(text: &str) -> anyhow::Result<SchemeModel> {
        let mut model = SchemeModel::default();
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let at = || format!("line {}", n + 1);
            let mut cols = line.split('\t');
            let name = cols.next().unwrap_or_default();
            match name {
                "classes" => model.classes = cols.map(str::to_owned).collect(),
                "bias" => {
                    model.bias = cols
                        .map(str::parse)
                        .collect::<Result<_, _>>()
                        .map_err(|e| anyhow::anyhow!("{}: {e}", at()))?;
                    anyhow::ensure!(
                        !model.classes.is_empty() && model.bias.len() == model.classes.len(),
                        "{}: one bias per class, after the classes line",
                        at()
                    );
                }
                feature => {
                    anyhow::ensure!(!model.bias.is_empty(), "{}: a feature before bias", at());
                    let mut row = Vec::new();
                    for pair in cols {
                        let (c, w) = pair
                            .split_once('=')
                            .ok_or_else(|| anyhow::anyhow!("{}: class=weight", at()))?;
                        let c: u16 = c.parse().map_err(|e| anyhow::anyhow!("{}: {e}", at()))?;
                        anyhow::ensure!(usize::from(c) < model.classes.len(), "{}: class", at());
                        row.push((c, w.parse().map_err(|e| anyhow::anyhow!("{}: {e}", at()))?));
                    }
                    model.weights.insert(feature.to_owned(), row);
                }
            }
        }
        anyhow::ensure!(!model.bias.is_empty(), "no classes and bias lines");
        Ok(model)
    }

    /// The model as the text of its file (see [`SchemeModel::parse`]), features sorted, after
    /// `header`.
    #[must_use]
    pub fn to_tsv(&self, header: &str) -> String {
        let numbers: Vec<String> = self.bias.iter().map(|b| format!("{b:.4}")).collect();
        let mut out = format!(
            "{header}classes\t{}\nbias\t{}\n",
            self.classes.join("\t"),
            numbers.join("\t")
        );
        let mut names: Vec<&String> = self.weights.keys().collect();
        names.sort();
        for name in names {
            out.push_str(name);
            for (c, w) in &self.weights[name] {
                out.push_str(&format!("\t{c}={w:.4}"));
            }
            out.push('\n');
        }
        out
    }

    /// The probability (0..=1) of each class, in `classes` order, for the n-grams of
    /// `normalised` (`normalize(question).text()`).
    #[must_use]
    pub fn probabilities(&self, normalised: &str) -> Vec<f32> {
        let mut z = self.bias.clone();
        super::lead::for_each_ngram(normalised, |f| {
            if let Some(row) = self.weights.get(f) {
                for &(c, w) in row {
                    z[usize::from(c)] += w;
                }
            }
        });
        super::softmax::softmax_in_place(&mut z);
        z
    }

    /// The probability of scheme `id` among `p` (from [`SchemeModel::probabilities`]); 0 for a
    /// scheme the model does not know.
    #[must_use]
    pub fn of(&self, p: &[f32], id: &str) -> f32 {
        self.classes
            .iter()
            .position(|c| c == id)
            .map_or(0.0, |i| p[i])
    }

    /// Which of `candidates` (scheme ids, search's order, best first) should come first: the
    /// index of one the model gives at least [`RERANK_MIN`] and [`RERANK_RATIO`] times the
    /// first's probability, or `None` to keep search's order.
    #[must_use]
    pub fn rerank(&self, normalised: &str, candidates: &[&str]) -> Option<usize> {
        let first = candidates.first()?;
        let p = self.probabilities(normalised);
        let p_first = self.of(&p, first);
        let (best, p_best) = candidates
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, id)| (i, self.of(&p, id)))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        (p_best >= RERANK_MIN && p_best >= RERANK_RATIO * p_first).then_some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        let mut out = Vec::new();
        crate::text::lead::for_each_ngram(q, |f| out.push(f.to_owned()));
        out
    }

    #[test]
    fn a_fitted_model_reranks_by_what_it_learnt_and_round_trips() {
        let examples: Vec<(Vec<String>, String)> = [
            ("coding club for our secondary school", "lab"),
            ("secondary school robotics club funding", "lab"),
            ("primary school it lessons", "primary"),
            ("primary school coding", "primary"),
        ]
        .iter()
        .map(|(q, id)| (words(q), (*id).to_owned()))
        .collect();
        let m = SchemeModel::fit(&examples, 0.01, 7);
        assert_eq!(m.classes, ["lab", "primary"]);
        let p = m.probabilities("secondary school coding club");
        assert!(m.of(&p, "lab") > m.of(&p, "primary"), "{p:?}");
        assert!((m.of(&p, "unknown")).abs() < f32::EPSILON);
        let back = SchemeModel::parse(&m.to_tsv("# test\n")).unwrap();
        assert_eq!(back.classes, m.classes);
        assert_eq!(back.weights.len(), m.weights.len());
        // The candidate already first, or one the model does not know, is never moved.
        assert_eq!(back.rerank("anything", &["lab"]), None);
        assert_eq!(back.rerank("anything", &["unknown", "other"]), None);
        assert!(SchemeModel::parse("bias\t1").is_err());
        assert!(SchemeModel::parse("classes\ta\nbias\t1\nw:x\t3=1.0").is_err());
    }

    #[test]
    fn the_shipped_model_loads_and_knows_every_scheme_of_the_corpus() {
        let m = SchemeModel::shipped();
        let corpus = crate::corpus::Corpus::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/corpus"
        )))
        .unwrap();
        for s in &corpus.schemes {
            assert!(m.classes.contains(&s.id), "{} is a class", s.id);
        }
        let p =
            m.probabilities(&crate::text::normalize("我哋中學想搞coding club，有冇資助？").text());
        assert!(m.of(&p, "it-innovation-lab") > m.of(&p, "tvp"));
    }
}
