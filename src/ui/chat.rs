//! Replies to small talk: short, friendly, in the user's language, each with two or three
//! example questions and a way in (browse, or the `/match` steps), never the no-match text.

use super::action::{Action, MatchStep};
use super::i18n::t;
use super::{Button, Para, Reply};
use crate::text::Lang;
use crate::text::chat::SmallTalk;

/// The reply to a greeting, thanks, goodbye, "who are you" or "can you help me".
#[must_use]
pub fn small_talk(kind: SmallTalk, lang: Lang) -> Reply {
    let opening = match kind {
        SmallTalk::Greeting => t!(lang, "smalltalk-greeting"),
        SmallTalk::Thanks => t!(lang, "smalltalk-thanks"),
        SmallTalk::Bye => t!(lang, "smalltalk-bye"),
        SmallTalk::Identity => t!(lang, "smalltalk-identity"),
        SmallTalk::Help => t!(lang, "smalltalk-help"),
    };
    let mut paras = vec![Para::default().text(opening)];
    if kind != SmallTalk::Bye {
        let examples = [
            t!(lang, "smalltalk-example-1"),
            t!(lang, "smalltalk-example-2"),
            t!(lang, "smalltalk-example-3"),
        ];
        paras.push(
            Para::default()
                .bold(t!(lang, "smalltalk-examples"))
                .text(format!("\n{}", examples.join("\n"))),
        );
    }
    let buttons = vec![vec![
        Button::action(t!(lang, "button-browse"), Action::Browse, lang),
        Button::action(
            t!(lang, "button-what-can-i-apply-for"),
            Action::Match(MatchStep::Who),
            lang,
        ),
    ]];
    Reply::from_paras(&paras, buttons)
}
