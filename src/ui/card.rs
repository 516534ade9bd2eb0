//! Turning answers into what a person reads: Telegram HTML (and the same text as plain text for
//! the CLI), in English, Traditional or Simplified Chinese, split to Telegram's length limit, with
//! inline buttons whose callback data fits Telegram's 64 bytes.
//!
//! Pure: no IO, no teloxide. Every piece of corpus and user text goes through [`escape`]; the only
//! tags emitted are `<b>`, `<i>` and `<a href>`, which Telegram's HTML mode accepts. All
//! user-facing wording lives here.

use super::action::{Action, MatchStep};
use super::i18n::{message, t};
use super::list::{filtered, list, no_match, suggestions, which_scheme};
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

/// A responsible body: its name in English and Traditional Chinese (from the catalogues), and
/// its public enquiry line when the fact sheet gives one. Only the ITF Secretariat's is in the
/// sheet; every other body's enquiries go to the scheme's official page and 1823, never to a
/// number we made up.
#[must_use]
pub fn body_contact(body: Body) -> (String, String, Option<(&'static str, &'static str)>) {
    let id = format!("body-{}", body.key());
    let line = match body {
        Body::Itf => Some((ENQUIRY_PHONE, ENQUIRY_EMAIL)),
        _ => None,
    };
    (
        message(Lang::En, &id, None),
        message(Lang::ZhHant, &id, None),
        line,
    )
}

/// Where to ask about a scheme, as one sentence in `lang`: the scheme's own line when the fact
/// sheet gives one, else its body's, else the body's name, the official page and 1823.
#[must_use]
pub fn enquiry_line(s: &Scheme, lang: Lang) -> String {
    let e = &s.enquiry;
    let (body_en, body_zh, body_line) = body_contact(e.body);
    let (who_en, who_zh) = match (&e.desk_en, &e.desk_zh) {
        (Some(en), Some(zh)) => (en.as_str(), zh.as_str()),
        _ => (body_en.as_str(), body_zh.as_str()),
    };
    let who = corpus_text(lang, who_en, who_zh);
    let contacts: Vec<&str> = if e.has_own_line() {
        e.phone.iter().chain(&e.email).map(String::as_str).collect()
    } else {
        body_line.map(|(p, m)| vec![p, m]).unwrap_or_default()
    };
    let contacts = contacts.join(&t!(lang, "contact-separator"));
    // A line of the scheme's own with no desk named is given as the scheme's, not the body's.
    let unnamed = e.has_own_line() && e.desk_en.is_none();
    match (contacts.is_empty(), unnamed) {
        (false, true) => t!(lang, "enquiry-own", contacts = contacts),
        (false, false) => t!(lang, "enquiry-body", who = who, contacts = contacts),
        (true, _) => t!(lang, "enquiry-page", who = who, line = GOVERNMENT_LINE),
    }
}

/// Whom a ratio matches, in words.
pub(crate) fn partner_label(p: Partner, lang: Lang) -> String {
    let id = match p {
        Partner::Applicant => "partner-applicant",
        Partner::Company => "partner-company",
        Partner::Sme => "partner-sme",
        Partner::Operator => "partner-operator",
        Partner::University => "partner-university",
        Partner::UniversityOrOthers => "partner-university-or-others",
        Partner::Industry => "partner-industry",
        Partner::IndustryAndUniversity => "partner-industry-and-university",
        Partner::Market => "partner-market",
        Partner::CoInvestor => "partner-co-investor",
        Partner::PrivateInvestment => "partner-private-investment",
    };
    message(lang, id, None)
}

/// One matching ratio in `lang`: "Stage 1, up to 2 (Government) : 1 (industry and university
/// together)" / "第一階段，政府最多2 : 業界與大學合共1".
#[must_use]
pub fn ratio_text(r: &Ratio, lang: Lang) -> String {
    let who = partner_label(r.who, lang);
    let (government, partner) = (r.government.to_string(), r.partner.to_string());
    let ratio = match r.bound {
        Bound::Exact => t!(
            lang,
            "ratio-exact",
            government = government.as_str(),
            partner = partner.as_str(),
            who = who.as_str()
        ),
        Bound::UpTo => t!(
            lang,
            "ratio-up-to",
            government = government.as_str(),
            partner = partner.as_str(),
            who = who.as_str()
        ),
        Bound::About => t!(
            lang,
            "ratio-about",
            government = government.as_str(),
            partner = partner.as_str(),
            who = who.as_str()
        ),
    };
    let part = match lang {
        Lang::En => r.part_en.clone(),
        Lang::ZhHant | Lang::ZhHans => r.part_zh.as_deref().map(|p| corpus_text(lang, "", p)),
    };
    match part {
        Some(part) => t!(lang, "ratio-part", part = part, ratio = ratio),
        None => ratio,
    }
}

/// Every matching ratio of a scheme, in `lang`, joined.
#[must_use]
pub fn matching_text(ratios: &[Ratio], lang: Lang) -> String {
    ratios
        .iter()
        .map(|r| ratio_text(r, lang))
        .collect::<Vec<_>>()
        .join(&t!(lang, "fact-separator"))
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
    let mut reply = render_found(answer, corpus, full);
    // "TTPS 同 QMAS 有咩分別？": say what is not ours rather than drop it silently.
    if !answer.not_covered.is_empty() {
        let names = answer.not_covered.join(&t!(answer.lang, "fact-separator"));
        let note = t!(
            answer.lang,
            "not-covered",
            names = names,
            line = GOVERNMENT_LINE
        );
        super::prepend_note(&mut reply, &note);
    }
    reply
}

fn render_found(answer: &Answer, corpus: &Corpus, full: bool) -> Reply {
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
                    .bold(t!(lang, "also-mean"))
                    .text(names.join(&t!(lang, "fact-separator")))
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
        Found::Nothing if answer.asks_which_scheme => which_scheme(lang),
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
    let name = corpus_text(lang, &s.name_en, &s.name_zh);
    match &s.acronym {
        Some(a) if !name.contains(a.as_str()) => format!("{name} ({a})"),
        _ => name,
    }
}

/// The first sentence of a scheme's summary, for one-line listings.
#[must_use]
pub fn tagline(s: &Scheme, lang: Lang) -> String {
    let text = corpus_text(lang, &s.en.summary, &s.zh.summary);
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
    // The corpus's prose in the reader's language.
    let z = |pick: fn(&crate::corpus::Text) -> &str| corpus_text(lang, pick(&s.en), pick(&s.zh));
    let mut paras = Vec::new();
    // The name in the other language, as the corpus writes it.
    let other_name = match lang {
        Lang::En => s.name_zh.clone(),
        Lang::ZhHant | Lang::ZhHans => s.name_en.clone(),
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
                corpus_text(lang, &s.body_en, &s.body_zh)
            )),
    );
    if s.scope == Scope::Related {
        paras.push(Para::default().italic(t!(lang, "card-related")));
    }
    if let Some(note) = staleness_note(s, crate::date::today_hk_date(), lang) {
        paras.push(note);
    }
    let past = s.status == Status::Closed;
    let money = {
        let mut p = Para::default().bold(if past {
            t!(lang, "brief-money-past")
        } else {
            t!(lang, "brief-money")
        });
        let facts = money_facts(&s.money, lang);
        if !facts.is_empty() && intents.contains(&Intent::Money) {
            p = p.text(format!("\n{}", facts.join("\n")));
        }
        p.text(format!("\n{}", z(|t| &t.money)))
    };
    let who = {
        let mut p = Para::default()
            .bold(if past {
                t!(lang, "brief-eligibility-past")
            } else {
                t!(lang, "brief-eligibility")
            })
            .text(format!("\n{}", z(|t| &t.eligibility)));
        if !s.individuals_can_apply {
            p = p.text("\n").italic(t!(lang, "brief-no-individuals"));
        }
        p
    };
    let apply = Para::default()
        .bold(t!(lang, "brief-apply"))
        .text(format!("\n{}", z(|t| &t.apply)));
    let status = Para::default().bold(t!(lang, "brief-status")).text(format!(
        " {}\n{}",
        status_label(s, lang),
        z(|t| &t.status)
    ));
    let summary = Para::default().text(z(|t| &t.summary));
    let pa = Para::default()
        .bold(t!(lang, "card-policy-address"))
        .text(format!("\n{}", z(|t| &t.pa2024)));

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
                .bold(t!(lang, "card-look-at"))
                .text(names.join(&t!(lang, "fact-separator")))
                .text(t!(lang, "card-look-at-note")),
        );
    }

    let mut links = Para::default()
        .text("🔗 ")
        .link(t!(lang, "official-page"), &s.url);
    for (i, url) in s.more_urls.iter().enumerate() {
        links = links
            .text(" · ")
            .link(t!(lang, "card-more-link", n = i + 1), url);
    }
    paras.push(links);
    paras.push(Para::default().italic(format!(
        "{}{}",
        t!(lang, "card-as-of", date = s.as_of.as_str()),
        enquiry_line(s, lang)
    )));
    paras
}

pub(crate) fn status_label(s: &Scheme, lang: Lang) -> String {
    let status = status_word_of(s.status, lang);
    let date = s.as_of.as_str();
    let mut label = match s.status_since.as_deref() {
        Some(since) => t!(
            lang,
            "status-label-since",
            status = status,
            since = since,
            date = date
        ),
        None => t!(lang, "status-label", status = status, date = date),
    };
    if let Some(deadline) = &s.deadline {
        // A deadline in the past is said so, whatever the status was when last checked.
        let passed = crate::date::parse(deadline).is_some_and(|d| d < crate::date::today_hk());
        label.push_str(&if passed {
            t!(lang, "status-deadline-passed", date = deadline.as_str())
        } else {
            t!(lang, "status-deadline", date = deadline.as_str())
        });
    }
    label
}

/// A browsing category's name.
#[must_use]
pub fn category_label(c: Category, lang: Lang) -> String {
    message(lang, &format!("category-{}", c.key()), None)
}

/// A status in words.
#[must_use]
pub(crate) fn status_word_of(status: Status, lang: Lang) -> String {
    message(lang, &format!("status-{}", status.key()), None)
}

/// Formats whole Hong Kong dollars: "HK$10 billion", "HK$600,000" / "港幣100億元", "港幣60萬元".
#[must_use]
pub fn hkd(amount: u64, lang: Lang) -> String {
    // The units people count money in: billions and millions in English, 億 (10^8) and 萬
    // (10^4) in Chinese; a figure is written in the larger unit when it stays short.
    let (large, large_step, medium, medium_step) = match lang {
        Lang::En => (1e9, 10_000_000, 1e6, 10_000),
        Lang::ZhHant | Lang::ZhHans => (1e8, 1_000_000, 1e4, 100),
    };
    let as_f = amount as f64;
    if as_f >= large && amount.is_multiple_of(large_step) {
        t!(lang, "hkd-large", figure = trim_decimal(as_f / large))
    } else if as_f >= medium && amount.is_multiple_of(medium_step) {
        t!(lang, "hkd-medium", figure = trim_decimal(as_f / medium))
    } else {
        t!(lang, "hkd-plain", figure = group_thousands(amount))
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
    let rows: [(Option<u64>, &str); 6] = [
        (m.total_budget, "field-total-budget"),
        (m.max_per_project, "field-max-per-project"),
        (m.min_project_cost, "field-min-project-cost"),
        (m.max_per_applicant, "field-max-per-applicant"),
        (m.max_per_person, "field-max-per-person"),
        (m.monthly_allowance, "field-monthly-allowance"),
    ];
    let mut out: Vec<String> = rows
        .into_iter()
        .filter_map(|(v, id)| {
            v.map(|v| {
                t!(
                    lang,
                    "money-fact",
                    label = message(lang, id, None),
                    value = hkd(v, lang)
                )
            })
        })
        .collect();
    if !m.matching.is_empty() {
        out.push(t!(
            lang,
            "money-fact",
            label = t!(lang, "field-matching-ratio"),
            value = matching_text(&m.matching, lang)
        ));
    }
    out
}

pub(crate) fn one_line(s: &Scheme, lang: Lang) -> Para {
    let mut p = Para::default().text("• ").bold(display_name(s, lang));
    if s.status == Status::Closed {
        p = p.text(t!(lang, "list-closed"));
    }
    p.text(format!(
        " — {} /scheme_{}",
        tagline(s, lang),
        s.id.replace('-', "_")
    ))
}

pub(crate) fn url_row(s: &Scheme, lang: Lang) -> Vec<Button> {
    vec![Button::Url {
        text: t!(lang, "button-official-website"),
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
    let text = match s.status_since.as_deref() {
        Some(d) => t!(lang, "closed-since", date = d),
        None => t!(lang, "closed"),
    };
    Para::default().bold(text)
}

/// Facts checked this many months ago or more are said to be possibly out of date.
pub const STALE_MONTHS: i64 = 12;

/// "Last checked …, may have changed" for facts older than [`STALE_MONTHS`] on `today`.
pub(crate) fn staleness_note(s: &Scheme, today: crate::date::Date, lang: Lang) -> Option<Para> {
    (crate::date::months_between(s.checked, today) >= STALE_MONTHS)
        .then(|| Para::default().italic(t!(lang, "stale-note", date = s.as_of.as_str())))
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
