//! Rules of written wording that replies must keep, as checks: no English words inside Chinese
//! money lines, no Cantonese in text shown in Chinese. Used by `schemebot check` on the corpus
//! and by the tests on every reply.

/// Colloquial Cantonese that standard written Chinese does not use, in both scripts: particles
/// and pronouns (嘅 咩 冇 係 喺 哋 …) and question words (邊個 幾多 點樣 …). 係 is only
/// Cantonese in Traditional text (Simplified 系 is also standard), so it is listed in
/// Traditional form alone; Traditional text must not contain it except in 關係/聯係.
pub const CANTONESE: [&str; 40] = [
    "嘅", "咩", "冇", "喺", "哋", "唔", "嚟", "啲", "咁", "噉", "咗", "嗰", "佢", "乜", "睇", "啱",
    "㗎", "喎", "嘢", "揾", "搵", "畀", "係", "邊個", "边个", "幾多", "几多", "點樣", "点样",
    "點解", "点解", "而家", "邊度", "边度", "邊啲", "边啲", "乜嘢", "咩嘢", "係咪", "唔該",
];

/// The Cantonese words of [`CANTONESE`] that occur in `text` (with 係 in 關係 or 聯係 not
/// counted), each once, in list order.
#[must_use]
pub fn cantonese_words(text: &str) -> Vec<&'static str> {
    let cleaned = text.replace("關係", "").replace("聯係", "");
    CANTONESE
        .into_iter()
        .filter(|w| cleaned.contains(w))
        .collect()
}

/// The Latin-letter words in `text` that are English wording rather than a name or an address.
///
/// A word is a maximal run of ASCII letters. It is allowed when it is
/// - an acronym: two or more capital letters (TVP, InnoHK, RAISe) or a single capital (the O
///   of TSSSU-O);
/// - part of an address or a command: its run of ASCII non-space characters contains `://` or
///   `@`, or a `.` between two letters or digits (`nittp.vtc.edu.hk`), or starts with `/`
///   (`/scheme_innohk`);
/// - inside a quoted name 「…」, a programme's own English name that has no Chinese one.
///
/// Everything else ("Government", "applicant", "up to") is reported, in order.
#[must_use]
pub fn latin_words(text: &str) -> Vec<String> {
    let mut unquoted = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '「' => depth += 1,
            '」' => depth = depth.saturating_sub(1),
            _ if depth == 0 => unquoted.push(c),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for token in unquoted.split(|c: char| !c.is_ascii_graphic()) {
        let bytes = token.as_bytes();
        let dotted = bytes
            .windows(3)
            .any(|w| w[1] == b'.' && w[0].is_ascii_alphanumeric() && w[2].is_ascii_alphanumeric());
        if token.contains("://") || token.contains('@') || token.starts_with('/') || dotted {
            continue;
        }
        for word in token.split(|c: char| !c.is_ascii_alphabetic()) {
            let capitals = word.chars().filter(char::is_ascii_uppercase).count();
            let acronym = capitals >= 2 || (word.len() == 1 && capitals == 1);
            if !word.is_empty() && !acronym {
                out.push(word.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_are_found_and_names_and_addresses_are_not() {
        assert_eq!(
            latin_words("配對比例：3 (Government) : 1 (applicant)"),
            ["Government", "applicant"]
        );
        assert!(latin_words("每個項目最高港幣1億元 (TVP) InnoHK TSSSU+ TSSSU-O RAISe+").is_empty());
        assert!(latin_words("請以nittp.vtc.edu.hk公布為準，電郵enquiry@itf.gov.hk").is_empty());
        assert!(latin_words("見 https://www.itf.gov.hk/l-eng/TVP.asp").is_empty());
        assert!(latin_words("總額港幣100億元 /scheme_innohk").is_empty());
        assert!(latin_words("「AI Innovation Acceleration」套餐").is_empty());
        assert_eq!(latin_words("up to 港幣1億元"), ["up", "to"]);
    }

    #[test]
    fn cantonese_is_found_in_either_script() {
        assert_eq!(cantonese_words("科技券最多資助幾多？"), ["幾多"]);
        assert_eq!(
            cantonese_words("最多资助几多？边个可以申请？"),
            ["边个", "几多"]
        );
        assert_eq!(cantonese_words("有咩人才计划？"), ["咩"]);
        assert!(cantonese_words("誰可以申請？有哪些人才計劃？兩者的關係").is_empty());
        assert_eq!(cantonese_words("呢個係咪真㗎"), ["㗎", "係", "係咪"]);
    }
}
