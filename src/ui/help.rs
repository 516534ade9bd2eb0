//! Help and small screens: the command menu's descriptions, `/start`, `/help`, `/about`, the
//! language chooser, hints for things the bot cannot read or do (media, no words, an unknown
//! command, a button that expired), and the apology when something failed.
//!
//! The wording is in the catalogues ([`super::i18n`]); this file only arranges it.

use super::action::{Action, CallbackData};
use super::card::{ENQUIRY_EMAIL, ENQUIRY_PHONE, GOVERNMENT_LINE};
use super::i18n::{message, t};
use super::list::browse_button;
use super::reply::{Button, Reply, line};
use crate::corpus::Corpus;
use crate::text::Lang;

fn lang_button(lang: Lang) -> Button {
    Button::action(t!(lang, "button-language"), Action::LangMenu, lang)
}

/// The command menu: `(command, description)` for every command of `commands` (the bot's
/// `MENU`), each described by the catalogue's `menu-<command>`.
#[must_use]
pub fn menu(commands: &[&'static str], lang: Lang) -> Vec<(&'static str, String)> {
    commands
        .iter()
        .map(|&name| (name, message(lang, &format!("menu-{name}"), None)))
        .collect()
}

/// `/start`.
#[must_use]
pub fn welcome(corpus: &Corpus, lang: Lang) -> Reply {
    let count = corpus.schemes.len();
    let lines = [
        line().bold(t!(lang, "welcome-title")),
        line().text(t!(lang, "welcome-intro", count = count)),
        line(),
        line().bold(t!(lang, "welcome-ask")),
        line().text(t!(lang, "welcome-example-1")),
        line().text(t!(lang, "welcome-example-2")),
        line().text(t!(lang, "welcome-example-3")),
        line().text(t!(lang, "welcome-example-4")),
        line(),
        line().text(t!(lang, "welcome-commands")),
    ];
    Reply::from_lines(&lines, vec![vec![browse_button(lang), lang_button(lang)]])
}

/// `/help`; `me` is the bot's username, for the group and inline hints.
#[must_use]
pub fn help(lang: Lang, me: &str) -> Reply {
    let lines = [
        line().bold(t!(lang, "help-title")),
        line().text(t!(lang, "help-intro")),
        line(),
        line().bold(t!(lang, "help-examples")),
        line().text(t!(lang, "help-example-1")),
        line().text(t!(lang, "help-example-2")),
        line().text(t!(lang, "help-example-3")),
        line().text(t!(lang, "help-example-4")),
        line(),
        line().bold(t!(lang, "help-commands")),
        line().text(t!(lang, "help-command-schemes")),
        line().text(t!(lang, "help-command-scheme")),
        line().text(t!(lang, "help-command-funding")),
        line().text(t!(lang, "help-command-lang")),
        line().text(t!(lang, "help-command-about")),
        line(),
        line()
            .bold(t!(lang, "help-groups"))
            .text(t!(lang, "help-groups-how", me = me)),
        line()
            .bold(t!(lang, "help-inline"))
            .text(t!(lang, "help-inline-how", me = me)),
        line(),
        line().italic(t!(lang, "help-disclaimer")),
    ];
    Reply::from_lines(&lines, vec![vec![browse_button(lang)]])
}

/// `/about`: sources, as-of dates, the ITF enquiry contact, 1823 for the rest, and links.
#[must_use]
pub fn about(corpus: &Corpus, lang: Lang) -> Reply {
    let as_of = || corpus.schemes.iter().map(|s| s.as_of.as_str());
    let oldest = as_of().min().unwrap_or("?");
    let newest = as_of().max().unwrap_or("?");
    let lines = [
        line().bold(t!(lang, "about-title")),
        line().text(t!(lang, "about-sources", count = corpus.schemes.len())),
        line(),
        line().bold(t!(lang, "about-as-of")).text(t!(
            lang,
            "about-as-of-text",
            oldest = oldest,
            newest = newest
        )),
        line(),
        line()
            .bold(t!(lang, "about-itf"))
            .text(format!("📞 {ENQUIRY_PHONE} · ✉️ {ENQUIRY_EMAIL}")),
        line().text(t!(lang, "about-other", line = GOVERNMENT_LINE)),
        line()
            .bold(t!(lang, "about-links"))
            .link(t!(lang, "about-link-itf"), t!(lang, "about-link-itf-url"))
            .text(" · ")
            .link(t!(lang, "about-link-itc"), t!(lang, "about-link-itc-url"))
            .text(" · ")
            .link(t!(lang, "about-link-pa"), t!(lang, "about-link-pa-url")),
        line(),
        line()
            .bold(t!(lang, "about-privacy"))
            .text(t!(lang, "about-privacy-text")),
        line(),
        line().italic(t!(lang, "about-unofficial")),
    ];
    Reply::from_lines(&lines, vec![vec![browse_button(lang)]])
}

/// A language's name in that language, or "automatic" in `ui`'s.
fn lang_name(lang: Option<Lang>, ui: Lang) -> String {
    match lang {
        Some(l) => t!(l, "language-name"),
        None => t!(ui, "lang-auto"),
    }
}

/// `/lang`: the chooser, showing the current choice.
#[must_use]
pub fn lang_menu(current: Option<Lang>, lang: Lang) -> Reply {
    let lines = [
        line().bold(t!(lang, "lang-menu-title")),
        line().text(t!(lang, "lang-menu-now", name = lang_name(current, lang))),
    ];
    // The language buttons carry no reply language: the choice is the language.
    let choose = |l: Option<Lang>| Button::Callback {
        text: match l {
            Some(_) => lang_name(l, lang),
            None => t!(lang, "lang-menu-auto"),
        },
        data: CallbackData::new(Action::SetLang(l)),
    };
    let buttons = vec![
        Lang::ALL.into_iter().map(|l| choose(Some(l))).collect(),
        vec![choose(None)],
    ];
    Reply::from_lines(&lines, buttons)
}

/// The confirmation after choosing a language, written in the new language (`lang` when the
/// choice is "automatic"). Short enough for an answerCallbackQuery notice too.
#[must_use]
pub fn lang_chosen(choice: Option<Lang>, lang: Lang) -> String {
    match choice {
        Some(l) => t!(l, "lang-chosen", name = t!(l, "language-name")),
        None => t!(lang, "lang-chosen-auto"),
    }
}

/// The screen that replaces the chooser once a language is chosen.
#[must_use]
pub fn lang_chosen_reply(choice: Option<Lang>, lang: Lang) -> Reply {
    let shown = choice.unwrap_or(lang);
    Reply::from_lines(
        &[line().text(lang_chosen(choice, lang))],
        vec![vec![browse_button(shown)]],
    )
}

/// A one-line screen of message `text` with `buttons`.
fn notice(text: String, buttons: Vec<Vec<Button>>) -> Reply {
    Reply::from_lines(&[line().text(text)], buttons)
}

/// The one reply a flooding chat gets.
#[must_use]
pub fn slow_down(lang: Lang) -> Reply {
    notice(t!(lang, "slow-down"), Vec::new())
}

/// For stickers, photos, voice, locations, documents and the like.
#[must_use]
pub fn media_hint(lang: Lang) -> Reply {
    notice(t!(lang, "media-hint"), vec![vec![browse_button(lang)]])
}

/// For messages without a single letter or digit (emoji, punctuation, blank).
#[must_use]
pub fn words_please(lang: Lang) -> Reply {
    notice(t!(lang, "words-please"), vec![vec![browse_button(lang)]])
}

/// For a command the bot does not have.
#[must_use]
pub fn unknown_command(lang: Lang) -> Reply {
    notice(t!(lang, "unknown-command"), Vec::new())
}

/// `/scheme` without a name.
#[must_use]
pub fn scheme_usage(lang: Lang) -> Reply {
    notice(t!(lang, "scheme-usage"), vec![vec![browse_button(lang)]])
}

/// When handling failed inside the bot.
#[must_use]
pub fn sorry(lang: Lang) -> Reply {
    notice(t!(lang, "sorry"), Vec::new())
}

/// The answerCallbackQuery notice for data the bot no longer understands.
#[must_use]
pub fn expired_button(lang: Lang) -> String {
    t!(lang, "expired-button")
}

/// The answerCallbackQuery notice for a scheme id that is no longer in the corpus.
#[must_use]
pub fn scheme_gone(lang: Lang) -> String {
    t!(lang, "scheme-gone")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Category;
    use crate::store::Topic;
    use crate::ui::{
        MAX_MESSAGE_UNITS, broadcast_done, broadcast_preview, funding, reloaded, subscribed,
    };

    const ALL: [Lang; 3] = [Lang::En, Lang::ZhHant, Lang::ZhHans];

    fn screens(lang: Lang) -> Vec<Reply> {
        vec![
            help(lang, "schemebot"),
            lang_menu(None, lang),
            lang_menu(Some(Lang::ZhHans), lang),
            lang_chosen_reply(Some(Lang::En), lang),
            lang_chosen_reply(None, lang),
            slow_down(lang),
            media_hint(lang),
            words_please(lang),
            unknown_command(lang),
            scheme_usage(lang),
            sorry(lang),
            welcome(&Corpus::default(), lang),
            about(&Corpus::default(), lang),
            funding(&Corpus::default(), lang),
        ]
    }

    #[test]
    fn every_screen_is_valid_for_telegram() {
        for lang in ALL {
            for r in screens(lang) {
                assert!(!r.html.is_empty() && !r.plain.is_empty(), "{r:?}");
                for part in &r.html {
                    assert!(part.encode_utf16().count() <= MAX_MESSAGE_UNITS);
                    // Only the tags this file writes; everything else escaped.
                    let stripped = part
                        .replace("<b>", "")
                        .replace("</b>", "")
                        .replace("<i>", "")
                        .replace("</i>", "")
                        .replace("</a>", "");
                    let stripped = stripped
                        .split("<a href=\"")
                        .map(|s| s.split_once("\">").map_or(s, |(_, rest)| rest))
                        .collect::<String>();
                    assert!(!stripped.contains('<') && !stripped.contains('>'), "{part}");
                }
                for b in r.buttons.iter().flatten() {
                    if let Button::Callback { data, .. } = b {
                        assert_eq!(CallbackData::parse(&data.format()).as_ref(), Some(data));
                    }
                }
            }
        }
    }

    #[test]
    fn simplified_is_derived_from_traditional() {
        let hans = help(Lang::ZhHans, "schemebot").plain;
        assert!(
            hans.contains("使用方法") && hans.contains("问题示例"),
            "{hans}"
        );
        assert!(help(Lang::ZhHant, "schemebot").plain.contains("問題示例"));
        assert!(help(Lang::En, "schemebot").html[0].contains("/scheme &lt;name&gt;"));
    }

    #[test]
    fn english_counts_and_verbs_agree() {
        let corpus = Corpus::default();
        let one = subscribed(&Topic::Scheme("tvp".to_owned()), &corpus, true, Lang::En).plain;
        assert!(one.ends_with("when tvp changes."), "{one}");
        let all = subscribed(&Topic::All, &corpus, true, Lang::En).plain;
        assert!(all.ends_with("when all schemes change."), "{all}");
        let talent = subscribed(&Topic::Category(Category::Talent), &corpus, true, Lang::En).plain;
        assert!(talent.ends_with("when Talent schemes change."), "{talent}");
        assert!(
            broadcast_done(Some(1), Lang::En)
                .plain
                .contains("Queued for 1 chat.")
        );
        assert!(
            broadcast_done(Some(2), Lang::En)
                .plain
                .contains("Queued for 2 chats.")
        );
        assert!(
            broadcast_preview(1, "x", 1, Lang::En)
                .plain
                .contains("to 1 subscribed chat?")
        );
        let r = reloaded(1, 0, 1, Lang::En).plain;
        assert!(r.contains("1 scheme, 0 changed, 1 notice queued"), "{r}");
        let r = reloaded(33, 2, 5, Lang::En).plain;
        assert!(r.contains("33 schemes, 2 changed, 5 notices queued"), "{r}");
    }

    #[test]
    fn callback_notices_fit_answer_callback_query() {
        for lang in ALL {
            for s in [
                expired_button(lang),
                scheme_gone(lang),
                lang_chosen(None, lang),
            ] {
                assert!(s.chars().count() <= 200);
            }
        }
    }
}
