//! Which section a scheme answer leads with, learnt from conversations: intent classification
//! by a multinomial logistic regression ([`super::softmax`]) over the question's character
//! and word n-grams, fitted on the development half of the conversation files and kept as
//! data (`data/lead-model.tsv`).
//!
//! The phrase cues of [`super::chat`] choose the lead first; they were read from development
//! misses and carry over badly to chats written by someone else (on the test halves the lead
//! was right for 88% of scheme answers, against 96% on the development halves). The model
//! overrules them only when it is sure ([`LeadModel::threshold`]): on the development half of
//! `conversations-10.tsv`, which neither the cues nor the model had seen, cues alone led right
//! for 95 of 113 scheme answers and cues overruled by a sure model for 104. `schemebot
//! fit-lead` refits the weights; rebuild to use them.

use super::Intent;
use super::softmax::Softmax;

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

/// The lead model: a [`Softmax`] over [`CLASSES`].
pub type LeadModel = Softmax<N_CLASSES>;

impl Softmax<N_CLASSES> {
    /// The model compiled in from `data/lead-model.tsv`.
    ///
    /// # Panics
    /// If the shipped file is malformed (a test checks it is not).
    #[must_use]
    pub fn shipped() -> &'static LeadModel {
        static MODEL: std::sync::OnceLock<LeadModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            LeadModel::parse(SOURCE, DEFAULT_THRESHOLD).expect("text/data/lead-model.tsv is valid")
        })
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
        let p = self.probabilities_with(|each| for_each_feature(question, follow_up, first, each));
        self.sure(&p).map(|best| CLASSES[best])
    }
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
}
