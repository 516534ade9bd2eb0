//! Replies to small talk: short, friendly, in the user's language, each with two or three
//! example questions and a way in (browse, or the `/match` steps), never the no-match text.

use super::action::{Action, MatchStep};
use super::{Button, Para, Reply, tr};
use crate::text::Lang;
use crate::text::chat::SmallTalk;

/// The reply to a greeting, thanks, goodbye, "who are you" or "can you help me".
#[must_use]
pub fn small_talk(kind: SmallTalk, lang: Lang) -> Reply {
    let opening = match kind {
        SmallTalk::Greeting => tr(
            lang,
            "Hello! 👋 I answer questions about Hong Kong's innovation and technology schemes: funding, talent and industry support.",
            "你好！👋 我解答香港創新科技計劃的問題，包括資助、人才及產業支援。",
        ),
        SmallTalk::Thanks => tr(
            lang,
            "You're welcome! Ask me anything else about a scheme whenever you like.",
            "不用客氣！有其他計劃的問題，隨時再問我。",
        ),
        SmallTalk::Bye => tr(
            lang,
            "Goodbye, and good luck with your application! I'm here whenever you need me.",
            "再見，祝申請順利！有需要隨時再找我。",
        ),
        SmallTalk::Identity => tr(
            lang,
            "I'm schemebot, an automated assistant (not a person, and not a government service). I answer from a fact sheet about Hong Kong's I&T schemes, with the date of each fact and a link to the official page.",
            "我是 schemebot，一個自動回覆的助手（不是真人，亦不是政府服務）。我根據香港創科計劃的資料回答，並註明資料日期及官方網頁連結。",
        ),
        SmallTalk::Help => tr(
            lang,
            "Of course. Tell me what you are looking for, in your own words, or tell me who you are and I'll list what you can apply for.",
            "當然可以。用你自己的話告訴我你想找甚麼，或告訴我你的身份，我會列出你可以申請的計劃。",
        ),
    };
    let mut paras = vec![Para::default().text(opening)];
    if kind != SmallTalk::Bye {
        paras.push(Para::default().bold(tr(lang, "For example:", "例如：")).text(tr(
            lang,
            "\n• My restaurant wants QR ordering: is there funding?\n• Who can apply for TechTAS?\n• Which schemes can I apply for as a student?",
            "\n• 我間餐廳想用QR code點餐，有沒有資助？\n• 誰可以申請科技人才入境計劃？\n• 我是學生，可以申請甚麼計劃？",
        )));
    }
    let buttons = vec![vec![
        Button::action(
            tr(lang, "📚 Browse schemes", "📚 瀏覽計劃"),
            Action::Browse,
            lang,
        ),
        Button::action(
            tr(lang, "🧭 What can I apply for?", "🧭 我可以申請甚麼？"),
            Action::Match(MatchStep::Who),
            lang,
        ),
    ]];
    Reply::from_paras(&paras, buttons)
}
