//! Property tests: whatever a person types (any Unicode: Han from every CJK block, emoji, control
//! characters, HTML and query syntax, figures, scheme names with typos, thousands of characters)
//! and whatever an operator writes into the corpus, the text layer keeps its offsets honest, the
//! question pipeline never panics, and every reply — answers, scheme cards, lists, change notices,
//! reminders and broadcasts — is a message Telegram accepts (its HTML subset, 1 to 4096 units,
//! not only whitespace) with buttons whose callback data fits in 64 bytes. Corpus edits are made
//! on a copy of the real corpus within what the loader accepts, so a failure here is a reply a
//! real corpus could produce. Case counts are kept small so the module runs in seconds in a debug
//! build; `PROPTEST_CASES` does not override them. Failures are not persisted to files: a
//! failing case is printed, shrunk, and can be pasted into a test.

use proptest::prelude::*;
use proptest::sample::{Index, select};

use schemebot::answer::{MAX_QUESTION_CHARS, answer};
use schemebot::changes::{SchemeChange, Snapshot, diff};
use schemebot::corpus::{Bound, Category, Corpus, Partner, Ratio, Scheme, Status};
use schemebot::notify::{Payload, recipients};
use schemebot::search::Found;
use schemebot::store::Topic;
use schemebot::text::{Lang, name_key, normalize};
use schemebot::ui::{
    Button, MAX_CALLBACK_BYTES, Reply, broadcast, escape, list, notice, reminder, render,
    scheme_reply,
};

use crate::support::engine::engine;
use crate::support::telegram::{MAX_TEXT, check_message, parse_html};

const LANGS: [Lang; 3] = [Lang::En, Lang::ZhHant, Lang::ZhHans];

/// A configuration running `cases` cases, without writing regression files into the tree.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Characters that HTML, Telegram's entity parser or a search query parser treat specially.
const SYNTAX: &[char] = &[
    '<', '>', '&', '"', '\'', '`', ':', '*', '~', '^', '(', ')', '[', ']', '{', '}', '!', '+', '-',
    '\\', '/', ';', '#', '=', '|', '?', '.', ',', '$', '%', '@', '_',
];

/// Snippets that exercise particular paths: markup, entities, query syntax, money amounts,
/// joiners, characters whose NFKC or lower case is longer than they are, confusables.
const SNIPPETS: &[&str] = &[
    "<b>",
    "</b>",
    "<a href=\"x\">",
    "</a>",
    "&amp;",
    "&lt;",
    "&#x1F600;",
    "&#128512;",
    "&",
    "&;",
    "<!--",
    "]]>",
    "AND",
    "OR",
    "NOT",
    "title:",
    "names:x",
    "\"quoted phrase\"",
    "te*",
    "~2",
    "^3",
    "+must -not",
    "HK$",
    "HK$10 billion",
    "$600k",
    "1,000,000",
    "99999999999999999999999999 billion",
    "0.0.0",
    "1e308",
    "1.",
    ".5m",
    "六十萬",
    "一百億",
    "十",
    "两百万",
    "九九九九九九九九九九九九九九九九九九九九九九億",
    "港幣",
    "萬",
    "億",
    "hundred million million",
    "r&d",
    "a-b-c",
    "--",
    "&-",
    "-x",
    "\u{200d}",
    "\u{fe0f}",
    "\u{200b}",
    "\u{feff}",
    "\u{202e}",
    "\u{2028}",
    "👨\u{200d}👩\u{200d}👧",
    "🇭🇰",
    "e\u{301}",
    "\u{fdfa}",
    "\u{3371}",
    "\u{130}",
    "ß",
    "\u{fb01}",
    "Ａ",
    "\u{3000}",
    "’s",
    "“",
    "−",
    "科技卷",
    "人材",
];

/// Question words and near-misses that reach the planner's roles and the no-match cut.
const QUESTION_WORDS: &[&str] = &[
    "how much",
    "how do i apply",
    "who can apply",
    "deadline",
    "list",
    "talent schemes",
    "show me all schemes",
    "點樣申請",
    "幾多錢",
    "資格",
    "有咩",
    "边个可以申请",
    "截止",
    "資助",
    "funding",
    "startup",
    "tech tas",
    "Technolgy Vouchr Programme",
    "public housing",
    "weather",
    "醫療券",
    "綜援",
    "hi",
    "你好",
];

/// The retrieval set's questions (tests/it/questions.tsv) whose expected answer `matches`:
/// real questions of every kind (named schemes, descriptions, browse requests, out-of-domain
/// ones), to be garbled.
fn sample_questions(matches: fn(&str) -> bool) -> Vec<String> {
    include_str!("questions.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut columns = l.splitn(3, '\t');
            let expected = columns.nth(1)?;
            let question = columns.next()?;
            matches(expected).then(|| question.to_owned())
        })
        .collect()
}

/// Any character, weighted towards the families the pipeline treats specially.
fn interesting_char() -> BoxedStrategy<char> {
    use proptest::char::range;
    prop_oneof![
        4 => any::<char>(),
        2 => range(' ', '~'),
        // CJK: unified ideographs, extension A, compatibility ideographs, extensions B to I and
        // the compatibility supplement (with the unassigned gaps between them), symbols and
        // punctuation, full-width forms.
        3 => range('\u{4e00}', '\u{9fff}'),
        1 => range('\u{3400}', '\u{4dbf}'),
        1 => range('\u{f900}', '\u{faff}'),
        1 => range('\u{20000}', '\u{2fa1f}'),
        1 => range('\u{3000}', '\u{303f}'),
        1 => range('\u{ff00}', '\u{ffef}'),
        // Emoji, skin tones, joiners and variation selectors.
        1 => range('\u{1f300}', '\u{1faff}'),
        1 => select(vec!['\u{200d}', '\u{fe0f}', '\u{fe0e}', '\u{1f3fb}', '\u{20e3}']),
        // Control characters (C0, DEL, C1), line and paragraph separators, bidi overrides.
        1 => range('\u{0}', '\u{1f}'),
        1 => range('\u{7f}', '\u{9f}'),
        1 => select(vec!['\u{2028}', '\u{2029}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{feff}']),
        2 => select(SYNTAX),
        1 => range('\u{300}', '\u{36f}'),
    ]
    .boxed()
}

/// Scheme names, acronyms, aliases and keywords from the corpus, question words and snippets.
fn vocabulary() -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for s in &engine().corpus().schemes {
        words.push(s.id.clone());
        words.push(s.name_en.clone());
        words.push(s.name_zh.clone());
        words.extend(s.acronym.clone());
        words.extend(s.aliases.iter().cloned());
        words.extend(s.keywords.iter().cloned());
    }
    words.extend(QUESTION_WORDS.iter().map(|w| (*w).to_owned()));
    words.extend(SNIPPETS.iter().map(|w| (*w).to_owned()));
    words
}

/// A word with one character replaced, deleted or inserted (what the fuzzy name match sees).
fn typo(word: &str, at: Index, c: char, how: u8) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.is_empty() {
        return c.to_string();
    }
    let i = at.index(chars.len());
    match how % 3 {
        0 => chars[i] = c,
        1 => {
            chars.remove(i);
        }
        _ => chars.insert(i, c),
    }
    chars.into_iter().collect()
}

/// One piece of a question.
fn piece() -> BoxedStrategy<String> {
    let words = vocabulary();
    prop_oneof![
        4 => select(words.clone()),
        2 => (select(words), any::<Index>(), interesting_char(), any::<u8>())
            .prop_map(|(w, at, c, how)| typo(&w, at, c, how)),
        2 => select(vec![" ", " ", "  ", "\n", "\t", "?", "？", "，", "、"]).prop_map(str::to_owned),
        2 => proptest::collection::vec(interesting_char(), 1..8).prop_map(String::from_iter),
        1 => "\\PC{0,8}",
        1 => "[0-9]{1,12}([.,][0-9]{1,4})?",
    ]
    .boxed()
}

/// Arbitrary text: pieces of questions, any Unicode, and long runs of special characters.
fn text() -> BoxedStrategy<String> {
    use proptest::collection::vec;
    prop_oneof![
        4 => vec(piece(), 0..16).prop_map(|p| p.concat()),
        // Browse requests as asked (noise makes them questions about something).
        1 => select(sample_questions(|e| e.starts_with("list"))),
        2 => (select(sample_questions(|_| true)), vec(piece(), 0..3), any::<bool>())
            .prop_map(|(q, noise, before)| {
                let noise = noise.concat();
                if before { noise + &q } else { q + &noise }
            }),
        2 => any::<String>(),
        1 => "\\PC*",
        2 => vec(interesting_char(), 0..64).prop_map(String::from_iter),
        1 => vec(interesting_char(), 0..2000).prop_map(String::from_iter),
    ]
    .boxed()
}

/// Text for what render splits into messages: [`text`], or more than one message can hold
/// (beyond 4096 UTF-16 units, with astral characters and entities counted as Telegram does).
fn long_text() -> BoxedStrategy<String> {
    use proptest::collection::vec;
    // A short run repeated: long text that is cheap to generate and to shrink.
    prop_oneof![
        4 => text(),
        1 => (vec(interesting_char(), 1..24), 1usize..400)
            .prop_map(|(run, n)| String::from_iter(run).repeat(n)),
    ]
    .boxed()
}

/// Scheme ids as the corpus (lowercase, digits, '-', at most 40) and the callback parser
/// (also '_', at most 48) accept them.
fn scheme_id() -> impl Strategy<Value = String> {
    "[a-z0-9_-]{1,48}"
}

fn category() -> impl Strategy<Value = Category> {
    select(Category::ALL.to_vec())
}

fn any_lang() -> impl Strategy<Value = Lang> {
    select(LANGS.to_vec())
}

/// Money figures: anything up to `u64::MAX`, and round figures like those in the fact sheet.
fn amount() -> BoxedStrategy<u64> {
    prop_oneof![
        any::<u64>(),
        (0u64..100_000).prop_map(|n| n * 10_000),
        (0u64..1_000).prop_map(|n| n * 10_000_000),
        0u64..10_000,
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// Checks

/// Whether Telegram would find visible text in (already validated) HTML: it trims the text and
/// refuses a message that is empty after trimming.
fn has_visible_text(html: &str) -> bool {
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            // Render only writes &lt; &gt; &amp; &quot;, all visible.
            '&' if !in_tag => return true,
            c if !in_tag && !c.is_whitespace() => return true,
            _ => {}
        }
    }
    false
}

/// A reply Telegram accepts: at least one message, each valid HTML within the limit and not only
/// whitespace; non-empty plain text; buttons with text, and callback data of 1 to 64 bytes.
fn check_reply(r: &Reply) -> Result<(), TestCaseError> {
    prop_assert!(!r.html.is_empty(), "a reply with no message");
    for part in &r.html {
        if let Err(e) = check_message(part) {
            return Err(TestCaseError::fail(format!("{e}\n--- message ---\n{part}")));
        }
        prop_assert!(
            has_visible_text(part),
            "a message of whitespace only: {part:?}"
        );
    }
    prop_assert!(!r.plain.trim().is_empty(), "empty plain text");
    for row in &r.buttons {
        prop_assert!(!row.is_empty(), "an empty keyboard row");
        for b in row {
            match b {
                Button::Callback { text, data } => {
                    prop_assert!(!text.trim().is_empty(), "a button without text: {b:?}");
                    let wire = data.to_string();
                    prop_assert!(
                        (1..=MAX_CALLBACK_BYTES).contains(&wire.len()),
                        "callback data of {} bytes: {wire:?}",
                        wire.len()
                    );
                }
                Button::Url { text, url } => {
                    prop_assert!(!text.trim().is_empty(), "a button without text: {b:?}");
                    prop_assert!(
                        url.starts_with("https://") || url.starts_with("http://"),
                        "not a web address: {url:?}"
                    );
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Corpus edits

/// One edit to a copy of the corpus: which scheme, which field, and the material for the value.
#[derive(Clone, Debug)]
struct Edit {
    scheme: Index,
    field: u8,
    text: String,
    amount: u64,
    id: String,
}

/// How many kinds of edit [`apply`] knows.
const EDIT_KINDS: u8 = 30;

fn edit() -> impl Strategy<Value = Edit> {
    (
        any::<Index>(),
        0..EDIT_KINDS,
        long_text(),
        amount(),
        "[a-z0-9-]{1,40}",
    )
        .prop_map(|(scheme, field, text, amount, id)| Edit {
            scheme,
            field,
            text,
            amount,
            id,
        })
}

/// A date the loader accepts (`YYYY-MM-DD`, month 1-12, day 1-31), mostly near today.
fn date(n: u64) -> String {
    let year = if n & 1 == 0 {
        2020 + (n >> 1) % 15
    } else {
        (n >> 1) % 10_000
    };
    format!(
        "{year:04}-{:02}-{:02}",
        1 + (n >> 5) % 12,
        1 + (n >> 9) % 31
    )
}

/// `text`, or `text` after an "x" when it is blank (the loader refuses blank names and texts).
fn nonblank(text: &str) -> String {
    if text.trim().is_empty() {
        format!("x{text}")
    } else {
        text.to_owned()
    }
}

/// Applies an edit, keeping within what `Corpus::load` accepts: names and texts not blank,
/// links starting with `http(s)://` without whitespace, dates well formed, ids unique.
fn apply(corpus: &mut Corpus, e: &Edit) {
    let i = e.scheme.index(corpus.schemes.len());
    let taken = corpus.schemes.iter().any(|s| s.id == e.id);
    match e.field {
        // A scheme leaves the corpus, or a new one (a copy under another id) joins it.
        28 if corpus.schemes.len() > 1 => {
            corpus.schemes.remove(i);
        }
        29 if !taken => {
            let mut copy: Scheme = corpus.schemes[i].clone();
            copy.id = e.id.clone();
            copy.name_en = nonblank(&e.text);
            corpus.schemes.push(copy);
        }
        _ => edit_fields(&mut corpus.schemes[i], e, taken),
    }
    // `Corpus::get` looks ids up by binary search.
    corpus.schemes.sort_by(|a, b| a.id.cmp(&b.id));
}

/// Applies an edit to one scheme's fields (or its id, when `taken` says the new id is free).
fn edit_fields(s: &mut Scheme, e: &Edit, taken: bool) {
    let nonblank = || nonblank(&e.text);
    let optional = || (!e.text.trim().is_empty()).then(|| e.text.clone());
    let url = || {
        let rest: String = e.text.chars().filter(|c| !c.is_whitespace()).collect();
        format!("https://{rest}")
    };
    let figure = (!e.amount.is_multiple_of(7)).then_some(e.amount);
    match e.field {
        0 => s.name_en = nonblank(),
        1 => s.name_zh = nonblank(),
        2 => s.acronym = optional(),
        3 => s.category = Category::ALL[(e.amount % 8) as usize],
        4 => {
            s.status = Status::ALL[(e.amount % 5) as usize];
        }
        5 => s.opens = (!e.amount.is_multiple_of(3)).then(|| date(e.amount)),
        6 => s.deadline = (!e.amount.is_multiple_of(3)).then(|| date(e.amount)),
        7 => s.url = url(),
        8 => s.more_urls.push(url()),
        9 => s.money.total_budget = figure,
        10 => s.money.max_per_project = figure,
        11 => s.money.min_project_cost = figure,
        12 => s.money.max_per_applicant = figure,
        13 => s.money.max_per_person = figure,
        14 => s.money.monthly_allowance = figure,
        15 => {
            // A ratio of small shares, what it applies to taken from the edit's text.
            s.money.matching = (!e.amount.is_multiple_of(3))
                .then(|| Ratio {
                    government: u32::try_from(e.amount % 5).unwrap_or(0) + 1,
                    partner: u32::try_from(e.amount % 4).unwrap_or(0) + 1,
                    who: Partner::Company,
                    bound: Bound::UpTo,
                    part_en: optional(),
                    part_zh: optional(),
                })
                .into_iter()
                .collect();
        }
        16 => s.en.summary = nonblank(),
        17 => s.en.eligibility = nonblank(),
        18 => s.en.money = nonblank(),
        19 => s.en.apply = nonblank(),
        20 => s.en.status = nonblank(),
        21 => s.zh.summary = nonblank(),
        22 => s.zh.eligibility = nonblank(),
        23 => s.zh.money = nonblank(),
        24 => s.zh.apply = nonblank(),
        25 => s.zh.status = nonblank(),
        26 => s.body_en = nonblank(),
        27 if !taken => s.id = e.id.clone(),
        _ => s.body_zh = nonblank(),
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(config(300))]

    /// Normalisation never panics and maps every normalised character back to exactly one
    /// character of the original, in order; name keys are letters and digits separated by
    /// single spaces.
    #[test]
    fn normalize_keeps_an_origin_for_every_character(s in text()) {
        let n = normalize(&s);
        prop_assert_eq!(n.chars.len(), n.origin.len());
        let mut last = 0;
        for &(from, to) in &n.origin {
            prop_assert!(from < to && to <= s.len(), "{from}..{to} in {} bytes", s.len());
            prop_assert!(s.is_char_boundary(from) && s.is_char_boundary(to), "{from}..{to}");
            prop_assert_eq!(s[from..to].chars().count(), 1, "{}..{} is one character", from, to);
            prop_assert!(from >= last, "origins go backwards at {from}");
            last = from;
        }
        let key = name_key(&s);
        prop_assert!(key.chars().all(|c| c == ' ' || c.is_alphanumeric()), "{key:?}");
        prop_assert!(
            !key.starts_with(' ') && !key.ends_with(' ') && !key.contains("  "),
            "{key:?}"
        );
    }

    /// Every token covers a non-empty range of the original on character boundaries, has text
    /// with a letter or digit in it, and is numbered in order.
    #[test]
    fn analyzer_tokens_point_into_the_text(s in text()) {
        let tokens = engine().analyzer().analyze(&s);
        for (i, t) in tokens.iter().enumerate() {
            prop_assert!(t.from < t.to && t.to <= s.len(), "{t:?} in {} bytes", s.len());
            prop_assert!(s.is_char_boundary(t.from) && s.is_char_boundary(t.to), "{t:?}");
            prop_assert!(!t.text.is_empty(), "{t:?}");
            prop_assert!(
                t.text.chars().any(char::is_alphanumeric),
                "{t:?} from {:?}", &s[t.from..t.to]
            );
            prop_assert_eq!(t.position, i);
        }
    }

    /// Escaped text has no markup left, shows exactly the original characters, and is a valid
    /// message on its own and inside `<b>`.
    #[test]
    fn escaped_text_is_inert(s in text()) {
        let e = escape(&s);
        prop_assert!(!e.contains('<') && !e.contains('>'), "{e:?}");
        let units = s.encode_utf16().count();
        prop_assert_eq!(parse_html(&e), Ok(units));
        prop_assert_eq!(parse_html(&format!("<b>{e}</b>")), Ok(units));
        if (1..=MAX_TEXT).contains(&units) {
            if let Err(err) = check_message(&e) {
                return Err(TestCaseError::fail(format!("{err}: {e:?}")));
            }
            if let Err(err) = check_message(&format!("<b>{e}</b>")) {
                return Err(TestCaseError::fail(format!("{err}: <b>{e:?}</b>")));
            }
        }
    }

    /// Topic keys round-trip, and the longest callback data the bot writes from a topic
    /// (`sub:<topic>;<lang>`, `un:<topic>;<lang>`, `s:<id>;<lang>`, see src/bot/callback.rs)
    /// fits in 64 bytes for every id the callback parser accepts.
    #[test]
    fn topic_callback_data_fits(id in scheme_id(), cat in category(), lang in any_lang()) {
        for topic in [Topic::All, Topic::Category(cat), Topic::Scheme(id.clone())] {
            let key = topic.key();
            prop_assert_eq!(Topic::parse(&key), Some(topic.clone()));
            for data in [
                format!("sub:{key};{}", lang.code()),
                format!("un:{key};{}", lang.code()),
                format!("s:{id};{}", lang.code()),
            ] {
                prop_assert!(data.len() <= MAX_CALLBACK_BYTES, "{} bytes: {data}", data.len());
            }
        }
    }

    /// An announcement of any text is sendable in every language and shows the text as written.
    #[test]
    fn broadcasts_are_sendable(s in long_text().prop_filter("the bot refuses an empty broadcast",
        |s| !s.trim().is_empty())) {
        for lang in LANGS {
            let r = broadcast(&s, lang);
            check_reply(&r)?;
            prop_assert!(r.plain.ends_with(&s));
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Any question gets an answer (never a panic) that renders to sendable messages, in the
    /// question's language or the one asked for; the same question gets the same answer.
    #[test]
    fn any_question_renders_to_sendable_messages(s in text()) {
        let corpus = engine().corpus();
        let first = answer(engine(), &s, None, 3);
        let again = answer(engine(), &s, None, 3);
        prop_assert_eq!(&first, &again, "the same question, another answer");
        for lang in [None, Some(Lang::ZhHans), Some(Lang::En), Some(Lang::ZhHant)] {
            let a = if lang.is_none() { first.clone() } else { answer(engine(), &s, lang, 3) };
            prop_assert!(a.question.chars().count() <= MAX_QUESTION_CHARS);
            if let Some(l) = lang {
                prop_assert_eq!(a.lang, l);
            }
            if let Found::Schemes(hits) = &a.found {
                prop_assert!(hits.len() <= 3, "{hits:?}");
                for (i, h) in hits.iter().enumerate() {
                    prop_assert!(h.scheme < corpus.schemes.len() && h.score.is_finite(), "{h:?}");
                    prop_assert!(hits[..i].iter().all(|o| o.scheme != h.scheme), "{hits:?}");
                }
            }
            check_reply(&render(&a, corpus))?;
        }
    }
}

proptest! {
    #![proptest_config(config(100))]

    /// Whatever an operator writes into the corpus (within what the loader accepts), every
    /// scheme card, every list, the change notices (all of them, and each chat's share by
    /// topic, rendered against the old and the new corpus, after a trip through the outbox's
    /// JSON) and deadline reminders are sendable in every language.
    #[test]
    fn edited_corpora_render_sendable_replies(
        edits in proptest::collection::vec(edit(), 1..6),
        stray_id in scheme_id(),
        stray_deadline in text(),
        days_left in prop_oneof![-10i64..40, any::<i64>()],
    ) {
        let old = engine().corpus();
        let mut new: Corpus = (**old).clone();
        for e in &edits {
            apply(&mut new, e);
        }
        for lang in LANGS {
            for s in &new.schemes {
                check_reply(&scheme_reply(s, &new, lang))?;
                if let Some(deadline) = &s.deadline {
                    check_reply(&reminder(Some(s), &s.id, deadline, days_left, lang))?;
                }
            }
            check_reply(&list(&new, None, lang))?;
            for c in Category::ALL {
                check_reply(&list(&new, Some(c), lang))?;
            }
            check_reply(&reminder(None, &stray_id, &stray_deadline, days_left, lang))?;
        }

        let changes = diff(&Snapshot::of(old), &Snapshot::of(&new));
        let mut subscriptions: Vec<(i64, Topic)> = vec![(0, Topic::All)];
        // One chat per topic: everything, each category, each changed scheme.
        subscriptions.extend((1..).zip(Category::ALL).map(|(chat, c)| (chat, Topic::Category(c))));
        subscriptions.extend(
            (100..).zip(&changes).map(|(chat, c)| (chat, Topic::Scheme(c.id().to_owned()))),
        );
        let shares = recipients(&changes, &subscriptions);
        for share in shares.values() {
            let payload = Payload::Notice { changes: share.clone() };
            let json = serde_json::to_string(&payload).expect("a payload serialises");
            let stored: Payload = serde_json::from_str(&json).expect("a payload reads back");
            prop_assert_eq!(&stored, &payload);
            for lang in LANGS {
                for corpus in [&**old, &new] {
                    check_reply(&stored.render(corpus, lang))?;
                }
            }
        }
        for change in &changes {
            for lang in LANGS {
                check_reply(&notice(std::slice::from_ref(change), &new, lang))?;
            }
            if let SchemeChange::Changed { fields, .. } = change {
                prop_assert!(!fields.is_empty(), "a change without fields: {change:?}");
            }
        }
    }
}

/// Found by `analyzer_tokens_point_into_the_text` (minimal input "\u{2ee5e}"): `is_han` covered
/// whole blocks, unassigned code points included, so the analyzer kept them as Han tokens
/// instead of dropping them like other non-letters; as unknown words they carried the largest
/// weight, so "研究人才 資助" got the talent list but "研究人才 資助 \u{2ee5e}" found nothing.
#[test]
fn unassigned_code_points_in_han_blocks_are_not_tokens() {
    for s in [
        "\u{2ee5e}",
        "\u{fa6e}",
        "\u{2a6e0}",
        "研究人才 資助 \u{2ee5e}",
    ] {
        let tokens = engine().analyzer().analyze(s);
        assert!(
            tokens
                .iter()
                .all(|t| t.text.chars().any(char::is_alphanumeric)),
            "{s:?}: {tokens:?}"
        );
    }
    let with = answer(engine(), "研究人才 資助 \u{2ee5e}", None, 3);
    let without = answer(engine(), "研究人才 資助", None, 3);
    assert_eq!(with.found, without.found);
}
