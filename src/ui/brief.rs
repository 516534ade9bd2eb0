//! Short answers: the first message about a scheme answers what was asked — the figures for a
//! money question, who can apply for an eligibility question, the steps for "how do I apply",
//! else a two-to-three-sentence summary with the key figure and the status — within
//! [`MAX_BRIEF_CHARS_EN`] / [`MAX_BRIEF_CHARS_ZH`] characters; about a scheme between rounds
//! or not yet open, any section starts with its status line. Section buttons under it
//! (`sec:<id>:<section>`) show another section, or the full card, in place.

use super::action::Action;
use super::i18n::t;
use super::{
    Button, Para, Reply, alternatives_of, closed_banner, corpus_text, details_button, display_name,
    enquiry_line, money_facts, scheme_paras, status_label, url_row,
};
use crate::corpus::{Corpus, Scheme, Scope, Status};
use crate::text::{Intent, Lang};

/// The most characters a short answer has in English (what fits a phone screen or two).
pub const MAX_BRIEF_CHARS_EN: usize = 1200;

/// The most characters a short answer has in Chinese, which says as much in half the characters.
pub const MAX_BRIEF_CHARS_ZH: usize = 600;

/// The sentences a summary section keeps at most.
const SUMMARY_SENTENCES: usize = 3;

/// A part of a scheme's facts that a short answer (or a section button) shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// A short summary with the key figure and the status.
    Overview,
    /// The figures and the money rules.
    Money,
    /// Who can apply.
    Eligibility,
    /// How to apply.
    Apply,
    /// Status and dates.
    Status,
    /// The whole card.
    Full,
}

impl Section {
    /// Every section, in button order.
    pub const ALL: [Section; 6] = [
        Section::Overview,
        Section::Money,
        Section::Eligibility,
        Section::Apply,
        Section::Status,
        Section::Full,
    ];

    /// The key used in callback data (`sec:<id>:<key>`) and on the command line.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Section::Overview => "sum",
            Section::Money => "money",
            Section::Eligibility => "who",
            Section::Apply => "apply",
            Section::Status => "when",
            Section::Full => "full",
        }
    }

    /// Parses [`Section::key`].
    #[must_use]
    pub fn from_key(key: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The section that answers a question's main intent (the overview for none).
    #[must_use]
    pub fn for_intent(intent: Option<Intent>) -> Section {
        match intent {
            None => Section::Overview,
            Some(Intent::Money) => Section::Money,
            Some(Intent::Eligibility) => Section::Eligibility,
            Some(Intent::Apply) => Section::Apply,
            Some(Intent::When) => Section::Status,
        }
    }

    fn button_label(self, lang: Lang) -> String {
        match self {
            Section::Overview => t!(lang, "section-overview"),
            Section::Money => t!(lang, "section-money"),
            Section::Eligibility => t!(lang, "section-eligibility"),
            Section::Apply => t!(lang, "section-apply"),
            Section::Status => t!(lang, "section-status"),
            Section::Full => t!(lang, "section-full"),
        }
    }
}

/// The character budget of a short answer in `lang`.
#[must_use]
pub fn budget(lang: Lang) -> usize {
    match lang {
        Lang::En => MAX_BRIEF_CHARS_EN,
        Lang::ZhHant | Lang::ZhHans => MAX_BRIEF_CHARS_ZH,
    }
}

/// A short answer about `s` showing `section` ([`Section::Full`]: the whole card), with the
/// section buttons, the official link, a closed scheme's alternatives and the 👍/👎 row.
#[must_use]
pub fn brief(s: &Scheme, section: Section, corpus: &Corpus, lang: Lang) -> Reply {
    brief_with(s, section, corpus, lang, None)
}

/// [`brief`] with one more paragraph (such as "you may also mean…") before the footer, counted
/// in the budget.
pub(super) fn brief_with(
    s: &Scheme,
    section: Section,
    corpus: &Corpus,
    lang: Lang,
    extra: Option<&Para>,
) -> Reply {
    let instead = alternatives_of(s, corpus);
    // A closed scheme's short answer names where to go now in its text too (the buttons are
    // not shown everywhere: the CLI, the API's plain text), in place of "you may also mean".
    let where_now = (!instead.is_empty() && section != Section::Full).then(|| {
        let names: Vec<String> = instead.iter().map(|a| display_name(a, lang)).collect();
        Para::default()
            .bold(t!(lang, "brief-instead"))
            .text(names.join(&t!(lang, "fact-separator")))
    });
    let extra = where_now.as_ref().or(extra);
    let paras = if section == Section::Full {
        let mut paras = scheme_paras(s, &instead, lang, &[]);
        if let Some(p) = extra {
            paras.push(p.clone());
        }
        paras
    } else {
        brief_paras(s, section, lang, extra)
    };
    Reply::from_paras(&paras, brief_buttons(s, section, &instead, lang))
}

/// The keyboard of a short answer: the other sections (two rows), the official link, a closed
/// scheme's alternatives, and feedback.
pub(super) fn brief_buttons(
    s: &Scheme,
    current: Section,
    instead: &[&Scheme],
    lang: Lang,
) -> Vec<Vec<Button>> {
    let others: Vec<Button> = Section::ALL
        .into_iter()
        .filter(|&x| x != current && (x != Section::Overview || current == Section::Full))
        .map(|x| Button::action(x.button_label(lang), Action::Section(s.id.clone(), x), lang))
        .collect();
    let mut rows: Vec<Vec<Button>> = others.chunks(3).map(<[Button]>::to_vec).collect();
    rows.push(url_row(s, lang));
    for chunk in instead.chunks(3) {
        rows.push(chunk.iter().map(|a| details_button(a, lang)).collect());
    }
    rows.push(feedback_row(s, lang));
    rows
}

/// 👍 / 👎 for an answer about `s` (`fb:up:<id>`, `fb:down:<id>`).
fn feedback_row(s: &Scheme, lang: Lang) -> Vec<Button> {
    vec![
        Button::action("👍".to_owned(), Action::Feedback(s.id.clone(), true), lang),
        Button::action("👎".to_owned(), Action::Feedback(s.id.clone(), false), lang),
    ]
}

/// "📅 next round not announced since 2025-05, as of 2026-02-25": the status label without its
/// brackets, as a line of its own.
fn status_line(s: &Scheme, lang: Lang) -> String {
    format!(
        "📅 {}",
        status_label(s, lang).trim_matches(|c| c == '(' || c == ')' || c == '（' || c == '）')
    )
}

fn brief_paras(s: &Scheme, section: Section, lang: Lang, extra: Option<&Para>) -> Vec<Para> {
    // The corpus's prose in the reader's language.
    let z = |pick: fn(&crate::corpus::Text) -> &str| corpus_text(lang, pick(&s.en), pick(&s.zh));
    let past = s.status == Status::Closed;
    let mut head: Vec<Para> = Vec::new();
    if past {
        head.push(closed_banner(s, lang));
    }
    head.push(Para::default().bold(display_name(s, lang)));
    if s.scope == Scope::Related {
        head.push(Para::default().italic(t!(lang, "brief-related")));
    }
    // A money, eligibility or how-to answer about a scheme between rounds, or not yet open,
    // says so first ("how much can my restaurant get?" about a pilot whose round has ended);
    // the summary and status sections carry the status line themselves.
    if matches!(s.status, Status::NotAnnounced | Status::Upcoming)
        && !matches!(section, Section::Overview | Section::Status)
    {
        head.push(Para::default().text(status_line(s, lang)));
    }
    let foot = Para::default().italic(format!(
        "{}{}",
        t!(lang, "brief-as-of", date = s.as_of.as_str()),
        enquiry_line(s, lang)
    ));

    // The section's own lines: a heading and the figures that come before the prose.
    let (label, lines, prose, note): (String, Vec<String>, String, Option<String>) = match section {
        Section::Overview => {
            let mut lines = Vec::new();
            if let Some(first) = money_facts(&s.money, lang).into_iter().next() {
                lines.push(format!("💰 {}", first.trim_start_matches("• ")));
            }
            lines.push(status_line(s, lang));
            (
                String::new(),
                lines,
                first_sentences(&z(|t| &t.summary), SUMMARY_SENTENCES),
                None,
            )
        }
        Section::Money => (
            if past {
                t!(lang, "brief-money-past")
            } else {
                t!(lang, "brief-money")
            },
            money_facts(&s.money, lang),
            z(|t| &t.money),
            None,
        ),
        Section::Eligibility => (
            if past {
                t!(lang, "brief-eligibility-past")
            } else {
                t!(lang, "brief-eligibility")
            },
            Vec::new(),
            z(|t| &t.eligibility),
            (!s.individuals_can_apply).then(|| t!(lang, "brief-no-individuals")),
        ),
        Section::Apply => (t!(lang, "brief-apply"), Vec::new(), z(|t| &t.apply), None),
        Section::Status => (
            format!("{} {}", t!(lang, "brief-status"), status_label(s, lang)),
            Vec::new(),
            z(|t| &t.status),
            None,
        ),
        Section::Full => unreachable!("the full card is rendered by scheme_paras"),
    };

    let chars = |p: &Para| p.plain().chars().count() + 2;
    let mut fixed: usize =
        head.iter().map(chars).sum::<usize>() + chars(&foot) + extra.map_or(0, chars);
    fixed += label.chars().count() + lines.iter().map(|l| l.chars().count() + 1).sum::<usize>();
    fixed += note.as_ref().map_or(0, |n| n.chars().count() + 1);
    let more = t!(lang, "brief-more");
    let room = budget(lang).saturating_sub(fixed + more.chars().count() + 2);
    let (prose, was_cut) = cut_sentences(&prose, room);

    let mut body = Para::default();
    if !label.is_empty() {
        body = body.bold(label).text("\n");
    }
    if section == Section::Overview {
        body = body.text(prose);
        if was_cut {
            body = body.italic(more.clone());
        }
        for l in &lines {
            body = body.text(format!("\n{l}"));
        }
    } else {
        for l in &lines {
            body = body.text(format!("{l}\n"));
        }
        body = body.text(prose);
        if was_cut {
            body = body.italic(more);
        }
    }
    if let Some(note) = note {
        body = body.text("\n").italic(note);
    }
    let mut paras = head;
    paras.push(body);
    paras.extend(extra.cloned());
    paras.push(foot);
    paras
}

/// The first `n` sentences of `text`.
fn first_sentences(text: &str, n: usize) -> String {
    // A semicolon joins two halves of one thought ("本計劃規模較小；大型…應申請 NIAS"): cut
    // there, the first half reads as a sentence broken off.
    let ends: Vec<usize> = sentence_ends(text)
        .into_iter()
        .filter(|&e| !text[..e].ends_with(['；', ';']))
        .collect();
    match ends.get(n.saturating_sub(1)) {
        Some(&end) => text[..end].trim().to_owned(),
        None => text.trim().to_owned(),
    }
}

/// Byte offsets just after each sentence of `text` ("。", "！", "？", "；" or ". " and the like).
fn sentence_ends(text: &str) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let end = i + c.len_utf8();
        let boundary = match c {
            '。' | '！' | '？' | '；' => true,
            '.' | '!' | '?' | ';' => iter.peek().is_none_or(|&(_, n)| n == ' '),
            _ => false,
        };
        if boundary {
            ends.push(end);
        }
    }
    if ends.last() != Some(&text.len()) {
        ends.push(text.len());
    }
    ends
}

/// `text` cut to at most `max` characters at a sentence end (or, when even the first sentence
/// is too long, at a character with "…"), and whether anything was cut.
pub(super) fn cut_sentences(text: &str, max: usize) -> (String, bool) {
    let text = text.trim();
    if text.chars().count() <= max {
        return (text.to_owned(), false);
    }
    let fits = sentence_ends(text)
        .into_iter()
        .take_while(|&end| text[..end].chars().count() <= max)
        .last();
    match fits {
        Some(end) => (text[..end].trim().to_owned(), true),
        None => {
            let kept: String = text.chars().take(max.saturating_sub(1)).collect();
            (format!("{}…", kept.trim_end()), true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_sentence_ends() {
        let text = "One two. Three four. Five six.";
        assert_eq!(cut_sentences(text, 100), (text.to_owned(), false));
        assert_eq!(
            cut_sentences(text, 21),
            ("One two. Three four.".to_owned(), true)
        );
        assert_eq!(cut_sentences(text, 5), ("One…".to_owned(), true));
        assert_eq!(
            cut_sentences("第一句。第二句。", 5),
            ("第一句。".to_owned(), true)
        );
        assert_eq!(first_sentences("A b. C d. E f. G h.", 3), "A b. C d. E f.");
        // Decimals and abbreviations followed by no space do not end a sentence.
        assert_eq!(
            first_sentences("HK$1.5 million. More.", 1),
            "HK$1.5 million."
        );
    }

    #[test]
    fn section_keys_round_trip() {
        for s in Section::ALL {
            assert_eq!(Section::from_key(s.key()), Some(s));
        }
        assert_eq!(Section::from_key("nope"), None);
    }
}
