//! Which section a scheme answer leads with, learnt from conversations: intent classification
//! by a multinomial logistic regression ([`super::softmax`]) over the question's character
//! and word n-grams, fitted on the development half of the conversation files and kept as
//! data (`data/lead-model.tsv`).
//!
//! The phrase cues of [`super::chat`] choose a lead first; they were read from development
//! misses and carry over badly to chats written by someone else. The model reads their choice
//! as one more feature (`cue=money`, …: stacking) and overrules it when it is sure
//! ([`LeadModel::threshold`]), so it learns where the cues are wrong rather than ignoring
//! them. Judged with each conversation file's development half held out of the fit in turn
//! (1,210 scheme answers) and on two new files' development halves no rule or fit had seen
//! (191), the lead was right for 1,107 and 157 with the model beside the cues, and for 1,136
//! and 164 with the cues as a feature and the helper-written messages of
//! `data/lead-examples.tsv` in the fit. The chats of `data/training-chats.tsv`, written from
//! the fact sheet alone for training only, are answered and read like a development half:
//! with them (1,093 chats) and a long message's last question read again in the fit, the lead
//! was right for 1,357 rather than 1,333 of 1,433 held-out scheme answers. `schemebot
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
/// does not say. Fitted at [`L2`] without the training chats and judged on them, the lead was
/// right for 2,487, 2,488, 2,466 and 2,430 of their 3,193 turns at 0.0, 0.3, 0.5 and 0.7: the
/// cues, read from development misses, carry over worse than the model.
pub const DEFAULT_THRESHOLD: f32 = 0.3;

/// The L2 penalty the model is fitted with: ten times the other models' ([`super::softmax::
/// DEFAULT_L2`]). The conversation files and the training chats were written by different
/// helpers, who choose a lead differently; a model that leans less on any one n-gram carries
/// over better. Fitted without the training chats and judged on them (3,193 turns, 2,948 with
/// the right scheme), the lead was right for 2,408, 2,423, 2,466, 2,468 and 2,442 turns at L2
/// 3e-4, 1e-3, 1e-2, 3e-2 and 1e-1.
pub const L2: f32 = 1e-2;

/// The shipped model.
pub const SOURCE: &str = include_str!("data/lead-model.tsv");

/// The features of a question: `h:` Han character unigrams, bigrams and trigrams of the
/// normalised (lower-case, Simplified) text, `w:` its Latin words and word bigrams, whether
/// the answer follows up on the conversation's scheme (`follow`) or opens a chat (`first`),
/// and, when known, the section the phrase cues chose (`cue=summary`, `cue=money`, …; `None`
/// for a written example whose cues were never read); in a message of several clauses, the
/// `h:` and `w:` features of its last question again, marked `q` (`qh:多少`, `qw:much`). Each
/// feature counts once per occurrence.
#[must_use]
pub fn features(
    question: &str,
    follow_up: bool,
    first: bool,
    cue: Option<Option<Intent>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for_each_feature(question, follow_up, first, cue, |f| out.push(f.to_owned()));
    out
}

/// The feature that says which section the phrase cues chose.
fn cue_feature(cue: Option<Intent>) -> &'static str {
    match cue {
        None => "cue=summary",
        Some(Intent::Money) => "cue=money",
        Some(Intent::Eligibility) => "cue=eligibility",
        Some(Intent::Apply) => "cue=apply",
        Some(Intent::When) => "cue=when",
    }
}

/// Calls `each` with every feature of [`features`], in the same order, written into one
/// reused buffer (answering reads them without allocating one string each).
fn for_each_feature(
    question: &str,
    follow_up: bool,
    first: bool,
    cue: Option<Option<Intent>>,
    mut each: impl FnMut(&str),
) {
    each(if follow_up { "follow=1" } else { "follow=0" });
    each(if first { "first=1" } else { "first=0" });
    if let Some(cue) = cue {
        each(cue_feature(cue));
    }
    for_each_ngram(&super::normalize(question).text(), &mut each);
    // "…we're thinking about joining the incubation for biotech. How much funding does it
    // give?": in a message of several clauses the last question asked says what is wanted, so
    // its n-grams count again, marked (`q` + the feature).
    if let Some(asked) = last_question(question) {
        let mut marked = String::new();
        for_each_ngram(&super::normalize(asked).text(), |f| {
            marked.clear();
            marked.push('q');
            marked.push_str(f);
            each(&marked);
        });
    }
}

/// The last clause a question mark closes, else the last with a question word, in a message
/// of several clauses; `None` for one clause.
fn last_question(question: &str) -> Option<&str> {
    let clauses = super::chat::clauses(question);
    if clauses.len() < 2 {
        return None;
    }
    clauses
        .iter()
        .rev()
        .find(|(_, closed)| *closed)
        .or_else(|| {
            clauses
                .iter()
                .rev()
                .find(|(c, _)| super::chat::has_question_word(c))
        })
        .map(|(c, _)| c.trim())
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
        LeadModel::compiled_in(
            &MODEL,
            SOURCE,
            DEFAULT_THRESHOLD,
            "text/data/lead-model.tsv",
        )
    }

    /// The section the model is sure of for `question`, whose phrase cues chose `cue` (see
    /// [`features`]), or `None` when no class reaches the threshold: the cues' choice stands.
    #[must_use]
    pub fn sure_lead(
        &self,
        question: &str,
        follow_up: bool,
        first: bool,
        cue: Option<Intent>,
    ) -> Option<Option<Intent>> {
        let p = self.probabilities_with(|each| {
            for_each_feature(question, follow_up, first, Some(cue), each);
        });
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
        let a = features("幾多錢？", true, false, Some(Some(Intent::Money)));
        let b = features("几多钱？", true, false, Some(Some(Intent::Money)));
        assert_eq!(a, b);
        assert!(a.contains(&"h:多钱".to_owned()) && a.contains(&"cue=money".to_owned()));
        let e = features("How much, per company?", false, true, None);
        assert!(e.contains(&"w:how_much".to_owned()) && e.contains(&"first=1".to_owned()));
        assert!(!e.iter().any(|f| f.starts_with("cue=")), "{e:?}");
        let s = features("What is it?", true, false, Some(None));
        assert!(s.contains(&"cue=summary".to_owned()), "{s:?}");
        assert!(!s.iter().any(|f| f.starts_with('q')), "one clause: {s:?}");
        let long = features(
            "We're a biotech spin-off. How much funding does it give?",
            false,
            true,
            None,
        );
        assert!(long.contains(&"qw:much".to_owned()), "{long:?}");
        assert!(!long.contains(&"qw:biotech".to_owned()), "{long:?}");
    }
}
