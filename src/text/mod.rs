//! Text handling shared by indexing and querying: the contract is that both sides see exactly the
//! same analysis, so a Traditional question meets a Simplified alias and "applications" meets
//! "apply".
//!
//! - [`normalize`]: NFKC, full-width folding, lower case, Traditional→Simplified, with offsets.
//! - [`tokenizer`]: jieba for Han runs, word splitting and English stemming for the rest.
//! - [`lexicon`]: what question words do (filler, intent, list, generic, category, synonyms).
//! - [`chat`]: small talk and conversation cues ("is it open?", "A vs B").
//! - [`lead`]: the learnt model that may overrule the cues on which section an answer leads with.
//! - [`Lang`]: which language a reply should be in, from the question's script.

pub mod browse;
pub mod chat;
pub mod domain;
pub mod follow;
pub mod lead;
pub mod lexicon;
pub mod normalize;
pub mod scheme;
pub mod softmax;
pub mod tokenizer;
pub mod vocabulary;
pub mod wording;

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Serialize;

/// A hash map keyed by words or model features, looked up many times per question. Hashed with
/// foldhash (randomly seeded per process) rather than the standard SipHash, which a profile put
/// at ~6% of a warm question: the keys are short strings from our own data files and a question's
/// own words, where SipHash's stronger resistance to crafted keys buys nothing.
pub type WordMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// The set form of [`WordMap`].
pub type WordSet<K> = HashSet<K, foldhash::fast::RandomState>;

pub use lexicon::{Intent, Lexicon};
pub use normalize::{is_han, name_key, normalize};
pub use tokenizer::{ANALYZER_NAME, Analyzer, DictionaryLoad, SchemeTokenizer, Token};

/// A reply language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-hant")]
    ZhHant,
    #[serde(rename = "zh-hans")]
    ZhHans,
}

impl Lang {
    /// Every reply language, in the order the language chooser shows them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::ZhHant, Lang::ZhHans];

    /// The code used on the command line and in JSON.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHant => "zh-hant",
            Lang::ZhHans => "zh-hans",
        }
    }

    /// Parses a code as written by [`Lang::code`] (also `zh`, `zh-hk`, `zh-tw` and `zh-cn`).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.to_ascii_lowercase().replace('_', "-").as_str() {
            "en" => Some(Lang::En),
            "zh-hant" | "zh" | "zh-hk" | "zh-tw" | "zh-mo" => Some(Lang::ZhHant),
            "zh-hans" | "zh-cn" | "zh-sg" => Some(Lang::ZhHans),
            _ => None,
        }
    }

    /// Whether replies are in Chinese.
    #[must_use]
    pub fn is_chinese(self) -> bool {
        match self {
            Lang::En => false,
            Lang::ZhHant | Lang::ZhHans => true,
        }
    }

    /// Detects the reply language from a question's script: any Han character means Chinese,
    /// Simplified when Simplified-only characters outnumber Traditional-only ones; otherwise
    /// English.
    #[must_use]
    pub fn detect(text: &str) -> Lang {
        match script_counts(text) {
            None => Lang::En,
            Some((trad, simp)) if simp > trad => Lang::ZhHans,
            Some(_) => Lang::ZhHant,
        }
    }

    /// Like [`Lang::detect`], but Chinese that no character places in either script (科技券,
    /// 人才) takes the script of `hint` when `hint` is Chinese: a Telegram user whose app is
    /// set to zh-cn who types 科技券 reads the reply in Simplified.
    #[must_use]
    pub fn detect_with(text: &str, hint: Lang) -> Lang {
        match script_counts(text) {
            Some((trad, simp)) if trad == simp && hint.is_chinese() => hint,
            _ => Lang::detect(text),
        }
    }

    /// Converts Chinese text written in Traditional characters to this language's script.
    #[must_use]
    pub fn script(self, traditional: &str) -> String {
        match self {
            // Character conversion keeps 甚麼 as 甚么; mainland usage writes 什么.
            Lang::ZhHans => fast2s::convert(traditional).replace("甚么", "什么"),
            Lang::En | Lang::ZhHant => traditional.to_owned(),
        }
    }
}

/// For text with Han characters: how many are Traditional-only and how many Simplified-only;
/// `None` for text without Han characters.
fn script_counts(text: &str) -> Option<(usize, usize)> {
    let mut han = false;
    let (mut trad, mut simp) = (0usize, 0usize);
    let mut buf = [0u8; 4];
    for c in text.chars().filter(|&c| is_han(c)) {
        han = true;
        if simplified_only().contains(&c) {
            simp += 1;
        } else if !fast2s::convert(c.encode_utf8(&mut buf)).starts_with(c) {
            trad += 1;
        }
    }
    han.then_some((trad, simp))
}

fn simplified_only() -> &'static HashSet<char> {
    static SET: OnceLock<HashSet<char>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("data/simplified-only.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::chars)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_common_to_both_scripts_follows_the_hint() {
        assert_eq!(Lang::detect("科技券"), Lang::ZhHant);
        assert_eq!(Lang::detect_with("科技券", Lang::ZhHans), Lang::ZhHans);
        assert_eq!(Lang::detect_with("科技券", Lang::En), Lang::ZhHant);
        // A script the text shows wins over the hint.
        assert_eq!(
            Lang::detect_with("科技券點申請", Lang::ZhHans),
            Lang::ZhHant
        );
        assert_eq!(
            Lang::detect_with("科技券怎么申请", Lang::ZhHant),
            Lang::ZhHans
        );
        assert_eq!(Lang::detect_with("TVP", Lang::ZhHans), Lang::En);
    }
}
