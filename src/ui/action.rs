//! Callback data: what an inline button sends back when pressed, as a small versionless text
//! format that fits Telegram's 64-byte limit and names things by id, never by title.
//!
//! Grammar (`;<lang>` is optional and names the language the button's message was written in,
//! so the next screen keeps it):
//!
//! | data                | action                                        |
//! |---------------------|-----------------------------------------------|
//! | `s:<id>`            | show a scheme's card (also written by render) |
//! | `cat`               | the category menu (also written by render)    |
//! | `cat:<key>`         | one category's schemes                        |
//! | `lang`              | the language chooser                          |
//! | `lang:<code>`       | choose `en`, `zh-hant` or `zh-hans`           |
//! | `lang:auto`         | forget the choice (follow each question)      |
//! | `sub`               | the subscribe menu                            |
//! | `sub:<topic>`       | subscribe (`all`, `cat:<key>`, `s:<id>`)      |
//! | `un:<topic>`        | unsubscribe from one topic                    |
//! | `unall`             | unsubscribe from everything                   |
//! | `subs`              | the chat's subscriptions (as a new message)   |
//! | `bc:<id>` `bcx:<id>`| send / cancel an admin broadcast              |
//! | `sec:<id>:<section>`| a section of a scheme's short answer, in place (render) |
//! | `fb:up:<id>` `fb:down:<id>` | 👍 / 👎 on an answer about a scheme (render) |
//! | `fbx`               | skip saying what was missing after a 👎       |
//! | `m`                 | `/match` step one: who are you (render)       |
//! | `m:<applicant>`     | step two: what do you need (render)           |
//! | `m:<applicant>:<need>` `m:<applicant>:*` | the ranked result (render) |
//!
//! Anything else, including data from an older version of the bot, parses to `None`; the
//! handler answers it with a short "this button has expired" notice.

use super::{MAX_CALLBACK_BYTES, Section};
use crate::corpus::{Category, SchemeId};
use crate::store::Topic;
use crate::text::Lang;

/// The longest scheme id accepted in callback data; corpus ids are far shorter.
const MAX_ID_BYTES: usize = 48;

/// What a button asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `s:<id>`: a scheme's card.
    Scheme(SchemeId),
    /// `cat`: the category menu.
    Browse,
    /// `cat:<key>`: the schemes of one category.
    Category(Category),
    /// `lang`: the language chooser.
    LangMenu,
    /// `lang:<code>` (`None`: `lang:auto`).
    SetLang(Option<Lang>),
    /// `sub`: the subscribe menu.
    SubscribeMenu,
    /// `sub:<topic>`.
    Subscribe(Topic),
    /// `un:<topic>`.
    Unsubscribe(Topic),
    /// `unall`.
    UnsubscribeAll,
    /// `subs`: the subscriptions list.
    Subscriptions,
    /// `bc:<id>`: send a broadcast awaiting confirmation.
    BroadcastSend(i64),
    /// `bcx:<id>`: discard it.
    BroadcastCancel(i64),
    /// `sec:<id>:<section>`: one section of a scheme's short answer.
    Section(SchemeId, Section),
    /// `fb:up:<id>` (`true`) or `fb:down:<id>` (`false`).
    Feedback(SchemeId, bool),
    /// `fbx`: no comment after a 👎.
    SkipFeedback,
    /// `m`, `m:<applicant>`, `m:<applicant>:<need>` / `m:<applicant>:*`.
    Match(MatchStep),
}

/// A step of the `/match` flow; applicant and need keys are those of
/// `text/data/vocabulary.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatchStep {
    /// Who are you?
    Who,
    /// What do you need, for this applicant kind?
    Need(&'static str),
    /// The result for an applicant kind and a need (`None`: anything).
    Result(&'static str, Option<&'static str>),
}

impl MatchStep {
    /// Step two for an applicant kind of the vocabulary; `None` for any other key.
    #[must_use]
    pub fn need(applicant_key: &str) -> Option<MatchStep> {
        Some(MatchStep::Need(applicant(applicant_key)?))
    }

    /// The result for an applicant kind and a need (`None`: anything) of the vocabulary; `None`
    /// for keys it does not have.
    #[must_use]
    pub fn result(applicant_key: &str, need_key: Option<&str>) -> Option<MatchStep> {
        let need_key = match need_key {
            Some(k) => Some(need(k)?),
            None => None,
        };
        Some(MatchStep::Result(applicant(applicant_key)?, need_key))
    }
}

/// Parsed callback data: an action and, optionally, the language to answer in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackData {
    pub action: Action,
    pub lang: Option<Lang>,
}

impl CallbackData {
    #[must_use]
    pub fn new(action: Action) -> CallbackData {
        CallbackData { action, lang: None }
    }

    #[must_use]
    pub fn in_lang(mut self, lang: Lang) -> CallbackData {
        self.lang = Some(lang);
        self
    }

    /// Parses data as written by [`CallbackData::format`]; `None` for anything unknown.
    #[must_use]
    pub fn parse(data: &str) -> Option<CallbackData> {
        if data.is_empty() || data.len() > MAX_CALLBACK_BYTES {
            return None;
        }
        let (body, lang) = match data.split_once(';') {
            Some((body, code)) => (body, Some(canonical_lang(code)?)),
            None => (data, None),
        };
        let action = match body.split_once(':') {
            None if body == "cat" => Action::Browse,
            None if body == "lang" => Action::LangMenu,
            None if body == "sub" => Action::SubscribeMenu,
            None if body == "subs" => Action::Subscriptions,
            None if body == "unall" => Action::UnsubscribeAll,
            None if body == "fbx" => Action::SkipFeedback,
            None if body == "m" => Action::Match(MatchStep::Who),
            None => return None,
            Some(("sub", topic)) => Action::Subscribe(valid_topic(topic)?),
            Some(("un", topic)) => Action::Unsubscribe(valid_topic(topic)?),
            Some(("bc", id)) => Action::BroadcastSend(id.parse().ok().filter(|&n: &i64| n > 0)?),
            Some(("bcx", id)) => Action::BroadcastCancel(id.parse().ok().filter(|&n: &i64| n > 0)?),
            Some(("s", id)) if is_id(id) => Action::Scheme(id.to_owned()),
            Some(("cat", key)) => Action::Category(Category::from_key(key)?),
            Some(("sec", rest)) => {
                let (id, key) = rest.split_once(':')?;
                if !is_id(id) {
                    return None;
                }
                Action::Section(id.to_owned(), Section::from_key(key)?)
            }
            Some(("fb", rest)) => match rest.split_once(':')? {
                ("up", id) if is_id(id) => Action::Feedback(id.to_owned(), true),
                ("down", id) if is_id(id) => Action::Feedback(id.to_owned(), false),
                _ => return None,
            },
            Some(("m", rest)) => Action::Match(match rest.split_once(':') {
                None => MatchStep::Need(applicant(rest)?),
                Some((who, "*")) => MatchStep::Result(applicant(who)?, None),
                Some((who, need_key)) => MatchStep::Result(applicant(who)?, Some(need(need_key)?)),
            }),
            Some(("lang", "auto")) => Action::SetLang(None),
            Some(("lang", code)) => Action::SetLang(Some(canonical_lang(code)?)),
            Some(_) => return None,
        };
        Some(CallbackData { action, lang })
    }

    /// The wire form; always within [`MAX_CALLBACK_BYTES`] for ids [`CallbackData::parse`]
    /// accepts.
    #[must_use]
    pub fn format(&self) -> String {
        let mut out = match &self.action {
            Action::Scheme(id) => format!("s:{id}"),
            Action::Browse => "cat".to_owned(),
            Action::Category(c) => format!("cat:{}", c.key()),
            Action::LangMenu => "lang".to_owned(),
            Action::SetLang(None) => "lang:auto".to_owned(),
            Action::SetLang(Some(l)) => format!("lang:{}", l.code()),
            Action::SubscribeMenu => "sub".to_owned(),
            Action::Subscribe(t) => format!("sub:{}", t.key()),
            Action::Unsubscribe(t) => format!("un:{}", t.key()),
            Action::UnsubscribeAll => "unall".to_owned(),
            Action::Subscriptions => "subs".to_owned(),
            Action::BroadcastSend(id) => format!("bc:{id}"),
            Action::BroadcastCancel(id) => format!("bcx:{id}"),
            Action::Section(id, section) => format!("sec:{id}:{}", section.key()),
            Action::Feedback(id, true) => format!("fb:up:{id}"),
            Action::Feedback(id, false) => format!("fb:down:{id}"),
            Action::SkipFeedback => "fbx".to_owned(),
            Action::Match(MatchStep::Who) => "m".to_owned(),
            Action::Match(MatchStep::Need(a)) => format!("m:{a}"),
            Action::Match(MatchStep::Result(a, None)) => format!("m:{a}:*"),
            Action::Match(MatchStep::Result(a, Some(n))) => format!("m:{a}:{n}"),
        };
        if let Some(lang) = self.lang {
            out.push(';');
            out.push_str(lang.code());
        }
        out
    }
}

/// Adds the reply language to callback data written without one (render writes `s:<id>` and
/// `cat`), so pressing the button answers in the language of the message it sits under. Data
/// that does not parse is returned unchanged.
#[must_use]
pub fn with_lang(data: &str, lang: Lang) -> String {
    match CallbackData::parse(data) {
        Some(d) if d.lang.is_none() && !matches!(d.action, Action::SetLang(_)) => {
            d.in_lang(lang).format()
        }
        _ => data.to_owned(),
    }
}

/// The wire form, as [`CallbackData::format`] writes it.
impl std::fmt::Display for CallbackData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.format())
    }
}

/// A topic key whose scheme id (if any) is well formed.
fn valid_topic(key: &str) -> Option<Topic> {
    let topic = Topic::parse(key)?;
    match &topic {
        Topic::Scheme(id) if !is_id(id) => None,
        _ => Some(topic),
    }
}

/// An applicant key of the vocabulary, as the `'static` string the vocabulary holds.
fn applicant(key: &str) -> Option<&'static str> {
    crate::text::vocabulary::applicant_keys()
        .into_iter()
        .find(|k| *k == key)
}

/// A need key of the vocabulary.
fn need(key: &str) -> Option<&'static str> {
    crate::text::vocabulary::need_keys()
        .into_iter()
        .find(|k| *k == key)
}

fn canonical_lang(code: &str) -> Option<Lang> {
    Lang::from_code(code).filter(|l| l.code() == code)
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_BYTES
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(data: &str, expected: Option<CallbackData>) {
        assert_eq!(CallbackData::parse(data), expected, "parsing {data:?}");
        if let Some(d) = expected {
            assert_eq!(d.format(), data, "formatting {d:?}");
        }
    }

    #[test]
    fn every_action_round_trips() {
        let d = CallbackData::new;
        check("s:techtas", Some(d(Action::Scheme("techtas".to_owned()))));
        check(
            "s:raise-plus;zh-hans",
            Some(d(Action::Scheme("raise-plus".to_owned())).in_lang(Lang::ZhHans)),
        );
        check("cat", Some(d(Action::Browse)));
        check("cat;zh-hant", Some(d(Action::Browse).in_lang(Lang::ZhHant)));
        check("cat:talent", Some(d(Action::Category(Category::Talent))));
        check(
            "cat:infrastructure;en",
            Some(d(Action::Category(Category::Infrastructure)).in_lang(Lang::En)),
        );
        check("lang", Some(d(Action::LangMenu)));
        check("lang:en", Some(d(Action::SetLang(Some(Lang::En)))));
        check("lang:zh-hant", Some(d(Action::SetLang(Some(Lang::ZhHant)))));
        check("lang:zh-hans", Some(d(Action::SetLang(Some(Lang::ZhHans)))));
        check("lang:auto", Some(d(Action::SetLang(None))));
        check("sub", Some(d(Action::SubscribeMenu)));
        check("sub:all", Some(d(Action::Subscribe(Topic::All))));
        check(
            "sub:cat:talent;zh-hant",
            Some(d(Action::Subscribe(Topic::Category(Category::Talent))).in_lang(Lang::ZhHant)),
        );
        check(
            "un:s:techtas",
            Some(d(Action::Unsubscribe(Topic::Scheme("techtas".to_owned())))),
        );
        check("unall", Some(d(Action::UnsubscribeAll)));
        check("subs", Some(d(Action::Subscriptions)));
        check("bc:12", Some(d(Action::BroadcastSend(12))));
        check("bcx:12", Some(d(Action::BroadcastCancel(12))));
        check(
            "sec:tvp:money;zh-hant",
            Some(d(Action::Section("tvp".to_owned(), Section::Money)).in_lang(Lang::ZhHant)),
        );
        check(
            "fb:up:tvp",
            Some(d(Action::Feedback("tvp".to_owned(), true))),
        );
        check(
            "fb:down:tvp",
            Some(d(Action::Feedback("tvp".to_owned(), false))),
        );
        check("fbx", Some(d(Action::SkipFeedback)));
        check("m", Some(d(Action::Match(MatchStep::Who))));
        check(
            "m:student",
            Some(d(Action::Match(MatchStep::Need("student")))),
        );
        check(
            "m:student:*;en",
            Some(d(Action::Match(MatchStep::Result("student", None))).in_lang(Lang::En)),
        );
        check(
            "m:sme:digitalisation",
            Some(d(Action::Match(MatchStep::Result(
                "sme",
                Some("digitalisation"),
            )))),
        );
        for bad in [
            "sec:tvp",
            "sec:tvp:nope",
            "sec:TVP:money",
            "fb:meh:tvp",
            "m:alien",
            "m:sme:spaceships",
        ] {
            check(bad, None);
        }
    }

    #[test]
    fn unknown_or_stale_data_is_rejected() {
        for bad in [
            "",
            "s",
            "s:",
            "s:TechTAS",
            "s:tech tas",
            "s:科技",
            "cat:",
            "cat:money",
            "lang:fr",
            "lang:zh",
            "lang:zh-HANS",
            "s:techtas;",
            "s:techtas;xx",
            "sub:techtas",
            "sub:s:TechTAS",
            "un:cat:money",
            "bc:0",
            "bc:x",
            "x:y:z",
            ":",
            ";en",
        ] {
            assert_eq!(CallbackData::parse(bad), None, "{bad:?} should not parse");
        }
        let long_id = format!("s:{}", "a".repeat(MAX_ID_BYTES + 1));
        assert_eq!(CallbackData::parse(&long_id), None);
        assert_eq!(CallbackData::parse(&"s".repeat(65)), None);
    }

    #[test]
    fn the_longest_data_fits_telegrams_limit() {
        let all_categories =
            Category::ALL.map(|c| CallbackData::new(Action::Category(c)).in_lang(Lang::ZhHans));
        let longest_scheme =
            CallbackData::new(Action::Scheme("a".repeat(MAX_ID_BYTES))).in_lang(Lang::ZhHant);
        for d in all_categories.iter().chain([&longest_scheme]) {
            let wire = d.format();
            assert!(
                wire.len() <= MAX_CALLBACK_BYTES,
                "{wire} is {} bytes",
                wire.len()
            );
            assert_eq!(CallbackData::parse(&wire).as_ref(), Some(d));
        }
    }

    #[test]
    fn render_buttons_get_the_reply_language() {
        assert_eq!(with_lang("s:tvp", Lang::ZhHant), "s:tvp;zh-hant");
        assert_eq!(with_lang("cat", Lang::En), "cat;en");
        assert_eq!(with_lang("s:tvp;en", Lang::ZhHant), "s:tvp;en");
        assert_eq!(with_lang("lang:en", Lang::ZhHant), "lang:en");
        assert_eq!(with_lang("mystery", Lang::En), "mystery");
    }
}
