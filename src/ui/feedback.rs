//! The wording of the conversation's own screens: the replies to 👍 and 👎, the "what were you
//! looking for?" prompt. (The admins' `/gaps` report is in `texts`, with the other admin
//! screens. Short
//! answers, compare cards, `/match` and small talk are rendered by [`crate::ui`], which the
//! command line shares.)

use super::reply::{Button, Reply, escape};
use crate::text::Lang;

use super::action::Action;
use super::card::tr;

/// The toast after 👍 or 👎.
#[must_use]
pub fn thanks_for_feedback(lang: Lang) -> String {
    tr(lang, "Thanks for the feedback!", "多謝你的意見！")
}

/// After 👎: what was the person looking for? Optional, with a one-tap skip (`fbx`).
#[must_use]
pub fn what_was_missing(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "Sorry that didn't help. What were you looking for? Type it in a few words, or tap Skip.",
        "抱歉未能幫上忙。你想找甚麼？請用幾個字告訴我，或按「略過」。",
    );
    let skip = Button::action(tr(lang, "Skip", "略過"), Action::SkipFeedback, lang);
    Reply::from_text(text, vec![vec![skip]])
}

/// In place of the prompt, after Skip.
#[must_use]
pub fn feedback_skipped(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "No problem. Ask me anything else about a scheme whenever you like.",
        "沒問題。有其他計劃的問題，隨時再問我。",
    );
    Reply::from_text(text, Vec::new())
}

/// The line put above the answer to a message that was also the comment on a 👎.
#[must_use]
pub fn comment_noted(lang: Lang) -> String {
    tr(
        lang,
        "Thanks, noted for the team. Here is what I found:",
        "多謝，已轉告團隊。以下是我找到的資料：",
    )
}

/// Puts `note` (in italics) above a reply.
pub fn prepend_note(reply: &mut Reply, note: &str) {
    match reply.html.first_mut() {
        Some(first) => *first = format!("<i>{}</i>\n\n{first}", escape(note)),
        None => reply.html.push(format!("<i>{}</i>", escape(note))),
    }
    reply.plain = format!("{note}\n\n{}", reply.plain);
}
