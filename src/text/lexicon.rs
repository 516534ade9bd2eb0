//! The query lexicon (`text/data/lexicon.toml`): filler, intent, list, generic and category words
//! and synonym groups, stored in analysed form so they compare equal to question tokens.
//!
//! The lexicon says what a word *does* in a question; it never names a scheme. Scheme names,
//! aliases and keywords live in the corpus.

use std::collections::HashMap;

use serde::Deserialize;

use super::normalize::normalize;
use super::tokenizer::Analyzer;
use super::{WordMap, WordSet};
use crate::corpus::Category;

/// The lexicon's source text, compiled in.
pub const SOURCE: &str = include_str!("data/lexicon.toml");

/// What a person wants to know about a scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Intent {
    Money,
    Eligibility,
    Apply,
    When,
}

impl Intent {
    /// Every intent, in the order ties are broken.
    pub const ALL: [Intent; 4] = [
        Intent::Money,
        Intent::Eligibility,
        Intent::Apply,
        Intent::When,
    ];

    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Intent::Money => "money",
            Intent::Eligibility => "eligibility",
            Intent::Apply => "apply",
            Intent::When => "when",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    filler: Vec<String>,
    intent: IntentFile,
    list: Words,
    generic: Words,
    dictionary: Words,
    category: HashMap<String, Vec<String>>,
    synonyms: Synonyms,
    structured: Structured,
    mainland_giver: Giver,
}

/// `[mainland_giver]` of lexicon.toml: what follows a Mainland place that gives support.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Giver {
    suffixes: Vec<String>,
    markers: Vec<String>,
}

/// Phrases of a structured browse request (see lexicon.toml's `[structured]`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Structured {
    pub open: Vec<String>,
    pub money: Vec<String>,
    pub deadline: Vec<String>,
    pub fits: Vec<String>,
    /// Words that only order or scope a structured request ("order", "top", "everything",
    /// "排序"): with an open / money / deadline phrase, they ask nothing of a scheme.
    #[serde(default)]
    pub arrange: Vec<String>,
    /// Words that link a list word to the applicant kind it asks about ("which schemes are
    /// *for* manufacturers", "哪些计划*适合*科研人员").
    #[serde(default)]
    pub for_kind: Vec<String>,
    /// Words that name schemes in general ("schemes", "計劃", "funding"): a browse request
    /// with one asks about our schemes, not some other thing to list.
    #[serde(default)]
    pub scheme_nouns: Vec<String>,
    /// Words that open examples, to the end of the sentence ("like", "such as", "例如"):
    /// the examples say neither which category is asked for nor the asker's situation.
    #[serde(default)]
    pub examples_after: Vec<String>,
    /// Words that close examples, back to the start of the clause ("之类", "等等").
    #[serde(default)]
    pub examples_before: Vec<String>,
    /// Phrases made of one word from each slot ("currently" + "accepting"), for open, money and
    /// deadline: `combine.open = [[now words], [open words]]`.
    #[serde(default)]
    pub combine: HashMap<String, Vec<Vec<String>>>,
}

/// The structured-request phrases of lexicon.toml, each kind's combined phrases (one word from
/// each slot, joined by a space) added to its list.
#[must_use]
pub fn structured_phrases() -> Structured {
    let mut s = parse().structured;
    for (kind, slots) in std::mem::take(&mut s.combine) {
        let list = match kind.as_str() {
            "open" => &mut s.open,
            "money" => &mut s.money,
            "deadline" => &mut s.deadline,
            other => panic!("lexicon.toml: unknown structured.combine kind {other:?}"),
        };
        let mut phrases = vec![String::new()];
        for slot in &slots {
            phrases = phrases
                .iter()
                .flat_map(|p| slot.iter().map(move |w| format!("{p} {w}")))
                .collect();
        }
        list.extend(phrases.into_iter().map(|p| p.trim().to_owned()));
    }
    s
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentFile {
    money: Vec<String>,
    eligibility: Vec<String>,
    apply: Vec<String>,
    when: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Synonyms {
    groups: Vec<Vec<String>>,
}

/// The analysed lexicon.
#[derive(Debug, Default)]
pub struct Lexicon {
    filler: WordSet<String>,
    intents: WordMap<String, Vec<Intent>>,
    list: WordSet<String>,
    list_surface: WordSet<String>,
    generic: WordSet<String>,
    categories: WordMap<String, Vec<Category>>,
    synonyms: WordMap<String, Vec<String>>,
    /// Synonym entries of several tokens ("secondary school", "bring in"), analysed, each with
    /// a one-token word of its group that stands for it ("中学"); longest first.
    phrases: Vec<(Vec<String>, String)>,
    /// By first token: the positions in `phrases` of the phrases that open with it, ascending.
    phrase_openings: WordMap<String, Vec<usize>>,
    /// A narrower word of `concepts.toml` → its broad word and the broad word's group
    /// ("加拿大" → "海外", "overseas", …).
    broader: WordMap<String, Vec<String>>,
    /// `[mainland_giver]`, normalised: suffixes then markers, each longest first.
    giver: (Vec<String>, Vec<String>),
}

/// `data/concepts.toml`: the cross-language concept groups (pay / salary / 人工 / 工资;
/// internship / 實習; factory / 工廠 …), more synonym groups kept in their own file because they
/// are about what scheme text says rather than about question words; and the narrower words of
/// a broad one.
#[derive(Deserialize)]
struct Concepts {
    groups: Vec<Vec<String>>,
    /// A broad word (a word of some group) → narrower words that are cases of it (内地 → 上海,
    /// 北京; 公營機構 → 醫管局). A narrower word also matches what the broad word does; not the
    /// reverse, so a question about the Mainland does not match text naming Shanghai.
    #[serde(default)]
    broader: std::collections::BTreeMap<String, Vec<String>>,
}

fn concepts() -> Concepts {
    toml::from_str::<Concepts>(include_str!("data/concepts.toml"))
        .expect("text/data/concepts.toml is valid")
}

impl Lexicon {
    /// Every word the lexicon mentions, for jieba's user dictionary.
    pub fn raw_words() -> Vec<String> {
        let file = parse();
        let mut words = file.filler;
        for list in [
            file.intent.money,
            file.intent.eligibility,
            file.intent.apply,
            file.intent.when,
        ] {
            words.extend(list);
        }
        words.extend(file.list.words);
        words.extend(file.generic.words);
        words.extend(file.dictionary.words);
        words.extend(file.category.into_values().flatten());
        words.extend(file.synonyms.groups.into_iter().flatten());
        // Structured phrases ("最近有什么截止", "有哪些项目可以") are not words: they match when
        // all their words are in a question, so jieba must cut them as it cuts questions.
        let concepts = concepts();
        words.extend(concepts.groups.into_iter().flatten());
        words.extend(concepts.broader.into_values().flatten());
        words
    }

    /// Analyses the lexicon with `analyzer`. Multi-token entries count for each of their tokens
    /// in word classes; synonym groups use only entries that are a single token.
    #[must_use]
    pub fn new(analyzer: &Analyzer) -> Lexicon {
        let file = parse();
        // An entry stands for the token(s) spanning all of it: "start-up" is "startup", not
        // "start" and "up" (which would make "set up" a start-up word).
        let one = |w: &str| -> Vec<String> {
            let tokens = analyzer.analyze(w);
            let whole: Vec<String> = tokens
                .iter()
                .filter(|t| tokens.len() == 1 || (t.from == 0 && t.to == w.len()))
                .map(|t| t.text.clone())
                .collect();
            whole
        };
        let set =
            |words: &[String]| -> WordSet<String> { words.iter().flat_map(|w| one(w)).collect() };
        let mut lex = Lexicon {
            filler: set(&file.filler),
            // English list words are matched as written: "schemes" asks to browse, while its
            // stem "scheme" is just a generic word.
            list: set(&file
                .list
                .words
                .iter()
                .filter(|w| !w.is_ascii())
                .cloned()
                .collect::<Vec<_>>()),
            list_surface: file
                .list
                .words
                .iter()
                .filter(|w| w.is_ascii())
                .map(|w| w.to_lowercase())
                .collect(),
            generic: set(&file.generic.words),
            giver: {
                let fold = |words: &[String]| {
                    let mut v: Vec<String> = words.iter().map(|w| normalize(w).text()).collect();
                    v.sort_by_key(|w| std::cmp::Reverse(w.len()));
                    v
                };
                (
                    fold(&file.mainland_giver.suffixes),
                    fold(&file.mainland_giver.markers),
                )
            },
            ..Lexicon::default()
        };
        let intents = [
            (Intent::Money, &file.intent.money),
            (Intent::Eligibility, &file.intent.eligibility),
            (Intent::Apply, &file.intent.apply),
            (Intent::When, &file.intent.when),
        ];
        for (intent, words) in intents {
            for t in words.iter().flat_map(|w| one(w)) {
                let v = lex.intents.entry(t).or_default();
                if !v.contains(&intent) {
                    v.push(intent);
                }
            }
        }
        for (key, words) in &file.category {
            let cat = Category::from_key(key)
                .unwrap_or_else(|| panic!("lexicon.toml: unknown category {key:?}"));
            for t in words.iter().flat_map(|w| one(w)) {
                let v = lex.categories.entry(t).or_default();
                if !v.contains(&cat) {
                    v.push(cat);
                }
            }
        }
        let concepts = concepts();
        for group in file.synonyms.groups.iter().chain(&concepts.groups) {
            let singles: Vec<String> = group
                .iter()
                .map(|w| one(w))
                .filter(|t| t.len() == 1)
                .map(|mut t| t.remove(0))
                .collect();
            // A phrase stands for the group's first Han word (what Chinese scheme text
            // writes), else its first one-token word; its synonyms are then the group's.
            let stand_in = singles
                .iter()
                .find(|w| w.chars().all(crate::text::is_han))
                .or(singles.first());
            if let Some(stand_in) = stand_in {
                for w in group.iter().filter(|w| w.is_ascii()) {
                    let tokens: Vec<String> =
                        analyzer.analyze(w).into_iter().map(|t| t.text).collect();
                    if tokens.len() > 1 && !lex.phrases.iter().any(|(p, _)| *p == tokens) {
                        lex.phrases.push((tokens, stand_in.clone()));
                    }
                }
            }
            for w in &singles {
                let v = lex.synonyms.entry(w.clone()).or_default();
                for s in &singles {
                    if s != w && !v.contains(s) {
                        v.push(s.clone());
                    }
                }
            }
        }
        // Narrower words: each gets the broad word and its synonyms; an English phrase of
        // several words stands for the broad word.
        for (broad, narrower) in concepts.broader {
            let Some(broad) = one(&broad).into_iter().next() else {
                continue;
            };
            let mut meanings = vec![broad.clone()];
            meanings.extend(lex.synonyms(&broad).iter().cloned());
            for w in &narrower {
                // A word is the token spanning all of it ("廣東省", not also "廣東"); an English
                // entry of several words is a phrase.
                let whole = one(w);
                let tokens: Vec<String> = if whole.len() == 1 || !w.is_ascii() {
                    whole
                } else {
                    analyzer.analyze(w).into_iter().map(|t| t.text).collect()
                };
                match tokens.as_slice() {
                    [single] => {
                        for map in [&mut lex.synonyms, &mut lex.broader] {
                            let v = map.entry(single.clone()).or_default();
                            for m in &meanings {
                                if m != single && !v.contains(m) {
                                    v.push(m.clone());
                                }
                            }
                        }
                    }
                    [] => {}
                    _ if w.is_ascii() && !lex.phrases.iter().any(|(p, _)| *p == tokens) => {
                        lex.phrases.push((tokens, broad.clone()));
                    }
                    _ => {}
                }
            }
        }
        lex.phrases
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        for (k, (tokens, _)) in lex.phrases.iter().enumerate() {
            lex.phrase_openings
                .entry(tokens[0].clone())
                .or_default()
                .push(k);
        }
        lex
    }

    /// Synonym phrases of several tokens, each with the one-token word standing for it, longest
    /// first: ("secondary", "school") → "中学".
    #[must_use]
    pub fn phrases(&self) -> &[(Vec<String>, String)] {
        &self.phrases
    }

    /// The positions in [`Lexicon::phrases`] of the phrases whose first token is `token`,
    /// ascending (empty for most tokens).
    #[must_use]
    pub fn phrases_opening_with(&self, token: &str) -> &[usize] {
        self.phrase_openings.get(token).map_or(&[], Vec::as_slice)
    }

    /// Whether the lexicon gives the token any role.
    #[must_use]
    pub fn is_known(&self, token: &str) -> bool {
        self.filler.contains(token)
            || self.list.contains(token)
            || self.generic.contains(token)
            || self.intents.contains_key(token)
            || self.categories.contains_key(token)
    }

    #[must_use]
    pub fn is_filler(&self, token: &str) -> bool {
        self.filler.contains(token)
    }

    /// Whether a token asks to browse; `surface` is the word as written, in lower case.
    #[must_use]
    pub fn is_list(&self, token: &str, surface: &str) -> bool {
        self.list.contains(token) || self.list_surface.contains(surface)
    }

    #[must_use]
    pub fn is_generic(&self, token: &str) -> bool {
        self.generic.contains(token)
    }

    #[must_use]
    pub fn intents(&self, token: &str) -> &[Intent] {
        self.intents.get(token).map_or(&[], Vec::as_slice)
    }

    /// Every intent word (analysed) with what it asks.
    pub fn intent_words(&self) -> impl Iterator<Item = (&str, &[Intent])> {
        self.intents.iter().map(|(w, i)| (w.as_str(), i.as_slice()))
    }

    #[must_use]
    pub fn categories(&self, token: &str) -> &[Category] {
        self.categories.get(token).map_or(&[], Vec::as_slice)
    }

    #[must_use]
    pub fn synonyms(&self, token: &str) -> &[String] {
        self.synonyms.get(token).map_or(&[], Vec::as_slice)
    }

    /// The broad words a narrower word of `concepts.toml` is a case of, with the broad word's
    /// synonyms ("加拿大" → "海外", "overseas", …); empty for other words.
    #[must_use]
    pub fn broader(&self, token: &str) -> &[String] {
        self.broader.get(token).map_or(&[], Vec::as_slice)
    }

    /// Whether normalised `text` (see [`normalize`]) has a Mainland place giving the support
    /// asked about: a token of `tokens` that is a narrower word of 内地, then any place words
    /// or suffixes ("区", "市政府"), then a marker ("对", "有什么") — "深圳前海对港青创业有咩补贴",
    /// not "我在深圳做研发". Words from `[mainland_giver]` of lexicon.toml.
    #[must_use]
    pub fn mainland_gives<'a>(
        &self,
        text: &str,
        tokens: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        let places: Vec<&str> = tokens
            .into_iter()
            .filter(|t| self.broader(t).iter().any(|b| b == "内地"))
            .collect();
        let (suffixes, markers) = &self.giver;
        places.iter().any(|place| {
            text.match_indices(place).any(|(at, _)| {
                let mut rest = &text[at + place.len()..];
                // "深圳南山区对…": further places and suffixes run on to the marker.
                while let Some(next) = places
                    .iter()
                    .copied()
                    .chain(suffixes.iter().map(String::as_str))
                    .find(|w| !w.is_empty() && rest.starts_with(w))
                {
                    rest = &rest[next.len()..];
                }
                markers.iter().any(|m| rest.starts_with(m.as_str()))
            })
        })
    }
}

fn parse() -> LexiconFile {
    // The file is compiled in and covered by tests, so a parse failure is a build-time bug.
    toml::from_str(SOURCE).expect("text/data/lexicon.toml is valid")
}

#[cfg(test)]
mod tests {
    use super::structured_phrases;

    #[test]
    fn combined_structured_phrases_take_one_word_from_each_slot() {
        let s = structured_phrases();
        assert!(s.open.iter().any(|p| p == "目前 受理"));
        assert!(s.money.iter().any(|p| p == "highest subsidy"));
        assert!(s.deadline.iter().any(|p| p == "soon deadline"));
        assert!(s.combine.is_empty(), "expanded into the lists");
    }
}
