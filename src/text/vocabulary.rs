//! Who asks and what they need: the applicant kinds and needs of `data/vocabulary.toml`, with the
//! words people use for each in English, Traditional Chinese, Cantonese and Simplified Chinese.
//!
//! Corpus files name a scheme's `applicants` and `needs` with these keys (the loader refuses any
//! other), and [`Vocabulary::detect`] finds the keys a question states ("as an individual",
//! "我係學生", "my factory"), which search uses to raise the schemes that fit and lower the ones
//! that exclude the asker. Words are compared in analysed form (the same analyzer as questions),
//! as bags of tokens: a phrase is stated when all of its tokens are in the question.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{Analyzer, WordMap};

/// The vocabulary file, compiled in.
pub const SOURCE: &str = include_str!("data/vocabulary.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    /// Broader applicant kinds this one is a case of (a manufacturer is a company).
    #[serde(default)]
    is_a: Vec<String>,
    en: Vec<String>,
    zh_hant: Vec<String>,
    yue: Vec<String>,
    zh_hans: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    applicants: BTreeMap<String, Words>,
    needs: BTreeMap<String, Words>,
    negation: Negation,
}

/// Words that, just before an applicant phrase, say the asker is not that kind ("not a
/// company", "冇開公司").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Negation {
    /// English words, within [`NEGATION_WORDS`] words before the phrase.
    en: Vec<String>,
    /// Chinese words, within [`NEGATION_CHARS`] characters before the phrase.
    zh: Vec<String>,
    /// Characters that, just before a Chinese negation word, make it a question ("有冇",
    /// "是不是", "係唔係").
    question_before: String,
}

/// How many words before an English applicant phrase a negation word may stand ("not a big
/// company").
const NEGATION_WORDS: usize = 3;

/// How many characters before a Chinese applicant phrase a negation word may start ("不代表任何
/// 公司").
const NEGATION_CHARS: usize = 6;

/// Whether the applicant phrase starting at byte `from` of `question` is negated: a negation
/// word of the vocabulary file in the few words (or characters) before it.
fn negated(question: &str, from: usize) -> bool {
    let negation = &file().negation;
    let before = &question[..from];
    let words: Vec<String> = before
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    // English words count only while no Chinese stands between them and the phrase.
    let tail_ascii = before
        .chars()
        .rev()
        .take_while(|c| !crate::text::is_han(*c))
        .count();
    if tail_ascii > 0
        && words
            .iter()
            .rev()
            .take(NEGATION_WORDS)
            .any(|w| negation.en.iter().any(|n| n == w))
        && before
            .chars()
            .rev()
            .take(tail_ascii)
            .any(char::is_alphabetic)
    {
        return true;
    }
    let chars: Vec<char> = before.chars().collect();
    let start = chars.len().saturating_sub(NEGATION_CHARS);
    let window: String = chars[start..].iter().collect();
    negation.zh.iter().any(|n| {
        window.match_indices(n.as_str()).any(|(at, _)| {
            let at = start + window[..at].chars().count();
            at == 0 || !negation.question_before.contains(chars[at - 1])
        })
    })
}

/// Whether a phrase mixes Chinese and English words ("做fund", "揸fund"): jieba never joins
/// them into one token, so the bag of its words would also match "做 R&D，有咩 funding".
fn mixed(words: &[String]) -> bool {
    let han = words
        .iter()
        .filter(|w| w.chars().any(crate::text::is_han))
        .count();
    han > 0 && han < words.len()
}

/// Whether `words` occur one right after another in `question` (only spaces between), in order.
fn adjacent(question: &str, tokens: &[(&str, usize, usize)], words: &[String]) -> bool {
    let Some((first, rest)) = words.split_first() else {
        return true;
    };
    tokens.iter().filter(|t| t.0 == first).any(|start| {
        let mut end = start.2;
        rest.iter().all(|w| {
            let next = tokens.iter().find(|t| {
                t.0 == w && t.1 >= end && question[end..t.1].chars().all(char::is_whitespace)
            });
            next.map(|t| end = t.2).is_some()
        })
    })
}

fn file() -> &'static File {
    static FILE: OnceLock<File> = OnceLock::new();
    FILE.get_or_init(|| toml::from_str(SOURCE).expect("text/data/vocabulary.toml is valid"))
}

/// The applicant keys (`individual`, `student`, `sme`, …), sorted.
#[must_use]
pub fn applicant_keys() -> Vec<&'static str> {
    file().applicants.keys().map(String::as_str).collect()
}

/// Whether applicant kind `kind` is a case of the broader kind `broader` (`is_a` in the
/// file: a manufacturer is a company), so a scheme open to the broader kind is open to it.
/// Unknown keys are cases of nothing.
#[must_use]
pub fn is_a(kind: &str, broader: &str) -> bool {
    file()
        .applicants
        .get(kind)
        .is_some_and(|w| w.is_a.iter().any(|b| b == broader))
}

/// The need keys (`hiring`, `visa`, `rd-funding`, …), sorted.
#[must_use]
pub fn need_keys() -> Vec<&'static str> {
    file().needs.keys().map(String::as_str).collect()
}

/// Every phrase of the file, for jieba's user dictionary (so they are cut whole).
#[must_use]
pub fn raw_words() -> Vec<&'static str> {
    let f = file();
    f.applicants
        .values()
        .chain(f.needs.values())
        .flat_map(|w| {
            w.en.iter()
                .chain(&w.zh_hant)
                .chain(&w.yue)
                .chain(&w.zh_hans)
        })
        .map(String::as_str)
        .collect()
}

/// A phrase's tokens without the Chinese ones that are part of a longer one: jieba cuts the
/// parts of a compound differently alone and in a sentence ("小公司" alone gives 小, 公司 and
/// 小公司; in "做贸易的小公司" only 公司 and 小公司), and the compound says it all.
fn maximal(tokens: &[String]) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| {
            !(t.chars().all(super::is_han)
                && tokens
                    .iter()
                    .any(|o| o.len() > t.len() && o.contains(t.as_str())))
        })
        .cloned()
        .collect()
}

/// Phrases in analysed form, each a bag of tokens: a phrase is in a question when all of its
/// tokens are.
#[derive(Debug, Clone, Default)]
pub struct PhraseSet {
    phrases: Vec<Vec<String>>,
    /// By token: the phrases (positions in `phrases`, ascending) that have it, so a question is
    /// checked against the phrases its words can complete rather than all of them.
    by_token: WordMap<String, Vec<usize>>,
}

impl PhraseSet {
    /// Analyses `phrases` with `analyzer`.
    #[must_use]
    pub fn new(analyzer: &Analyzer, phrases: &[String]) -> PhraseSet {
        let phrases: Vec<Vec<String>> = phrases
            .iter()
            .map(|p| {
                analyzer
                    .analyze(p)
                    .into_iter()
                    .map(|t| t.text)
                    .collect::<Vec<_>>()
            })
            .filter(|t| !t.is_empty())
            .collect();
        let mut by_token: WordMap<String, Vec<usize>> = WordMap::default();
        for (i, p) in phrases.iter().enumerate() {
            for t in p {
                let at = by_token.entry(t.clone()).or_default();
                if at.last() != Some(&i) {
                    at.push(i);
                }
            }
        }
        PhraseSet { phrases, by_token }
    }

    /// Whether every token of phrase `i` is in `present`.
    fn complete<S: BuildHasher>(&self, i: usize, present: &HashSet<&str, S>) -> bool {
        self.phrases[i].iter().all(|t| present.contains(t.as_str()))
    }

    /// The tokens of the longest phrase whose every token is in `present` (of equally long
    /// ones, the one listed last).
    #[must_use]
    pub fn find<S: BuildHasher>(&self, present: &HashSet<&str, S>) -> Option<&[String]> {
        present
            .iter()
            .filter_map(|t| self.by_token.get(*t))
            .flatten()
            .copied()
            .filter(|&i| self.complete(i, present))
            .max_by_key(|&i| (self.phrases[i].len(), i))
            .map(|i| self.phrases[i].as_slice())
    }

    /// Whether `word` belongs to some phrase whose every token is in `present` ("soon" in
    /// "deadlines coming up soon" is explained by "deadline soon" even when the longest
    /// phrase found is "deadlines coming up").
    #[must_use]
    pub fn explains<S: BuildHasher>(&self, present: &HashSet<&str, S>, word: &str) -> bool {
        self.by_token
            .get(word)
            .is_some_and(|at| at.iter().any(|&i| self.complete(i, present)))
    }
}

/// One key's phrases, each as the tokens a question must have (see [`maximal`]) and all of
/// its analysed tokens (which the phrase explains where they occur).
#[derive(Debug, Clone)]
struct Entry {
    key: &'static str,
    phrases: Vec<(Vec<String>, Vec<String>)>,
}

/// The applicant and need phrases in analysed form.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    applicants: Vec<Entry>,
    needs: Vec<Entry>,
    /// Phrases by their first token: (is a need, entry, phrase), so a question is checked
    /// against the few phrases that can be in it rather than all of them.
    by_first: HashMap<String, Vec<(bool, usize, usize)>>,
}

/// Applicant kinds that every more specific kind is a case of: stated beside a specific kind,
/// they come after it.
const GENERIC_APPLICANTS: [&str; 2] = ["individual", "company"];

/// What a question says about the asker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stated {
    /// Applicant keys stated, e.g. `["student"]`.
    pub applicants: Vec<&'static str>,
    /// Need keys stated, e.g. `["hiring"]`.
    pub needs: Vec<&'static str>,
    /// Byte spans of the question covered by the applicant phrases found.
    pub spans: Vec<(usize, usize)>,
    /// Byte spans of the question covered by the need phrases found.
    pub need_spans: Vec<(usize, usize)>,
}

impl Vocabulary {
    /// Analyses every phrase with `analyzer`.
    #[must_use]
    pub fn new(analyzer: &Analyzer) -> Vocabulary {
        let entries = |map: &'static BTreeMap<String, Words>| -> Vec<Entry> {
            map.iter()
                .map(|(key, w)| Entry {
                    key: key.as_str(),
                    phrases: w
                        .en
                        .iter()
                        .chain(&w.zh_hant)
                        .chain(&w.yue)
                        .chain(&w.zh_hans)
                        .map(|p| {
                            let mut toks: Vec<String> =
                                analyzer.analyze(p).into_iter().map(|t| t.text).collect();
                            toks.dedup();
                            toks
                        })
                        .filter(|t| !t.is_empty())
                        .map(|toks| (maximal(&toks), toks))
                        .collect(),
                })
                .collect()
        };
        let f = file();
        let applicants = entries(&f.applicants);
        let needs = entries(&f.needs);
        let mut by_first: HashMap<String, Vec<(bool, usize, usize)>> = HashMap::new();
        for (need, list) in [(false, &applicants), (true, &needs)] {
            for (e, entry) in list.iter().enumerate() {
                for (p, (required, _)) in entry.phrases.iter().enumerate() {
                    by_first
                        .entry(required[0].clone())
                        .or_default()
                        .push((need, e, p));
                }
            }
        }
        Vocabulary {
            applicants,
            needs,
            by_first,
        }
    }

    /// The applicant and need keys whose phrases appear in a question's tokens
    /// (`(text, from, to)` triples, byte ranges of `question`). An applicant phrase with a
    /// negation word just before one of its words ("not a company", "冇開公司") is not stated.
    #[must_use]
    pub fn detect(&self, question: &str, tokens: &[(&str, usize, usize)]) -> Stated {
        let present: HashSet<&str> = tokens.iter().map(|t| t.0).collect();
        // The longest phrase found per (kind, entry); among equals the first in the file, so
        // the result does not depend on the set's iteration order.
        let mut best: BTreeMap<(bool, usize), (usize, &[String])> = BTreeMap::new();
        // Every word of every phrase found per (kind, entry): "Fresh grad here. Which schemes
        // are for recent graduates?" states one kind twice, and both mentions are the asker's.
        let mut words: BTreeMap<(bool, usize), HashSet<&str>> = BTreeMap::new();
        for first in &present {
            for &(need, e, p) in self.by_first.get(*first).map_or(&[][..], Vec::as_slice) {
                let list = if need { &self.needs } else { &self.applicants };
                let (required, phrase) = &list[e].phrases[p];
                if !required.iter().all(|t| present.contains(t.as_str()))
                    || (mixed(required) && !adjacent(question, tokens, required))
                {
                    continue;
                }
                let phrase = phrase.as_slice();
                words
                    .entry((need, e))
                    .or_default()
                    .extend(phrase.iter().map(String::as_str));
                let better = best.get(&(need, e)).is_none_or(|&(q, b)| {
                    b.len() < phrase.len() || (b.len() == phrase.len() && p < q)
                });
                if better {
                    best.insert((need, e), (p, phrase));
                }
            }
        }
        let mut stated = Stated::default();
        // "本人是在读研究生", "我们是一家初创公司": "myself" and "company" say only that a person
        // or a firm asks; a more specific kind stated beside them ("student", "start-up") comes
        // first.
        let mut found: Vec<_> = best.iter().collect();
        found.sort_by_key(|&(&(need, e), _)| {
            let generic = !need && GENERIC_APPLICANTS.contains(&self.applicants[e].key);
            (need, generic, e)
        });
        for (&(need, e), &(_, phrase)) in found {
            // Phrases are bags of tokens, so any of its words negated negates it ("a private
            // individual, not a company" has the words of "private company").
            if !need
                && tokens
                    .iter()
                    .any(|t| phrase.iter().any(|w| w == t.0) && negated(question, t.1))
            {
                continue;
            }
            if need {
                stated.needs.push(self.needs[e].key);
            } else {
                stated.applicants.push(self.applicants[e].key);
            }
            let spans = if need {
                &mut stated.need_spans
            } else {
                &mut stated.spans
            };
            let words = &words[&(need, e)];
            for t in tokens.iter().filter(|t| words.contains(t.0)) {
                spans.push((t.1, t.2));
            }
        }
        stated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_negation_just_before_an_applicant_phrase() {
        let at = |q: &str, w: &str| q.find(w).unwrap();
        let q = "what can a private individual apply for, not a company";
        assert!(negated(q, at(q, "company")));
        assert!(!negated(q, at(q, "individual")));
        let q = "我自己一個人，冇開公司，有咩可以申請？";
        assert!(negated(q, at(q, "公司")));
        let q = "有冇俾公司申請嘅資助？";
        assert!(!negated(q, at(q, "公司")));
        let q = "是不是公司才可以申請？";
        assert!(!negated(q, at(q, "公司")));
        let q = "I have no idea whether my company qualifies";
        assert!(!negated(q, at(q, "company")));
        // Going it alone: "nothing to do with a university".
        let q = "我哋公司想自己做研發，唔關大學事，有冇資助？";
        assert!(negated(q, at(q, "大學")));
        assert!(!negated(q, at(q, "公司")));
    }

    #[test]
    fn a_mixed_phrase_needs_its_words_side_by_side() {
        let words = vec!["做".to_owned(), "fund".to_owned()];
        assert!(mixed(&words));
        assert!(!mixed(&["fund".to_owned(), "manag".to_owned()]));
        let q = "我做fund嘅";
        let tokens = [("我", 0, 3), ("做", 3, 6), ("fund", 6, 10), ("嘅", 10, 13)];
        assert!(adjacent(q, &tokens, &words));
        let q = "想做 R&D，有咩 funding";
        let tokens = [("想", 0, 3), ("做", 3, 6), ("r&d", 7, 10), ("fund", 20, 27)];
        assert!(!adjacent(q, &tokens, &words));
    }

    #[test]
    fn broader_kinds_are_applicant_keys_and_not_circular() {
        let keys = applicant_keys();
        for (kind, words) in &file().applicants {
            for broader in &words.is_a {
                assert!(keys.contains(&broader.as_str()), "{kind} is_a {broader}");
                assert!(
                    !is_a(broader, kind),
                    "{kind} and {broader} are each other's case"
                );
            }
        }
        assert!(is_a("manufacturer", "company"));
        assert!(!is_a("company", "manufacturer"));
        assert!(!is_a("unknown", "company"));
    }

    /// A phrase that is only chatter once analysed ("我哋間u" loses its "u" and keeps 我们 间;
    /// "讀u" keeps one character) would be found in nearly every question.
    #[test]
    fn every_phrase_keeps_a_telling_word() {
        let corpus = crate::corpus::Corpus::load(std::path::Path::new("corpus")).unwrap();
        let analyzer = crate::search::Engine::analyzer_for(&corpus);
        let lexicon = crate::text::Lexicon::new(&analyzer);
        let f = file();
        let mut bad = Vec::new();
        for (key, w) in f.applicants.iter().chain(&f.needs) {
            for p in
                w.en.iter()
                    .chain(&w.zh_hant)
                    .chain(&w.yue)
                    .chain(&w.zh_hans)
            {
                let toks = analyzer.analyze(p);
                let chatter = toks.len() > 1 && toks.iter().all(|t| lexicon.is_filler(&t.text));
                let one_char = toks.iter().all(|t| t.han && t.text.chars().count() == 1);
                if chatter || one_char {
                    bad.push(format!("{key}: {p:?}"));
                }
            }
        }
        assert!(bad.is_empty(), "phrases of chatter only: {bad:?}");
    }
}
