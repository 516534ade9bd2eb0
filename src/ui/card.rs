//! Turning answers into what a person reads: Telegram HTML (and the same text as plain text for
//! the CLI), in English, Traditional or Simplified Chinese, split to Telegram's length limit, with
//! inline buttons whose callback data fits Telegram's 64 bytes.
//!
//! Pure: no IO, no teloxide. Every piece of corpus and user text goes through [`escape`]; the only
//! tags emitted are `<b>`, `<i>` and `<a href>`, which Telegram's HTML mode accepts. All
//! user-facing wording lives here.

use super::action::{Action, MatchStep};
use super::i18n::t;
use super::list::{filtered, list, no_match, suggestions};
use super::reply::{Button, Para, Reply};
use super::{Section, brief, compare, match_result, match_who, small_talk};
use crate::answer::Answer;
use crate::corpus::{Body, Bound, Category, Corpus, Money, Partner, Ratio, Scheme, Scope, Status};
use crate::search::Found;
use crate::text::{Intent, Lang};

/// The ITF Secretariat's public enquiry line, from the fact sheet's key of responsible bodies.
pub const ENQUIRY_PHONE: &str = "3655 5678";
pub const ENQUIRY_EMAIL: &str = "enquiry@itf.gov.hk";

/// The Government's general enquiry line (the 1823 call centre answers for most departments).
pub const GOVERNMENT_LINE: &str = "1823";

/// A responsible body: its name in English and Traditional Chinese, and its public enquiry
/// line when the fact sheet gives one. Only the ITF Secretariat's is in the sheet; every other
/// body's enquiries go to the scheme's official page and 1823, never to a number we made up.
#[must_use]
pub fn body_contact(
    body: Body,
) -> (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
) {
    match body {
        Body::Itf => (
            "ITF Secretariat",
            "創新及科技基金秘書處",
            Some((ENQUIRY_PHONE, ENQUIRY_EMAIL)),
        ),
        Body::Itc => ("Innovation and Technology Commission", "創新科技署", None),
        Body::Itib => (
            "Innovation, Technology and Industry Bureau",
            "創新科技及工業局",
            None,
        ),
        Body::Mrdi => (
            "Hong Kong Microelectronics Research and Development Institute",
            "香港微電子研發院",
            None,
        ),
        Body::Immd => ("Immigration Department", "入境事務處", None),
        Body::Hkstp => (
            "Hong Kong Science and Technology Parks Corporation",
            "香港科技園公司",
            None,
        ),
        Body::Cyberport => ("Cyberport", "數碼港", None),
        Body::Dpo => ("Digital Policy Office", "數字政策辦公室", None),
        Body::Ugc => (
            "University Grants Committee / Research Grants Council Secretariat",
            "大學教育資助委員會／研究資助局秘書處",
            None,
        ),
        Body::Tid => ("Trade and Industry Department", "工業貿易署", None),
    }
}

/// Where to ask about a scheme, as one sentence in `lang`: the scheme's own line when the fact
/// sheet gives one, else its body's, else the body's name, the official page and 1823.
#[must_use]
pub fn enquiry_line(s: &Scheme, lang: Lang) -> String {
    let e = &s.enquiry;
    let (body_en, body_zh, body_line) = body_contact(e.body);
    let (who_en, who_zh) = match (&e.desk_en, &e.desk_zh) {
        (Some(en), Some(zh)) => (en.as_str(), zh.as_str()),
        _ => (body_en, body_zh),
    };
    let contacts: Vec<&str> = if e.has_own_line() {
        e.phone.iter().chain(&e.email).map(String::as_str).collect()
    } else {
        body_line.map(|(p, m)| vec![p, m]).unwrap_or_default()
    };
    // A line of the scheme's own with no desk named is given as the scheme's, not the body's.
    let unnamed = e.has_own_line() && e.desk_en.is_none();
    match (lang, contacts.is_empty()) {
        (Lang::En, false) if unnamed => {
            format!("Enquiries about this scheme: {}.", contacts.join(", "))
        }
        (_, false) if unnamed => lang.script(&format!("本計劃查詢：{}。", contacts.join("，"))),
        (Lang::En, false) => format!("Enquiries: {who_en} — {}.", contacts.join(", ")),
        (Lang::En, true) => format!(
            "Enquiries: {who_en} (see the official page), or the Government's enquiry line {GOVERNMENT_LINE}."
        ),
        (_, false) => lang.script(&format!("查詢：{who_zh}，{}。", contacts.join("，"))),
        (_, true) => lang.script(&format!(
            "查詢：{who_zh}（請參閱官方網頁），或致電政府熱線{GOVERNMENT_LINE}。"
        )),
    }
}

/// Whom a ratio matches, in words.
pub(crate) fn partner_label(p: Partner, lang: Lang) -> String {
    let (en, zh) = match p {
        Partner::Applicant => ("applicant", "申請者"),
        Partner::Company => ("company", "公司"),
        Partner::Sme => ("SME", "中小企"),
        Partner::Operator => ("operator", "營運機構"),
        Partner::University => ("university", "大學"),
        Partner::UniversityOrOthers => ("university or others", "大學或其他機構"),
        Partner::Industry => ("industry", "業界"),
        Partner::IndustryAndUniversity => ("industry and university together", "業界與大學合共"),
        Partner::Market => ("market", "市場"),
        Partner::CoInvestor => ("co-investment partner", "共同投資夥伴"),
        Partner::PrivateInvestment => ("private investment", "私人投資"),
    };
    tr(lang, en, zh)
}

/// One matching ratio in `lang`: "Stage 1, up to 2 (Government) : 1 (industry and university
/// together)" / "第一階段，政府最多2 : 業界與大學合共1".
#[must_use]
pub fn ratio_text(r: &Ratio, lang: Lang) -> String {
    let who = partner_label(r.who, lang);
    let (g, p) = (r.government, r.partner);
    let body = match lang {
        Lang::En => {
            let bound = match r.bound {
                Bound::Exact => "",
                Bound::UpTo => "up to ",
                Bound::About => "about ",
            };
            format!("{bound}{g} (Government) : {p} ({who})")
        }
        _ => {
            let (before, after) = match r.bound {
                Bound::Exact => ("", ""),
                Bound::UpTo => ("", "最多"),
                Bound::About => ("約", ""),
            };
            // `who` is already in the reader's script; the rest is converted here.
            format!(
                "{}{g} : {who}{p}",
                lang.script(&format!("{before}政府{after}"))
            )
        }
    };
    match (lang, &r.part_en, &r.part_zh) {
        (Lang::En, Some(part), _) => format!("{part}, {body}"),
        (Lang::ZhHant | Lang::ZhHans, _, Some(part)) => format!("{}，{body}", lang.script(part)),
        _ => body,
    }
}

/// Every matching ratio of a scheme, in `lang`, joined.
#[must_use]
pub fn matching_text(ratios: &[Ratio], lang: Lang) -> String {
    ratios
        .iter()
        .map(|r| ratio_text(r, lang))
        .collect::<Vec<_>>()
        .join(if lang == Lang::En { "; " } else { "；" })
}

/// A count and its English noun in agreement: `plural(1, "chat", "chats")` is "1 chat",
/// `plural(2, …)` "2 chats", `plural(0, …)` "0 chats". English only: a Chinese count takes a
/// measure word (1個計劃) and never a plural.
#[must_use]
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Picks the English or the Chinese wording; Chinese is written in Traditional characters and
/// converted for Simplified readers.
pub(crate) fn tr(lang: Lang, en: &str, zh: &str) -> String {
    match lang {
        Lang::En => en.to_owned(),
        _ => lang.script(zh),
    }
}

/// A piece of corpus text in the reader's language: the English, or the Chinese (written in
/// Traditional in the corpus, converted for Simplified readers). For facts only; fixed wording
/// is in the catalogues.
#[must_use]
pub(crate) fn corpus_text(lang: Lang, en: &str, zh: &str) -> String {
    match lang {
        Lang::En => en.to_owned(),
        Lang::ZhHant => zh.to_owned(),
        Lang::ZhHans => lang.script(zh),
    }
}

/// Renders an answer as a short answer ([`brief`]): what a chat, the CLI and the API show.
#[must_use]
pub fn render(answer: &Answer, corpus: &Corpus) -> Reply {
    render_with(answer, corpus, false)
}

/// Renders an answer with every scheme as its full card (`schemebot ask --full`).
#[must_use]
pub fn render_full(answer: &Answer, corpus: &Corpus) -> Reply {
    render_with(answer, corpus, true)
}

pub(crate) fn render_with(answer: &Answer, corpus: &Corpus, full: bool) -> Reply {
    let lang = answer.lang;
    match &answer.found {
        Found::Schemes(hits) => {
            let Some((best, rest)) = hits.split_first() else {
                return no_match(lang);
            };
            let scheme = &corpus.schemes[best.scheme];
            let section = if full {
                Section::Full
            } else {
                Section::for_intent(answer.intents.first().copied())
            };
            let alternatives: Vec<&Scheme> =
                rest.iter().map(|h| &corpus.schemes[h.scheme]).collect();
            // Names only, with buttons, inside the budget: the short answer stays short.
            let also = (!alternatives.is_empty()).then(|| {
                let names: Vec<String> =
                    alternatives.iter().map(|s| display_name(s, lang)).collect();
                Para::default()
                    .bold(tr(lang, "You may also mean: ", "你可能也想查詢："))
                    .text(names.join(if lang == Lang::En { "; " } else { "；" }))
            });
            let mut reply = brief::brief_with(scheme, section, corpus, lang, also.as_ref());
            if !alternatives.is_empty() {
                reply.buttons.insert(
                    reply.buttons.len().saturating_sub(1),
                    alternatives
                        .iter()
                        .map(|s| details_button(s, lang))
                        .collect(),
                );
            }
            reply
        }
        Found::Compare(schemes) => compare(corpus, schemes, lang),
        Found::Match => match_who(lang),
        Found::SmallTalk(kind) => small_talk(*kind, lang),
        Found::List(category) => list(corpus, *category, lang),
        Found::Filtered(filter)
            if filter.applicant.is_some()
                && !filter.open_only
                && filter.sort == crate::search::SortBy::Category =>
        {
            let applicant = filter.applicant.unwrap_or_default();
            let mut reply = match_result(corpus, applicant, None, lang);
            if let Some(step) = MatchStep::need(applicant) {
                reply.buttons.insert(
                    0,
                    vec![Button::action(
                        t!(lang, "match-narrow"),
                        Action::Match(step),
                        lang,
                    )],
                );
            }
            reply
        }
        Found::Filtered(filter) => filtered(corpus, filter, lang),
        Found::Suggestions(hits) => suggestions(corpus, hits, lang),
        Found::Nothing => no_match(lang),
    }
}

/// The full card of one scheme, as shown for `/scheme <id>` or a best match; a closed scheme's
/// card offers its alternatives as buttons.
#[must_use]
pub fn scheme_reply(scheme: &Scheme, corpus: &Corpus, lang: Lang) -> Reply {
    let instead = alternatives_of(scheme, corpus);
    Reply::from_paras(
        &scheme_paras(scheme, &instead, lang, &[]),
        card_buttons(scheme, &instead, lang),
    )
}

/// The schemes a closed scheme names as alternatives, in the file's order.
pub(crate) fn alternatives_of<'c>(scheme: &Scheme, corpus: &'c Corpus) -> Vec<&'c Scheme> {
    if scheme.status != Status::Closed {
        return Vec::new();
    }
    scheme
        .alternatives
        .iter()
        .filter_map(|id| corpus.get(id))
        .collect()
}

/// The official link, then (for a closed scheme) its alternatives, three to a row.
pub(crate) fn card_buttons(scheme: &Scheme, instead: &[&Scheme], lang: Lang) -> Vec<Vec<Button>> {
    let mut rows = vec![url_row(scheme, lang)];
    for chunk in instead.chunks(3) {
        rows.push(chunk.iter().map(|s| details_button(s, lang)).collect());
    }
    rows
}

/// The scheme's display name in a language, with its acronym.
#[must_use]
pub fn display_name(s: &Scheme, lang: Lang) -> String {
    let name = match lang {
        Lang::En => s.name_en.clone(),
        _ => lang.script(&s.name_zh),
    };
    match &s.acronym {
        Some(a) if !name.contains(a.as_str()) => format!("{name} ({a})"),
        _ => name,
    }
}

/// The first sentence of a scheme's summary, for one-line listings.
#[must_use]
pub fn tagline(s: &Scheme, lang: Lang) -> String {
    let text = match lang {
        Lang::En => s.en.summary.clone(),
        _ => lang.script(&s.zh.summary),
    };
    let end = text
        .char_indices()
        .find(|&(i, c)| c == '。' || (c == '.' && text[i + 1..].starts_with(' ')))
        .map_or(text.len(), |(i, c)| i + c.len_utf8());
    text[..end].trim().to_owned()
}

pub(crate) fn scheme_paras(
    s: &Scheme,
    alternatives: &[&Scheme],
    lang: Lang,
    intents: &[Intent],
) -> Vec<Para> {
    let text = if lang == Lang::En { &s.en } else { &s.zh };
    let z = |t: &str| {
        if lang == Lang::En {
            t.to_owned()
        } else {
            lang.script(t)
        }
    };
    let mut paras = Vec::new();
    let other_name = if lang == Lang::En {
        lang_name_zh(s)
    } else {
        s.name_en.clone()
    };
    if s.status == Status::Closed {
        paras.push(closed_banner(s, lang));
    }
    paras.push(
        Para::default()
            .bold(display_name(s, lang))
            .text(format!("\n{other_name}\n"))
            .italic(format!(
                "{} · {}",
                category_label(s.category, lang),
                if lang == Lang::En {
                    s.body_en.clone()
                } else {
                    z(&s.body_zh)
                }
            )),
    );
    if s.scope == Scope::Related {
        paras.push(Para::default().italic(tr(
            lang,
            "ℹ️ Not an innovation and technology scheme: a related fund that people often ask about alongside them.",
            "ℹ️ 這不是創新科技計劃，而是市民常一併查詢的相關基金。",
        )));
    }
    if let Some(note) = staleness_note(s, crate::date::today_hk_date(), lang) {
        paras.push(note);
    }
    let past = s.status == Status::Closed;
    let money = {
        let mut p = Para::default().bold(if past {
            tr(lang, "💰 Money (past terms)", "💰 金額（過往條款）")
        } else {
            tr(lang, "💰 Money", "💰 金額")
        });
        let facts = money_facts(&s.money, lang);
        if !facts.is_empty() && intents.contains(&Intent::Money) {
            p = p.text(format!("\n{}", facts.join("\n")));
        }
        p.text(format!("\n{}", z(&text.money)))
    };
    let who = {
        let mut p = Para::default()
            .bold(if past {
                tr(
                    lang,
                    "👥 Who could apply (past terms)",
                    "👥 申請資格（過往條款）",
                )
            } else {
                tr(lang, "👥 Who can apply", "👥 申請資格")
            })
            .text(format!("\n{}", z(&text.eligibility)));
        if !s.individuals_can_apply {
            p = p.text("\n").italic(tr(
                lang,
                "Individuals cannot apply directly.",
                "個人不能直接申請。",
            ));
        }
        p
    };
    let apply = Para::default()
        .bold(tr(lang, "📝 How to apply", "📝 申請方法"))
        .text(format!("\n{}", z(&text.apply)));
    let status = Para::default()
        .bold(tr(lang, "📅 Status", "📅 最新狀況"))
        .text(format!(" {}\n{}", status_label(s, lang), z(&text.status)));
    let summary = Para::default().text(z(&text.summary));
    let pa = Para::default()
        .bold(tr(lang, "🏛 2024 Policy Address", "🏛 2024年施政報告"))
        .text(format!("\n{}", z(&text.pa2024)));

    // The section the question asked about moves up.
    let lead = intents.first().copied();
    let mut sections: Vec<(Option<Intent>, Para)> = vec![
        (None, summary),
        (Some(Intent::Eligibility), who),
        (Some(Intent::Money), money),
        (Some(Intent::Apply), apply),
        (Some(Intent::When), status),
    ];
    // What the 2024 Policy Address did is no longer news for a closed scheme.
    if !past {
        sections.push((None, pa));
    }
    if let Some(lead) = lead
        && let Some(i) = sections.iter().position(|(k, _)| *k == Some(lead))
    {
        let section = sections.remove(i);
        // Figures come first of all; other sections right after the summary.
        sections.insert(usize::from(lead != Intent::Money), section);
    }
    paras.extend(sections.into_iter().map(|(_, p)| p));
    if !alternatives.is_empty() {
        // Names only (the buttons open each card): a closed card stays one message.
        let names: Vec<String> = alternatives.iter().map(|a| display_name(a, lang)).collect();
        paras.push(
            Para::default()
                .bold(tr(lang, "You may look at: ", "你可以參考："))
                .text(names.join(if lang == Lang::En { "; " } else { "；" }))
                .text(tr(
                    lang,
                    " (check each one's eligibility; buttons below).",
                    "（請自行查核申請資格；按下方按鈕查看）。",
                )),
        );
    }

    let mut links = Para::default()
        .text("🔗 ")
        .link(tr(lang, "Official page", "官方網頁"), &s.url);
    for (i, url) in s.more_urls.iter().enumerate() {
        links = links
            .text(" · ")
            .link(format!("{} {}", tr(lang, "more", "更多"), i + 1), url);
    }
    paras.push(links);
    paras.push(Para::default().italic(match lang {
        Lang::En => format!(
            "Facts as of {}. Check the official page before applying. {}",
            s.as_of,
            enquiry_line(s, lang)
        ),
        _ => format!(
            "{}{}",
            lang.script(&format!("資料截至{}。申請前請先查閱官方網頁。", s.as_of)),
            enquiry_line(s, lang)
        ),
    }));
    paras
}

pub(crate) fn lang_name_zh(s: &Scheme) -> String {
    s.name_zh.clone()
}

pub(crate) fn status_label(s: &Scheme, lang: Lang) -> String {
    let (en, zh) = status_words(s.status);
    let since = s
        .status_since
        .as_deref()
        .map(|d| (format!(" since {d}"), format!("（自{d}起）")))
        .unwrap_or_default();
    let mut label = match lang {
        Lang::En => format!("({en}{}, as of {})", since.0, s.as_of),
        _ => lang.script(&format!("（{zh}{}，截至{}）", since.1, s.as_of)),
    };
    if let Some(deadline) = &s.deadline {
        // A deadline in the past is said so, whatever the status was when last checked.
        let passed = crate::date::parse(deadline).is_some_and(|d| d < crate::date::today_hk());
        label.push_str(&match (lang, passed) {
            (Lang::En, false) => format!(" — deadline {deadline}"),
            (Lang::En, true) => format!(" — the deadline ({deadline}) has passed"),
            (_, false) => format!(" — {}{deadline}", lang.script("截止日期：")),
            (_, true) => lang.script(&format!(" — 截止日期（{deadline}）已過")),
        });
    }
    label
}

/// A browsing category's name.
#[must_use]
pub fn category_label(c: Category, lang: Lang) -> String {
    let (en, zh) = match c {
        Category::Talent => ("Talent", "人才"),
        Category::Research => ("Research", "科研"),
        Category::Startup => ("Start-ups", "初創企業"),
        Category::Industry => ("Industry", "新型工業化"),
        Category::Funding => ("Funding for projects", "項目資助"),
        Category::Investment => ("Investment funds", "投資基金"),
        Category::Infrastructure => ("Infrastructure and institutes", "基建及研發機構"),
        Category::Education => ("Education", "教育"),
    };
    tr(lang, en, zh)
}

/// Formats whole Hong Kong dollars: "HK$10 billion", "HK$600,000" / "港幣100億元", "港幣60萬元".
#[must_use]
pub fn hkd(amount: u64, lang: Lang) -> String {
    if lang.is_chinese() {
        let s = if amount >= 100_000_000 && amount.is_multiple_of(1_000_000) {
            format!("{}億", trim_decimal(amount as f64 / 1e8))
        } else if amount >= 10_000 && amount.is_multiple_of(100) {
            format!("{}萬", trim_decimal(amount as f64 / 1e4))
        } else {
            group_thousands(amount)
        };
        // Written in Traditional like every template, and converted: 港币60万元 for Simplified.
        return lang.script(&format!("港幣{s}元"));
    }
    if amount >= 1_000_000_000 && amount.is_multiple_of(10_000_000) {
        format!("HK${} billion", trim_decimal(amount as f64 / 1e9))
    } else if amount >= 1_000_000 && amount.is_multiple_of(10_000) {
        format!("HK${} million", trim_decimal(amount as f64 / 1e6))
    } else {
        format!("HK${}", group_thousands(amount))
    }
}

pub(crate) fn trim_decimal(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

pub(crate) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The structured money figures as short lines.
pub(crate) fn money_facts(m: &Money, lang: Lang) -> Vec<String> {
    let rows: [(Option<u64>, &str, &str); 6] = [
        (m.total_budget, "Total budget", "總預算"),
        (m.max_per_project, "Maximum per project", "每個項目上限"),
        (m.min_project_cost, "Minimum project cost", "最低項目成本"),
        (
            m.max_per_applicant,
            "Maximum per applicant",
            "每名申請者上限",
        ),
        (m.max_per_person, "Maximum per person", "每人上限"),
        (m.monthly_allowance, "Monthly allowance", "每月津貼"),
    ];
    let mut out: Vec<String> = rows
        .into_iter()
        .filter_map(|(v, en, zh)| {
            v.map(|v| {
                let colon = if lang == Lang::En { ": " } else { "：" };
                format!("• {}{colon}{}", tr(lang, en, zh), hkd(v, lang))
            })
        })
        .collect();
    if !m.matching.is_empty() {
        out.push(format!(
            "• {}{}{}",
            tr(lang, "Matching", "配對比例"),
            if lang == Lang::En { ": " } else { "：" },
            matching_text(&m.matching, lang)
        ));
    }
    out
}

pub(crate) fn one_line(s: &Scheme, lang: Lang) -> Para {
    let mut p = Para::default().text("• ").bold(display_name(s, lang));
    if s.status == Status::Closed {
        p = p.text(tr(lang, " (closed)", "（已停止申請）"));
    }
    p.text(format!(
        " — {} /scheme_{}",
        tagline(s, lang),
        s.id.replace('-', "_")
    ))
}

pub(crate) fn url_row(s: &Scheme, lang: Lang) -> Vec<Button> {
    vec![Button::Url {
        text: tr(lang, "🔗 Official website", "🔗 官方網站"),
        url: s.url.clone(),
    }]
}

/// A button that opens a scheme's card; its data is `s:<id>`, well within 64 bytes.
#[must_use]
pub fn details_button(s: &Scheme, lang: Lang) -> Button {
    let name = s.acronym.clone().unwrap_or_else(|| display_name(s, lang));
    Button::action(name, Action::Scheme(s.id.clone()), lang)
}

/// The first line of a closed scheme's answer.
pub(crate) fn closed_banner(s: &Scheme, lang: Lang) -> Para {
    let text = match (lang, s.status_since.as_deref()) {
        (Lang::En, Some(d)) => format!("⛔ Closed: no new applications since {d}."),
        (Lang::En, None) => "⛔ Closed: no new applications.".to_owned(),
        (_, Some(d)) => lang.script(&format!("⛔ 已停止接受新申請（自{d}起）。")),
        (_, None) => lang.script("⛔ 已停止接受新申請。"),
    };
    Para::default().bold(text)
}

/// Facts checked this many months ago or more are said to be possibly out of date.
pub const STALE_MONTHS: i64 = 12;

/// "Last checked …, may have changed" for facts older than [`STALE_MONTHS`] on `today`.
pub(crate) fn staleness_note(s: &Scheme, today: crate::date::Date, lang: Lang) -> Option<Para> {
    (crate::date::months_between(s.checked, today) >= STALE_MONTHS).then(|| {
        Para::default().italic(match lang {
            Lang::En => format!(
                "🕰 These facts were last checked in {}; they may have changed since. Please check the official page.",
                s.as_of
            ),
            _ => lang.script(&format!(
                "🕰 以下資料最後於{}核對，其後可能已有變動，請查閱官方網頁。",
                s.as_of
            )),
        })
    })
}

/// A scheme's card reached by browsing: the card, its official link, and a way back to its
/// category.
#[must_use]
pub fn scheme_screen(scheme: &Scheme, corpus: &Corpus, lang: Lang) -> Reply {
    let mut r = scheme_reply(scheme, corpus, lang);
    r.buttons.push(vec![Button::action(
        format!("⬅️ {}", category_label(scheme.category, lang)),
        Action::Category(scheme.category),
        lang,
    )]);
    r
}

/// A status as words: English and Traditional Chinese.
pub(crate) fn status_words(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Open => ("open for applications", "接受申請中"),
        Status::Upcoming => ("opening soon", "即將推出"),
        Status::Closed => ("closed to new applications", "已停止接受新申請"),
        Status::Ongoing => ("in operation, no application round", "運作中，不設申請"),
        Status::NotAnnounced => ("next round not announced", "下一輪未有公布"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::{MAX_MESSAGE_UNITS, escape};

    #[test]
    fn money_formats() {
        assert_eq!(hkd(10_000_000_000, Lang::En), "HK$10 billion");
        assert_eq!(hkd(180_000_000, Lang::En), "HK$180 million");
        assert_eq!(hkd(600_000, Lang::En), "HK$600,000");
        assert_eq!(hkd(1_500_000, Lang::En), "HK$1.5 million");
        assert_eq!(hkd(10_000_000_000, Lang::ZhHant), "港幣100億元");
        assert_eq!(hkd(180_000_000, Lang::ZhHant), "港幣1.8億元");
        assert_eq!(hkd(600_000, Lang::ZhHant), "港幣60萬元");
        assert_eq!(hkd(230, Lang::ZhHant), "港幣230元");
        assert_eq!(hkd(600_000, Lang::ZhHans), "港币60万元");
        assert_eq!(hkd(180_000_000, Lang::ZhHans), "港币1.8亿元");
    }

    #[test]
    fn plurals_agree_with_their_count() {
        assert_eq!(plural(0, "chat", "chats"), "0 chats");
        assert_eq!(plural(1, "chat", "chats"), "1 chat");
        assert_eq!(plural(2, "chat", "chats"), "2 chats");
        assert_eq!(plural(1, "scheme", "schemes"), "1 scheme");
    }

    #[test]
    fn ratios_are_worded_in_each_language() {
        let r = Ratio {
            government: 2,
            partner: 1,
            who: Partner::IndustryAndUniversity,
            bound: Bound::UpTo,
            part_en: Some("Stage 1".to_owned()),
            part_zh: Some("第一階段".to_owned()),
        };
        assert_eq!(
            ratio_text(&r, Lang::En),
            "Stage 1, up to 2 (Government) : 1 (industry and university together)"
        );
        assert_eq!(
            ratio_text(&r, Lang::ZhHant),
            "第一階段，政府最多2 : 業界與大學合共1"
        );
        assert_eq!(
            ratio_text(&r, Lang::ZhHans),
            "第一阶段，政府最多2 : 业界与大学合共1"
        );
        let about = Ratio {
            government: 1,
            partner: 2,
            who: Partner::CoInvestor,
            bound: Bound::About,
            part_en: None,
            part_zh: None,
        };
        assert_eq!(
            ratio_text(&about, Lang::En),
            "about 1 (Government) : 2 (co-investment partner)"
        );
        assert_eq!(ratio_text(&about, Lang::ZhHant), "約政府1 : 共同投資夥伴2");
        assert_eq!(ratio_text(&about, Lang::ZhHans), "约政府1 : 共同投资伙伴2");
    }

    #[test]
    fn escapes_everything_html_cares_about() {
        assert_eq!(
            escape(r#"<b>&"x"</b>"#),
            "&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"
        );
    }

    #[test]
    fn splits_long_replies_on_paragraphs() {
        let para = Para::default().text("字".repeat(1500));
        let parts = super::super::reply::split(&vec![para; 5], "\n\n");
        assert_eq!(parts.len(), 3);
        assert!(
            parts
                .iter()
                .all(|p| p.encode_utf16().count() <= MAX_MESSAGE_UNITS)
        );
        let huge = Para::default().text("<".repeat(9000));
        let parts = super::super::reply::split(&[huge], "\n\n");
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| !p.contains('<')));
    }
}
