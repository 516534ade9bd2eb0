//! Conversation cues: small talk (greetings, thanks, goodbyes, "who are you", "can you help
//! me") and the words that tie a question to the last answer ("is it open?", "and TechTAS?",
//! "A vs B", "what can I apply for?").
//!
//! The phrases live in `data/chat.toml`, one list per kind and register, matched after
//! [`name_key`] folding (so one Traditional spelling covers Simplified), Latin phrases on word
//! boundaries only. A message is small talk only when, once every known phrase and filler word is
//! removed, nothing is left: "thanks" is small talk, "thanks, and how much is TVP?" is a question.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use serde::Deserialize;

use super::normalize::name_key;

/// The phrase lists, embedded at build time.
pub const SOURCE: &str = include_str!("data/chat.toml");

/// What kind of small talk a message is; the reply depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SmallTalk {
    /// "who are you", "are you a bot", "你係真人嗎".
    Identity,
    /// "can you help me", "我想問".
    Help,
    /// "thanks", "唔該晒", "谢谢".
    Thanks,
    /// "bye", "拜拜".
    Bye,
    /// "hi", "早晨".
    Greeting,
}

impl SmallTalk {
    /// Every kind, in the order that decides a message with several ("hi, who are you?").
    pub const ALL: [SmallTalk; 5] = [
        SmallTalk::Identity,
        SmallTalk::Help,
        SmallTalk::Thanks,
        SmallTalk::Bye,
        SmallTalk::Greeting,
    ];

    /// The key used in `smalltalk.toml`, JSON output and metrics.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            SmallTalk::Identity => "identity",
            SmallTalk::Help => "help",
            SmallTalk::Thanks => "thanks",
            SmallTalk::Bye => "bye",
            SmallTalk::Greeting => "greeting",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Phrases {
    en: Vec<String>,
    zh: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmallTalkFile {
    identity: Phrases,
    help: Phrases,
    thanks: Phrases,
    bye: Phrases,
    greeting: Phrases,
    filler: Phrases,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Compare {
    en: Vec<String>,
    zh: Vec<String>,
    weak: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Continues {
    start_en: Vec<String>,
    start_zh: Vec<String>,
    end_zh: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    /// Words that open an English question.
    start: Vec<String>,
    /// Chinese question words and particles, anywhere.
    zh: Vec<String>,
}

/// Phrases in which `*` stands for each of `nouns`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithNouns {
    en: Vec<String>,
    zh: Vec<String>,
    /// What `*` in a phrase stands for.
    nouns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CuesFile {
    compare: Compare,
    refer: Phrases,
    continues: Continues,
    question: Question,
    #[serde(rename = "match")]
    match_: WithNouns,
    summary: Phrases,
    exists: WithNouns,
    amount: Phrases,
    which: Phrases,
    #[serde(rename = "self")]
    self_: Phrases,
    pay: Phrases,
    per: Phrases,
    member: Phrases,
    eligibility: Phrases,
    when: Phrases,
    apply: Phrases,
    count: Phrases,
    money: Phrases,
    now: Phrases,
    past: Phrases,
    gone: Phrases,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    smalltalk: SmallTalkFile,
    cues: CuesFile,
}

fn file() -> &'static File {
    static FILE: OnceLock<File> = OnceLock::new();
    FILE.get_or_init(|| toml::from_str(SOURCE).expect("src/text/data/chat.toml is valid"))
}

/// Folded keys of `phrases`, longest first.
fn keys<'a>(phrases: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = phrases
        .into_iter()
        .map(|p| name_key(p))
        .filter(|k| !k.is_empty())
        .collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out
}

/// `phrases` with each `*` replaced by each of `nouns` (a phrase without `*` stays as it is).
fn expand<'a>(phrases: impl IntoIterator<Item = &'a String>, nouns: &[String]) -> Vec<String> {
    phrases
        .into_iter()
        .flat_map(|p| {
            if p.contains('*') {
                nouns.iter().map(|n| p.replace('*', n)).collect()
            } else {
                vec![p.clone()]
            }
        })
        .collect()
}

/// The cue lists, folded.
struct Cues {
    refer: CueSet,
    start: CueSet,
    end: CueSet,
    question_start: CueSet,
    question: CueSet,
    self_: CueSet,
    amount: CueSet,
    pay: CueSet,
    eligibility: CueSet,
    when: CueSet,
    apply: CueSet,
    count: CueSet,
    /// The lists [`cue`] only asks "any of it in the question?" of, in one automaton, so the
    /// question is read once for all of them (see [`Cues::found`]).
    combined: Combined,
}

/// Several cue lists in one Aho-Corasick automaton, each phrase with the bits of the lists that
/// hold it.
struct Combined {
    set: CueSet,
    bits: Vec<u32>,
}

/// A list's bit in [`Cues::found`].
mod bit {
    pub const COMPARE: u32 = 1;
    pub const COMPARE_WEAK: u32 = 1 << 1;
    pub const MATCH: u32 = 1 << 2;
    pub const SUMMARY: u32 = 1 << 3;
    pub const EXISTS: u32 = 1 << 4;
    pub const AMOUNT: u32 = 1 << 5;
    pub const WHICH: u32 = 1 << 6;
    pub const PAY: u32 = 1 << 7;
    pub const PER: u32 = 1 << 8;
    pub const MEMBER: u32 = 1 << 9;
    pub const APPLY: u32 = 1 << 10;
    pub const COUNT: u32 = 1 << 11;
    pub const MONEY: u32 = 1 << 12;
    pub const NOW: u32 = 1 << 13;
    pub const PAST: u32 = 1 << 14;
    pub const GONE: u32 = 1 << 15;
}

impl Cues {
    /// The lists found on word boundaries in the folded `text`, as [`bit`]s: the same as
    /// asking each list's [`CueSet::any_in`], in one pass.
    fn found(&self, text: &str) -> u32 {
        let Combined { set, bits } = &self.combined;
        set.hits(text).fold(0, |found, (k, _)| found | bits[k])
    }
}

impl Combined {
    fn new(lists: &[(u32, &CueSet)]) -> Combined {
        let mut phrases: Vec<String> = Vec::new();
        let mut bits: Vec<u32> = Vec::new();
        let mut position: super::WordMap<&str, usize> = Default::default();
        for &(bit, list) in lists {
            for p in list.iter() {
                let k = *position.entry(p).or_insert_with(|| {
                    phrases.push(p.clone());
                    bits.push(0);
                    phrases.len() - 1
                });
                bits[k] |= bit;
            }
        }
        Combined {
            set: CueSet::new(phrases),
            bits,
        }
    }
}

fn cues() -> &'static Cues {
    static CUES: OnceLock<Cues> = OnceLock::new();
    CUES.get_or_init(|| {
        let c = &file().cues;
        let both = |l: &Phrases| CueSet::new(keys(l.en.iter().chain(&l.zh)));
        let compare = CueSet::new(keys(c.compare.en.iter().chain(&c.compare.zh)));
        let compare_weak = CueSet::new(keys(&c.compare.weak));
        let match_ = CueSet::new(keys(&expand(
            c.match_.en.iter().chain(&c.match_.zh),
            &c.match_.nouns,
        )));
        let summary = both(&c.summary);
        let exists = CueSet::new(keys(&expand(
            c.exists.en.iter().chain(&c.exists.zh),
            &c.exists.nouns,
        )));
        let amount = both(&c.amount);
        let which = both(&c.which);
        let pay = both(&c.pay);
        let per = both(&c.per);
        let member = both(&c.member);
        let apply = both(&c.apply);
        let count = both(&c.count);
        let money = both(&c.money);
        let now = both(&c.now);
        let past = both(&c.past);
        let gone = both(&c.gone);
        let combined = Combined::new(&[
            (bit::COMPARE, &compare),
            (bit::COMPARE_WEAK, &compare_weak),
            (bit::MATCH, &match_),
            (bit::SUMMARY, &summary),
            (bit::EXISTS, &exists),
            (bit::AMOUNT, &amount),
            (bit::WHICH, &which),
            (bit::PAY, &pay),
            (bit::PER, &per),
            (bit::MEMBER, &member),
            (bit::APPLY, &apply),
            (bit::COUNT, &count),
            (bit::MONEY, &money),
            (bit::NOW, &now),
            (bit::PAST, &past),
            (bit::GONE, &gone),
        ]);
        Cues {
            refer: both(&c.refer),
            start: CueSet::new(keys(
                c.continues.start_en.iter().chain(&c.continues.start_zh),
            )),
            end: CueSet::new(keys(&c.continues.end_zh)),
            question_start: CueSet::new(keys(&c.question.start)),
            question: CueSet::new(keys(&c.question.zh)),
            self_: both(&c.self_),
            amount,
            pay,
            eligibility: both(&c.eligibility),
            when: both(&c.when),
            apply,
            count,
            combined,
        }
    })
}

/// Folded phrases, longest first, each with its kind (`None` for filler).
fn phrases() -> &'static [(String, Option<SmallTalk>)] {
    static PHRASES: OnceLock<Vec<(String, Option<SmallTalk>)>> = OnceLock::new();
    PHRASES.get_or_init(|| {
        let file = &file().smalltalk;
        let lists = [
            (&file.identity, Some(SmallTalk::Identity)),
            (&file.help, Some(SmallTalk::Help)),
            (&file.thanks, Some(SmallTalk::Thanks)),
            (&file.bye, Some(SmallTalk::Bye)),
            (&file.greeting, Some(SmallTalk::Greeting)),
            (&file.filler, None),
        ];
        let mut out: Vec<(String, Option<SmallTalk>)> = lists
            .iter()
            .flat_map(|(p, kind)| p.en.iter().chain(&p.zh).map(move |x| (name_key(x), *kind)))
            .filter(|(key, _)| !key.is_empty())
            .collect();
        out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    })
}

/// Every small-talk and filler phrase as one automaton, for [`classify`]'s fast rejection.
fn small_talk_set() -> &'static CueSet {
    static SET: OnceLock<CueSet> = OnceLock::new();
    SET.get_or_init(|| CueSet::new(phrases().iter().map(|(p, _)| p.clone()).collect()))
}

/// Whether a match of `phrase` at byte `start` of `text` stands on word boundaries: Latin
/// phrases must not touch other Latin letters or digits ("hi" is not in "chip").
fn on_boundaries(text: &str, start: usize, phrase: &str) -> bool {
    let end = start + phrase.len();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let first_latin = phrase
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let last_latin = phrase
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    !((first_latin && latin(before)) || (last_latin && latin(after)))
}

/// A cue list as one Aho-Corasick automaton: every phrase is looked for in one pass over the
/// question instead of one substring search per phrase (the cue lists hold hundreds).
struct CueSet {
    phrases: Vec<String>,
    automaton: AhoCorasick,
}

impl CueSet {
    fn new(phrases: Vec<String>) -> CueSet {
        let automaton = AhoCorasick::new(&phrases).expect("cue phrases build an automaton");
        CueSet { phrases, automaton }
    }

    /// The phrases found in `text` on word boundaries (overlapping matches included).
    fn found<'a>(&'a self, text: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.found_at(text).map(|(_, phrase)| phrase)
    }

    /// Like [`CueSet::found`], with the byte offset of each match.
    fn found_at<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        self.hits(text)
            .map(|(k, start)| (start, self.phrases[k].as_str()))
    }

    /// Every match on word boundaries (overlapping ones included) as (phrase index, byte
    /// offset).
    fn hits<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
        self.automaton
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start()))
            .filter(|&(k, start)| on_boundaries(text, start, &self.phrases[k]))
    }

    /// Whether any phrase is in `text` on word boundaries.
    fn any_in(&self, text: &str) -> bool {
        self.found(text).next().is_some()
    }

    /// Whether any phrase is in `text` at all, word boundaries or not.
    fn occurs_in(&self, text: &str) -> bool {
        self.automaton.is_match(text)
    }

    fn iter(&self) -> std::slice::Iter<'_, String> {
        self.phrases.iter()
    }
}

/// What a question says about its place in a conversation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cue {
    /// Asks to compare ("vs", "有咩分別", "还是").
    pub compare: bool,
    /// Compares only if two schemes are named in the question itself ("TVP or TSSSU").
    pub compare_weak: bool,
    /// Points back at the last answer's scheme ("it", "佢", "这个").
    pub refers_back: bool,
    /// Continues the last question with another subject ("and TechTAS?", "咁科技券呢？").
    pub continues: bool,
    /// Asks a question of its own beside the continuation's words ("那第三个平台研究什么方向？"
    /// asks what; "咁科技券呢？" only moves the last question on).
    pub asks_own: bool,
    /// Asks whether the asker still qualifies ("still OK?", "still eligible?"): not a date
    /// question, though it says "still".
    pub asks_still_fits: bool,
    /// Asks whether an amount still holds ("is it still up to 1M per school?"): a money
    /// question, not a date question, though it says "still".
    pub asks_still_amount: bool,
    /// Asks what the asker can apply for ("what can I apply for?", "我可以申請咩").
    pub asks_match: bool,
    /// Asks who may apply ("who can apply?", "可唔可以申請", "can my start-up apply?"),
    /// though it says "apply".
    pub asks_eligibility: bool,
    /// Asks about status, dates or time ("can I still apply?", "how long", "幾耐").
    pub asks_when: bool,
    /// Asks how to apply ("what are the steps?", "點樣申請").
    pub asks_apply: bool,
    /// Asks how many ("how many labs", "幾多個"), not how much.
    pub asks_count: bool,
    /// Names money plainly ("most", "maximum", "錢", "上限"): a count question with it is
    /// still about money ("一間公司最多可以請幾多個？").
    pub asks_money: bool,
    /// Asks what a scheme is or covers ("what can the money be used for?", "係咩嚟？").
    pub asks_summary: bool,
    /// Asks whether any support exists ("is there a subsidy for that?", "有冇funding？",
    /// "any government co-funding?"): with no scheme named, a question about what fits.
    pub asks_exists: bool,
    /// Asks for an amount ("how much", "maximum", "幾多", "上限").
    pub asks_amount: bool,
    /// Asks which kind of asker ("which universities?", "哪些公司").
    pub asks_which: bool,
    /// The asker describes themselves ("I have 60 staff", "我哋係餐廳").
    pub describes_self: bool,
    /// Quotes a ratio ("2比1", "1:1", "2 to 1"): a question about the matching terms.
    pub quotes_ratio: bool,
    /// Asks about the asker's own share of the cost ("our own money", "自己出錢").
    pub asks_pay: bool,
    /// Asks what a scheme gives ("what does CCMF give?", "does TechTAS give any money?").
    pub asks_gives: bool,
    /// Counts an amount per unit ("每家企业", "per company", "each project").
    pub per_unit: bool,
    /// Describes the asker as a member of a programme ("a Cyberport incubatee", "科學園租戶")
    /// and ends by asking whether they may take part, naming nothing to apply to ("…apply?",
    /// "…可唔可以申請？"): a scheme named in it describes the asker.
    pub member_asks: bool,
    /// A yes/no question: an A-not-A verb ("報唔報得", "算不算"), a final 嗎/吗, 可否 / 能否 /
    /// 是否, or English opening with an auxiliary ("can we…", "is it…", "would that…").
    pub asks_yes_no: bool,
    /// A yes/no question about the asker taking part: it speaks of the asker ("我哋…報唔報得？",
    /// "can we join without…?") or asks with a taking-part verb ("佢報唔報得？", "計唔計？").
    /// "Does it cover AI tools?" is a yes/no question about the scheme, not this.
    pub asks_if_may: bool,
    /// An English yes/no question asking permission: opened by an auxiliary, with "can",
    /// "could" or "may" before anyone but the bot ("could we submit it ourselves?", "Could I
    /// sign up personally?", "is it something I can apply to?"); not how, where or by what
    /// means ("can I apply online?").
    pub asks_permission: bool,
    /// Speaks of today, and not against the past ("what's the current ratio?", "那新的计划…",
    /// "改咗名之後…"; not "以前是三分之二，现在还是这样吗？").
    pub speaks_of_now: bool,
    /// Says a scheme has ended or been replaced ("now that the tech voucher is gone", "科技券
    /// 冇咗", "取代咗"): of two schemes named, one that closed sets the scene.
    pub says_gone: bool,
}

/// Words that make a permission-shaped question one about the way of doing it.
const MEANS: [&str; 9] = [
    "how", "where", "online", "email", "post", "person", "form", "website", "portal",
];

/// Verbs of asking for information: "can I ask …", "could we know …" request an answer, not
/// permission to take part.
const INFORMATION_VERBS: [&str; 8] = [
    "ask",
    "know",
    "check",
    "see",
    "find",
    "learn",
    "hear",
    "understand",
];

/// Whether folded `text` asks permission (see [`Cue::asks_permission`]).
fn asks_permission(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let opens = words.first().is_some_and(|w| AUXILIARIES.contains(w));
    opens
        && !words.iter().any(|w| MEANS.contains(w))
        && words.windows(3).any(|w| {
            matches!(w[0], "can" | "could" | "may")
                && !matches!(
                    w[1],
                    "you" | "u" | "ya" | "someone" | "somebody" | "anyone" | "anybody"
                )
                && !INFORMATION_VERBS.contains(&w[2])
        })
}

/// Verbs that make "can … <verb>" a question about who may take part.
const TAKE_PART: [&str; 6] = ["apply", "join", "use", "lead", "participate", "qualify"];

/// "can my start-up apply", "could my company apply for it?", "can a professor who already
/// works in HK lead a project": "can" or "could" followed, within eight words, by a verb of
/// taking part; in mixed text a Chinese modal right before one ("都可以apply").
fn can_take_part(text: &str) -> bool {
    let mixed = ["可以", "能"]
        .iter()
        .any(|m| TAKE_PART.iter().any(|v| text.contains(&format!("{m}{v}"))));
    let words: Vec<&str> = text.split(' ').collect();
    mixed
        || words.iter().enumerate().any(|(i, w)| {
            matches!(*w, "can" | "could")
                && words[i + 1..]
                    .iter()
                    .take(9)
                    .skip(1)
                    .any(|v| TAKE_PART.contains(v))
        })
}

/// Characters that, right after "多少" / "几多" (folded "幾多"), say the quantity is money or a
/// share of it ("幾多錢", "多少成", "几多万", "幾多一個月"; also [`MONEY_WORDS_AFTER`]); any
/// other Han character names something counted ("幾多算力", "多少名额", "幾多人").
const MONEY_AFTER: &str = "钱蚊成资津补拨万亿元港金经费薪倍比预奖租一每";

/// Money words (folded) whose first character alone does not say money ("幾多人工" but "幾多人";
/// "幾多公帑" but "幾多公司").
const MONEY_WORDS_AFTER: [&str; 2] = ["人工", "公帑"];

/// Particles that may follow "幾多" at the end of a question ("幾多呀？").
const PARTICLES: &str = "呀啊呢吗嘅啦㗎喇咧嘛吖啫架先";

/// "超算中心有幾多算力？", "多少名额": a quantity word followed by something other than money.
fn counts_other(text: &str) -> bool {
    ["多少", "几多"].iter().any(|q| {
        text.match_indices(q).any(|(i, _)| {
            let rest = &text[i + q.len()..];
            let mut chars = rest.chars();
            match chars.next() {
                Some(c) if super::is_han(c) => {
                    !MONEY_AFTER.contains(c)
                        && !PARTICLES.contains(c)
                        && !MONEY_WORDS_AFTER.iter().any(|w| rest.starts_with(w))
                }
                _ => false,
            }
        })
    })
}

/// "仲申唔申請到？", "还能不能申请": "still" followed by an A-not-A question. Not "仲使唔使請埋
/// 本地人？" ("do we still have to…"), which asks what is required.
fn still_a_not_a(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        (c == '仲' || c == '还')
            && (i + 1..(i + 3).min(chars.len())).any(|j| {
                j + 2 < chars.len()
                    && (chars[j + 1] == '唔' || chars[j + 1] == '不')
                    && chars[j] == chars[j + 2]
                    && super::is_han(chars[j])
                    && !MUST_VERBS.contains(chars[j])
            })
    })
}

/// Verbs of needing and having to (folded): in an A-not-A form they ask what is required.
const MUST_VERBS: &str = "使要需";

/// "2比1", "1:1", "2 to 1": two numbers joined as a ratio.
fn quotes_ratio(question: &str) -> bool {
    let lower = question.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        if !c.is_ascii_digit() {
            return false;
        }
        let rest: String = chars[i + 1..].iter().collect();
        let rest = rest.trim_start();
        ["比", "對", "对", ":", "：", "to "]
            .iter()
            .filter_map(|sep| rest.strip_prefix(sep))
            .any(|after| after.trim_start().starts_with(|d: char| d.is_ascii_digit()))
    })
}

/// "how do I get a job there?": "there" closing a question points back at the last answer's
/// place, unless it is "are there?" / "is there?".
fn there_at_end(text: &str) -> bool {
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        [.., before, "there"] => !matches!(*before, "is" | "are" | "was" | "were" | "any" | "s"),
        _ => false,
    }
}

/// "What does CCMF give?", "how much did it use to give?": the verb of giving, but not
/// "give me …" / "give us …" (a request for information).
fn asks_gives(text: &str) -> bool {
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    words.iter().enumerate().any(|(i, w)| {
        matches!(*w, "give" | "gives" | "giving")
            && !matches!(words.get(i + 1), Some(&("me" | "us" | "some")))
    })
}

/// Words closing a question that asks whether the asker may take part, with nothing after
/// them ("can a Cyberport incubatee apply?", "科學園租戶可唔可以申請？"), folded, particles
/// removed.
const TAKE_PART_END: [&str; 13] = [
    "apply",
    "join",
    "participate",
    "qualify",
    "eligible",
    "申请",
    "参加",
    "资格",
    "可以",
    "得唔得",
    "得不得",
    "行唔行",
    "用唔用得",
];

/// Whether `text` (folded) ends with a take-part word, after closing particles.
fn ends_taking_part(text: &str) -> bool {
    let trimmed = text.trim_end_matches(|c: char| c == ' ' || PARTICLES.contains(c) || c == '吗');
    TAKE_PART_END.iter().any(|w| {
        trimmed.ends_with(w)
            && (!w.is_ascii() || on_boundaries(trimmed, trimmed.len() - w.len(), w))
    })
}

/// "Used for" in Chinese (folded): "可以用嚟…" asks what the money may buy, so its "可以用" is
/// not an eligibility phrase.
/// So does "可以用幾多錢" (how much may be used): an amount, not who may use it.
const USE_FOR: [&str; 8] = [
    "用嚟",
    "用来",
    "用於",
    "用于",
    "用在",
    "用喺",
    "用几多",
    "用多少",
];

/// "Still" in these asks whether an amount still holds ("is it still up to 1M per school?").
const STILL_AMOUNT: [&str; 3] = ["still up to", "still capped", "still at most"];

/// "Still" in these asks whether the asker still qualifies ("we graduated last year, still
/// OK?"), not about dates.
const STILL_FITS: [&str; 6] = [
    "still ok",
    "still okay",
    "still eligible",
    "still qualify",
    "still count",
    "still fine",
];

/// The phrases of `question` (folded) that ask what is wanted: how much, who may, when, how
/// to apply, what it pays for. A word inside one ("how big", "要准备什么材料") is part of the
/// asking, not a subject, though a scheme may have it as a keyword ("big data", "materials").
#[must_use]
pub fn asking_phrases(question: &str) -> Vec<String> {
    let text = name_key(question);
    let c = cues();
    [
        &c.amount,
        &c.eligibility,
        &c.when,
        &c.apply,
        &c.pay,
        &c.count,
    ]
    .into_iter()
    .flat_map(|set| set.found(&text).map(str::to_owned).collect::<Vec<_>>())
    .collect()
}

/// Reads the conversation cues of `question`.
#[must_use]
pub fn cue(question: &str) -> Cue {
    let text = name_key(question);
    let c = cues();
    let found = c.found(&text);
    let any = |bit: u32| found & bit != 0;
    // "IT" in capitals is the subject ("IT teachers"), not the pronoun.
    let refers_back = there_at_end(&text)
        || c.refer.found(&text).any(|p| {
            p != "it"
                || question
                    .split(|ch: char| !ch.is_alphanumeric())
                    .any(|w| w == "it" || w == "It")
        });
    let starts = opens_with(&c.start, &text);
    let ends = c.end.iter().any(|p| text.ends_with(p.as_str()));
    // A clause asks a question of its own when, without the continuation's opening and closing
    // words ("那…呢"), it still has a question word.
    let asks_own = clauses(question).into_iter().any(|(clause, _)| {
        let clause = name_key(clause);
        let clause = c
            .start
            .iter()
            .filter(|p| clause.starts_with(p.as_str()) && on_boundaries(&clause, 0, p))
            .fold(clause.as_str(), |t, p| &t[p.len()..]);
        let clause = c
            .end
            .iter()
            .filter(|p| clause.trim_end().ends_with(p.as_str()))
            .fold(clause.trim_end(), |t, p| &t[..t.len() - p.len()]);
        has_question_word(clause)
    });
    // "可以用嚟買咩？" asks what it may be used for, not who may use it.
    let without_use_for = USE_FOR.iter().fold(text.clone(), |t, p| t.replace(p, " "));
    let without_still_fits = STILL_FITS
        .iter()
        .fold(text.clone(), |t, p| t.replace(p, " "));
    let asks_still_fits = without_still_fits != text;
    let for_when = STILL_AMOUNT
        .iter()
        .fold(without_still_fits.clone(), |t, p| t.replace(p, " "));
    let asks_yes_no = yes_no(&text);
    let describes_self = c
        .self_
        .iter()
        .any(|p| text.starts_with(p.as_str()) && on_boundaries(&text, 0, p));
    // "我哋公司成立咗三年，仲申唔申到？": "still" after the asker describes themselves asks
    // whether they still qualify, not whether the scheme is still open.
    let still = still_a_not_a(&text);
    let still_qualifies = still && describes_self && {
        let parts = clauses(question);
        parts.len() >= 2 && !still_a_not_a(&name_key(parts[0].0))
    };
    Cue {
        compare: any(bit::COMPARE),
        compare_weak: any(bit::COMPARE_WEAK),
        refers_back,
        continues: starts || ends,
        asks_own,
        asks_still_fits: asks_still_fits || still_qualifies,
        asks_still_amount: for_when != without_still_fits,
        asks_match: any(bit::MATCH) || asks_what_to_apply_for(question),
        asks_eligibility: c.eligibility.any_in(&without_use_for)
            || can_take_part(&text)
            || asks_still_fits
            || still_qualifies,
        asks_when: c.when.any_in(&for_when) || (still && !still_qualifies),
        asks_apply: any(bit::APPLY),
        asks_count: any(bit::COUNT) || counts_other(&text),
        asks_money: any(bit::MONEY),
        asks_summary: any(bit::SUMMARY),
        asks_exists: any(bit::EXISTS),
        asks_amount: any(bit::AMOUNT),
        asks_which: any(bit::WHICH),
        describes_self,
        quotes_ratio: quotes_ratio(question),
        asks_pay: any(bit::PAY),
        asks_gives: asks_gives(&text),
        per_unit: any(bit::PER),
        member_asks: any(bit::MEMBER) && ends_taking_part(&text),
        asks_yes_no,
        asks_if_may: asks_yes_no && (first_person(&text) || take_part_a_not_a(&text)),
        asks_permission: asks_permission(&text),
        speaks_of_now: any(bit::NOW) && !any(bit::PAST),
        says_gone: any(bit::GONE),
    }
}

/// Whether one sentence of `question` asks what there is to apply for, by its shape rather
/// than a fixed phrase: "what can a 6-person start-up actually apply for?", "anything we can
/// apply for?", "有冇其他嘢可以申請？", "还有啥别的能申请的？", "有咩計劃我可以申請？". The
/// question word must be the object ("what … apply for", "咩計劃…可以申請"), not the applicant
/// ("which companies can apply?", "咩人可以申請？") or a condition ("有咩條件可以申請？").
fn asks_what_to_apply_for(question: &str) -> bool {
    static SHAPES: std::sync::OnceLock<[regex::Regex; 3]> = std::sync::OnceLock::new();
    let [en, zh, zh_object_last] = SHAPES.get_or_init(|| {
        [
            regex::Regex::new(
                r"\b(what|which|anything)\b.*(\b(can|could|may)\b.*\bapply (for|to)|\beligible (for|to)( apply( for| to)?)?|\bqualify for|\bthere for (me|us))( now| today)?$",
            )
            .expect("English shape"),
            regex::Regex::new(
                r"(什么|甚么|咩|乜|啥|哪些|边啲|其他|别的)(.{0,10}?)(可以|能|能够|可)(申请|申|报名|报|参加|参与)(的|嘅)?(吗|呢|啊|呀|㗎|架)?$",
            )
            .expect("Chinese shape"),
            // Mainland order, the object after the verb: "能申请啥计划？", "可以申请什么资助";
            // in Cantonese only with a scheme noun ("可以用咩計劃？", not a bare "可以申請咩？").
            regex::Regex::new(
                r"(可以|能|能够)(申请|报名|参加|参与|用)((什么|甚么|啥|哪些)(计划|资助|基金|项目|补贴)?|(咩|乜|边啲)(计划|资助|基金|项目|补贴))(呢|啊|呀|吗)?$",
            )
            .expect("Chinese shape, object last"),
        ]
    });
    clauses(question)
        .into_iter()
        .map(|(clause, _)| name_key(clause))
        .any(|s| {
            en.is_match(&s)
                || zh_object_last.is_match(&s)
                || zh.captures(&s).is_some_and(|c| {
                    let gap = &c[2];
                    !NOT_A_SCHEME.iter().any(|w| gap.contains(w))
                })
        })
}

/// Words between a question word and "可以申請" that make the question about something other
/// than schemes: conditions, documents, ways, or who ("有咩條件可以申請", "咩人可以申請").
const NOT_A_SCHEME: [&str; 14] = [
    "条件", "资格", "要求", "文件", "手续", "资料", "步骤", "方法", "时候", "时间", "人", "公司",
    "企业", "类",
];

/// Whether folded `text` speaks of the asker: 我 (我哋, 我们) or an English first-person word.
fn first_person(text: &str) -> bool {
    text.contains('我')
        || text.split(|c: char| !c.is_alphanumeric()).any(|w| {
            matches!(
                w,
                "i" | "im" | "ive" | "we" | "were" | "weve" | "my" | "our" | "us" | "me"
            )
        })
}

/// Verbs of taking part whose A-not-A form asks whether one may ("報唔報得", "參不參加").
const TAKE_PART_VERBS: &str = "报申参得计算合用入";

/// Whether folded `text` has an A-not-A form of a taking-part verb.
fn take_part_a_not_a(text: &str) -> bool {
    a_not_a(text, |c| TAKE_PART_VERBS.contains(c))
}

/// Whether folded `text` opens with one of `set`'s phrases, with more after it.
fn opens_with(set: &CueSet, text: &str) -> bool {
    set.iter().any(|p| {
        text.strip_prefix(p.as_str())
            .is_some_and(|rest| on_boundaries(text, 0, p) && !rest.is_empty())
    })
}

/// Whether a clause asks something: it opens with an English question word, or has a Chinese
/// question word or particle, or an A-not-A form (`[cues.question]` in chat.toml).
#[must_use]
pub fn has_question_word(clause: &str) -> bool {
    let text = name_key(clause);
    let c = cues();
    // A clause of one question word ("why?") asks too: `opens_with` wants more after it.
    opens_with(&c.question_start, &format!("{text} ?"))
        || c.question.occurs_in(&text)
        || a_not_a(&text, crate::text::is_han)
}

/// The clauses of a message, each with whether a question mark closes it: split at sentence
/// and clause punctuation (a Latin full stop or comma only before a space or the end, so
/// "HK$1.5" stays whole) and at a spaced dash; clauses without a letter or digit are dropped.
#[must_use]
pub fn clauses(question: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = question.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends = match c {
            '?' | '？' | '。' | '，' | '；' | '！' | '—' => true,
            ',' | ';' | '!' | '.' => next.is_none_or(char::is_whitespace),
            '-' | '–' => i > 0 && question[..i].ends_with(' ') && next == Some(' '),
            _ => false,
        };
        if ends {
            out.push((&question[start..i], matches!(c, '?' | '？')));
            start = i + c.len_utf8();
        }
    }
    out.push((&question[start..], false));
    out.retain(|(c, _)| c.chars().any(char::is_alphanumeric));
    out
}

/// Whether folded `text` has an A-not-A form ("報唔報", "算不算") of a verb `verb` accepts.
fn a_not_a(text: &str, verb: impl Fn(char) -> bool) -> bool {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .windows(3)
        .any(|w| w[0] == w[2] && matches!(w[1], '不' | '唔') && verb(w[0]))
}

/// English auxiliaries that open a yes/no question.
const AUXILIARIES: [&str; 13] = [
    "can", "could", "may", "do", "does", "did", "is", "are", "am", "would", "will", "should",
    "must",
];

/// Whether folded `text` is a yes/no question (see [`Cue::asks_yes_no`]).
fn yes_no(text: &str) -> bool {
    let particle = text.trim_end().ends_with('吗')
        || ["可否", "能否", "是否"].iter().any(|p| text.contains(p));
    let auxiliary = text
        .split_whitespace()
        .next()
        .is_some_and(|w| AUXILIARIES.contains(&w));
    a_not_a(text, super::is_han) || particle || auxiliary
}

/// The kind of small talk `message` is, or `None` when it says anything else.
#[must_use]
pub fn classify(message: &str) -> Option<SmallTalk> {
    let mut text = name_key(message);
    if text.is_empty() {
        return None;
    }
    // Most messages are questions: a character that no phrase covers can never be removed, so
    // such a message is not small talk (one pass of an automaton instead of a search per phrase).
    let mut covered = vec![false; text.len()];
    let all = small_talk_set();
    for phrase in all.found_at(&text) {
        covered[phrase.0..phrase.0 + phrase.1.len()].fill(true);
    }
    if text
        .char_indices()
        .any(|(i, c)| !c.is_whitespace() && !covered[i])
    {
        return None;
    }
    let mut kinds: Vec<SmallTalk> = Vec::new();
    for (phrase, kind) in phrases() {
        while let Some(start) = text
            .match_indices(phrase.as_str())
            .map(|(i, _)| i)
            .find(|&i| on_boundaries(&text, i, phrase))
        {
            text.replace_range(start..start + phrase.len(), " ");
            if let Some(k) = kind {
                kinds.push(*k);
            }
        }
    }
    if !text.trim().is_empty() {
        return None;
    }
    SmallTalk::ALL.into_iter().find(|k| kinds.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_thanks_and_goodbyes_in_every_register() {
        for (message, kind) in [
            ("hi", SmallTalk::Greeting),
            ("Hello!", SmallTalk::Greeting),
            ("早晨", SmallTalk::Greeting),
            ("thanks!", SmallTalk::Thanks),
            ("ok thanks", SmallTalk::Thanks),
            ("Thank you so much", SmallTalk::Thanks),
            ("唔該晒", SmallTalk::Thanks),
            ("thx 辛苦晒", SmallTalk::Thanks),
            ("hi, are u a real person or a bot?", SmallTalk::Identity),
            ("are u human or a bot lol", SmallTalk::Identity),
            ("辛苦你了", SmallTalk::Thanks),
            ("谢谢你", SmallTalk::Thanks),
            ("多謝晒！", SmallTalk::Thanks),
            ("bye", SmallTalk::Bye),
            ("拜拜", SmallTalk::Bye),
            ("who are you?", SmallTalk::Identity),
            ("are you a human?", SmallTalk::Identity),
            ("你係真人嗎？", SmallTalk::Identity),
            ("你是机器人吗", SmallTalk::Identity),
            ("你係真人嚟㗎？", SmallTalk::Identity),
            ("hi, who are you?", SmallTalk::Identity),
            ("good morning, can you help me?", SmallTalk::Help),
            ("ok", SmallTalk::Thanks),
            ("好的，我明白了", SmallTalk::Thanks),
            ("thank you so much for the info", SmallTalk::Thanks),
            ("no thanks", SmallTalk::Bye),
            ("唔使喇", SmallTalk::Bye),
            ("有人嗎？", SmallTalk::Greeting),
            ("你係咪AI？", SmallTalk::Identity),
            ("我想問嘢", SmallTalk::Help),
            ("明，唔該", SmallTalk::Thanks),
            ("行吧，谢谢", SmallTalk::Thanks),
            ("谢了", SmallTalk::Thanks),
            ("好，我再研究下，拜拜", SmallTalk::Thanks),
            ("我再考虑一下", SmallTalk::Bye),
            ("ok great, I will think about it", SmallTalk::Thanks),
            ("ok nvm thx", SmallTalk::Thanks),
            ("谢谢，很有帮助", SmallTalk::Thanks),
            ("hello 你係真人定bot嚟", SmallTalk::Identity),
            ("你好，請問閣下提供甚麼服務？", SmallTalk::Identity),
            ("Hello! Who am I talking to?", SmallTalk::Identity),
        ] {
            assert_eq!(classify(message), Some(kind), "{message}");
        }
        // A word of thanks inside a question leaves the question.
        for question in ["明年幾時開？", "行唔行得通？", "is it good for a bakery?"] {
            assert_eq!(classify(question), None, "{question}");
        }
    }

    #[test]
    fn cues_of_follow_ups_comparisons_and_matching() {
        assert!(cue("TVP vs TSSSU").compare);
        assert!(cue("產學研1+同TSSSU有咩分別？").compare);
        assert!(cue("RAISe+和TSSSU有什么区别？").compare);
        assert!(cue("Is TTPS the same thing as TechTAS?").compare);
        assert!(cue("hows that diff from ITVF").compare);
        assert!(cue("咁BUD呢？同佢比我應該揀邊個？").compare);
        assert!(cue("那创新及科技基金呢？选哪个好？").compare);
        assert!(!cue("how much is TVP?").compare);
        assert!(cue("TVP or TSSSU?").compare_weak);
        // "Or" sets two options side by side, which need not be schemes: where to apply.
        let or = cue("是向大学申请还是向创新科技署申请？");
        assert!(or.compare_weak && !or.compare, "{or:?}");
        assert!(cue("is DTSPP like TVP?").compare_weak);
        assert!(cue("TVP和DTSPP哪个更适合我？").compare_weak);
        assert!(cue("is it still open?").refers_back);
        assert!(cue("佢幾時截止？").refers_back);
        assert!(!cue("IT teacher funding").refers_back);
        assert!(!cue("how much?").refers_back);
        assert!(cue("and TechTAS?").continues);
        assert!(cue("咁科技券呢？").continues);
        assert!(cue("那RAISe+呢").continues);
        assert!(cue("what about ITSP").continues);
        assert!(!cue("android app funding").continues);
        assert!(cue("We graduated last year. Still OK?").asks_still_fits);
        assert!(!cue("We graduated last year. Still OK?").asks_when);
        assert!(cue("Is it still open?").asks_when);
        assert!(!cue("is it still up to 1M per school?").asks_when);
        assert!(!cue("三個學年加埋可以用幾多錢？").asks_eligibility);
        assert!(cue("對申請公司有什麼要求？").asks_eligibility);
        assert!(cue("有哪些创科相关的计划我可以参加？").asks_match);
        assert!(cue("那第三个平台研究什么方向？").asks_own);
        assert!(!cue("咁科技券呢？").asks_own);
        assert!(!cue("what about ITSP?").asks_own);
        assert!(cue("那高才通C类呢？可以申请吗").asks_own);
        assert!(cue("Which schemes can I apply for?").asks_match);
        assert!(cue("我係學生有咩可以申請").asks_match);
        // Asking for alternatives (after a closed scheme) is asking what else fits.
        assert!(cue("咁有冇其他代替？").asks_match);
        assert!(cue("any alternatives?").asks_match);
        assert!(!cue("how do I apply for TVP?").asks_match);
        assert!(cue("who can apply?").asks_eligibility);
        assert!(cue("個人可唔可以申請？").asks_eligibility);
        assert!(!cue("how do I apply?").asks_eligibility);
        assert!(cue("Can a Mainland company apply to NIAS?").asks_eligibility);
        assert!(!cue("can I apply?").asks_when);
        assert!(cue("can I still apply?").asks_when);
        assert!(cue("仲可唔可以申請？").asks_when);
        assert!(cue("how long does the visa take?").asks_when);
        assert!(cue("到什么时候结束？").asks_when);
        assert!(cue("咁我哋要點做？").asks_apply);
        assert!(cue("how many labs are there?").asks_count);
        assert!(!cue("你係真人嚟㗎？").asks_match);
        assert!(cue("what can the money be used for?").refers_back);
        assert!(cue("呢筆錢可以用嚟做咩？").refers_back);
        assert!(cue("how can I get a research job at one?").refers_back);
        assert!(cue("can a Cyberport incubatee apply?").member_asks);
        assert!(cue("科學園租戶可唔可以申請？").member_asks);
        assert!(!cue("can a Cyberport incubatee apply for CCMF?").member_asks);
        assert!(!cue("can a start-up apply?").member_asks);
        assert!(cue("嫦娥八號個中心請唔請人？").asks_eligibility);
        assert!(!cue("subsidy for hiring interns").asks_eligibility);
    }

    #[test]
    fn cues_that_choose_the_section() {
        // A quantity of something other than money is a count.
        assert!(cue("超算中心有幾多算力？").asks_count);
        assert!(cue("有多少名额？").asks_count);
        assert!(!cue("每月資助幾多？").asks_count);
        assert!(!cue("幾多錢？").asks_count);
        assert!(!cue("資助幾多成？").asks_count);
        // "Still" with an A-not-A question asks whether it is open.
        assert!(cue("仲申唔申請到？").asks_when);
        assert!(cue("还能不能申请？").asks_when);
        assert!(!cue("能不能申请？").asks_when);
        // After the asker describes themselves, "still" asks whether they still qualify.
        let c = cue("我哋公司成立咗三年，仲申唔申到？");
        assert!(c.asks_still_fits && c.asks_eligibility && !c.asks_when);
        assert!(cue("我哋仲申唔申請到？").asks_when);
        // A ratio is about the matching terms.
        assert!(cue("點解寫2比1？").quotes_ratio);
        assert!(cue("is it 1:1?").quotes_ratio);
        assert!(!cue("TVP 2025").quotes_ratio);
        // "there" at the end points back, "are there" does not.
        assert!(cue("how do I get a job there?").refers_back);
        assert!(!cue("how many labs are there?").refers_back);
        // What the money is for, not how much.
        assert!(cue("what can the money be used for?").asks_summary);
        assert!(!cue("what can the money be used for?").asks_amount);
        assert!(cue("最高資助是什麼？").asks_amount);
        // Whether any support exists for what the asker describes.
        assert!(cue("I run a bakery. Is there a subsidy for that?").asks_exists);
        assert!(cue("Any government co-funding?").asks_exists);
        assert!(cue("我哋想加條生產線，有冇funding？").asks_exists);
        assert!(cue("有政府补贴吗？").asks_exists);
        assert!(!cue("how much is the subsidy?").asks_exists);
        assert!(!cue("點樣申請？").asks_exists);
        // Who is asking, and which kind of asker.
        assert!(cue("我有60个员工可以吗？").describes_self);
        assert!(cue("I'm at HKBU, is my uni on the list?").describes_self);
        assert!(!cue("is it open?").describes_self);
        assert!(cue("which universities?").asks_which);
        // "有咩資助可以申請" is "what can I apply for" with a noun between.
        assert!(cue("有什么资助可以申请？").asks_match);
        assert!(cue("ok so what CAN a 6-person medtech startup actually apply for?").asks_match);
        assert!(
            cue("ok, I run a small design studio, 5 ppl. anything we can apply for?").asks_match
        );
        assert!(cue("有冇其他嘢可以申請？我哋做零售").asks_match);
        assert!(cue("那现在还有啥别的能申请的？").asks_match);
        assert!(!cue("which companies can apply?").asks_match);
        assert!(!cue("咩人可以申請？").asks_match);
        assert!(!cue("有咩方法可以申請？").asks_match);
        assert!(cue("what grants can I apply for?").asks_match);
        assert!(!cue("有咩條件可以申請？").asks_match);
        // How to get it is how to apply.
        assert!(cue("how can I get one?").asks_apply);
        assert!(cue("Could I sign up for it personally?").asks_permission);
        assert!(cue("is the new institute something we can apply to?").asks_permission);
        assert!(!cue("can I apply online?").asks_permission);
        assert!(!cue("can someone explain the scheme to me").asks_permission);
        assert!(!cue("could I ask who runs it?").asks_permission);
        assert!(cue("數碼轉型點樣申？").asks_apply);
        // Requirements and restrictions are eligibility.
        assert!(cue("does it need private investment?").asks_eligibility);
        assert!(cue("有名額限制嗎？").asks_eligibility);
        // What a scheme gives is money; "give me" asks for information.
        assert!(cue("What does CCMF give?").asks_gives);
        assert!(!cue("give me details of TVP").asks_gives);
    }

    #[test]
    fn yes_no_questions_about_the_asker_taking_part() {
        for q in [
            "我哋得三個人嘅初創，報唔報得？",
            "佢報唔報得？",
            "can we join without a Hong Kong office?",
            "我们公司可以参加吗",
        ] {
            assert!(cue(q).asks_if_may, "{q}");
        }
        // Yes/no questions about the scheme itself, or not yes/no at all.
        for q in [
            "Does DTSPP cover AI tools now?",
            "會唔會有AI方案？",
            "how much can we get?",
            "我哋想知點樣申請",
        ] {
            assert!(!cue(q).asks_if_may, "{q}");
        }
        assert!(cue("Does DTSPP cover AI tools now?").asks_yes_no);
        assert!(cue("自資專上院校可否參與？").asks_yes_no);
        assert!(!cue("what is TVP").asks_yes_no);
    }

    #[test]
    fn a_question_with_pleasantries_is_not_small_talk() {
        for message in [
            "thanks, and how much is TVP?",
            "hi, what is TechTAS?",
            "你好，科技券點申請？",
            "chip design funding",
            "history of ITF",
            "",
            "???",
            "Thanksgiving grants",
            "ok, how much is it?",
            "I'm not sure I qualify",
            "唔使申請？",
            "我唔清楚點申請",
        ] {
            assert_eq!(classify(message), None, "{message}");
        }
    }
}
