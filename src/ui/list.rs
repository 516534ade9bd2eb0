//! Lists of schemes: every scheme by category (`/schemes` and its category screens), the
//! answers to structured requests ("open now", "for individuals", "biggest funding"), "did you
//! mean" suggestions, the no-match reply, and `/funding` (schemes by money).

use super::action::Action;
use super::card::{
    GOVERNMENT_LINE, category_label, details_button, display_name, hkd, one_line, tr,
};
use super::reply::{Button, Para, Reply, line};
use crate::corpus::{Category, Corpus, Money, Scheme, Status};
use crate::text::Lang;

/// Lists a category (or, with `None`, every scheme by category).
#[must_use]
pub fn list(corpus: &Corpus, category: Option<Category>, lang: Lang) -> Reply {
    let mut paras = Vec::new();
    let categories: Vec<Category> = match category {
        Some(c) => vec![c],
        None => Category::ALL.to_vec(),
    };
    if category.is_none() {
        paras.push(Para::default().bold(tr(
            lang,
            "Hong Kong I&T schemes I can tell you about:",
            "我可以為你介紹以下香港創科計劃：",
        )));
    }
    let mut buttons = Vec::new();
    for c in categories {
        let schemes: Vec<&Scheme> = corpus.schemes.iter().filter(|s| s.category == c).collect();
        if schemes.is_empty() {
            continue;
        }
        paras.push(Para::default().bold(format!(
            "{} ({})",
            category_label(c, lang),
            schemes.len()
        )));
        for s in &schemes {
            paras.push(if category.is_some() {
                one_line(s, lang)
            } else {
                Para::default().text(format!(
                    "• {} /scheme_{}",
                    display_name(s, lang),
                    s.id.replace('-', "_")
                ))
            });
        }
        if category.is_some() {
            for chunk in schemes.chunks(3) {
                buttons.push(chunk.iter().map(|s| details_button(s, lang)).collect());
            }
        }
    }
    paras.push(Para::default().italic(tr(
        lang,
        "Ask me about any of them, e.g. “How much can I get?” or “Who can apply?”.",
        "可以直接問我任何一個計劃，例如「最多資助多少？」或「誰可以申請？」。",
    )));
    Reply::from_paras(&paras, buttons)
}

/// A structured list: the schemes passing `filter`, each with its one-line description and what
/// makes it fit (status, who applies, the largest figure or the deadline).
#[must_use]
pub fn filtered(corpus: &Corpus, filter: &crate::search::Filter, lang: Lang) -> Reply {
    use crate::search::SortBy;
    let picked = filter.apply(corpus, crate::date::today_hk());
    let who = filter.applicant.map(|a| applicant_label(a, lang));
    let title = match (filter.sort, filter.open_only, &who, lang) {
        (SortBy::Money, _, _, Lang::En) => "Schemes by money, largest figure first:".to_owned(),
        (SortBy::Money, ..) => lang.script("按金額排列的計劃（由大至小）："),
        (SortBy::Deadline, _, _, Lang::En) => "Deadlines coming up:".to_owned(),
        (SortBy::Deadline, ..) => lang.script("即將截止的計劃："),
        (_, true, Some(w), Lang::En) => format!("Open now, for {w}:"),
        (_, true, Some(w), _) => lang.script(&format!("現正接受申請、適合{w}的計劃：")),
        (_, true, None, Lang::En) => "Schemes open for applications now:".to_owned(),
        (_, true, None, _) => lang.script("現正接受申請的計劃："),
        (_, false, Some(w), Lang::En) => format!("Schemes {w} can apply to:"),
        (_, false, Some(w), _) => lang.script(&format!("{w}可以申請的計劃：")),
        (_, false, None, Lang::En) => "Schemes:".to_owned(),
        (_, false, None, _) => lang.script("計劃："),
    };
    let mut paras = vec![Para::default().bold(title)];
    if picked.is_empty() {
        paras.push(Para::default().text(tr(
            lang,
            "None in the facts I hold right now. Browse every scheme with /schemes.",
            "我現有的資料中沒有符合的計劃。可用 /schemes 瀏覽所有計劃。",
        )));
    }
    let mut buttons = Vec::new();
    for &i in &picked {
        let s = &corpus.schemes[i];
        let why = match filter.sort {
            SortBy::Money => s.money.headline().map(|m| hkd(m, lang)),
            SortBy::Deadline => s.deadline.clone(),
            SortBy::Category => None,
        };
        let mut p = one_line(s, lang);
        if let Some(why) = why {
            p = p.text(format!(" — {why}"));
        }
        paras.push(p);
    }
    for chunk in picked.chunks(3).take(4) {
        buttons.push(
            chunk
                .iter()
                .map(|&i| details_button(&corpus.schemes[i], lang))
                .collect(),
        );
    }
    paras.push(Para::default().italic(tr(
        lang,
        "From the facts I hold; check each official page before applying.",
        "根據我現有的資料整理；申請前請查閱各官方網頁。",
    )));
    Reply::from_paras(&paras, buttons)
}

/// An applicant kind in words ("individuals", "學生").
pub(crate) fn applicant_label(key: &str, lang: Lang) -> String {
    let (en, zh) = match key {
        "individual" => ("individuals", "個人"),
        "student" => ("students", "學生"),
        "graduate" => ("graduates", "畢業生"),
        "researcher" => ("researchers", "研究人員"),
        "overseas-talent" => ("non-local talent", "非本地人才"),
        "start-up" => ("start-ups", "初創企業"),
        "sme" => ("SMEs", "中小企"),
        "company" => ("companies", "公司"),
        "manufacturer" => ("manufacturers", "製造商"),
        "university" => ("universities", "大學"),
        "school" => ("schools", "學校"),
        "fund-manager" => ("fund managers", "基金經理"),
        "accelerator" => ("accelerators", "加速器"),
        "rd-centre" => ("R&D centres", "研發中心"),
        other => (other, other),
    };
    tr(lang, en, zh)
}

/// "Did you mean…?": the schemes the question may be about, each with a one-line description
/// and a button that opens its card.
#[must_use]
pub fn suggestions(corpus: &Corpus, hits: &[crate::search::Hit], lang: Lang) -> Reply {
    let schemes: Vec<&Scheme> = hits.iter().map(|h| &corpus.schemes[h.scheme]).collect();
    let mut paras = vec![Para::default().bold(tr(
        lang,
        "I'm not sure I understood. Did you mean one of these?",
        "我未能肯定你想問哪個計劃，你是指以下其中一個嗎？",
    ))];
    paras.extend(schemes.iter().map(|s| one_line(s, lang)));
    paras.push(Para::default().italic(tr(
        lang,
        "Tap one to see it, or ask again in other words.",
        "按下計劃名稱查看，或換個說法再問。",
    )));
    let buttons = vec![schemes.iter().map(|s| details_button(s, lang)).collect()];
    Reply::from_paras(&paras, buttons)
}

/// The reply when nothing matched: what the bot knows, examples, and where else to ask.
///
/// No scheme is known here, so no scheme's body is either. The contact is the Government's
/// general line, 1823, not the ITF Secretariat's: what reaches this reply is mostly a question
/// about something that is not one of our schemes (public housing, the Continuing Education
/// Fund, the weather), which the ITF cannot answer and 1823 can route to the right department.
/// Someone whose I&T question we failed to understand is sent to /schemes, where every card
/// names its own body's line ([`enquiry_line`]).
#[must_use]
pub fn no_match(lang: Lang) -> Reply {
    let paras = match lang {
        Lang::En => vec![
            Para::default().text("Sorry, I couldn't find a Hong Kong I&T scheme that matches your question. I answer questions about innovation and technology funding, talent and industry schemes."),
            Para::default().bold("Try asking:").text("\n• How much can a company get from the Technology Voucher Programme?\n• Who can apply for TechTAS?\n• List talent schemes\n• 科技券如何申請？"),
            Para::default().text("Or browse all schemes with /schemes: each one says whom to ask."),
            Para::default().italic(format!("For other government services, call the Government's enquiry line {GOVERNMENT_LINE}.")),
        ],
        _ => {
            let z = |s: &str| lang.script(s);
            vec![
                Para::default().text(z("抱歉，我找不到與你的問題相關的香港創科計劃。我可以解答創新科技資助、人才及產業計劃的問題。")),
                Para::default().bold(z("你可以問：")).text(z("\n• 科技券最多資助多少？\n• 誰可以申請科技人才入境計劃？\n• 有哪些人才計劃？\n• How do I apply for TechTAS?")),
                Para::default().text(z("或用 /schemes 瀏覽所有計劃，每個計劃都列明查詢方法。")),
                Para::default().italic(z(&format!("其他政府服務可致電政府熱線{GOVERNMENT_LINE}查詢。"))),
            ]
        }
    };
    Reply::from_paras(
        &paras,
        vec![vec![Button::action(
            tr(lang, "📚 Browse schemes", "📚 瀏覽計劃"),
            Action::Browse,
            lang,
        )]],
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
                Button::action(
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
    r.buttons.push(vec![Button::action(
        tr(lang, "⬅️ All categories", "⬅️ 所有類別"),
        Action::Browse,
        lang,
    )]);
    r
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
    let mut lines = vec![line().bold(tr(
        lang,
        "💰 Schemes by money, largest figure first",
        "💰 按金額排列的計劃（由大至小）",
    ))];
    for (s, amount) in &with {
        lines.push(line().text("• ").bold(display_name(s, lang)).text(format!(
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
        lines.push(line().bold(&title));
        for s in group {
            lines.push(
                line()
                    .text("• ")
                    .text(display_name(s, lang))
                    .text(format!(" {}", command_for(s))),
            );
        }
    }
    lines.push(line());
    lines.push(line().italic(tr(
        lang,
        "Each figure is the largest single amount in the scheme's fact sheet, in Hong Kong dollars. Check the official page before applying.",
        "金額為各計劃資料中最大的單一數字（港幣）。申請前請先查閱官方網頁。",
    )));
    Reply::from_lines(&lines, vec![vec![browse_button(lang)]])
}

pub(crate) fn browse_button(lang: Lang) -> Button {
    Button::action(
        tr(lang, "📚 Browse schemes", "📚 瀏覽計劃"),
        Action::Browse,
        lang,
    )
}
