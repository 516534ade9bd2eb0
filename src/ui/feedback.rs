//! The conversation's own screens: the replies to 👍 and 👎, the "what were you looking for?"
//! prompt, and the note above an answer that was also a comment. The wording is in the
//! catalogues ([`super::i18n`]).

use super::action::Action;
use super::i18n::t;
use super::reply::{Button, Reply, escape};
use crate::text::Lang;

/// The toast after 👍 or 👎.
#[must_use]
pub fn thanks_for_feedback(lang: Lang) -> String {
    t!(lang, "feedback-thanks")
}

/// After 👎: what was the person looking for? Optional, with a one-tap skip (`fbx`).
#[must_use]
pub fn what_was_missing(lang: Lang) -> Reply {
    let skip = Button::action(t!(lang, "button-skip"), Action::SkipFeedback, lang);
    Reply::from_text(t!(lang, "feedback-what-was-missing"), vec![vec![skip]])
}

/// In place of the prompt, after Skip.
#[must_use]
pub fn feedback_skipped(lang: Lang) -> Reply {
    Reply::from_text(t!(lang, "feedback-skipped"), Vec::new())
}

/// The line put above the answer to a message that was also the comment on a 👎.
#[must_use]
pub fn comment_noted(lang: Lang) -> String {
    t!(lang, "feedback-comment-noted")
}

/// Puts `note` (in italics) above a reply.
pub fn prepend_note(reply: &mut Reply, note: &str) {
    match reply.html.first_mut() {
        Some(first) => *first = format!("<i>{}</i>\n\n{first}", escape(note)),
        None => reply.html.push(format!("<i>{}</i>", escape(note))),
    }
    reply.plain = format!("{note}\n\n{}", reply.plain);
}
