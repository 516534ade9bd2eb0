//! Bot-only wording and screens: welcome, help, about, the language chooser, browsing screens,
//! the funding list, hints for things the bot cannot read, and short notices. Everything scheme
//! specific comes from [`crate::ui`]; this file adds what only the Telegram front end says.
//!
//! Pure (no IO, no teloxide). Each text is written in English and Traditional Chinese; Simplified
//! is derived with [`Lang::script`]. Every piece of text is escaped for Telegram HTML, and every
//! screen is a [`Reply`] split within Telegram's length limit, so the handlers treat answers and
//! bot screens alike.

use super::card::{
    Button, ENQUIRY_EMAIL, ENQUIRY_PHONE, GOVERNMENT_LINE, MAX_MESSAGE_UNITS, Reply,
    category_label, display_name, escape, hkd, list, plural, scheme_reply, tr,
};
use crate::corpus::{Category, Corpus, Money, Scheme, Status};
use crate::store::{Stats, Topic};
use crate::text::Lang;

use super::action::{Action, CallbackData, with_lang};

/// One line of a screen: its HTML, its plain text and how many units Telegram counts.
#[derive(Clone, Debug, Default)]
struct Line {
    html: String,
    plain: String,
    units: usize,
}

fn line() -> Line {
    Line::default()
}

impl Line {
    fn push(mut self, html: String, plain: &str, visible: &str) -> Line {
        self.html.push_str(&html);
        self.plain.push_str(plain);
        self.units += visible.encode_utf16().count();
        self
    }
    fn t(self, s: &str) -> Line {
        self.push(escape(s), s, s)
    }
    fn b(self, s: &str) -> Line {
        self.push(format!("<b>{}</b>", escape(s)), s, s)
    }
    fn i(self, s: &str) -> Line {
        self.push(format!("<i>{}</i>", escape(s)), s, s)
    }
    fn a(self, text: &str, url: &str) -> Line {
        self.push(
            format!("<a href=\"{}\">{}</a>", escape(url), escape(text)),
            &format!("{text} ({url})"),
            text,
        )
    }
}

/// Packs lines into messages within [`MAX_MESSAGE_UNITS`], breaking only between lines.
fn pack(lines: &[Line]) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut cur, mut cur_units) = (String::new(), 0usize);
    let mut flush = |cur: &mut String, cur_units: &mut usize| {
        let part = cur.trim_matches('\n');
        if !part.is_empty() {
            parts.push(part.to_owned());
        }
        cur.clear();
        *cur_units = 0;
    };
    for l in lines {
        if l.units > MAX_MESSAGE_UNITS {
            // No screen has such a line; should one appear, send it as escaped plain pieces.
            flush(&mut cur, &mut cur_units);
            let mut piece = String::new();
            for c in l.plain.chars() {
                if cur_units + c.len_utf16() > MAX_MESSAGE_UNITS {
                    cur = escape(&std::mem::take(&mut piece));
                    flush(&mut cur, &mut cur_units);
                }
                piece.push(c);
                cur_units += c.len_utf16();
            }
            cur = escape(&piece);
            flush(&mut cur, &mut cur_units);
            continue;
        }
        if !cur.is_empty() && cur_units + 1 + l.units > MAX_MESSAGE_UNITS {
            flush(&mut cur, &mut cur_units);
        }
        if !cur.is_empty() {
            cur.push('\n');
            cur_units += 1;
        }
        cur.push_str(&l.html);
        cur_units += l.units;
    }
    flush(&mut cur, &mut cur_units);
    parts
}

fn reply(lines: &[Line], buttons: Vec<Vec<Button>>) -> Reply {
    let plain = lines
        .iter()
        .map(|l| l.plain.as_str())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned();
    Reply {
        html: pack(lines),
        plain,
        buttons,
    }
}

fn callback(text: String, action: Action, lang: Lang) -> Button {
    Button::Callback {
        text,
        data: CallbackData::new(action).in_lang(lang).format(),
    }
}

fn browse_button(lang: Lang) -> Button {
    callback(
        tr(lang, "📚 Browse schemes", "📚 瀏覽計劃"),
        Action::Browse,
        lang,
    )
}

fn lang_button(lang: Lang) -> Button {
    callback("🌐 Language / 語言".to_owned(), Action::LangMenu, lang)
}

/// Adds the reply language to render's callback buttons (`s:<id>`, `cat`).
#[must_use]
pub fn localise(buttons: Vec<Vec<Button>>, lang: Lang) -> Vec<Vec<Button>> {
    buttons
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|b| match b {
                    Button::Callback { text, data } => Button::Callback {
                        text,
                        data: with_lang(&data, lang),
                    },
                    url => url,
                })
                .collect()
        })
        .collect()
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
            line().b("👋 Hi! I answer questions about Hong Kong innovation and technology (I&T) schemes."),
            line().t(&format!(
                "I know {} — funding, start-up support, talent, research and more — from official sources (ITC, ITF, HKSTP, Cyberport and others).",
                plural(n, "scheme", "schemes")
            )),
            line(),
            line().b("Ask me in English or Chinese, for example:"),
            line().t("• How much can a company get from the Technology Voucher Programme?"),
            line().t("• Who can apply for TechTAS?"),
            line().t("• 科技人才入境計劃如何申請？"),
            line().t("• List talent schemes"),
            line(),
            line().t("/schemes browse · /funding by money · /lang language · /help more"),
        ],
        _ => {
            let z = |s: &str| lang.script(s);
            vec![
                line().b(&z("👋 你好！我可以解答香港創新科技（創科）計劃的問題。")),
                line().t(&z(&format!(
                    "我認識{n}個計劃，包括資助、初創支援、人才及科研等，資料來自官方來源（創新科技署、創新及科技基金、科技園、數碼港等）。"
                ))),
                line(),
                line().b(&z("用中文或英文問我都可以，例如：")),
                line().t(&z("• 科技券最多資助多少？")),
                line().t(&z("• 誰可以申請科技人才入境計劃？")),
                line().t(&z("• 有哪些人才計劃？")),
                line().t("• How do I apply for TechTAS?"),
                line(),
                line().t(&z("/schemes 瀏覽 · /funding 按金額 · /lang 語言 · /help 說明")),
            ]
        }
    };
    reply(&lines, vec![vec![browse_button(lang), lang_button(lang)]])
}

/// `/help`; `me` is the bot's username, for the group and inline hints.
#[must_use]
pub fn help(lang: Lang, me: &str) -> Reply {
    let lines = match lang {
        Lang::En => vec![
            line().b("How to use me"),
            line().t("Ask a question in your own words, in English, 繁體 or 简体. I reply with the scheme that fits best and up to two more you may mean."),
            line(),
            line().b("Examples"),
            line().t("• Who can apply for TechTAS?"),
            line().t("• What is the most RAISe+ can fund?"),
            line().t("• Schemes for start-ups"),
            line().t("• 科技券如何申請？"),
            line(),
            line().b("Commands"),
            line().t("/schemes — browse schemes by category"),
            line().t("/scheme <name> — one scheme, e.g. /scheme techtas"),
            line().t("/funding — schemes by money, largest first"),
            line().t("/lang — reply in English, 繁體 or 简体"),
            line().t("/about — where the facts come from"),
            line(),
            line().b("In groups").t(&format!(" mention me (@{me}) or reply to my message.")),
            line().b("In any chat").t(&format!(" type @{me} and a question to share a scheme card.")),
            line(),
            line().i("I am not a government service. Always check the official page before applying."),
        ],
        _ => {
            let z = |s: &str| lang.script(s);
            vec![
                line().b(&z("使用方法")),
                line().t(&z("用你自己的說法發問，中文（繁體或简体）或英文都可以。我會回覆最相關的計劃，並列出最多兩個你可能想查詢的計劃。")),
                line(),
                line().b(&z("問題示例")),
                line().t(&z("• 誰可以申請科技人才入境計劃？")),
                line().t(&z("• 產學研1+計劃最多資助多少？")),
                line().t(&z("• 有哪些初創資助？")),
                line().t("• How do I apply for TVP?"),
                line(),
                line().b(&z("指令")),
                line().t(&z("/schemes — 按類別瀏覽計劃")),
                line().t(&z("/scheme <名稱> — 查看單一計劃，例如 /scheme 科技券")),
                line().t(&z("/funding — 按資助金額由大至小排列")),
                line().t(&z("/lang — 選擇回覆語言：English、繁體或简体")),
                line().t(&z("/about — 資料來源")),
                line(),
                line().b(&z("在群組中")).t(&z(&format!("請提及我（@{me}）或回覆我的訊息。"))),
                line().b(&z("在任何對話中")).t(&z(&format!("輸入 @{me} 加問題，即可分享計劃資料。"))),
                line(),
                line().i(&z("我不是政府服務。申請前請先查閱官方網頁。")),
            ]
        }
    };
    reply(&lines, vec![vec![browse_button(lang)]])
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
            line().b("About this bot"),
            line().t(&format!(
                "Facts on {}, in our own words, from official sources: the 2024 Policy Address, the Innovation and Technology Commission (ITC) and Innovation and Technology Fund (ITF) websites, HKSTP, Cyberport, the Immigration Department, the UGC, the Digital Policy Office and government press releases.",
                plural(n, "Hong Kong I&T scheme", "Hong Kong I&T schemes")
            )),
            line(),
            line().b("As of: ").t(&format!(
                "every scheme card says when its facts were last checked; across all schemes that is between {oldest} and {newest}. Figures are in Hong Kong dollars. Schemes change, so always check the official page before applying."
            )),
            line(),
            line().b("ITF enquiries: ").t(&format!("📞 {ENQUIRY_PHONE} · ✉️ {ENQUIRY_EMAIL}")),
            line().t(&format!("Other schemes: each card says whom to ask; the Government's enquiry line is {GOVERNMENT_LINE}.")),
            line()
                .b("Links: ")
                .a("Innovation and Technology Fund", itf_url)
                .t(" · ")
                .a("Innovation and Technology Commission", itc_url)
                .t(" · ")
                .a("2024 Policy Address", pa_url),
            line(),
            line().b("Privacy: ").t("to understand follow-ups (\"how much?\"), I remember your last question and the scheme it was about for 30 minutes. Questions I could not answer, and answers marked 👎, are kept for 90 days without any user or chat id, so the team can fill the gaps."),
            line(),
            line().i("An unofficial assistant, not a government service."),
        ],
        _ => {
            let z = |s: &str| lang.script(s);
            vec![
                line().b(&z("關於本機械人")),
                line().t(&z(&format!(
                    "收錄{n}個香港創科計劃的資料，以我們自己的文字整理自官方來源：2024年施政報告、創新科技署及創新及科技基金網站、香港科技園公司、數碼港、入境事務處、大學教育資助委員會、數字政策辦公室及政府新聞公報。"
                ))),
                line(),
                line().b(&z("資料日期：")).t(&z(&format!(
                    "每個計劃都註明資料最後核對的日期；所有計劃的核對日期介乎{oldest}至{newest}。金額以港幣計算。計劃會有變動，申請前請先查閱官方網頁。"
                ))),
                line(),
                line().b(&z("創新及科技基金查詢：")).t(&format!("📞 {ENQUIRY_PHONE} · ✉️ {ENQUIRY_EMAIL}")),
                line().t(&z(&format!("其他計劃：每個計劃都列明查詢方法；政府熱線為{GOVERNMENT_LINE}。"))),
                line()
                    .b(&z("連結："))
                    .a(&z("創新及科技基金"), itf_url)
                    .t(" · ")
                    .a(&z("創新科技署"), itc_url)
                    .t(" · ")
                    .a(&z("2024年施政報告"), pa_url),
                line(),
                line().b(&z("私隱：")).t(&z("為了理解追問（例如「多少錢？」），我會記住你上一個問題及相關計劃30分鐘。我未能解答的問題，以及被標記為👎的回覆，會在不保留任何用戶或對話編號的情況下保存90日，讓團隊補充資料。")),
                line(),
                line().i(&z("非官方助手，並非政府服務。")),
            ]
        }
    };
    reply(&lines, vec![vec![browse_button(lang)]])
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
        line().b(&tr(lang, "🌐 Reply language", "🌐 回覆語言")),
        line()
            .t(&tr(lang, "Now: ", "目前："))
            .t(&lang_name(current, lang)),
    ];
    let choose = |l: Option<Lang>, text: String| Button::Callback {
        text,
        data: CallbackData::new(Action::SetLang(l)).format(),
    };
    let buttons = vec![
        vec![
            choose(Some(Lang::En), "English".to_owned()),
            choose(Some(Lang::ZhHant), "繁體中文".to_owned()),
            choose(Some(Lang::ZhHans), "简体中文".to_owned()),
        ],
        vec![choose(None, tr(lang, "🔄 Automatic", "🔄 自動"))],
    ];
    reply(&lines, buttons)
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
    reply(
        &[line().t(&lang_chosen(choice, lang))],
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
    reply(&[line().t(&text)], Vec::new())
}

/// For stickers, photos, voice, locations, documents and the like.
#[must_use]
pub fn media_hint(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "I can only read text. Please type your question, e.g. “Who can apply for the Technology Voucher Programme?”",
        "我只看得懂文字。請直接打字發問，例如「誰可以申請科技券？」",
    );
    reply(&[line().t(&text)], vec![vec![browse_button(lang)]])
}

/// For messages without a single letter or digit (emoji, punctuation, blank).
#[must_use]
pub fn words_please(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "Please ask your question in words, e.g. “How much does TVP give?”, or browse the schemes.",
        "請用文字發問，例如「科技券最多資助多少？」，或瀏覽所有計劃。",
    );
    reply(&[line().t(&text)], vec![vec![browse_button(lang)]])
}

/// For a command the bot does not have.
#[must_use]
pub fn unknown_command(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "I don't know that command. Try /help, or just ask a question.",
        "我不認識這個指令。試試 /help，或直接發問。",
    );
    reply(&[line().t(&text)], Vec::new())
}

/// `/scheme` without a name.
#[must_use]
pub fn scheme_usage(lang: Lang) -> Reply {
    let text = tr(
        lang,
        "Send /scheme and a scheme's name or short name, e.g. /scheme techtas or /scheme 科技券. Or browse:",
        "請在 /scheme 後輸入計劃名稱或簡稱，例如 /scheme techtas 或 /scheme 科技券。或按下面瀏覽：",
    );
    reply(&[line().t(&text)], vec![vec![browse_button(lang)]])
}

/// When handling failed inside the bot.
#[must_use]
pub fn sorry(lang: Lang) -> Reply {
    reply(
        &[line().t(&tr(
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

/// `/schemes`: every scheme by category, with a button per category.
#[must_use]
pub fn browse_menu(corpus: &Corpus, lang: Lang) -> Reply {
    let mut r = list(corpus, None, lang);
    let buttons: Vec<Button> = Category::ALL
        .into_iter()
        .filter_map(|c| {
            let n = corpus.schemes.iter().filter(|s| s.category == c).count();
            (n > 0).then(|| {
                callback(
                    format!("{} ({n})", category_label(c, lang)),
                    Action::Category(c),
                    lang,
                )
            })
        })
        .collect();
    r.buttons = buttons.chunks(2).map(<[Button]>::to_vec).collect();
    r
}

/// One category's schemes, with a button per scheme and a way back.
#[must_use]
pub fn category_screen(corpus: &Corpus, category: Category, lang: Lang) -> Reply {
    let mut r = list(corpus, Some(category), lang);
    r.buttons = localise(r.buttons, lang);
    r.buttons.push(vec![callback(
        tr(lang, "⬅️ All categories", "⬅️ 所有類別"),
        Action::Browse,
        lang,
    )]);
    r
}

/// A scheme's card reached by browsing: the card, its official link, and a way back to its
/// category.
#[must_use]
pub fn scheme_screen(scheme: &Scheme, corpus: &Corpus, lang: Lang) -> Reply {
    let mut r = scheme_reply(scheme, corpus, lang);
    r.buttons = localise(r.buttons, lang);
    r.buttons.push(vec![callback(
        format!("⬅️ {}", category_label(scheme.category, lang)),
        Action::Category(scheme.category),
        lang,
    )]);
    r
}

/// The name of a subscription topic.
#[must_use]
pub fn topic_label(topic: &Topic, corpus: &Corpus, lang: Lang) -> String {
    match topic {
        Topic::All => tr(lang, "all schemes", "所有計劃"),
        Topic::Category(c) => tr(
            lang,
            &format!("{} schemes", category_label(*c, Lang::En)),
            &format!("{}類計劃", category_label(*c, Lang::ZhHant)),
        ),
        Topic::Scheme(id) => corpus
            .get(id)
            .map_or_else(|| id.clone(), |s| display_name(s, lang)),
    }
}

/// The button under a scheme card: follow it, or stop following it.
#[must_use]
pub fn follow_button(scheme: &Scheme, following: bool, lang: Lang) -> Button {
    let topic = Topic::Scheme(scheme.id.clone());
    if following {
        callback(
            tr(lang, "🔕 Stop updates", "🔕 取消訂閱"),
            Action::Unsubscribe(topic),
            lang,
        )
    } else {
        callback(
            tr(lang, "🔔 Get updates", "🔔 訂閱更新"),
            Action::Subscribe(topic),
            lang,
        )
    }
}

/// `/subscribe` without an argument: what one can follow.
#[must_use]
pub fn subscribe_menu(lang: Lang) -> Reply {
    let lines = [
        line().b(&tr(lang, "🔔 Updates", "🔔 訂閱更新")),
        line().t(&tr(
            lang,
            "Choose what to follow. I will send you one message when something changes: a new round, a new cap or ratio, a scheme opening or closing.",
            "選擇想關注的內容。有更新時（例如新一輪申請、資助上限或配對比例改變、計劃推出或結束），我會發一個訊息通知你。",
        )),
        line().i(&tr(
            lang,
            "For one scheme: /subscribe followed by its name, e.g. /subscribe TechTAS, or tap 🔔 under any scheme.",
            "關注單一計劃：輸入 /subscribe 加計劃名稱，例如 /subscribe 科技券，或按計劃下方的 🔔。",
        )),
    ];
    let mut buttons = vec![vec![callback(
        tr(lang, "⭐ Everything", "⭐ 所有計劃"),
        Action::Subscribe(Topic::All),
        lang,
    )]];
    for pair in Category::ALL.chunks(2) {
        buttons.push(
            pair.iter()
                .map(|&c| {
                    callback(
                        category_label(c, lang),
                        Action::Subscribe(Topic::Category(c)),
                        lang,
                    )
                })
                .collect(),
        );
    }
    reply(&lines, buttons)
}

/// After subscribing (`added`: it is new, else it already existed).
#[must_use]
pub fn subscribed(topic: &Topic, corpus: &Corpus, added: bool, lang: Lang) -> Reply {
    let label = topic_label(topic, corpus, lang);
    // "all schemes" and "Talent schemes" change; one scheme changes.
    let verb = match topic {
        Topic::Scheme(_) => "changes",
        Topic::All | Topic::Category(_) => "change",
    };
    let text = match (added, lang) {
        (true, Lang::En) => format!("✅ Subscribed: I will tell you when {label} {verb}."),
        (false, Lang::En) => format!("ℹ️ You already follow {label}; nothing changed."),
        (true, _) => lang.script(&format!("✅ 已訂閱：{label}有更新時我會通知你。")),
        (false, _) => lang.script(&format!("ℹ️ 你已訂閱{label}，毋須重複訂閱。")),
    };
    reply(
        &[line().t(&text)],
        vec![vec![callback(
            tr(lang, "📋 My subscriptions", "📋 我的訂閱"),
            Action::Subscriptions,
            lang,
        )]],
    )
}

/// The short notice for a button press that subscribed or unsubscribed.
#[must_use]
pub fn toggled(subscribed: bool, changed: bool, lang: Lang) -> String {
    match (subscribed, changed) {
        (true, true) => tr(lang, "✅ Subscribed", "✅ 已訂閱"),
        (true, false) => tr(lang, "Already subscribed", "已經訂閱"),
        (false, true) => tr(lang, "🔕 Unsubscribed", "🔕 已取消訂閱"),
        (false, false) => tr(lang, "Not subscribed", "未有訂閱"),
    }
}

/// After `/unsubscribe <topic>` (`removed`: it existed).
#[must_use]
pub fn unsubscribed(label: &str, removed: bool, lang: Lang) -> Reply {
    let text = match (removed, lang) {
        (true, Lang::En) => format!("🔕 Unsubscribed from {label}."),
        (false, Lang::En) => format!("ℹ️ You were not following {label}."),
        (true, _) => lang.script(&format!("🔕 已取消訂閱{label}。")),
        (false, _) => lang.script(&format!("ℹ️ 你沒有訂閱{label}。")),
    };
    reply(
        &[line().t(&text)],
        vec![vec![callback(
            tr(lang, "📋 My subscriptions", "📋 我的訂閱"),
            Action::Subscriptions,
            lang,
        )]],
    )
}

/// After `/unsubscribe all`.
#[must_use]
pub fn unsubscribed_all(count: usize, lang: Lang) -> Reply {
    let text = match lang {
        Lang::En => format!("🔕 Unsubscribed from everything ({count})."),
        _ => lang.script(&format!("🔕 已取消所有訂閱（{count}項）。")),
    };
    reply(
        &[line().t(&text)],
        vec![vec![callback(
            tr(lang, "🔔 Subscribe again", "🔔 重新訂閱"),
            Action::SubscribeMenu,
            lang,
        )]],
    )
}

/// What `/subscribe <arg>` could not place.
#[must_use]
pub fn unknown_topic(arg: &str, lang: Lang) -> Reply {
    let text = match lang {
        Lang::En => format!("I could not find a scheme or category called “{arg}”."),
        _ => lang.script(&format!("找不到名為「{arg}」的計劃或類別。")),
    };
    reply(
        &[line().t(&text)],
        vec![vec![callback(
            tr(lang, "🔔 Choose from a list", "🔔 從列表選擇"),
            Action::SubscribeMenu,
            lang,
        )]],
    )
}

/// `/subscriptions`: the list, with a button to drop each.
#[must_use]
pub fn subscriptions_screen(topics: &[Topic], corpus: &Corpus, lang: Lang) -> Reply {
    if topics.is_empty() {
        let lines = [line().t(&tr(
            lang,
            "You are not following anything yet.",
            "你暫時沒有訂閱任何計劃。",
        ))];
        return reply(
            &lines,
            vec![vec![callback(
                tr(lang, "🔔 Subscribe", "🔔 訂閱"),
                Action::SubscribeMenu,
                lang,
            )]],
        );
    }
    let mut lines = vec![line().b(&tr(lang, "📋 You follow:", "📋 你的訂閱："))];
    let mut buttons = Vec::new();
    for t in topics {
        let label = topic_label(t, corpus, lang);
        lines.push(line().t(&format!("• {label}")));
        let short = match t {
            Topic::Scheme(id) => corpus
                .get(id)
                .and_then(|s| s.acronym.clone())
                .unwrap_or_else(|| label.clone()),
            _ => label.clone(),
        };
        buttons.push(vec![callback(
            format!("✖ {short}"),
            Action::Unsubscribe(t.clone()),
            lang,
        )]);
    }
    buttons.truncate(90);
    buttons.push(vec![callback(
        tr(lang, "✖ Unsubscribe from everything", "✖ 取消所有訂閱"),
        Action::UnsubscribeAll,
        lang,
    )]);
    reply(&lines, buttons)
}

/// What a non-admin hears for an admin command.
#[must_use]
pub fn not_allowed(lang: Lang) -> Reply {
    reply(
        &[line().t(&tr(
            lang,
            "Sorry, you are not allowed to do that.",
            "抱歉，你沒有權限使用此指令。",
        ))],
        Vec::new(),
    )
}

/// How many groups `/gaps` shows.
pub const GAPS_SHOWN: usize = 15;

/// `/gaps` (admins): the most frequent unanswered questions of the last 90 days, grouped by
/// normalised text, with what happened to them and the schemes offered.
#[must_use]
pub fn gaps(groups: &[crate::store::GapGroup], lang: Lang) -> Reply {
    let mut lines = vec![line().b(&tr(
        lang,
        "Unanswered questions, last 90 days (most frequent first)",
        "過去90日未能解答的問題（按次數排列）",
    ))];
    if groups.is_empty() {
        lines.push(line().t(&tr(lang, "Nothing yet.", "暫時沒有。")));
    }
    lines.extend(groups.iter().map(|g| line().t(&g.to_string())));
    reply(&lines, Vec::new())
}

/// `/stats` for admins.
#[must_use]
pub fn stats(stats: &Stats, corpus: &Corpus, lang: Lang) -> Reply {
    let o = &stats.outbox;
    let mut lines = vec![
        line().b(&tr(lang, "📊 Statistics", "📊 統計")),
        line().t(&match lang {
            Lang::En => format!(
                "Chats: {} active, {} inactive (blocked or left)",
                stats.active_chats, stats.inactive_chats
            ),
            _ => lang.script(&format!(
                "對話：{} 個活躍，{} 個停用（封鎖或離開）",
                stats.active_chats, stats.inactive_chats
            )),
        }),
        line().t(&match lang {
            Lang::En => format!(
                "Outbox: {} waiting, {} delivered, {} failed, {} dropped",
                o.pending, o.sent, o.failed, o.dropped
            ),
            _ => lang.script(&format!(
                "待發訊息：{} 個等待中，{} 個已送達，{} 個失敗，{} 個已放棄",
                o.pending, o.sent, o.failed, o.dropped
            )),
        }),
        line().b(&tr(lang, "Subscribers by topic:", "按主題訂閱人數：")),
    ];
    if stats.by_topic.is_empty() {
        lines.push(line().t(&tr(lang, "none yet", "暫無")));
    }
    for (topic, n) in &stats.by_topic {
        lines.push(line().t(&format!("• {}: {n}", topic_label(topic, corpus, lang))));
    }
    reply(&lines, Vec::new())
}

/// `/reload` for admins: what happened.
#[must_use]
pub fn reloaded(schemes: usize, changes: usize, notices: usize, lang: Lang) -> Reply {
    let text = match lang {
        Lang::En => format!(
            "✅ Corpus reloaded: {}, {changes} changed, {} queued.",
            plural(schemes, "scheme", "schemes"),
            plural(notices, "notice", "notices")
        ),
        _ => lang.script(&format!(
            "✅ 已重新載入：{schemes} 個計劃，{changes} 個有更改，已排隊發出 {notices} 個通知。"
        )),
    };
    reply(&[line().t(&text)], Vec::new())
}

/// `/reload` for admins when the corpus did not validate.
#[must_use]
pub fn reload_refused(why: &str, lang: Lang) -> Reply {
    let lines = [
        line().b(&tr(
            lang,
            "⚠️ The corpus was refused; the previous one is still serving.",
            "⚠️ 資料未能通過檢查，繼續使用原有資料。",
        )),
        line().t(why),
    ];
    reply(&lines, Vec::new())
}

/// `/broadcast <text>` for admins: the preview and the confirmation buttons.
#[must_use]
pub fn broadcast_preview(id: i64, text: &str, recipients: usize, lang: Lang) -> Reply {
    let lines = [
        line().b(&match lang {
            Lang::En => format!(
                "📢 Send this to {}?",
                plural(recipients, "subscribed chat", "subscribed chats")
            ),
            _ => lang.script(&format!("📢 向 {recipients} 個訂閱對話發出以下公告？")),
        }),
        line().t(text),
    ];
    let buttons = vec![vec![
        callback(
            tr(lang, "✅ Send", "✅ 發出"),
            Action::BroadcastSend(id),
            lang,
        ),
        callback(
            tr(lang, "✖ Cancel", "✖ 取消"),
            Action::BroadcastCancel(id),
            lang,
        ),
    ]];
    reply(&lines, buttons)
}

/// `/broadcast` without text.
#[must_use]
pub fn broadcast_usage(lang: Lang) -> Reply {
    reply(
        &[line().t(&tr(
            lang,
            "Usage: /broadcast <the announcement text>",
            "用法：/broadcast <公告內容>",
        ))],
        Vec::new(),
    )
}

/// After a broadcast was confirmed (`None`: it was already sent or cancelled).
#[must_use]
pub fn broadcast_done(queued: Option<usize>, lang: Lang) -> Reply {
    let text = match (queued, lang) {
        (Some(n), Lang::En) => format!("📢 Queued for {}.", plural(n, "chat", "chats")),
        (Some(n), _) => lang.script(&format!("📢 已排隊發送給 {n} 個對話。")),
        (None, _) => tr(
            lang,
            "This announcement was already sent or cancelled.",
            "此公告已發出或已取消。",
        ),
    };
    reply(&[line().t(&text)], Vec::new())
}

/// After a broadcast was cancelled.
#[must_use]
pub fn broadcast_cancelled(lang: Lang) -> Reply {
    reply(
        &[line().t(&tr(lang, "✖ Announcement cancelled.", "✖ 已取消公告。"))],
        Vec::new(),
    )
}

/// Which figure [`Money::headline`] picked, for the label.
fn headline_label(m: &Money, amount: u64, lang: Lang) -> String {
    let figure = hkd(amount, lang);
    if m.max_per_project == Some(amount) {
        tr(
            lang,
            &format!("up to {figure} per project"),
            &format!("每個項目最高{figure}"),
        )
    } else if m.max_per_applicant == Some(amount) {
        tr(
            lang,
            &format!("up to {figure} per applicant"),
            &format!("每名申請者最高{figure}"),
        )
    } else if m.max_per_person == Some(amount) {
        tr(
            lang,
            &format!("up to {figure} per person"),
            &format!("每人最高{figure}"),
        )
    } else {
        tr(
            lang,
            &format!("{figure} in total"),
            &format!("總額{figure}"),
        )
    }
}

fn command_for(s: &Scheme) -> String {
    format!("/scheme_{}", s.id.replace('-', "_"))
}

/// `/funding`: schemes that can still be applied for (or will be) with a published figure,
/// largest first, then those without a figure; closed schemes only by name, at the end, so a
/// closed scheme's past terms never read as money on offer.
#[must_use]
pub fn funding(corpus: &Corpus, lang: Lang) -> Reply {
    let current = || corpus.schemes.iter().filter(|s| s.status != Status::Closed);
    let mut with: Vec<(&Scheme, u64)> = current()
        .filter_map(|s| s.money.headline().map(|m| (s, m)))
        .collect();
    with.sort_by(|(a, x), (b, y)| y.cmp(x).then_with(|| a.id.cmp(&b.id)));
    let without: Vec<&Scheme> = current().filter(|s| s.money.headline().is_none()).collect();
    let closed: Vec<&Scheme> = corpus
        .schemes
        .iter()
        .filter(|s| s.status == Status::Closed)
        .collect();
    let mut lines = vec![line().b(&tr(
        lang,
        "💰 Schemes by money, largest figure first",
        "💰 按金額排列的計劃（由大至小）",
    ))];
    for (s, amount) in &with {
        lines.push(line().t("• ").b(&display_name(s, lang)).t(&format!(
            " — {} {}",
            headline_label(&s.money, *amount, lang),
            command_for(s)
        )));
    }
    for (title, group) in [
        (tr(lang, "No published figure", "未有公布金額"), &without),
        (
            tr(lang, "Closed to new applications", "已停止接受新申請"),
            &closed,
        ),
    ] {
        if group.is_empty() {
            continue;
        }
        lines.push(line());
        lines.push(line().b(&title));
        for s in group {
            lines.push(
                line()
                    .t("• ")
                    .t(&display_name(s, lang))
                    .t(&format!(" {}", command_for(s))),
            );
        }
    }
    lines.push(line());
    lines.push(line().i(&tr(
        lang,
        "Each figure is the largest single amount in the scheme's fact sheet, in Hong Kong dollars. Check the official page before applying.",
        "金額為各計劃資料中最大的單一數字（港幣）。申請前請先查閱官方網頁。",
    )));
    reply(&lines, vec![vec![browse_button(lang)]])
}

#[cfg(test)]
mod tests {
    use super::*;

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
                        assert!(CallbackData::parse(data).is_some(), "{data}");
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
    fn long_screens_are_split_between_lines() {
        let lines: Vec<Line> = (0..500)
            .map(|i| line().t(&format!("• 第{i}行 {}", "字".repeat(20))))
            .collect();
        let parts = pack(&lines);
        assert!(parts.len() > 1);
        assert!(
            parts
                .iter()
                .all(|p| p.encode_utf16().count() <= MAX_MESSAGE_UNITS)
        );
        assert_eq!(parts.join("\n").lines().count(), 500);
        let huge = pack(&[line().t(&"<".repeat(9000))]);
        assert_eq!(huge.len(), 3);
        // Telegram counts the visible text: each `&lt;` is one character.
        assert!(
            huge.iter()
                .all(|p| p.replace("&lt;", "<").encode_utf16().count() <= MAX_MESSAGE_UNITS)
        );
        assert!(huge.iter().all(|p| !p.contains('<')));
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
