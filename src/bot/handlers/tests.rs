//! The handlers' pure helpers: language codes, question cleaning, keyboards.

use super::*;

#[test]
fn telegram_language_codes() {
    assert_eq!(lang_from_code(None), Lang::En);
    assert_eq!(lang_from_code(Some("en")), Lang::En);
    assert_eq!(lang_from_code(Some("fr")), Lang::En);
    assert_eq!(lang_from_code(Some("zh")), Lang::ZhHant);
    assert_eq!(lang_from_code(Some("zh-hk")), Lang::ZhHant);
    assert_eq!(lang_from_code(Some("zh-TW")), Lang::ZhHant);
    assert_eq!(lang_from_code(Some("zh-hant")), Lang::ZhHant);
    assert_eq!(lang_from_code(Some("zh-cn")), Lang::ZhHans);
    assert_eq!(lang_from_code(Some("zh_SG")), Lang::ZhHans);
    assert_eq!(lang_from_code(Some("zh-hans")), Lang::ZhHans);
    assert_eq!(lang_from_code(Some("zhx")), Lang::En);
}

#[test]
fn questions_are_cleaned() {
    assert_eq!(
        sanitize("  how\u{0}\u{1} to\n\tapply \u{200b}TVP  "),
        "how to apply TVP"
    );
    assert_eq!(
        sanitize(&"字".repeat(10_000)).chars().count(),
        MAX_QUESTION_CHARS
    );
    assert!(!has_words(&sanitize("🙂🙂 ?! \u{fffd}\u{0}")));
    assert!(has_words(&sanitize("<b>TVP</b>")));
}

#[test]
fn keyboards_drop_what_telegram_would_reject() {
    let rows = vec![
        vec![
            Button::Callback {
                text: "ok".into(),
                data: "s:tvp".into(),
            },
            Button::Callback {
                text: "too long".into(),
                data: "x".repeat(65),
            },
        ],
        vec![Button::Url {
            text: "bad".into(),
            url: "javascript:alert(1)".into(),
        }],
        vec![Button::Url {
            text: "site".into(),
            url: "https://www.itf.gov.hk/".into(),
        }],
    ];
    let kb = keyboard(&rows).unwrap();
    assert_eq!(kb.inline_keyboard.len(), 2);
    assert_eq!(kb.inline_keyboard[0].len(), 1);
    assert!(keyboard(&[vec![]]).is_none());
}
