//! Text handling shared by indexing and querying: the contract is that both sides see exactly the
//! same analysis, so a Traditional question meets a Simplified alias and "applications" meets
//! "apply".
//!
//! - [`normalize`]: NFKC, full-width folding, lower case, Traditional→Simplified, with offsets.
//! - [`tokenizer`]: jieba for Han runs, word splitting and English stemming for the rest.
//! - [`lexicon`]: what question words do (filler, intent, list, generic, category, synonyms).
//! - [`Lang`]: which language a reply should be in, from the question's script.

pub mod lexicon;
pub mod normalize;
pub mod tokenizer;
pub mod vocabulary;
pub mod wording;

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Serialize;

pub use lexicon::{Intent, Lexicon};
pub use normalize::{is_han, name_key, normalize};
pub use tokenizer::{ANALYZER_NAME, Analyzer, SchemeTokenizer, Token};

/// A reply language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-hant")]
    ZhHant,
    #[serde(rename = "zh-hans")]
    ZhHans,
}

impl Lang {
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
        self != Lang::En
    }

    /// Detects the reply language from a question's script: any Han character means Chinese,
    /// Simplified when Simplified-only characters outnumber Traditional-only ones; otherwise
    /// English.
    #[must_use]
    pub fn detect(text: &str) -> Lang {
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
        match (han, simp > trad) {
            (false, _) => Lang::En,
            (true, true) => Lang::ZhHans,
            (true, false) => Lang::ZhHant,
        }
    }

    /// Converts Chinese text written in Traditional characters to this language's script.
    #[must_use]
    pub fn script(self, traditional: &str) -> String {
        match self {
            Lang::ZhHans => fast2s::convert(traditional),
            _ => traditional.to_owned(),
        }
    }
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
