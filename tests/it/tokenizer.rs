//! The analyzer: Traditional and Simplified meet, offsets point into the original text,
//! punctuation never becomes a token, English is stemmed and full-width text folded.

use schemebot::text::{Lang, Token};

use crate::support::engine::engine;

fn texts(text: &str) -> Vec<String> {
    engine()
        .analyzer()
        .analyze(text)
        .into_iter()
        .map(|t| t.text)
        .collect()
}

#[test]
fn traditional_and_simplified_give_the_same_tokens() {
    for (trad, simp) in [
        ("點樣申請科技人才入境計劃", "点样申请科技人才入境计划"),
        (
            "創新及科技基金的企業支援計劃",
            "创新及科技基金的企业支援计划",
        ),
        ("數碼港培育計劃有冇資助？", "数码港培育计划有冇资助？"),
        ("香港科技園公司培育計劃", "香港科技园公司培育计划"),
    ] {
        assert_eq!(texts(trad), texts(simp), "{trad} / {simp}");
        assert!(!texts(trad).is_empty());
    }
}

#[test]
fn scheme_names_are_cut_whole_with_their_parts() {
    let tokens = texts("科技人才入境計劃");
    assert!(
        tokens.contains(&"科技人才入境计划".to_owned()),
        "{tokens:?}"
    );
    assert!(tokens.contains(&"人才".to_owned()), "{tokens:?}");
}

#[test]
fn offsets_point_into_the_original_text() {
    let text = "ＴｅｃｈＴＡＳ 點樣申請？ (Enterprise Support Scheme)";
    let tokens: Vec<Token> = engine().analyzer().analyze(text);
    for t in &tokens {
        let original = &text[t.from..t.to];
        assert!(!original.is_empty(), "{t:?}");
    }
    let find = |word: &str| {
        tokens
            .iter()
            .find(|t| t.text == word)
            .map(|t| &text[t.from..t.to])
    };
    assert_eq!(find("techta"), Some("ＴｅｃｈＴＡＳ"));
    assert_eq!(find("申请"), Some("申請"));
    assert_eq!(find("enterpris"), Some("Enterprise"));
}

#[test]
fn punctuation_and_symbols_are_never_tokens() {
    let tokens = texts("？！，。、：；「」『』（）()[]{}<>\"'!?.,:;*~^&|/\\ — … 😀 ★");
    assert!(tokens.is_empty(), "{tokens:?}");
    for t in texts("What is TVP?! 科技券（TVP）「點樣」申請…") {
        assert!(t.chars().all(char::is_alphanumeric), "{t:?}");
    }
}

#[test]
fn english_is_lower_cased_and_stemmed() {
    assert_eq!(texts("Applies"), texts("applying"));
    assert_eq!(texts("Schemes"), texts("scheme"));
    assert_eq!(texts("SCHEMES"), vec!["scheme".to_owned()]);
    // Hyphenated words keep their parts and the joined word.
    assert_eq!(texts("start-ups"), vec!["start", "up", "startup"]);
}

#[test]
fn query_syntax_is_just_text() {
    // Characters that mean something to tantivy's query parser are dropped or kept as words.
    let tokens = texts(r#"title:"TVP" AND (ESS OR *) ~2 ^3 -x +y"#);
    assert_eq!(tokens, vec!["titl", "tvp", "and", "ess", "or", "2", "3"]);
}

#[test]
fn language_follows_the_script() {
    assert_eq!(Lang::detect("How do I apply for TechTAS?"), Lang::En);
    assert_eq!(Lang::detect("TechTAS 點樣申請？"), Lang::ZhHant);
    assert_eq!(Lang::detect("科技券最多資助幾多"), Lang::ZhHant);
    assert_eq!(Lang::detect("科技券怎么申请"), Lang::ZhHans);
    assert_eq!(Lang::detect("有哪些资助计划"), Lang::ZhHans);
    // Characters shared by both scripts read as Traditional (the bot's home audience).
    assert_eq!(Lang::detect("科技"), Lang::ZhHant);
    assert_eq!(Lang::script(Lang::ZhHans, "資助計劃"), "资助计划");
}

#[test]
fn filler_words_do_not_drive_the_ranking() {
    use schemebot::search::Role;
    for q in [
        "what is the",
        "點樣 有冇 嘅 咩",
        "怎么 吗 的 请问",
        "how can i please",
    ] {
        let plan = engine().plan(q);
        assert!(
            plan.tokens.iter().all(|t| t.role == Role::Filler),
            "{q}: {:?}",
            plan.tokens
        );
    }
}

#[test]
fn a_synonym_phrase_stands_for_a_word_of_its_group() {
    // concepts.toml: ["secondary school", "high school", "中學", "中学"].
    let plan = engine().plan("funding for a secondary school coding club");
    let stand_in = plan
        .tokens
        .iter()
        .find(|t| t.stand_in)
        .expect("a stand-in for \"secondary school\"");
    assert_eq!(stand_in.text, "中学");
    let parts: Vec<&str> = plan
        .tokens
        .iter()
        .filter(|t| t.within(stand_in))
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(
        parts,
        ["secondari", "school"],
        "the phrase's own words stay"
    );
    // Words that merely sit next to each other in another order stand for nothing.
    assert!(
        !engine()
            .plan("school for secondary students")
            .tokens
            .iter()
            .any(|t| t.stand_in)
    );
}

#[test]
fn common_misspellings_are_read_as_the_word_meant() {
    assert_eq!(texts("how to aply"), texts("how to apply"));
    assert_eq!(texts("Goverment fundng"), texts("government funding"));
    assert_eq!(texts("cyberprot"), texts("cyberport"));
    // Offsets still point at what was typed.
    let t = &engine().analyzer().analyze("pls aply")[1];
    assert_eq!((t.from, t.to), (4, 8));
}
