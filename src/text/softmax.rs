//! A multinomial logistic regression (softmax) over a question's n-gram features, with `K`
//! classes: the shape shared by the lead model ([`super::lead`], which section an answer leads
//! with) and the browse model ([`super::browse`], which list a question asks for). Fitted by
//! stochastic gradient descent and kept as a TSV file: `#` comments, `threshold<TAB>p`, `bias`
//! and one line a feature, each with `K` tab-separated weights in the model's class order.

use std::collections::HashMap;

/// A fitted model: one weight per class for each feature, a bias per class, and the
/// probability (0..=1) its choice must reach to be acted on.
#[derive(Clone, Debug, PartialEq)]
pub struct Softmax<const K: usize> {
    pub weights: super::WordMap<String, [f32; K]>,
    pub bias: [f32; K],
    /// Act on the model's choice at or above this probability (0..=1).
    pub threshold: f32,
}

impl<const K: usize> Softmax<K> {
    /// An empty model (every class equally likely) read at `threshold`.
    #[must_use]
    pub fn empty(threshold: f32) -> Softmax<K> {
        Softmax {
            weights: super::WordMap::default(),
            bias: [0.0; K],
            threshold,
        }
    }

    /// The model compiled in as `source` (the text of `file`, named in the panic), parsed once
    /// into `cell` at first use: what each model's `shipped()` returns.
    ///
    /// # Panics
    /// If the shipped file is malformed (each model has a test that loads it).
    pub(crate) fn compiled_in(
        cell: &'static std::sync::OnceLock<Softmax<K>>,
        source: &str,
        threshold: f32,
        file: &str,
    ) -> &'static Softmax<K> {
        cell.get_or_init(|| {
            Softmax::parse(source, threshold).unwrap_or_else(|e| panic!("{file} is invalid: {e}"))
        })
    }

    /// Reads a model file (see the module docs); `threshold` stands where the file gives none.
    ///
    /// # Errors
    /// A line that is not a name and `K` numbers, or a threshold outside 0..=1.
    pub fn parse(text: &str, threshold: f32) -> anyhow::Result<Softmax<K>> {
        let mut model = Softmax::empty(threshold);
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
                (name, w) if w.len() == K => {
                    let mut row = [0.0; K];
                    row.copy_from_slice(w);
                    if name == "bias" {
                        model.bias = row;
                    } else {
                        model.weights.insert(name.to_owned(), row);
                    }
                }
                _ => anyhow::bail!("line {}: a name and {K} weights", n + 1),
            }
        }
        Ok(model)
    }

    /// Class probabilities (summing to 1, in class order) for `features`.
    #[must_use]
    pub fn probabilities(&self, features: &[String]) -> [f32; K] {
        self.probabilities_with(|each| features.iter().for_each(|f| each(f)))
    }

    /// Class probabilities for the features `features` calls its argument with (read without
    /// allocating a string each).
    #[must_use]
    pub fn probabilities_with(&self, features: impl FnOnce(&mut dyn FnMut(&str))) -> [f32; K] {
        let mut z = self.bias;
        features(&mut |f| {
            if let Some(w) = self.weights.get(f) {
                for (z, w) in z.iter_mut().zip(w) {
                    *z += w;
                }
            }
        });
        softmax(z)
    }

    /// The class the model is sure of (its index), if its probability reaches the threshold.
    #[must_use]
    pub fn sure(&self, p: &[f32; K]) -> Option<usize> {
        let (best, &pb) = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
        (pb >= self.threshold).then_some(best)
    }

    /// Fits weights by stochastic gradient descent on the log loss with an L2 penalty, over
    /// `(features, class index)` examples, in a shuffled order fixed by `seed` (so a refit of
    /// the same data writes the same file). Weights smaller than 1e-3 are dropped.
    #[must_use]
    pub fn fit(examples: &[(Vec<String>, usize)], threshold: f32, seed: u64) -> Softmax<K> {
        Softmax::fit_with(examples, threshold, seed, DEFAULT_L2)
    }

    /// [`Softmax::fit`] with an L2 penalty of `l2` rather than [`DEFAULT_L2`]: stronger for a
    /// model whose examples come from writers who label differently (`text::lead`).
    #[must_use]
    pub fn fit_with(
        examples: &[(Vec<String>, usize)],
        threshold: f32,
        seed: u64,
        l2: f32,
    ) -> Softmax<K> {
        let (weights, bias) = sgd(examples, K, seed, l2);
        let row = |w: Vec<f32>| -> [f32; K] { w.try_into().expect("K weights a row") };
        Softmax {
            weights: weights.into_iter().map(|(f, w)| (f, row(w))).collect(),
            bias: row(bias),
            threshold,
        }
    }

    /// The model with every weight smaller than `min` in magnitude set to 0, and features left
    /// with no weight dropped: a smaller file and table for a model whose classes each hold few
    /// telling features.
    #[must_use]
    pub fn pruned(mut self, min: f32) -> Softmax<K> {
        for w in self.weights.values_mut() {
            for x in w.iter_mut() {
                if x.abs() < min {
                    *x = 0.0;
                }
            }
        }
        self.weights.retain(|_, w| w.iter().any(|&x| x != 0.0));
        self
    }

    /// The model as the text of its file, features sorted, after `header`; `keys` label the
    /// columns in a comment.
    #[must_use]
    pub fn to_tsv(&self, header: &str, keys: &[&str; K]) -> String {
        let row = |w: &[f32; K]| {
            w.iter()
                .map(|&x| {
                    if x == 0.0 {
                        "0".to_owned()
                    } else {
                        format!("{x:.4}")
                    }
                })
                .collect::<Vec<_>>()
                .join("\t")
        };
        let mut out = format!(
            "{header}# columns: feature, then {}\nthreshold\t{}\nbias\t{}\n",
            keys.join(", "),
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

/// The L2 penalty of a fit, when the model does not choose its own ([`Softmax::fit_with`]).
pub const DEFAULT_L2: f32 = 1e-3;

/// Stochastic gradient descent on the log loss of a softmax over `classes` classes, with an L2
/// penalty of `l2` per update (on the weights the example uses): 20 epochs at rate 0.1, over
/// `(features, class index)` examples in a shuffled order fixed by `seed`. Returns a row of
/// `classes` weights per feature (rows with every weight under 1e-3 dropped) and the biases:
/// the fit every softmax model here shares, whether its classes are fixed ([`Softmax`]) or read
/// from its file (the scheme model).
///
/// # Panics
/// If an example's class index is not below `classes`.
pub(crate) fn sgd(
    examples: &[(Vec<String>, usize)],
    classes: usize,
    seed: u64,
    l2: f32,
) -> (HashMap<String, Vec<f32>>, Vec<f32>) {
    const EPOCHS: usize = 20;
    const RATE: f32 = 0.1;
    let mut weights: HashMap<String, Vec<f32>> = HashMap::new();
    let mut bias = vec![0.0f32; classes];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut state = seed | 1;
    let mut z = vec![0.0f32; classes];
    for _ in 0..EPOCHS {
        shuffle(&mut order, &mut state);
        for &i in &order {
            let (features, class) = &examples[i];
            assert!(*class < classes, "class {class} of {classes}");
            z.copy_from_slice(&bias);
            for f in features {
                if let Some(w) = weights.get(f) {
                    for (z, w) in z.iter_mut().zip(w) {
                        *z += w;
                    }
                }
            }
            softmax_in_place(&mut z);
            for (c, pc) in z.iter().enumerate() {
                let gradient = pc - f32::from(u8::from(c == *class));
                bias[c] -= RATE * gradient;
                for f in features {
                    let w = weights
                        .entry(f.clone())
                        .or_insert_with(|| vec![0.0; classes]);
                    w[c] -= RATE * (gradient + l2 * w[c]);
                }
            }
        }
    }
    weights.retain(|_, w| w.iter().any(|x| x.abs() >= 1e-3));
    (weights, bias)
}

/// Turns scores into probabilities (summing to 1), in place.
pub(crate) fn softmax_in_place(z: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in z.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in z.iter_mut() {
        *x /= sum;
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

fn softmax<const K: usize>(mut z: [f32; K]) -> [f32; K] {
    softmax_in_place(&mut z);
    z
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        q.split(' ').map(|w| format!("w:{w}")).collect()
    }

    #[test]
    fn a_fitted_model_learns_its_examples_and_round_trips() {
        let examples = vec![
            (words("how much money"), 1),
            (words("how much is the grant"), 1),
            (words("who can apply"), 2),
            (words("what is it"), 0),
        ];
        let m = Softmax::<3>::fit(&examples, 0.5, 7);
        let p = m.probabilities(&words("how much"));
        assert!(p[1] > 0.5, "{p:?}");
        assert_eq!(m.sure(&p), Some(1));
        let small = m.clone().pruned(0.05);
        assert!(
            small
                .weights
                .values()
                .flatten()
                .all(|&x| x == 0.0 || x.abs() >= 0.05)
        );
        assert_eq!(
            small.sure(&small.probabilities(&words("how much"))),
            Some(1)
        );
        assert!(m.clone().pruned(f32::MAX).weights.is_empty());
        let back = Softmax::<3>::parse(&m.to_tsv("# test\n", &["a", "b", "c"]), 0.9).unwrap();
        assert_eq!(back.weights.len(), m.weights.len());
        assert!((back.threshold - 0.5).abs() < 1e-6);
        assert!(Softmax::<3>::parse("bias\t1\t2", 0.5).is_err());
        assert!(Softmax::<3>::parse("threshold\t2", 0.5).is_err());
    }
}
