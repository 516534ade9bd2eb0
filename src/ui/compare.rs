//! The compare card: two or three schemes side by side, field by field (who can apply, money
//! and matching, status and dates, responsible body), one line per scheme under each field so
//! it reads on a phone. Every value comes from the corpus's structured fields. Two programmes
//! of one scheme ("CCMF vs CIP") share those fields, so their comparison is the scheme's own
//! words: what each programme is and who may apply to it.

use super::brief::{budget, cut_sentences};
use super::i18n::t;
use super::{
    Para, Reply, applicant_label, corpus_text, details_button, display_name, money_facts,
    status_label,
};
use crate::corpus::{Corpus, Scheme};
use crate::text::Lang;

/// A compare card of `schemes` (indexes into `corpus.schemes`, in the order asked); of one
/// scheme, its programmes compared ([`within`]).
#[must_use]
pub fn compare(corpus: &Corpus, schemes: &[usize], lang: Lang) -> Reply {
    if let [one] = schemes {
        return within(&corpus.schemes[*one], lang);
    }
    let picked: Vec<&Scheme> = schemes.iter().map(|&i| &corpus.schemes[i]).collect();
    let short = |s: &Scheme| s.acronym.clone().unwrap_or_else(|| display_name(s, lang));
    let title = picked
        .iter()
        .map(|s| short(s))
        .collect::<Vec<_>>()
        .join(" vs ");
    let mut paras = vec![Para::default().bold(format!("⚖️ {title}"))];
    let field = |label: String, value: &dyn Fn(&Scheme) -> String| {
        let mut p = Para::default().bold(label);
        for s in &picked {
            p = p
                .text("\n• ")
                .bold(short(s))
                .text(format!(": {}", value(s)));
        }
        p
    };
    paras.push(field(t!(lang, "compare-who"), &|s: &Scheme| who(s, lang)));
    paras.push(field(t!(lang, "compare-money"), &|s: &Scheme| {
        money(s, lang)
    }));
    paras.push(field(t!(lang, "compare-status"), &|s: &Scheme| {
        status_label(s, lang)
            .trim_matches(|c| c == '(' || c == ')' || c == '（' || c == '）')
            .to_owned()
    }));
    paras.push(field(t!(lang, "compare-body"), &|s: &Scheme| {
        corpus_text(lang, &s.body_en, &s.body_zh)
    }));
    paras.push(Para::default().italic(t!(lang, "compare-footer")));
    let buttons = vec![picked.iter().map(|s| details_button(s, lang)).collect()];
    Reply::from_paras(&paras, buttons)
}

/// The programmes of one scheme compared: its summary (what each programme is) and who may
/// apply (where they differ most), each cut at a sentence end to fit a short answer's budget.
fn within(s: &Scheme, lang: Lang) -> Reply {
    let name = display_name(s, lang);
    let room = budget(lang).saturating_sub(name.chars().count() + 80) / 2;
    let (summary, _) = cut_sentences(&corpus_text(lang, &s.en.summary, &s.zh.summary), room);
    let (who, _) = cut_sentences(
        &corpus_text(lang, &s.en.eligibility, &s.zh.eligibility),
        room,
    );
    let paras = vec![
        Para::default().bold(format!("⚖️ {name}")),
        Para::default().italic(t!(lang, "compare-within")),
        Para::default().text(summary),
        Para::default()
            .bold(t!(lang, "compare-who"))
            .text(format!("\n{who}")),
        Para::default().italic(t!(lang, "compare-footer")),
    ];
    Reply::from_paras(&paras, vec![vec![details_button(s, lang)]])
}

/// Who applies, from the structured applicant kinds.
fn who(s: &Scheme, lang: Lang) -> String {
    let kinds: Vec<String> = s
        .applicants
        .iter()
        .filter(|k| k.as_str() != "public")
        .map(|k| applicant_label(k, lang))
        .collect();
    let mut out = if kinds.is_empty() {
        t!(lang, "compare-no-applications")
    } else {
        kinds.join(&t!(lang, "list-separator"))
    };
    out.push_str(&if s.individuals_can_apply {
        t!(lang, "compare-individuals")
    } else {
        t!(lang, "compare-not-individuals")
    });
    out
}

/// What one applicant can get, and the matching ratio (at most three facts): the figures a
/// comparison turns on. The total budget and the minimum project cost come only when there is
/// nothing else.
fn money(s: &Scheme, lang: Lang) -> String {
    let all: Vec<String> = money_facts(&s.money, lang)
        .into_iter()
        .map(|f| f.trim_start_matches("• ").to_owned())
        .collect();
    let side = |f: &String| {
        let total = t!(lang, "field-total-budget");
        let minimum = t!(lang, "field-min-project-cost");
        f.starts_with(&total) || f.starts_with(&minimum)
    };
    let mut facts: Vec<String> = all.iter().filter(|f| !side(f)).cloned().collect();
    if facts.is_empty() {
        facts = all;
    }
    facts.truncate(3);
    if facts.is_empty() {
        return t!(lang, "compare-no-figure");
    }
    facts.join(&t!(lang, "fact-separator"))
}
