//! The catalogues agree with each other and format cleanly.

use std::collections::{BTreeMap, BTreeSet};

use fluent_bundle::{FluentArgs, FluentValue};

use super::{CATALOGUES, EN_FTL, ZH_HANS_FTL, ZH_HANT_FTL, message};
use crate::text::Lang;

/// Each message of a catalogue with the variables it uses, read from the source: a message
/// starts at the beginning of a line (`id = …`) and goes on over the indented lines after it.
fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let body = if line.starts_with(char::is_whitespace) {
            line
        } else {
            let (id, value) = line.split_once('=').expect("a message line has `=`");
            let id = id.trim().to_owned();
            assert!(!out.contains_key(&id), "{id} is defined twice");
            out.insert(id.clone(), BTreeSet::new());
            current = Some(id);
            value
        };
        let id = current
            .as_ref()
            .expect("an indented line belongs to a message");
        let mut rest = body;
        while let Some(i) = rest.find('$') {
            let name: String = rest[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            // A `$` not starting a name is text (HK$).
            if !name.is_empty() {
                out.get_mut(id).unwrap().insert(name.clone());
            }
            rest = &rest[i + 1 + name.len()..];
        }
    }
    out
}

#[test]
fn english_and_chinese_have_the_same_messages_with_the_same_variables() {
    let en = messages(EN_FTL);
    let zh = messages(ZH_HANT_FTL);
    let only_en: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
    let only_zh: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(only_en.is_empty(), "missing from zh-Hant.ftl: {only_en:?}");
    assert!(only_zh.is_empty(), "missing from en.ftl: {only_zh:?}");
    for (id, vars) in &en {
        assert_eq!(vars, &zh[id], "{id} has other variables in zh-Hant.ftl");
    }
    for (id, vars) in messages(ZH_HANS_FTL) {
        assert_eq!(
            Some(&vars),
            zh.get(&id),
            "zh-Hans.ftl overrides {id}, which zh-Hant.ftl does not have with these variables"
        );
    }
}

#[test]
fn every_message_formats_cleanly_in_every_language() {
    let c = &*CATALOGUES;
    for (id, vars) in messages(EN_FTL) {
        for count in [0, 1, 2] {
            let mut args = FluentArgs::new();
            for v in &vars {
                args.set(v.clone(), FluentValue::from(count));
            }
            for lang in Lang::ALL {
                let bundles = match lang {
                    Lang::En => vec![&c.en],
                    Lang::ZhHant => vec![&c.zh_hant],
                    Lang::ZhHans => vec![&c.zh_hans, &c.zh_hant],
                };
                let bundle = bundles
                    .into_iter()
                    .find(|b| b.has_message(&id))
                    .unwrap_or_else(|| panic!("{id} is missing in {lang:?}"));
                let pattern = bundle.get_message(&id).unwrap().value().unwrap();
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{id} in {lang:?}: {errors:?}");
                assert!(!text.trim().is_empty(), "{id} in {lang:?} is empty");
                let shown = message(lang, &id, Some(&args));
                assert!(
                    !shown.contains(['\u{2068}', '\u{2069}']),
                    "{id} in {lang:?} has isolation marks: {shown:?}"
                );
            }
        }
    }
}

#[test]
fn english_counts_agree_and_simplified_is_derived() {
    let mut one = FluentArgs::new();
    one.set("count", 1);
    let mut two = FluentArgs::new();
    two.set("count", 2);
    assert_eq!(
        message(Lang::En, "broadcast-queued", Some(&one)),
        "📢 Queued for 1 chat."
    );
    assert_eq!(
        message(Lang::En, "broadcast-queued", Some(&two)),
        "📢 Queued for 2 chats."
    );
    assert_eq!(message(Lang::ZhHans, "help-examples", None), "问题示例");
    assert_eq!(message(Lang::ZhHans, "language-name", None), "简体中文");
}

#[test]
fn every_applicant_kind_has_a_label() {
    let en = messages(EN_FTL);
    for key in crate::text::vocabulary::applicant_keys() {
        assert!(en.contains_key(&format!("applicant-{key}")), "{key}");
    }
}

#[test]
fn every_match_step_has_labels() {
    let en = messages(EN_FTL);
    for key in crate::ui::matching::WHO {
        assert!(en.contains_key(&format!("who-{key}")), "{key}");
    }
    for key in crate::text::vocabulary::need_keys() {
        assert!(en.contains_key(&format!("need-{key}")), "{key}");
    }
}
