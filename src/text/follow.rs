//! Whether a question in a chat follows up on the scheme of the last answer or moves on to the
//! scheme search finds for it, learnt: a logistic regression ([`super::softmax`], two classes)
//! over the question's character and word n-grams (the lead model's features), its length and
//! the rules' own choice, fitted on the development halves of the conversation files and the
//! training chats (`data/training-chats.tsv`) and kept as data (`data/follow-model.tsv`).
//!
//! The rules of `answer_in` decide first, from phrase cues and evidence ("and TechTAS?" moves
//! on, "how much?" follows up). They were read from development misses; on chats by other
//! writers they move on too readily when a generic word happens to be in another scheme's
//! names ("How much would the government add on top?" after the matching grant finds the Top
//! Talent Pass) and follow up when a new need is stated ("另外新廠要請幾個研究人員…"). The
//! model is asked only where the two differ: a chat's scheme, no scheme named, and search's
//! own best answer another scheme. With each file's development half held out of the fit in
//! turn, the rules chose right at 89 of 115 such turns and the model at 100. `schemebot
//! fit-follow` refits the weights; rebuild to use them.

use super::softmax::Softmax;

/// The classes, in the order of the model's weight columns.
pub const CLASSES: [&str; 2] = ["moves-on", "follows"];

/// The probability the model must give its choice to overrule the rules, when the file does
/// not say. 0.5 chose right most often in the held-out runs (of 0.5, 0.6, 0.7, 0.8).
pub const DEFAULT_THRESHOLD: f32 = 0.5;

/// The shipped model.
pub const SOURCE: &str = include_str!("data/follow-model.tsv");

/// The features of a question whose chat has a scheme: `rule=follows` or `rule=moves-on` (the
/// rules' choice), `len=N` (its length in words, Han characters counting a third of a word,
/// in buckets of four, at most 4) and the n-grams of its normalised text
/// ([`super::lead::for_each_ngram`]).
#[must_use]
pub fn features(normalised: &str, rule_follows: bool) -> Vec<String> {
    let mut out = Vec::new();
    for_each_feature(normalised, rule_follows, |f| out.push(f.to_owned()));
    out
}

fn for_each_feature(normalised: &str, rule_follows: bool, mut each: impl FnMut(&str)) {
    each(if rule_follows {
        "rule=follows"
    } else {
        "rule=moves-on"
    });
    let han = normalised.chars().filter(|&c| super::is_han(c)).count();
    let words = normalised
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .count();
    each(match ((words + han / 3) / 4).min(4) {
        0 => "len=0",
        1 => "len=1",
        2 => "len=2",
        3 => "len=3",
        _ => "len=4",
    });
    super::lead::for_each_ngram(normalised, each);
}

/// The follow-up model: a [`Softmax`] over [`CLASSES`].
pub type FollowModel = Softmax<2>;

impl Softmax<2> {
    /// The model compiled in from `data/follow-model.tsv`.
    ///
    /// # Panics
    /// If the shipped file is malformed (a test checks it is not).
    #[must_use]
    pub fn shipped() -> &'static FollowModel {
        static MODEL: std::sync::OnceLock<FollowModel> = std::sync::OnceLock::new();
        FollowModel::compiled_in(
            &MODEL,
            SOURCE,
            DEFAULT_THRESHOLD,
            "text/data/follow-model.tsv",
        )
    }

    /// Whether the model is sure `normalised` (`normalize(question).text()`) follows up
    /// (`Some(true)`) or moves on (`Some(false)`), given the rules' choice; `None` when it is
    /// not sure, and the rules' choice stands.
    #[must_use]
    pub fn sure_follows(&self, normalised: &str, rule_follows: bool) -> Option<bool> {
        let p = self.probabilities_with(|each| for_each_feature(normalised, rule_follows, each));
        self.sure(&p).map(|class| class == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_and_knows_words() {
        let m = FollowModel::shipped();
        assert!((0.0..=1.0).contains(&m.threshold));
        assert!(m.weights.len() > 100, "{} features", m.weights.len());
    }

    #[test]
    fn a_bare_amount_question_is_not_moved_off_the_chat_scheme() {
        let m = FollowModel::shipped();
        let normalised = crate::text::normalize("幾多錢？").text();
        assert_ne!(m.sure_follows(&normalised, true), Some(false));
    }

    #[test]
    fn features_say_the_rule_the_length_and_the_words() {
        let f = features("how much would the government add on top?", false);
        assert_eq!(f[0], "rule=moves-on");
        assert_eq!(f[1], "len=2");
        assert!(f.contains(&"w:on_top".to_owned()), "{f:?}");
        let g = features("几多钱?", true);
        assert_eq!(&g[..2], ["rule=follows", "len=0"]);
        assert!(g.contains(&"h:多钱".to_owned()), "{g:?}");
    }
}
