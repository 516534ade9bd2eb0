//! Normalisation: NFKC (which also folds full-width forms), lower case, Hong Kong / Taiwan variant
//! characters folded to their usual forms (硏→研, 靑→青; OpenCC's variant tables in
//! `data/variants.tsv`), and Traditional→Simplified folding, keeping for every normalised
//! character the byte range it came from in the original.
//!
//! The mapping is what lets the tokenizer report offsets into the text the person wrote, so a
//! snippet highlights Traditional characters even though matching happens on Simplified ones.
//! fast2s maps characters one to one, which keeps the mapping exact; should a conversion ever
//! change the character count, the folding step is skipped for that text rather than guessed.

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

/// Variant characters and the form Traditional→Simplified conversion knows, from
/// `data/variants.tsv`. A variant is folded only when fast2s leaves it unchanged: where fast2s
/// already converts a character, its conversion is trusted, so the table can only add
/// understanding, never change how a character fast2s knows is read.
fn variants() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("data/variants.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (from, to) = l.split_once('\t')?;
                let (mut from, mut to) = (from.chars(), to.chars());
                let (f, t) = (from.next()?, to.next()?);
                (from.next().is_none() && to.next().is_none()).then_some((f, t))
            })
            .filter(|&(f, _)| fast2s::convert(&f.to_string()) == f.to_string())
            .collect()
    })
}

/// Folds one variant character (see [`variants`]).
#[must_use]
pub fn fold_variant(c: char) -> char {
    variants().get(&c).copied().unwrap_or(c)
}

/// Text after normalisation, with the origin of each character.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The normalised characters.
    pub chars: Vec<char>,
    /// For each character in `chars`, the byte range `(start, end)` in the original text.
    pub origin: Vec<(usize, usize)>,
}

impl Normalized {
    /// The normalised text as a string.
    #[must_use]
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }
}

/// Normalises `text` for matching: NFKC, full-width folding, lower case, Traditional→Simplified.
#[must_use]
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized::default();
    for (start, ch) in text.char_indices() {
        let end = start + ch.len_utf8();
        if ch.is_control() && ch != '\n' && ch != '\t' {
            continue;
        }
        for n in std::iter::once(ch).nfkc() {
            for l in n.to_lowercase() {
                out.chars.push(fold_variant(fold_punct(l)));
                out.origin.push((start, end));
            }
        }
    }
    let joined: String = out.chars.iter().collect();
    let folded = fast2s::convert(&joined);
    if folded.chars().count() == out.chars.len() {
        out.chars = folded.chars().collect();
    }
    money_sign_as_word(&mut out.chars);
    out
}

/// "入境費幾$", "每個項目幾$": after 幾 / 几 or 多少, a dollar sign that no figure follows is
/// the word 錢 typed short, so it reads as "how much money". Written as 钱 (one character for
/// one, so offsets hold); "HK$5m" and "幾$5萬" keep theirs.
fn money_sign_as_word(chars: &mut [char]) {
    for i in 1..chars.len() {
        let next_is_figure = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if chars[i] == '$' && matches!(chars[i - 1], '几' | '少') && !next_is_figure {
            chars[i] = '钱';
        }
    }
}

/// Folds typographic variants that NFKC keeps apart, so they split words the same way.
fn fold_punct(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02bc}' => '\'',
        '\u{201c}' | '\u{201d}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Folds characters people commonly type for one another in names (same sound, similar shape):
/// "科技卷" means 科技券, "人材" means 人才. Used only for whole-name matching, where a near
/// miss cannot change what the rest of a question means.
fn fold_confusable(c: char) -> char {
    match c {
        '卷' => '券',
        '材' => '才',
        '帐' => '账',
        '汇' => '滙',
        _ => c,
    }
}

/// Whether a character is a CJK ideograph (the characters jieba segments). Unassigned code
/// points inside the CJK blocks are not letters and are not Han: they are dropped like
/// punctuation rather than becoming unknown "words".
#[must_use]
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
        && c.is_alphabetic()
}

/// Folds text for whole-name matching: [`normalize`], every run of characters that are neither
/// letters nor digits becomes one space, and spaces next to Han characters are dropped, so
/// "產學研 1+ 計劃" and "產學研1+計劃" both become "产学研1计划".
#[must_use]
pub fn name_key(text: &str) -> String {
    let chars = normalize(text).chars.into_iter().map(fold_confusable);
    let mut spaced: Vec<char> = Vec::with_capacity(chars.len());
    for c in chars {
        if c.is_alphanumeric() {
            spaced.push(c);
        } else if spaced.last().is_some_and(|&p| p != ' ') {
            spaced.push(' ');
        }
    }
    let mut out = String::with_capacity(spaced.len());
    for (i, &c) in spaced.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).map(|j| spaced[j]);
            let next = spaced.get(i + 1).copied();
            let near_han =
                prev.is_some_and(|p| !p.is_ascii()) || next.is_some_and(|n| !n.is_ascii());
            if near_han || next.is_none() {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dollar_sign_after_how_much_is_the_word_money() {
        assert_eq!(normalize("入境費幾$").text(), "入境费几钱");
        assert_eq!(normalize("多少$？").text(), "多少钱?");
        assert_eq!(normalize("幾$5萬").text(), "几$5万");
        assert_eq!(normalize("HK$5m").text(), "hk$5m");
    }

    #[test]
    fn folds_width_case_and_script_with_origins() {
        let n = normalize("ＴｅｃｈＴＡＳ 點樣申請");
        assert_eq!(n.text(), "techtas 点样申请");
        // The first Han character maps back to its 3-byte range in the original.
        let i = n.chars.iter().position(|&c| c == '点').unwrap();
        let original = "ＴｅｃｈＴＡＳ 點樣申請";
        let (s, e) = n.origin[i];
        assert_eq!(&original[s..e], "點");
    }

    #[test]
    fn variant_characters_fold_to_their_usual_forms() {
        for (variant, usual) in [
            ("硏發", "研發"),
            ("靑年", "青年"),
            ("査詢", "查詢"),
            ("値得", "值得"),
        ] {
            assert_eq!(
                normalize(variant).text(),
                normalize(usual).text(),
                "{variant}"
            );
        }
        // A character fast2s knows keeps fast2s's reading.
        assert_eq!(normalize("參加").text(), "参加");
    }

    #[test]
    fn name_keys_ignore_spacing_and_punctuation() {
        assert_eq!(name_key("產學研 1+ 計劃"), name_key("产学研1+计划"));
        assert_eq!(name_key("RAISe+"), "raise");
        assert_eq!(name_key("Tech-TAS  visa!"), "tech tas visa");
    }

    #[test]
    fn simplified_and_traditional_spellings_fold_alike() {
        for (hans, hant) in [
            ("什么时候", "什麼時候"),
            ("看着", "看著"),
            ("人才", "人才"),
            ("台湾", "臺灣"),
        ] {
            assert_eq!(
                normalize(hans).text(),
                normalize(hant).text(),
                "{hans} / {hant}"
            );
        }
    }
}
