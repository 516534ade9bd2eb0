//! Help and small screens: the command menu's descriptions, `/start`, `/help`, `/about`, the
//! language chooser, hints for things the bot cannot read or do (media, no words, an unknown
//! command, a button that expired), and the apology when something failed.
//!
//! Each text is written in English and Traditional Chinese; Simplified is derived with
//! [`Lang::script`].

use super::action::{Action, CallbackData};
use super::card::{ENQUIRY_EMAIL, ENQUIRY_PHONE, GOVERNMENT_LINE, plural, tr};
use super::list::browse_button;
use super::reply::{Button, Reply, line};
use crate::corpus::Corpus;
use crate::text::Lang;

fn lang_button(lang: Lang) -> Button {
    Button::action("🌐 Language / 語言".to_owned(), Action::LangMenu, lang)
}

/// The command menu: `(command, description)` for every command of `commands` (the bot's
/// `MENU`).
#[must_use]
pub fn menu(commands: &[&'static str], lang: Lang) -> Vec<(&'static str, String)> {
    commands
        .iter()
        .map(|&name| {
            let (en, zh) = match name {
                "start" => ("Welcome and example questions", "歡迎及問題示例"),
                "help" => ("What to ask, with examples", "使用說明及問題示例"),
                "schemes" => ("Browse schemes by category", "按類別瀏覽計劃"),
                "scheme" => (
                    "One scheme by name, e.g. /scheme tvp",
                    "查看單一計劃，例如 /scheme tvp",
                ),
                "funding" => ("Schemes by money, largest first", "按資助金額排列計劃"),
                "match" => ("What can I apply for?", "我可以申請甚麼？"),
                "lang" => (
                    "Reply language: English / 繁體 / 简体",
                    "回覆語言：English / 繁體 / 简体",
                ),
                "about" => (
                    "Where the facts come from, dates, contacts",
                    "資料來源、日期及聯絡方法",
                ),
                "subscribe" => ("Get a message when a scheme changes", "計劃有更新時通知我"),
                "unsubscribe" => ("Stop updates", "取消訂閱"),
                "subscriptions" => ("What you follow", "我的訂閱"),
                _ => (name, name),
            };
            (name, tr(lang, en, zh))
        })
        .collect()
}

/// `/start`.
#[must_use]
pub fn welcome(corpus: &Corpus, lang: Lang) -> Reply {
    let n = corpus.schemes.len();
    let lines = match lang {
        Lang::En => vec![
            line().bold("👋 Hi! I answer questions about Hong Kong innovation and technology (I&T) schemes."),
            line().text(format!(
                "I know {} — funding, start-up support, talent, research and more — from official sources (ITC, ITF, HKSTP, Cyberport and others).",
                plural(n, "scheme", "schemes")
            )),
            line(),
            line().bold("Ask me in English or Chinese, for example:"),
            line().text("• How much can a company get from the Technology Voucher Programme?"),
            line().text("• Who can apply for TechTAS?"),
            line().text("• 科技人才入境計劃如何申請？"),
            line().text("• List talent schemes"),
            line(),
            line().text("/schemes browse · /funding by money · /lang language · /help more"),
        ],
        _ => {
            let z = |s: &str| lang.script(s);
            vec![
                line().bold(z("👋 你好！我可以解答香港創新科技（創科）計劃的問題。")),
                line().text(z(&format!(
                    "我認識{n}個計劃，包括資助、初創支援、人才及科研等，資料來自官方來源（創新科技署、創新及科技基金、科技園、數碼港等）。"
                ))),
                line(),
                line().bold(z("用中文或英文問我都可以，例如：")),
                line().text(z("• 科技券最多資助多少？")),
                line().text(z("• 誰可以申請科技人才入境計劃？")),
                line().text(z("• 有哪些人才計劃？")),
                line().text("• How do I apply for TechTAS?"),
                line(),
                line().text(z("/schemes 瀏覽 · /funding 按金額 · /lang 語言 · /help 說明")),
            ]
        }
    };
    Reply::from_lines(&lines, vec![vec![browse_button(lang), lang_button(lang)]])
}

/// `/help`; `me` is the bot's username, for the group and inline hints.
#[must_use]
pub fn help(lang: Lang, me: &str) -> Reply {
    let lines = match lang {
        Lang::En => vec![
            line().bold("How to use me"),
            line().text("Ask a question in your own words, in English, 繁體 or 简体. I reply with the scheme that fits best and up to two more you may mean."),
            line(),
            line().bold("Examples"),
            line().text("• Who can apply for TechTAS?"),
            line().text("• What is the most RAISe+ can fund?"),
            line().text("• Schemes for start-ups"),
            line().text("• 科技券如何申請？"),
            line(),
            line().bold("Commands"),
            line().text("/schemes — browse schemes by category"),
            line().text("/scheme <name> — one scheme, e.g. /scheme techtas"),
            line().text("/funding — schemes by money, largest first"),
            line().text("/lang — reply in English, 繁體 or 简体"),
            line().text("/about — where the facts come from"),
            line(),
            line().bold("In groups").text(format!(" mention me (@{me}) or reply to my message.")),
            line().bold("In any chat").text(format!(" type @{me} and a question to share a scheme card.")),
            line(),
            line().italic("I am not a government service. Always check the official page before applying."),
        ],
        _ => {
            let z = |s: &str| lang.script(s);
            vec![
                line().bold(z("使用方法")),
                line().text(z("用你自己的說法發問，中文（繁體或简体）或英文都可以。我會回覆最相關的計劃，並列出最多兩個你可能想查詢的計劃。")),
                line(),
                line().bold(z("問題示例")),
                line().text(z("• 誰可以申請科技人才入境計劃？")),
                line().text(z("• 產學研1+計劃最多資助多少？")),
                line().text(z("• 有哪些初創資助？")),
                line().text("• How do I apply for TVP?"),
                line(),
                line().bold(z("指令")),
                line().text(z("/schemes — 按類別瀏覽計劃")),
                line().text(z("/scheme <名稱> — 查看單一計劃，例如 /scheme 科技券")),
                line().text(z("/funding — 按資助金額由大至小排列")),
                line().text(z("/lang — 選擇回覆語言：English、繁體或简体")),
                line().text(z("/about — 資料來源")),
                line(),
                line().bold(z("在群組中")).text(z(&format!("請提及我（@{me}）或回覆我的訊息。"))),
                line().bold(z("在任何對話中")).text(z(&format!("輸入 @{me} 加問題，即可分享計劃資料。"))),
                line(),
                line().italic(z("我不是政府服務。申請前請先查閱官方網頁。")),
            ]
        }
    };
    Reply::from_lines(&lines, vec![vec![browse_button(lang)]])
}

/// `/about`: sources, as-of dates, the ITF enquiry contact, 1823 for the rest, and links.
#[must_use]
pub fn about(corpus: &Corpus, lang: Lang) -> Reply {
    let n = corpus.schemes.len();
    let oldest = corpus
        .schemes
        .iter()
        .map(|s| s.as_of.as_str())
        .min()
        .unwrap_or("?");
    let newest = corpus
        .schemes
        .iter()
        .map(|s| s.as_of.as_str())
        .max()
        .unwrap_or("?");
    let (pa_url, itf_url, itc_url) = match lang {
        Lang::En => (
            "https://www.policyaddress.gov.hk/2024/en/p78.html",
            "https://www.itf.gov.hk/en/",
            "https://www.itc.gov.hk/en/",
        ),
        _ => (
            "https://www.policyaddress.gov.hk/2024/tc/p78.html",
            "https://www.itf.gov.hk/tc/",
            "https://www.itc.gov.hk/tc/",
        ),
    };
    let lines = match lang {
        Lang::En => vec![
            line().bold("About this bot"),
            line().text(format!(
                "Facts on {}, in our own words, from official sources: the 2024 Policy Address, the Innovation and Technology Commission (ITC) and Innovation and Technology Fund (ITF) websites, HKSTP, Cyberport, the Immigration Department, the UGC, the Digital Policy Office and government press releases.",
                plural(n, "Hong Kong I&T scheme", "Hong Kong I&T schemes")
            )),
            line(),
            line().bold("As of: ").text(format!(
                "every scheme card says when its facts were last checked; across all schemes that is between {oldest} and {newest}. Figures are in Hong Kong dollars. Schemes change, so always check the official page before applying."
            )),
            line(),
            line().bold("ITF enquiries: ").text(format!("📞 {ENQUIRY_PHONE} · ✉️ {ENQUIRY_EMAIL}")),
            line().text(format!("Other schemes: each card says whom to ask; the Government's enquiry line is {GOVERNMENT_LINE}.")),
            line()
                .bold("Links: ")
                .link("Innovation and Technology Fund", itf_url)
                .text(" · ")
                .link("Innovation and Technology Commission", itc_url)
                .text(" · ")
                .link("2024 Policy Address", pa_url),
            line(),
            line().bold("Privacy: ").text("to understand follow-ups (\"how much?\"), I remember your last question and the scheme it was about for 30 minutes. Questions I could not answer, and answers marked 👎, are kept for 90 days without any user or chat id, so the team can fill the gaps."),
            line(),
            line().italic("An unofficial assistant, not a government service."),
        ],
        _ => {
            let z = |s: &str| lang.script(s);
            vec![
                line().bold(z("關於本機械人")),
                line().text(z(&format!(
                    "收錄{n}個香港創科計劃的資料，以我們自己的文字整理自官方來源：2024年施政報告、創新科技署及創新及科技基金網站、香港科技園公司、數碼港、入境事務處、大學教育資助委員會、數字政策辦公室及政府新聞公報。"
                ))),
                line(),
                line().bold(z("資料日期：")).text(z(&format!(
                    "每個計劃都註明資料最後核對的日期；所有計劃的核對日期介乎{oldest}至{newest}。金額以港幣計算。計劃會有變動，申請前請先查閱官方網頁。"
                ))),
                line(),
                line().bold(z("創新及科技基金查詢：")).text(format!("📞 {ENQUIRY_PHONE} · ✉️ {ENQUIRY_EMAIL}")),
                line().text(z(&format!("其他計劃：每個計劃都列明查詢方法；政府熱線為{GOVERNMENT_LINE}。"))),
                line()
                    .bold(z("連結："))
                    .link(z("創新及科技基金"), itf_url)
                    .text(" · ")
                    .link(z("創新科技署"), itc_url)
                    .text(" · ")
                    .link(z("2024年施政報告"), pa_url),
                line(),
                line().bold(z("私隱：")).text(z("為了理解追問（例如「多少錢？」），我會記住你上一個問題及相關計劃30分鐘。我未能解答的問題，以及被標記為👎的回覆，會在不保留任何用戶或對話編號的情況下保存90日，讓團隊補充資料。")),
                line(),
                line().italic(z("非官方助手，並非政府服務。")),
            ]
        }
    };
    Reply::from_lines(&lines, vec![vec![browse_button(lang)]])
}

fn lang_name(lang: Option<Lang>, ui: Lang) -> String {
    match lang {
        Some(Lang::En) => "English".to_owned(),
        Some(Lang::ZhHant) => "繁體中文".to_owned(),
        Some(Lang::ZhHans) => "简体中文".to_owned(),
        None => tr(
            ui,
            "automatic (the language of each question)",
            "自動（跟隨每個問題的語言）",
        ),
    }
}

/// `/lang`: the chooser, showing the current choice.
#[must_use]
pub fn lang_menu(current: Option<Lang>, lang: Lang) -> Reply {
    let lines = [
        line().bold(tr(lang, "🌐 Reply language", "🌐 回覆語言")),
        line()
            .text(tr(lang, "Now: ", "目前："))
            .text(lang_name(current, lang)),
    ];
    let choose = |l: Option<Lang>, text: String| Button::Callback {
        text,
        data: CallbackData::new(Action::SetLang(l)),
    };
    let buttons = vec![
        vec![
            choose(Some(Lang::En), "English".to_owned()),
            choose(Some(Lang::ZhHant), "繁體中文".to_owned()),
            choose(Some(Lang::ZhHans), "简体中文".to_owned()),
        ],
        vec![choose(None, tr(lang, "🔄 Automatic", "🔄 自動"))],
    ];
    Reply::from_lines(&lines, buttons)
}

/// The confirmation after choosing a language, written in the new language (`lang` when the
/// choice is "automatic"). Short enough for an answerCallbackQuery notice too.
#[must_use]
pub fn lang_chosen(choice: Option<Lang>, lang: Lang) -> String {
    match choice {
        Some(Lang::En) => "✅ I will reply in English.".to_owned(),
        Some(Lang::ZhHant) => "✅ 我會用繁體中文回覆。".to_owned(),
        Some(Lang::ZhHans) => "✅ 我会用简体中文回复。".to_owned(),
        None => tr(
            lang,
            "✅ I will reply in the language of each question.",
            "✅ 我會按每個問題的語言回覆。",
        ),
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

/// The one reply a flooding chat gets.
#[must_use]
pub fn slow_down(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "🐢 You are sending messages very fast. Please wait a few seconds, then ask again.",
        "🐢 你發訊息太快了，請等幾秒再問。",
    );
    Reply::from_lines(&[line().text(&text)], Vec::new())
}

/// For stickers, photos, voice, locations, documents and the like.
#[must_use]
pub fn media_hint(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "I can only read text. Please type your question, e.g. “Who can apply for the Technology Voucher Programme?”",
        "我只看得懂文字。請直接打字發問，例如「誰可以申請科技券？」",
    );
    Reply::from_lines(&[line().text(&text)], vec![vec![browse_button(lang)]])
}

/// For messages without a single letter or digit (emoji, punctuation, blank).
#[must_use]
pub fn words_please(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "Please ask your question in words, e.g. “How much does TVP give?”, or browse the schemes.",
        "請用文字發問，例如「科技券最多資助多少？」，或瀏覽所有計劃。",
    );
    Reply::from_lines(&[line().text(&text)], vec![vec![browse_button(lang)]])
}

/// For a command the bot does not have.
#[must_use]
pub fn unknown_command(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "I don't know that command. Try /help, or just ask a question.",
        "我不認識這個指令。試試 /help，或直接發問。",
    );
    Reply::from_lines(&[line().text(&text)], Vec::new())
}

/// `/scheme` without a name.
#[must_use]
pub fn scheme_usage(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "Send /scheme and a scheme's name or short name, e.g. /scheme techtas or /scheme 科技券. Or browse:",
        "請在 /scheme 後輸入計劃名稱或簡稱，例如 /scheme techtas 或 /scheme 科技券。或按下面瀏覽：",
    );
    Reply::from_lines(&[line().text(&text)], vec![vec![browse_button(lang)]])
}

/// When handling failed inside the bot.
#[must_use]
pub fn sorry(lang: Lang) -> Reply {
    Reply::from_lines(
        &[line().text(tr(
            lang,
            "Sorry, something went wrong on my side. Please try again.",
            "抱歉，系統出了點問題，請再試一次。",
        ))],
        Vec::new(),
    )
}

/// The answerCallbackQuery notice for data the bot no longer understands.
#[must_use]
pub fn expired_button(lang: Lang) -> String {
    tr(
        lang,
        "This button has expired. Send /schemes to browse again.",
        "這個按鈕已失效，請發送 /schemes 重新瀏覽。",
    )
}

/// The answerCallbackQuery notice for a scheme id that is no longer in the corpus.
#[must_use]
pub fn scheme_gone(lang: Lang) -> String {
    tr(
        lang,
        "That scheme is no longer listed. Send /schemes to browse.",
        "找不到這個計劃，請發送 /schemes 重新瀏覽。",
    )
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
