//! The search engine: a corpus, its analyzer and lexicon, and the tantivy index built from it.
//!
//! [`Engine::search`] never fails on user text. It returns the schemes a question is about
//! (confidently, or as "did you mean…?" suggestions), a category or structured list, or nothing,
//! and the intents (money, eligibility, ...) the question carries.
//!
//! In order:
//! 1. *Someone else's programme*: a question naming a programme that is not ours
//!    (`text/data/elsewhere.txt`), or a Mainland place giving the support asked about
//!    ("前海對港青創業有咩補貼？"), and none of ours gets no scheme.
//! 2. *Structured requests* ("which schemes are open now", "我係學生有咩可以申請", "biggest
//!    funding") are answered from the corpus's fields ([`Filter`]).
//! 3. *Name hits*: an official name, acronym or alias written in the question (after folding)
//!    puts its scheme first; a longer name beats a shorter one it contains, an earlier mention
//!    beats a later one. A name that is part of another scheme's longer official name ("InnoHK"
//!    of "第三個InnoHK研發平台") names that scheme too when the question's words fit it better
//!    and it has evidence of its own ("the new InnoHK cluster on energy and materials").
//! 4. *BM25* over all of a scheme's text, every question word alike (the larger part of the
//!    score, `query::ALL_BOOST`), plus the boosted fields (names, then keywords, summary,
//!    asked_as, details), each token weighted by its role (topic, category, intent, generic;
//!    filler and list words not at all); evidence in names and keywords, and the asker's stated
//!    applicant kind and need fitting the scheme's, raise a score; a stated applicant the scheme
//!    excludes lowers it.
//! 5. *The decision* ([`decision`]): a logistic regression over features of the best candidate
//!    (its coverage of the question's content weight, the share of words the corpus never saw,
//!    the margin over the runner-up, …) answers, suggests, or says nothing matched.
//!    ARCHITECTURE.md says more.

mod amount;
pub mod decision;
pub use amount::amounts;
pub use decision::{Confidence, Features, Model};
mod index;
mod query;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use tantivy::DocSet;
use tantivy::collector::TopDocs;
use tantivy::schema::Field;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy};

pub use index::{
    Fields, Provenance, SCHEMA_VERSION, build, build_in_ram, fingerprint, open_or_build,
};
pub use query::{Plan, QueryToken, Role, fuzzy_distance, typo_candidates};

use crate::corpus::{Category, Corpus};
use crate::text::{Analyzer, DictionaryLoad, Intent, Lexicon, name_key, normalize};

/// How much a quoted money figure equal to one of a scheme's figures multiplies its text score.
pub const MONEY_MATCH_FACTOR: f32 = 2.0;

/// How much each question word found in a scheme's names or keywords adds to its score, as a
/// share of its text score.
pub const EVIDENCE_WEIGHT: f32 = 0.25;

/// How much an asker's stated applicant kind or need that fits a scheme (+1 each) or excludes
/// it (−1) moves its score, as a share.
pub const FIT_WEIGHT: f32 = 0.2;

/// A browse request with at least this many topic words the corpus knows describes a situation
/// (chosen on the dev half: 3 cost a category question, 4 did not; a first-person word counts
/// as one, "我们公司计划…有什么政府资助？"): it asks which scheme fits, not for a category's list.
pub const DESCRIPTION_WORDS: usize = 4;

/// A firm with fewer staff than this is a small one: DTSPP's test of a small enterprise is
/// "fewer than 50 full-time employees" (schemes-facts.md, dtspp), which is also the Hong Kong
/// Government's usual SME line outside manufacturing.
pub const SME_STAFF: u32 = 50;

/// At most this many "did you mean…?" suggestions.
pub const SUGGESTIONS: usize = 3;

/// Alternatives must score at least this share of the best scheme's text score.
pub const ALTERNATIVE_RATIO: f32 = 0.3;

/// A scheme found for a question.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Index into [`Corpus::schemes`].
    pub scheme: usize,
    pub score: f32,
    /// Whether one of the scheme's names was written in the question.
    pub named: bool,
}

/// What a question found.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    /// Schemes, best first.
    Schemes(Vec<Hit>),
    /// Not sure: schemes to offer as "did you mean…?", best first (at most [`SUGGESTIONS`]).
    Suggestions(Vec<Hit>),
    /// A request to browse a category (`None`: every scheme).
    List(Option<Category>),
    /// A structured request ("which schemes are open now", "for individuals", "biggest
    /// funding"), answered from the corpus's fields.
    Filtered(Filter),
    /// Two or three schemes to set side by side ("TVP vs TSSSU"), in the order asked.
    Compare(Vec<usize>),
    /// "What can I apply for?" without saying who is asking: the first `/match` step.
    Match,
    /// Not a question: a greeting, thanks, goodbye, "who are you".
    SmallTalk(crate::text::chat::SmallTalk),
    /// Nothing in the corpus answers the question.
    Nothing,
}

/// How a structured list is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    /// By category, as browsing shows them.
    Category,
    /// Largest money figure first.
    Money,
    /// Nearest future deadline first (schemes with one only).
    Deadline,
}

/// Words (analysed) by which askers speak of themselves.
const FIRST_PERSON: &[&str] = &[
    "i", "im", "me", "my", "we", "our", "us", "myself", "ourselv", "我", "我们", "本人", "自己",
];

/// A structured list request: which schemes, in what order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Only schemes taking applications now.
    pub open_only: bool,
    /// Only schemes this kind of applicant can apply to (a key of text/data/vocabulary.toml).
    pub applicant: Option<&'static str>,
    pub sort: SortBy,
}

impl Filter {
    /// A stable key for tests and JSON: `list:open`, `list:applicant=student`,
    /// `list:sort=money`, `list:sort=deadline` (joined with `+` when several apply).
    #[must_use]
    pub fn key(&self) -> String {
        let mut parts = Vec::new();
        if self.open_only {
            parts.push("open".to_owned());
        }
        if let Some(a) = self.applicant {
            parts.push(format!("applicant={a}"));
        }
        match self.sort {
            SortBy::Category => {}
            SortBy::Money => parts.push("sort=money".to_owned()),
            SortBy::Deadline => parts.push("sort=deadline".to_owned()),
        }
        format!("list:{}", parts.join("+"))
    }

    /// The schemes that pass the filter, in order, as indexes into `corpus.schemes`; `today` is
    /// the day number of [`crate::date::today_hk`]. Closed schemes never pass.
    #[must_use]
    pub fn apply(&self, corpus: &Corpus, today: i64) -> Vec<usize> {
        use crate::corpus::Status;
        let mut picked: Vec<usize> = corpus
            .schemes
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status != Status::Closed)
            .filter(|(_, s)| !self.open_only || s.status == Status::Open)
            .filter(|(_, s)| self.applicant.is_none_or(|a| s.accepts(a)))
            .map(|(i, _)| i)
            .collect();
        let deadline = |i: usize| {
            corpus.schemes[i]
                .deadline
                .as_deref()
                .and_then(crate::date::parse)
                .filter(|&d| d >= today)
        };
        match self.sort {
            SortBy::Category => picked.sort_by_key(|&i| {
                let c = corpus.schemes[i].category;
                Category::ALL.iter().position(|&x| x == c)
            }),
            SortBy::Money => {
                picked.retain(|&i| corpus.schemes[i].money.headline().is_some());
                picked.sort_by_key(|&i| std::cmp::Reverse(corpus.schemes[i].money.headline()));
            }
            SortBy::Deadline => {
                picked.retain(|&i| deadline(i).is_some());
                picked.sort_by_key(|&i| deadline(i));
            }
        }
        picked
    }
}

/// The result of [`Engine::search`].
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub found: Found,
    pub intents: Vec<Intent>,
    /// What the question is about, whatever was found: what a conversation needs to tell a
    /// follow-up ("how much?") from a new question.
    pub about: About,
}

/// What a question mentions, independent of the answer chosen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct About {
    /// Schemes named in the question (indexes into `corpus.schemes`), in the order they are
    /// first mentioned.
    pub named: Vec<usize>,
    /// Of `named`, those named by two different names in separate places: two programmes of
    /// one scheme ("CCMF and CIP", "Incu-Tech 同 Incu-App").
    pub named_apart: Vec<usize>,
    /// Whether the question has a content word (a topic or category word) or quotes a figure.
    pub topical: bool,
    /// Whether the best candidate has evidence beyond its prose: a word of the question in its
    /// names or keywords, or one of its money figures. A follow-up ("每間最多資助幾多？")
    /// that merely shares prose words with another scheme has none.
    pub evidence: bool,
    /// The best-ranked schemes (at most [`SUGGESTIONS`], best first), whatever the no-match
    /// decision made of them; empty when no scheme shares a word with the question.
    pub ranked: Vec<Hit>,
    /// The words (folded) that gave the best candidate its evidence in names or keywords.
    pub evidence_words: Vec<String>,
    /// Whether a money figure of the best candidate is quoted.
    pub money_evidence: bool,
    /// The question quotes a matching ratio or share ("2:1", "政府出三分之二";
    /// `amount::ratios`): it asks about the matching terms.
    pub quotes_ratio: bool,
    /// Whether the question asks to browse ("list", "有哪些").
    pub list: bool,
    /// Whether what it asks to browse is schemes: a word naming schemes in general
    /// ("schemes", "計劃") or a browsing category; "what kinds of solutions can I pick?" browses
    /// something of the scheme talked about.
    pub browses_schemes: bool,
    /// Whether the question has a word naming schemes in general ("schemes", "計劃", "funding"),
    /// which a list word then browses even in a chat about one scheme.
    pub names_schemes: bool,
    /// Whether the question names some other kind of support: a word no scheme has right
    /// before a funding word ("养老补贴", "electricity subsidy").
    pub other_support: bool,
    /// Applicant kinds the asker states ("I'm a student" → `["student"]`), vocabulary keys.
    pub applicants: Vec<&'static str>,
    /// Needs the asker states, vocabulary keys.
    pub needs: Vec<&'static str>,
    /// Whether every content word is part of a stated applicant kind ("那初创企业呢？", "the cap
    /// for R&D centres?"): the question says who asks, not what about.
    pub asker_only: bool,
    /// Whether the question names someone else's programme (`text/data/elsewhere.txt`) or a
    /// Mainland place giving the support asked about, and none of ours: it is not about our
    /// schemes, even right after an answer about one ("順便問下，DSE報名費幾多錢？").
    pub elsewhere: bool,
    /// Whether the learnt domain model (`text::domain`) is sure the question, which has content
    /// words and names none of ours, is about some other subject ("How do I apply for the SME
    /// loan guarantee?"). The search result is left as it is: outside a chat the answer is the
    /// no-match reply; after an answer about a scheme, short follow-ups read as foreign too
    /// ("how do I apply?"), so the chat's scheme stands.
    pub foreign: bool,
    /// Whether the best candidate, which the no-match decision would not answer with, is
    /// fairly likely right (`DomainModel::rescue`) and the domain model is sure the question is
    /// ours (`DomainModel::sure_in`): a long description the text explains only fairly ("our
    /// garment factory wants to add a smart production line…"). The search result is left as
    /// it is; the answer is that candidate unless it follows up on a chat's scheme
    /// (`answer_in`).
    pub surely_ours: bool,
    /// The no-match decision's probability (0..=1) that the best candidate is right; 0 when
    /// no scheme shares a word with the question.
    pub probability: f32,
    /// The list the browse model (`text::browse`) finds likeliest (a key of `browse::KEYS`)
    /// and its probability (0..=1), when the question names none of ours and is not out of
    /// domain; the search result is left as it is, and outside a chat the answer is that list
    /// when the model is sure enough (`answer_in`).
    pub browse: Option<(&'static str, f32)>,
}

/// A scheme named in a question.
#[derive(Clone, Copy, Debug)]
struct NameHit {
    bonus: f32,
    /// Named by an official name or acronym (not only an alias).
    official: bool,
    /// Where the first mention starts, in characters of the folded question.
    position: usize,
    /// Named twice, by two different names in separate places ("CCMF and CIP").
    apart: bool,
}

impl NameHit {
    fn merge(&mut self, other: NameHit) {
        self.bonus = self.bonus.max(other.bonus);
        self.official |= other.official;
        self.position = self.position.min(other.position);
        self.apart |= other.apart;
    }
}

/// Sets every flag of `into` that is set in `from`.
fn or_into(into: &mut [bool], from: &[bool]) {
    for (a, &b) in into.iter_mut().zip(from) {
        *a |= b;
    }
}

/// Where one indexed word occurs.
#[derive(Debug, Default)]
struct Presence {
    /// By scheme: whether the word is anywhere in it.
    all: Vec<bool>,
    /// By scheme: whether the word is in its names or keywords.
    tags: Vec<bool>,
    /// Bit per ranking field (names, keywords, summary, details, asked): whether any scheme has it
    /// there.
    fields: u8,
    /// By field, in [`Vocabulary::slots`] order: how many documents hold the word there.
    doc_freq: [u64; 7],
}

impl Presence {
    fn in_field(&self, field: Field, f: Fields) -> bool {
        if field == f.all {
            return self.fields != 0 || self.all.contains(&true);
        }
        let bit = [f.names, f.keywords, f.summary, f.details, f.asked]
            .iter()
            .position(|&x| x == field);
        bit.is_some_and(|b| self.fields & (1 << b) != 0)
    }
}

/// Every word of the index with where it occurs: read once when the engine opens, so that
/// coverage and typo matching cost a hash lookup per word instead of a search.
#[derive(Debug, Default)]
struct Vocabulary {
    words: crate::text::WordMap<String, Presence>,
    /// By field, in [`Vocabulary::slots`] order: the tokens of every document there.
    total_tokens: [u64; 7],
    total_docs: u64,
}

impl Vocabulary {
    /// The indexed text fields, each with its place in [`Presence::doc_freq`].
    fn slots(f: Fields) -> [(Field, usize); 7] {
        [
            (f.names, 0),
            (f.keywords, 1),
            (f.summary, 2),
            (f.details, 3),
            (f.asked, 4),
            (f.tags, 5),
            (f.all, 6),
        ]
    }

    fn read(
        searcher: &tantivy::Searcher,
        f: Fields,
        by_address: &HashMap<DocAddress, usize>,
        n: usize,
    ) -> tantivy::Result<Vocabulary> {
        let mut words: crate::text::WordMap<String, Presence> = Default::default();
        let mut total_tokens = [0u64; 7];
        let mut total_docs = 0u64;
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            total_docs += u64::from(segment.max_doc());
            for (field, slot) in Vocabulary::slots(f) {
                let inverted = segment.inverted_index(field)?;
                total_tokens[slot] += inverted.total_num_tokens();
                let mut terms = inverted.terms().stream()?;
                while terms.advance() {
                    let Ok(word) = std::str::from_utf8(terms.key()) else {
                        continue;
                    };
                    let p = words.entry(word.to_owned()).or_insert_with(|| Presence {
                        all: vec![false; n],
                        tags: vec![false; n],
                        fields: 0,
                        doc_freq: [0; 7],
                    });
                    p.doc_freq[slot] += u64::from(terms.value().doc_freq);
                    if slot < 5 {
                        p.fields |= 1 << slot;
                        continue;
                    }
                    let mut postings = inverted
                        .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
                    let mut doc = postings.doc();
                    while doc != tantivy::TERMINATED {
                        if let Some(&i) = by_address.get(&DocAddress::new(ord as u32, doc)) {
                            if slot == 5 {
                                p.tags[i] = true
                            } else {
                                p.all[i] = true
                            }
                        }
                        doc = postings.advance();
                    }
                }
            }
        }
        Ok(Vocabulary {
            words,
            total_tokens,
            total_docs,
        })
    }

    fn get(&self, word: &str) -> Option<&Presence> {
        self.words.get(word)
    }

    /// The English words (three letters or more) of names and keywords.
    fn tag_words(&self) -> Vec<String> {
        let mut words: Vec<String> = self
            .words
            .iter()
            .filter(|(w, p)| {
                w.len() >= 3
                    && w.bytes().all(|b| b.is_ascii_alphanumeric())
                    && p.tags.contains(&true)
            })
            .map(|(w, _)| w.clone())
            .collect();
        words.sort();
        words
    }
}

/// BM25's statistics read from the [`Vocabulary`] the engine keeps, so that a query of many
/// clauses does not look each word up in the index's term dictionary again (a profile put ~5%
/// of a warm question there). The figures are the index's own, summed over segments as
/// tantivy's `Searcher` sums them; a word the vocabulary lacks is asked of the searcher.
struct Statistics<'a> {
    vocabulary: &'a Vocabulary,
    fields: Fields,
    searcher: &'a tantivy::Searcher,
}

impl Statistics<'_> {
    fn slot(&self, field: Field) -> Option<usize> {
        Vocabulary::slots(self.fields)
            .iter()
            .find(|(f, _)| *f == field)
            .map(|&(_, slot)| slot)
    }
}

impl tantivy::query::Bm25StatisticsProvider for Statistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        match self.slot(field) {
            Some(slot) => Ok(self.vocabulary.total_tokens[slot]),
            None => self.searcher.total_num_tokens(field),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.vocabulary.total_docs)
    }

    fn doc_freq(&self, term: &tantivy::Term) -> tantivy::Result<u64> {
        let known = self.slot(term.field()).and_then(|slot| {
            let value = term.value();
            let word = value.as_str()?;
            Some(self.vocabulary.get(word).map_or(0, |p| p.doc_freq[slot]))
        });
        match known {
            Some(n) => Ok(n),
            None => self.searcher.doc_freq(term),
        }
    }
}

/// Which schemes a token matched.
#[derive(Clone)]
struct Matches {
    any: Vec<bool>,
    tags: Vec<bool>,
}

/// Whether a question asks for money or support for someone it describes: a funding word or
/// a money intent, and a stated applicant kind or a first-person word.
fn asks_support(plan: &Plan, stated: &crate::text::vocabulary::Stated) -> bool {
    let wants =
        plan.categories.contains(&Category::Funding) || plan.intents.contains(&Intent::Money);
    wants && (!stated.applicants.is_empty() || speaks_of_self(plan))
}

/// Whether a question has a first-person word ("I", "我哋", "本人").
fn speaks_of_self(plan: &Plan) -> bool {
    plan.says_i
        || plan
            .tokens
            .iter()
            .any(|t| FIRST_PERSON.contains(&t.text.as_str()))
}

/// The shortest opening (bytes) two names of a scheme must share for the second to be named by
/// its rest alone: two Chinese characters ("数码港") or six letters ("cyberport "), so that
/// "SEAM@InnoHK" does not read "seam" + "innohk" as two names.
const MIN_SHARED_OPENING: usize = 6;

/// Whether "the … one" stands around content words ("Is the accelerator one still open?"):
/// the question points at one scheme by what it is about, so it asks about that scheme, not
/// for a list, and its words name the subject, not the asker.
fn points_at_one(plan: &Plan) -> bool {
    plan.tokens
        .windows(3)
        .chain(plan.tokens.windows(4))
        .any(|w| {
            w[0].text == "the"
                && w[w.len() - 1].text == "one"
                && w[1..w.len() - 1]
                    .iter()
                    .all(|t| matches!(t.role, Role::Topic | Role::Category | Role::Generic))
        })
}

/// The names of `text/data/elsewhere.txt`, one a line, comments and blank lines skipped.
fn elsewhere_lines() -> impl Iterator<Item = &'static str> {
    include_str!("../text/data/elsewhere.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter(|l| !name_key(l).replace(' ', "").is_empty())
}

/// Words of an English scheme name that people leave out when they name it ("the Digital
/// Transformation pilot" for the "… Support Pilot Programme").
const GENERIC_NAME_WORDS: [&str; 6] = ["support", "scheme", "programme", "program", "the", "for"];

/// A name of a scheme in folded form.
#[derive(Debug)]
struct NameKey {
    scheme: usize,
    key: String,
    chars: usize,
    /// An official name or acronym, rather than an alias.
    official: bool,
}

/// The loaded corpus and its searchable index. Immutable; share it behind an `Arc`.
pub struct Engine {
    corpus: Arc<Corpus>,
    analyzer: Analyzer,
    lexicon: Lexicon,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    names: Vec<NameKey>,
    /// Every distinct key of `names`, found in one pass over a question; see [`NameIndex`].
    name_index: NameIndex,
    by_address: HashMap<DocAddress, usize>,
    /// Every indexed word and the schemes holding it, per field.
    vocabulary: Vocabulary,
    /// The English words of names and keywords, which typos are matched against.
    tag_words: Vec<String>,
    /// Applicant kinds and needs, for structured requests.
    asker: crate::text::vocabulary::Vocabulary,
    /// Folded names of programmes that are not ours (`text/data/elsewhere.txt`).
    elsewhere: aho_corasick::AhoCorasick,
    /// Those names as the file writes them, by pattern index of `elsewhere`.
    elsewhere_names: Vec<String>,
    /// The answer / suggest / no-match model.
    model: Model,
    /// Per scheme, the analysed words of its names and aliases: an intent word inside a name
    /// ("Research Matching Grant Scheme", "AI Subsidy Scheme") does not say what is asked.
    name_words: Vec<HashSet<String>>,
    /// The phrases of structured requests: open now, most money, deadline soon.
    structured: [crate::text::vocabulary::PhraseSet; 4],
    /// Words that only order or scope such a request ("in order of", "top 5", "everything").
    arrange: crate::text::vocabulary::PhraseSet,
    /// Words linking a list word to an applicant kind ("for", "适合").
    for_kind: crate::text::vocabulary::PhraseSet,
    /// Words that name schemes in general ("schemes", "計劃").
    scheme_nouns: crate::text::vocabulary::PhraseSet,
    /// Words opening and closing examples ("like", "之类"): see [`example_spans`].
    examples: (Vec<String>, Vec<String>),
}

/// What [`Engine::read_index`] reads from the index.
struct IndexParts {
    reader: IndexReader,
    fields: Fields,
    by_address: HashMap<DocAddress, usize>,
    names: Vec<NameKey>,
    name_index: NameIndex,
    name_words: Vec<HashSet<String>>,
    vocabulary: Vocabulary,
    tag_words: Vec<String>,
}

/// The distinct keys of [`Engine`]'s names in one Aho-Corasick automaton, so that a question is
/// read once for all of them rather than once per name.
struct NameIndex {
    automaton: aho_corasick::AhoCorasick,
    /// By pattern id: the positions in `names` that have this key.
    names_of: Vec<Vec<usize>>,
}

impl NameIndex {
    fn new(names: &[NameKey]) -> anyhow::Result<NameIndex> {
        let mut keys: Vec<&str> = Vec::new();
        let mut names_of: Vec<Vec<usize>> = Vec::new();
        let mut pattern_of: crate::text::WordMap<&str, usize> = Default::default();
        for (i, n) in names.iter().enumerate() {
            let p = *pattern_of.entry(&n.key).or_insert_with(|| {
                keys.push(&n.key);
                names_of.push(Vec::new());
                keys.len() - 1
            });
            names_of[p].push(i);
        }
        Ok(NameIndex {
            automaton: aho_corasick::AhoCorasick::new(&keys)?,
            names_of,
        })
    }

    /// Every occurrence of every name's key in `text` as (position in `names`, start byte),
    /// each key's occurrences not overlapping one another, as `str::match_indices` finds them.
    fn occurrences(&self, text: &str) -> Vec<(usize, usize)> {
        let mut next_free = vec![0usize; self.names_of.len()];
        let mut out = Vec::new();
        for m in self.automaton.find_overlapping_iter(text) {
            let p = m.pattern().as_usize();
            if m.start() < next_free[p] {
                continue;
            }
            next_free[p] = m.end();
            out.extend(self.names_of[p].iter().map(|&i| (i, m.start())));
        }
        out
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("schemes", &self.corpus.schemes.len())
            .finish()
    }
}

impl Engine {
    /// Loads the corpus from `corpus_dir` and opens (or rebuilds) the index in `index_dir`.
    pub fn open(corpus_dir: &Path, index_dir: &Path) -> anyhow::Result<(Engine, Provenance)> {
        // jieba's dictionary loads on its own thread while the corpus is read and checked.
        let dictionary = DictionaryLoad::start();
        let corpus = Corpus::load(corpus_dir)?;
        let analyzer = Engine::analyzer_from(dictionary, &corpus);
        let (index, provenance) = open_or_build(index_dir, &corpus, &analyzer)?;
        Ok((
            Engine::with_index(Arc::new(corpus), analyzer, index)?,
            provenance,
        ))
    }

    /// An engine over `corpus` with an index in memory.
    pub fn in_memory(corpus: Corpus) -> anyhow::Result<Engine> {
        let analyzer = Engine::analyzer_for(&corpus);
        let index = build_in_ram(&corpus, &analyzer)?;
        Engine::with_index(Arc::new(corpus), analyzer, index)
    }

    /// The analyzer for a corpus: jieba learns every Chinese name, alias and keyword, and the
    /// lexicon's words, so they are cut whole.
    #[must_use]
    pub fn analyzer_for(corpus: &Corpus) -> Analyzer {
        Engine::analyzer_from(DictionaryLoad::start(), corpus)
    }

    /// [`Engine::analyzer_for`] with jieba's dictionary from a load started earlier.
    #[must_use]
    pub fn analyzer_from(dictionary: DictionaryLoad, corpus: &Corpus) -> Analyzer {
        let lexicon_words = Lexicon::raw_words();
        let vocabulary_words = crate::text::vocabulary::raw_words();
        let corpus_words = corpus
            .schemes
            .iter()
            .flat_map(|s| s.names().chain(s.keywords.iter().map(String::as_str)));
        Analyzer::from_load(
            dictionary,
            corpus_words
                .chain(lexicon_words.iter().map(String::as_str))
                .chain(vocabulary_words),
        )
    }

    fn with_index(corpus: Arc<Corpus>, analyzer: Analyzer, index: Index) -> anyhow::Result<Engine> {
        // The analysed word lists need only the analyzer: they are built on threads of their
        // own while this one reads the index (start-up time; see BENCHMARKS.md).
        std::thread::scope(|scope| {
            let lexicon = scope.spawn(|| Lexicon::new(&analyzer));
            let asker = scope.spawn(|| crate::text::vocabulary::Vocabulary::new(&analyzer));
            let structured = scope.spawn(|| {
                let phrases = crate::text::lexicon::structured_phrases();
                let sets = [
                    &phrases.open,
                    &phrases.money,
                    &phrases.deadline,
                    &phrases.fits,
                ]
                .map(|p| crate::text::vocabulary::PhraseSet::new(&analyzer, p));
                let arrange = crate::text::vocabulary::PhraseSet::new(&analyzer, &phrases.arrange);
                let for_kind =
                    crate::text::vocabulary::PhraseSet::new(&analyzer, &phrases.for_kind);
                let scheme_nouns =
                    crate::text::vocabulary::PhraseSet::new(&analyzer, &phrases.scheme_nouns);
                let examples = (phrases.examples_after, phrases.examples_before);
                (sets, arrange, for_kind, scheme_nouns, examples)
            });
            let parts = Engine::read_index(&corpus, &analyzer, &index)?;
            let structured = structured
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            Ok(Engine {
                lexicon: lexicon
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                asker: asker
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                structured: structured.0,
                arrange: structured.1,
                for_kind: structured.2,
                scheme_nouns: structured.3,
                examples: structured.4,
                model: Model::shipped(),
                elsewhere: aho_corasick::AhoCorasick::new(
                    elsewhere_lines().map(|l| name_key(l).replace(' ', "")),
                )?,
                elsewhere_names: elsewhere_lines().map(|l| l.trim().to_owned()).collect(),
                name_words: parts.name_words,
                reader: parts.reader,
                fields: parts.fields,
                names: parts.names,
                name_index: parts.name_index,
                by_address: parts.by_address,
                vocabulary: parts.vocabulary,
                tag_words: parts.tag_words,
                corpus: Arc::clone(&corpus),
                analyzer: analyzer.clone(),
                index: index.clone(),
            })
        })
    }

    /// What the engine keeps from the index: the reader, documents by address, the names'
    /// keys and words, the indexed vocabulary.
    fn read_index(
        corpus: &Arc<Corpus>,
        analyzer: &Analyzer,
        index: &Index,
    ) -> anyhow::Result<IndexParts> {
        let (_, fields) = index::schema();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let mut by_address = HashMap::new();
        let searcher = reader.searcher();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            for doc in segment.doc_ids_alive() {
                let address = DocAddress::new(ord as u32, doc);
                let stored: tantivy::TantivyDocument = searcher.doc(address)?;
                let id = stored
                    .get_first(fields.id)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                let Some(i) = corpus.schemes.iter().position(|s| s.id == id) else {
                    anyhow::bail!("the index holds scheme {id:?}, which the corpus does not");
                };
                by_address.insert(address, i);
            }
        }
        anyhow::ensure!(
            by_address.len() == corpus.schemes.len(),
            "the index holds {} schemes, the corpus {}",
            by_address.len(),
            corpus.schemes.len()
        );
        let mut names = Vec::new();
        for (i, s) in corpus.schemes.iter().enumerate() {
            // names() yields the official names and the acronym first.
            let official = 2 + usize::from(s.acronym.is_some());
            for (k, name) in s.names().enumerate() {
                let key = name_key(name).replace(' ', "");
                let chars = key.chars().count();
                let long_enough = if key.is_ascii() {
                    chars >= 3
                } else {
                    chars >= 2
                };
                if long_enough
                    && !names
                        .iter()
                        .any(|n: &NameKey| n.scheme == i && n.key == key)
                {
                    names.push(NameKey {
                        scheme: i,
                        key,
                        chars,
                        official: k < official,
                    });
                }
            }
        }
        // "the digital transformation pilot", "the Technology Talent Admission": an English name
        // without its generic words, when what is left is at least two words and in no other
        // scheme's names, names the scheme too (as an alias).
        for (i, s) in corpus.schemes.iter().enumerate() {
            let words: Vec<&str> = s
                .name_en
                .split_whitespace()
                .filter(|w| !GENERIC_NAME_WORDS.contains(&w.to_lowercase().as_str()))
                .collect();
            let key = name_key(&words.join(" ")).replace(' ', "");
            let shared = names
                .iter()
                .any(|n: &NameKey| n.scheme != i && n.key.contains(key.as_str()));
            if words.len() >= 2
                && !shared
                && !names
                    .iter()
                    .any(|n: &NameKey| n.scheme == i && n.key == key)
            {
                names.push(NameKey {
                    scheme: i,
                    chars: key.chars().count(),
                    key,
                    official: false,
                });
            }
        }
        let name_words = corpus
            .schemes
            .iter()
            .map(|s| {
                s.names()
                    .flat_map(|n| analyzer.analyze(n))
                    .map(|t| t.text)
                    .collect()
            })
            .collect();
        let vocabulary = Vocabulary::read(&searcher, fields, &by_address, corpus.schemes.len())?;
        let tag_words = vocabulary.tag_words();
        Ok(IndexParts {
            reader,
            fields,
            by_address,
            name_index: NameIndex::new(&names)?,
            names,
            name_words,
            vocabulary,
            tag_words,
        })
    }

    /// The corpus this engine serves.
    #[must_use]
    pub fn corpus(&self) -> &Arc<Corpus> {
        &self.corpus
    }

    /// The shared analyzer.
    #[must_use]
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The tantivy index.
    #[must_use]
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Analyses a question without searching.
    #[must_use]
    pub fn plan(&self, question: &str) -> Plan {
        let known = |t: &str| self.vocabulary.get(t).is_some();
        Plan::new(question, &self.analyzer, &self.lexicon, known)
    }

    /// Finds what `question` is about; at most `limit` schemes.
    #[must_use]
    pub fn search(&self, question: &str, limit: usize) -> Outcome {
        let plan = self.plan(question);
        let mut about = About::default();
        let found = self
            .find(question, &plan, limit.max(1), &mut about)
            .map(|(found, _)| found)
            .unwrap_or_else(|e| {
                // Searching an in-process index of a few dozen documents does not fail short of a
                // bug or a broken disk; a person still gets an answer rather than an error.
                tracing::error!(error = %e, "search failed");
                Found::Nothing
            });
        // Intent words that are part of a scheme named in the question do not count.
        let intents = if about.named.is_empty() {
            plan.intents
        } else {
            let mut intents = Vec::new();
            for t in &plan.tokens {
                if about
                    .named
                    .iter()
                    .any(|&i| self.name_words[i].contains(&t.text))
                {
                    continue;
                }
                for &i in self.lexicon.intents(&t.text) {
                    if !intents.contains(&i) {
                        intents.push(i);
                    }
                }
            }
            intents
        };
        Outcome {
            found,
            intents,
            about,
        }
    }

    fn find(
        &self,
        question: &str,
        plan: &Plan,
        limit: usize,
        about: &mut About,
    ) -> tantivy::Result<(Found, Option<(usize, Features)>)> {
        let n = self.corpus.schemes.len();
        let mut named = self.name_hits(question);
        about.named = named.keys().copied().collect();
        about.named.sort_by_key(|i| (named[i].position, *i));
        about.named_apart = about
            .named
            .iter()
            .copied()
            .filter(|i| named[i].apart)
            .collect();
        about.list = plan.list_words;
        about.names_schemes = {
            let words: crate::text::WordSet<&str> =
                plan.tokens.iter().map(|t| t.text.as_str()).collect();
            plan.tokens
                .iter()
                .any(|t| self.scheme_nouns.explains(&words, &t.text))
        };
        about.browses_schemes = !plan.categories.is_empty() || about.names_schemes;
        about.topical = plan
            .tokens
            .iter()
            .any(|t| matches!(t.role, Role::Topic | Role::Category));
        // A question naming someone else's programme ("持續進修基金", "public housing") and none
        // of ours is not a request to browse ours either.
        let elsewhere = self.names_elsewhere(question);
        // Lower case and Simplified, read for places, headcounts, figures and ratios.
        let normalised = normalize(question).text();
        let ratios = amount::ratios(&normalised);
        about.quotes_ratio = !ratios.is_empty();
        // "深圳前海對港青創業有咩補貼？": a Mainland place's own support is not ours either.
        let mainland_gives = self
            .lexicon
            .mainland_gives(&normalised, plan.tokens.iter().map(|t| t.text.as_str()));
        // "How do I apply for the SME loan guarantee?": words that the learnt domain model
        // (`text::domain`) is sure belong to some other subject. The answer decides what to
        // make of it, since in a chat about one of ours a short follow-up reads as foreign.
        let domain = crate::text::domain::DomainModel::shipped();
        let foreign_probability = domain.probability(&normalised);
        about.foreign =
            named.is_empty() && about.topical && foreign_probability >= domain.threshold;
        tracing::debug!(
            %normalised,
            foreign_probability,
            topical = about.topical,
            named = !named.is_empty(),
            "domain"
        );
        if (elsewhere || mainland_gives) && named.is_empty() {
            about.elsewhere = true;
            return Ok((Found::Nothing, None));
        }
        // "請列出現時接受申請的創新科技計劃": a list request in words the phrase rules below
        // do not know.
        if named.is_empty() && foreign_probability < crate::text::browse::MAX_FOREIGN {
            about.browse = crate::text::browse::BrowseModel::shipped().likeliest_list(&normalised);
            tracing::debug!(browse = ?about.browse, "browse");
        }
        let stated = self.stated_in(question, &normalised, plan);
        about.applicants.clone_from(&stated.applicants);
        about.needs.clone_from(&stated.needs);
        about.asker_only = about.topical
            && plan
                .tokens
                .iter()
                .filter(|t| matches!(t.role, Role::Topic | Role::Category))
                .all(|t| stated.spans.iter().any(|&(a, b)| a <= t.from && t.to <= b))
            && !points_at_one(plan);
        if named.is_empty()
            && let Some(filter) = self.structured_request(plan, &stated)
        {
            return Ok((Found::Filtered(filter), None));
        }
        about.other_support = self.names_other_support(plan, &|t: &QueryToken| {
            stated.spans.iter().any(|&(a, b)| a <= t.from && t.to <= b)
        });
        let searcher = self.reader.searcher();

        // Content weight: topic and category words, each by its inverse document frequency
        // (single Han characters, mostly particles, weigh a third).
        let mut total = 0.0f32;
        let mut unknown = 0.0f32;
        let mut covered = vec![0.0f32; n];
        let mut topic_hit = vec![false; n];
        // Byte spans of topic words found in each scheme's names or keywords.
        let mut strong: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        let mut has_topic = false;
        let content: Vec<&QueryToken> = plan
            .tokens
            .iter()
            .filter(|t| matches!(t.role, Role::Topic | Role::Category) && !t.stand_in)
            .collect();
        // A word of a synonym phrase ("secondary school") also matches where the word standing
        // for the phrase ("中学") does.
        let matches: Vec<Matches> = content
            .iter()
            .map(|t| {
                let mut m = self.docs_matching(t);
                for s in plan.tokens.iter().filter(|s| s.stand_in && t.within(s)) {
                    let alt = self.docs_matching(s);
                    or_into(&mut m.any, &alt.any);
                    or_into(&mut m.tags, &alt.tags);
                }
                m
            })
            .collect();
        for (j, &t) in content.iter().enumerate() {
            let mut m = matches[j].clone();
            // "做研發", "中學老師": search mode cuts a compound and its parts. A scheme that has
            // every content word inside the compound has the compound's meaning too, though it
            // never writes the compound itself.
            let parts: Vec<usize> = (0..content.len())
                .filter(|&k| {
                    let p = content[k];
                    t.from <= p.from && p.to <= t.to && (p.from, p.to) != (t.from, t.to)
                })
                .collect();
            if !parts.is_empty() {
                for i in 0..n {
                    m.any[i] |= parts.iter().all(|&k| matches[k].any[i]);
                }
            }
            // "科技卷": a Han word that is part of a name the question names, once folded
            // (卷 → 券), is a word of that scheme even though no scheme writes it so.
            if t.text.chars().all(crate::text::is_han) {
                let folded = name_key(&t.text).replace(' ', "");
                for &i in named.keys() {
                    if !folded.is_empty()
                        && self
                            .names
                            .iter()
                            .any(|k| k.scheme == i && k.key.contains(&folded))
                    {
                        m.any[i] = true;
                    }
                }
            }
            let df = m.any.iter().filter(|&&d| d).count();
            let mut idf = (1.0 + (n as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln();
            if t.is_single_han() {
                idf /= 3.0;
            }
            total += idf;
            tracing::trace!(token = %t.text, df, idf, "content word");
            // A compound no scheme has whole ("海外华人") is unknown only as far as its parts
            // are: a part the corpus knows is a word it understands.
            if df == 0 {
                let parts_known = if parts.is_empty() {
                    0.0
                } else {
                    parts
                        .iter()
                        .filter(|&&k| matches[k].any.contains(&true))
                        .count() as f32
                        / parts.len() as f32
                };
                unknown += idf * (1.0 - parts_known);
            }
            has_topic |= t.role == Role::Topic;
            for i in 0..n {
                if m.any[i] {
                    covered[i] += idf;
                    topic_hit[i] |= t.role == Role::Topic;
                }
                let overlaps = strong[i].iter().any(|&(a, b)| t.from < b && a < t.to);
                if m.tags[i] && t.role == Role::Topic && !t.is_single_han() && !overlaps {
                    strong[i].push((t.from, t.to));
                }
            }
        }

        // A figure quoted in the question that is one of a scheme's money figures is evidence
        // for that scheme; so is a project at or above a scheme's minimum project cost ("投资约
        // 3亿港元" fits a scheme for projects of HK$150 million and up).
        // So is a matching ratio it quotes ("政府出四分三、我哋出四分一" is 3 : 1).
        let quoted = amount::amounts(&normalised);
        let money_match: Vec<bool> = self
            .corpus
            .schemes
            .iter()
            .map(|s| {
                let figures = s.money.figures();
                quoted.iter().any(|&q| {
                    figures.iter().flatten().any(|&f| amount::same_amount(q, f))
                        || s.money.min_project_cost.is_some_and(|min| q >= min)
                }) || ratios.iter().any(|r| {
                    s.money
                        .matching
                        .iter()
                        .any(|m| r.fits(m.government, m.partner))
                })
            })
            .collect();
        has_topic |= money_match.contains(&true);

        // "What research infrastructure is there, like institutes and supercomputers?": words
        // given as examples of a category say neither which category nor what situation.
        let examples = example_spans(question, &self.examples.0, &self.examples.1);
        let in_examples = |t: &QueryToken| examples.iter().any(|&(a, b)| a <= t.from && t.to <= b);
        let category = if examples.is_empty() {
            choose_category(&plan.categories)
        } else {
            let mut outside: Vec<Category> = Vec::new();
            for t in plan.tokens.iter().filter(|t| !in_examples(t)) {
                for &c in self.lexicon.categories(&t.text) {
                    if !outside.contains(&c) {
                        outside.push(c);
                    }
                }
            }
            choose_category(&outside)
        };
        // "Which venture capital or fund-of-funds schemes are there?": a browse request that
        // names a category is one even when it mentions an alias of a scheme of that category
        // as an example. An official name or acronym, or a question about money, eligibility,
        // applying or dates ("科學園培育計劃有什麼要求"), still means that scheme.
        let only_examples = plan.intents.is_empty()
            && named
                .iter()
                .all(|(&i, h)| !h.official && Some(self.corpus.schemes[i].category) == category);
        // "香港中学开展人工智能课外活动，有什么拨款？": a browse word and a category word in a
        // question that describes a situation (several topic words the corpus knows) ask which
        // scheme fits it, not for the category (ranked below; two best matches sharing a
        // category still list it).
        let described = content
            .iter()
            .zip(&matches)
            .filter(|(t, m)| {
                t.role == Role::Topic
                    && !in_examples(t)
                    && !t.is_single_han()
                    && !content.iter().any(|q| t.within(q))
                    && m.any.contains(&true)
            })
            .count()
            + usize::from(speaks_of_self(plan))
            >= DESCRIPTION_WORDS;
        if plan.list_words && category.is_some() && only_examples && !described {
            return Ok((Found::List(category), None));
        }
        // "我们想做自己的研发项目，有配对资助吗？": a stated need with no browse word is ranked
        // (the schemes serving that need come first), not listed by category.
        let needs_ranking = !stated.needs.is_empty() && !plan.list_words;
        if named.is_empty() && !has_topic && !needs_ranking {
            // "有冇俾個人申請嘅資助？": browsing with a stated applicant kind lists what that
            // applicant can apply to.
            if let Some(&applicant) = stated.applicants.first()
                && category.is_none_or(|c| c == Category::Funding)
            {
                let filter = Filter {
                    open_only: false,
                    applicant: Some(applicant),
                    sort: SortBy::Category,
                };
                return Ok((Found::Filtered(filter), None));
            }
            let found = match category {
                Some(c) => Found::List(Some(c)),
                None if plan.list_words || plan.with_role(Role::Generic).next().is_some() => {
                    Found::List(None)
                }
                None => Found::Nothing,
            };
            return Ok((found, None));
        }

        let typos = |t: &QueryToken| -> Vec<String> {
            if self.vocabulary.get(&t.text).is_some() || t.role.weight() == 0.0 {
                return Vec::new();
            }
            typo_candidates(t, &self.tag_words)
                .into_iter()
                .map(str::to_owned)
                .collect()
        };
        let present = |term: &str, field: Field| {
            self.vocabulary
                .get(term)
                .is_some_and(|p| p.in_field(field, self.fields))
        };
        let query = plan.to_query(self.fields, &self.lexicon, typos, present);
        let mut text_score = vec![0.0f32; n];
        let statistics = Statistics {
            vocabulary: &self.vocabulary,
            fields: self.fields,
            searcher: &searcher,
        };
        for (score, address) in searcher.search_with_statistics_provider(
            &query,
            &TopDocs::with_limit(n).order_by_score(),
            &statistics,
        )? {
            if let Some(&i) = self.by_address.get(&address) {
                text_score[i] = score;
            }
        }

        // "the new InnoHK cluster on energy and materials": a name written in the question that
        // is part of another scheme's longer name ("InnoHK" of "第三個InnoHK研發平台") names that
        // scheme too, when the question's words fit it better than the one named and it has
        // evidence only it has: a topic word in its names or keywords that the named scheme's
        // lack ("energy", "materials"), outside the name itself.
        let own_evidence = |j: usize, i: usize| {
            strong[j].iter().any(|&(a, b)| {
                let word = name_key(&question[a..b]).replace(' ', "");
                !strong[i].contains(&(a, b))
                    && !self
                        .names
                        .iter()
                        .any(|k| k.scheme == i && k.key.contains(&word))
            })
        };
        let part_of_longer =
            self.names_part_of_longer(question, &named, &text_score, &own_evidence);
        for (j, hit) in part_of_longer {
            named.insert(j, hit);
            about.named.push(j);
            about.named.sort_by_key(|i| (named[i].position, *i));
        }

        // Who is asking and what for (`stated`): schemes that fit rank higher, schemes the
        // asker cannot apply to lower.
        let fit = |i: usize| -> (f32, f32) {
            let s = &self.corpus.schemes[i];
            let applicant = if stated.applicants.is_empty() || s.applicants.is_empty() {
                0.0
            } else if stated.applicants.iter().any(|a| s.accepts(a)) {
                1.0
            } else {
                -1.0
            };
            let need = f32::from(u8::from(
                stated.needs.iter().any(|n| s.needs.iter().any(|x| x == n)),
            ));
            (applicant, need)
        };

        for i in 0..n {
            if money_match[i] {
                text_score[i] *= MONEY_MATCH_FACTOR;
            }
        }
        let mut hits: Vec<Hit> = (0..n)
            .filter(|&i| text_score[i] > 0.0 || named.contains_key(&i))
            .map(|i| {
                let bonus = named.get(&i).map(|h| h.bonus);
                let evidence = strong[i].len() + usize::from(money_match[i]);
                // Words found in a scheme's names and keywords say more than words found in
                // its prose: each one adds a quarter to the text score.
                let (applicant, need) = fit(i);
                let weighted = text_score[i]
                    * (1.0 + EVIDENCE_WEIGHT * evidence as f32)
                    * (1.0 + FIT_WEIGHT * (applicant + need));
                Hit {
                    scheme: i,
                    score: weighted + bonus.unwrap_or(0.0),
                    named: bonus.is_some(),
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.scheme.cmp(&b.scheme)));
        let Some(top) = hits.first().map(|h| h.scheme) else {
            return Ok((Found::Nothing, None));
        };
        about.evidence = !strong[top].is_empty() || money_match[top];
        about.evidence_words = strong[top]
            .iter()
            .map(|&(a, b)| name_key(&question[a..b]))
            .collect();
        about.money_evidence = money_match[top];
        let weighted = |h: &Hit| {
            if h.named {
                h.score - named[&h.scheme].bonus
            } else {
                h.score
            }
        };
        let best = weighted(&hits[0]);
        let second = hits.get(1).map_or(0.0, weighted);
        let (applicant_fit, need_fit) = fit(top);
        let features = Features {
            named: f32::from(u8::from(hits[0].named)),
            score: (1.0 + text_score[top]).ln() / 5.0,
            margin: if best > 0.0 {
                ((best - second) / best).max(0.0)
            } else {
                1.0
            },
            coverage: if total > 0.0 {
                covered[top] / total
            } else {
                1.0
            },
            unknown: if total > 0.0 { unknown / total } else { 0.0 },
            evidence: ((strong[top].len() + usize::from(money_match[top])) as f32 / 3.0).min(1.0),
            elsewhere: f32::from(u8::from(elsewhere)),
            applicant_fit,
            need_fit,
            asks_support: f32::from(u8::from(asks_support(plan, &stated))),
        };
        let confidence = self.model.decide(&features);
        let probability = self.model.probability(&features);
        about.probability = probability;
        about.surely_ours = confidence != Confidence::Answer
            && probability >= domain.rescue
            && foreign_probability < domain.sure_in;
        tracing::debug!(
            scheme = %self.corpus.schemes[top].id,
            ?features,
            probability,
            foreign_probability,
            ?confidence,
            "decision"
        );
        if let Some(best) = hits.first().map(|h| text_score[h.scheme]) {
            hits.retain(|h| h.named || text_score[h.scheme] >= ALTERNATIVE_RATIO * best);
        }
        // "我哋大學想由海外請個頂尖學者帶隊過嚟…": BM25 puts the scheme sharing the most words
        // first; the scheme model (`text::scheme`), which has read how each scheme is asked
        // for, may put one of the next two first when it is much surer of it. The decision
        // above stands: it judged how well the question's words are explained. A scheme named
        // by its official name or acronym is what was asked about; one named by an alias may
        // describe the asker ("We're a Cyberport incubatee… funds to trial our app at a public
        // hospital?").
        if named.values().all(|h| !h.official) {
            let candidates: Vec<&str> = hits
                .iter()
                .take(SUGGESTIONS)
                .map(|h| self.corpus.schemes[h.scheme].id.as_str())
                .collect();
            if let Some(at) =
                crate::text::scheme::SchemeModel::shipped().rerank(&normalised, &candidates)
            {
                tracing::debug!(scheme = candidates[at], "re-ranked first");
                let hit = hits.remove(at);
                hits.insert(0, hit);
            }
        }
        about.ranked = hits.iter().take(SUGGESTIONS).cloned().collect();
        // "Which incubation programmes can a start-up join?": a browse request whose two best
        // matches share a category lists that category.
        if plan.list_words
            && named.is_empty()
            && !described
            && confidence != Confidence::None
            && let [a, b, ..] = hits.as_slice()
        {
            let (ca, cb) = (
                self.corpus.schemes[a.scheme].category,
                self.corpus.schemes[b.scheme].category,
            );
            if ca == cb {
                return Ok((Found::List(Some(ca)), None));
            }
        }
        // "我喺海外做嘢，想過嚟香港發展，有咩計劃可以揀？": a browse request for schemes by
        // someone who says who they are, whose description fits no one scheme well enough to
        // answer, lists what that kind of applicant can apply to rather than nothing.
        if confidence != Confidence::Answer
            && plan.list_words
            && named.is_empty()
            && !elsewhere
            && !about.other_support
            && let Some(&applicant) = stated.applicants.first()
            && {
                let words: crate::text::WordSet<&str> =
                    plan.tokens.iter().map(|t| t.text.as_str()).collect();
                plan.tokens
                    .iter()
                    .any(|t| self.scheme_nouns.explains(&words, &t.text))
            }
        {
            let filter = Filter {
                open_only: false,
                applicant: Some(applicant),
                sort: SortBy::Category,
            };
            return Ok((Found::Filtered(filter), Some((top, features))));
        }
        let found = match confidence {
            Confidence::Answer => {
                hits.truncate(limit);
                Found::Schemes(hits)
            }
            Confidence::Suggest => {
                hits.truncate(SUGGESTIONS);
                Found::Suggestions(hits)
            }
            Confidence::None => Found::Nothing,
        };
        Ok((found, Some((top, features))))
    }

    /// Who the asker says they are and what they need, as vocabulary keys
    /// (`text/data/vocabulary.toml`): what ranking and structured requests read from
    /// `question`, shown by `ask --explain`.
    #[must_use]
    pub fn stated(&self, question: &str) -> crate::text::vocabulary::Stated {
        self.stated_in(question, &normalize(question).text(), &self.plan(question))
    }

    /// [`Engine::stated`] for a question already analysed into `plan`, and already normalised
    /// (`normalised`: lower case, Simplified).
    fn stated_in(
        &self,
        question: &str,
        normalised: &str,
        plan: &Plan,
    ) -> crate::text::vocabulary::Stated {
        // A narrower word also says what its broad word says ("I live in Canada" is
        // "overseas"), over the same span.
        let tokens: Vec<(&str, usize, usize)> = plan
            .tokens
            .iter()
            .flat_map(|t| {
                std::iter::once(t.text.as_str())
                    .chain(self.lexicon.broader(&t.text).iter().map(String::as_str))
                    .map(|w| (w, t.from, t.to))
            })
            .collect();
        let mut stated = self.asker.detect(question, &tokens);
        // "室內設計公司，得十幾個伙記": a firm with fewer than `SME_STAFF` staff is a small one.
        if stated.applicants.contains(&"company")
            && !stated.applicants.contains(&"sme")
            && amount::headcount(normalised).is_some_and(|n| n < SME_STAFF)
        {
            for a in &mut stated.applicants {
                if *a == "company" {
                    *a = "sme";
                }
            }
        }
        stated
    }

    /// The features the decision model saw for a question's best candidate, and that
    /// candidate (an index into the corpus), or `None` when no scheme is a candidate or the
    /// question is a browse request recognised before ranking. Used to fit the model.
    #[must_use]
    pub fn decision_features(&self, question: &str) -> Option<(usize, Features)> {
        let plan = self.plan(question);
        self.find(question, &plan, 1, &mut About::default())
            .ok()
            .and_then(|(_, f)| f)
    }

    /// Whether the question names a programme, place or service that is not one of ours
    /// (`text/data/elsewhere.txt`), on word boundaries after folding.
    fn names_elsewhere(&self, question: &str) -> bool {
        let q = Compact::new(&name_key(question));
        // One pass of an automaton over the names, overlapping matches included.
        self.elsewhere
            .find_overlapping_iter(&q.text)
            .any(|m| q.starts_word[m.start()] && q.ends_word[m.end()])
    }

    /// The programmes of `text/data/elsewhere.txt` (not Hong Kong I&T schemes) that `question`
    /// names, as the file writes them, in order of first mention, each once; a name inside a
    /// longer one named ("CIES" in "New CIES") is left out.
    #[must_use]
    pub fn not_ours(&self, question: &str) -> Vec<String> {
        let q = Compact::new(&name_key(question));
        // One pass of an automaton over the names, overlapping matches included.
        let found: Vec<(usize, usize, usize)> = self
            .elsewhere
            .find_overlapping_iter(&q.text)
            .filter(|m| q.starts_word[m.start()] && q.ends_word[m.end()])
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        let mut found: Vec<(usize, usize, usize)> = found
            .iter()
            .copied()
            .filter(|&(a, b, _)| {
                !found
                    .iter()
                    .any(|&(c, d, _)| c <= a && b <= d && (c, d) != (a, b))
            })
            .collect();
        found.sort_by_key(|&(a, b, _)| (a, std::cmp::Reverse(b)));
        // Lines that fold alike (優才計劃, 优才计划) are one programme.
        let mut names: Vec<String> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        for (_, _, p) in found {
            let name = &self.elsewhere_names[p];
            let key = name_key(name).replace(' ', "");
            if !keys.contains(&key) {
                keys.push(key);
                names.push(name.clone());
            }
        }
        names
    }

    /// "香港的电费补贴现在还有吗", "Is there an electricity subsidy…": a word no scheme has,
    /// right before a funding word, names some other kind of support. (A funding word, not an
    /// amount word: "最多" after "搵錢" only asks how much.) Words `explained` (by the asker's
    /// kind or a structured phrase) do not count.
    fn names_other_support(&self, plan: &Plan, explained: &dyn Fn(&QueryToken) -> bool) -> bool {
        let funding_word = |t: &QueryToken| {
            self.lexicon
                .categories(&t.text)
                .contains(&Category::Funding)
        };
        plan.tokens.iter().any(|t| {
            t.role == Role::Topic
                && !t.is_single_han()
                && !explained(t)
                && !self.docs_matching(t).any.contains(&true)
                && plan
                    .tokens
                    .iter()
                    .any(|n| n.from >= t.to && n.from <= t.to + 1 && funding_word(n))
        })
    }

    /// A browse request answered from structured fields: it asks for a list (list words, or
    /// "which can I apply for"), states who is asking or asks for open / largest / soonest, and
    /// says nothing else a scheme would have to match.
    fn structured_request(
        &self,
        plan: &Plan,
        stated: &crate::text::vocabulary::Stated,
    ) -> Option<Filter> {
        // "open to me", "open to start-ups" says who may apply, not that applications are open
        // ("open to applications" does).
        let open_to = |i: usize| {
            let word = |k: usize| plan.tokens.get(k).map(|t| t.text.as_str());
            word(i) == Some("open") && word(i + 1) == Some("to") && word(i + 2) != Some("applic")
        };
        let present: crate::text::WordSet<&str> = plan
            .tokens
            .iter()
            .enumerate()
            .filter(|&(i, _)| !open_to(i))
            .map(|(_, t)| t.text.as_str())
            .collect();
        let [open, money, deadline, fits] = self.structured.each_ref().map(|p| p.find(&present));
        // "What support is there for manufacturers?": "what" or "which" before a word naming
        // schemes in general browses them, like a list word.
        let browses = |k: usize| {
            plan.tokens[k].role == Role::List
                || (k >= 1
                    && matches!(plan.tokens[k - 1].text.as_str(), "what" | "which")
                    && self.scheme_nouns.explains(&present, &plan.tokens[k].text))
        };
        let asks = plan.list_words
            || (0..plan.tokens.len()).any(browses)
            || fits.is_some()
            || open.is_some()
            || money.is_some()
            || deadline.is_some();
        let structured = open.is_some() || money.is_some() || deadline.is_some();
        if !asks || (!structured && stated.applicants.is_empty()) {
            return None;
        }
        if points_at_one(plan) {
            return None;
        }
        let explained = |t: &QueryToken| {
            self.structured
                .iter()
                .any(|set| set.explains(&present, &t.text))
                || (structured && self.arrange.explains(&present, &t.text))
                || stated.spans.iter().any(|&(a, b)| a <= t.from && t.to <= b)
        };
        // "…, which schemes are for manufacturers?", "请问哪些计划适合科研人员？": an applicant
        // kind named last (nothing after it says what for: "…to help companies hire staff"),
        // after a list word with a scheme word ("科學園內有哪些餐廳？" asks which restaurants)
        // and only linking words between, asks for that kind's list, whatever the asker said
        // about themselves before.
        let for_kind = || {
            // Every word counts here, "open" of "open to" included.
            let words: crate::text::WordSet<&str> =
                plan.tokens.iter().map(|t| t.text.as_str()).collect();
            stated.spans.iter().any(|&(from, to)| {
                let last = plan
                    .tokens
                    .iter()
                    .filter(|t| t.from >= to)
                    .all(|t| !matches!(t.role, Role::Topic | Role::Category));
                last && plan.tokens.iter().enumerate().any(|(k, l)| {
                    let between = |t: &&QueryToken| l.from <= t.from && t.to <= from;
                    browses(k)
                        && l.to <= from
                        && plan.tokens.iter().filter(between).all(|t| {
                            matches!(t.role, Role::Filler | Role::Generic | Role::List)
                                || self.for_kind.explains(&words, &t.text)
                        })
                        && plan.tokens.iter().filter(between).any(|t| {
                            t.role == Role::Generic || (t.role == Role::List && t.text.is_ascii())
                        })
                })
            })
        };
        // A word in some scheme's names or keywords ("incubation", "visa") asks about those
        // schemes, not for a list.
        let about_schemes = plan.tokens.iter().any(|t| {
            let broad = t.role == Role::Category
                && self
                    .lexicon
                    .categories(&t.text)
                    .iter()
                    .all(|&c| c == Category::Funding);
            matches!(t.role, Role::Topic | Role::Category)
                && !broad
                && !explained(t)
                && self.docs_matching(t).tags.contains(&true)
        });
        tracing::debug!(?stated, about_schemes, "structured request");
        if about_schemes && !for_kind() {
            return None;
        }
        // "香港的电费补贴现在还有吗": some other subsidy; ranked instead, where the no-match
        // decision can refuse it.
        if self.names_other_support(plan, &explained) {
            return None;
        }
        // "List start-up schemes" browses a category; "we're a start-up, what can we apply
        // for?" says who is asking. Without a first-person word, a named category wins.
        // A category word inside a longer applicant word ("研究" of "研究人员") is that
        // applicant, not a category named.
        let named_categories = plan
            .tokens
            .iter()
            .filter(|t| t.role == Role::Category)
            .filter(|t| {
                !plan.tokens.iter().any(|u| {
                    t.within(u) && stated.spans.iter().any(|&(a, b)| a <= u.from && u.to <= b)
                })
            })
            // "What support is there for manufacturers?", "初创企业能拿到哪些支持？": an
            // applicant word that is also a category word names who is to receive, unless a
            // word naming schemes follows it ("start-up schemes", "初創支援計劃").
            .filter(|t| {
                let applicant = stated.spans.contains(&(t.from, t.to));
                let next = plan
                    .tokens
                    .iter()
                    .filter(|u| u.from >= t.to && !u.stand_in && u.role != Role::Filler)
                    .min_by_key(|u| u.from);
                !applicant
                    || next.is_some_and(|u| {
                        u.role == Role::List || self.scheme_nouns.explains(&present, &u.text)
                    })
            })
            .flat_map(|t| self.lexicon.categories(&t.text).iter().copied());
        let first_person = speaks_of_self(plan);
        let applicant =
            stated.applicants.first().copied().filter(|_| {
                first_person || named_categories.clone().all(|c| c == Category::Funding)
            });
        if !structured && applicant.is_none() {
            return None;
        }
        Some(Filter {
            // A deadline list holds only schemes whose deadline is still ahead: "closing this
            // month" needs no separate "open now". A list for the asker already leaves out
            // what has closed and marks what waits for a new round, so "我们是初创公司，目前能
            // 申请哪些计划？" is the list for start-ups.
            open_only: open.is_some() && deadline.is_none() && applicant.is_none(),
            applicant,
            sort: if money.is_some() {
                SortBy::Money
            } else if deadline.is_some() {
                SortBy::Deadline
            } else {
                SortBy::Category
            },
        })
    }

    /// Which schemes contain a token (or one of its synonyms), anywhere and in their names or
    /// keywords. An English word the index does not know matches the names and keywords that
    /// it may be a typo of.
    fn docs_matching(&self, t: &QueryToken) -> Matches {
        let n = self.corpus.schemes.len();
        let mut m = Matches {
            any: vec![false; n],
            tags: vec![false; n],
        };
        let terms = std::iter::once(t.text.as_str())
            .chain(self.lexicon.synonyms(&t.text).iter().map(String::as_str));
        for term in terms {
            if let Some(p) = self.vocabulary.get(term) {
                or_into(&mut m.any, &p.all);
                or_into(&mut m.tags, &p.tags);
            }
        }
        if !m.any.contains(&true) {
            for word in typo_candidates(t, &self.tag_words) {
                if let Some(p) = self.vocabulary.get(word) {
                    or_into(&mut m.tags, &p.tags);
                }
            }
            m.any.clone_from(&m.tags);
        }
        m
    }

    /// Schemes whose name, acronym or alias appears in the question, with a ranking bonus that
    /// puts longer names first and, among equals, earlier mentions. Names are compared without
    /// spaces ("Inno HK" is "InnoHK"), but must start and end on word boundaries ("ess" is not
    /// in "business").
    /// "数码港创意微型基金和培育计划": after a name, the rest of another name of the same scheme
    /// that shares its opening ("数码港" + "培育计划") names the second programme with the
    /// opening left out ("Cyberport micro fund and incubation"). The rest must be at least two
    /// characters and start a word; in English the opening must be whole words.
    fn names_rest_later(&self, scheme: usize, q: &Compact, start: usize, end: usize) -> bool {
        let said = &q.text[start..end];
        let later = &q.text[end..];
        self.names
            .iter()
            .filter(|n| n.scheme == scheme && n.key != said)
            .any(|n| {
                let shared: usize = said
                    .chars()
                    .zip(n.key.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a.len_utf8())
                    .sum();
                let rest = &n.key[shared..];
                // In English the shared opening is whole words ("cyberport " + "micro fund").
                let whole =
                    rest.starts_with(|c: char| !c.is_ascii()) || q.starts_word[start + shared];
                shared >= MIN_SHARED_OPENING
                    && whole
                    && rest.chars().count() >= 2
                    && !said.contains(rest)
                    && later
                        .match_indices(rest)
                        .any(|(i, _)| q.starts_word[end + i])
            })
    }

    /// Schemes not named in `question` whose longer official names (not aliases: "TechTAS-NIAS"
    /// is a strand, not a scheme named after NIAS) contain a name it writes of a named scheme,
    /// whose text score beats that scheme's, and with evidence of their own
    /// (`own_evidence(other, named)`): each with the named scheme's hit.
    fn names_part_of_longer(
        &self,
        question: &str,
        named: &HashMap<usize, NameHit>,
        text_score: &[f32],
        own_evidence: &dyn Fn(usize, usize) -> bool,
    ) -> Vec<(usize, NameHit)> {
        let q = Compact::new(&name_key(question)).text;
        let mut out: Vec<(usize, NameHit)> = Vec::new();
        for (&i, hit) in named {
            let written: Vec<&str> = self
                .names
                .iter()
                .filter(|k| k.scheme == i && q.contains(&k.key))
                .map(|k| k.key.as_str())
                .collect();
            for j in 0..self.corpus.schemes.len() {
                if named.contains_key(&j)
                    || text_score[j] <= text_score[i]
                    || !own_evidence(j, i)
                    || out.iter().any(|&(o, _)| o == j)
                {
                    continue;
                }
                let contains = self.names.iter().any(|k| {
                    k.scheme == j
                        && k.official
                        && written
                            .iter()
                            .any(|w| k.key.len() > w.len() && k.key.contains(w))
                });
                if contains {
                    out.push((
                        j,
                        NameHit {
                            official: false,
                            apart: false,
                            ..*hit
                        },
                    ));
                }
            }
        }
        out
    }

    fn name_hits(&self, question: &str) -> HashMap<usize, NameHit> {
        let q = Compact::new(&name_key(question));
        let mut spans: Vec<(usize, usize, usize, usize, bool)> = Vec::new(); // scheme, start, end, chars, official
        for (i, start) in self.name_index.occurrences(&q.text) {
            let n = &self.names[i];
            let end = start + n.key.len();
            if q.starts_word[start] && q.ends_word[end] {
                spans.push((n.scheme, start, end, n.chars, n.official));
            }
        }
        let mut best: HashMap<usize, NameHit> = HashMap::new();
        if spans.is_empty() {
            self.fuzzy_name_hits(&q.text, &mut best);
        }
        for &(scheme, start, end, chars, official) in &spans {
            // A name inside a longer name of another scheme ("InnoHK" in "第三個InnoHK研發平台")
            // is that other scheme's mention.
            let inside_longer = spans
                .iter()
                .any(|&(s2, a, b, c2, _)| s2 != scheme && a <= start && end <= b && c2 > chars);
            if inside_longer {
                continue;
            }
            // Two programmes of one scheme ("CCMF vs CIP", "Incu-Tech和Incu-App"): another name of
            // the same scheme that does not overlap this one.
            let apart = spans.iter().any(|&(s2, a, b, _, _)| {
                s2 == scheme && (b <= start || end <= a) && q.text[a..b] != q.text[start..end]
            }) || self.names_rest_later(scheme, &q, start, end);
            let position = q.text[..start].chars().count() as f32;
            // A character further into the question costs 2: enough to order two names whose
            // text scores are alike ("NIAS and NIFS"), not to put a name that only describes
            // the asker before the one asked about ("我哋已經喺數碼港培育計劃畢業，公營機構試用
            // 計劃仲申請唔申請到？"). Raised from 0.05 with `query::ALL_BOOST`, which made text
            // scores about eight times larger.
            let bonus = 1000.0 + 10.0 * chars as f32 - 2.0 * position;
            let hit = NameHit {
                bonus,
                official,
                position: position as usize,
                apart,
            };
            best.entry(scheme).or_insert(hit).merge(hit);
        }
        best
    }
}

impl Engine {
    /// Long names typed with a few mistakes ("enterprize suport scheme", "新型工業加數計劃"): an
    /// English name of at least [`FUZZY_NAME_CHARS`] letters found with at most one edit per
    /// eight letters; a Chinese one with one character wrong.
    fn fuzzy_name_hits(&self, compact_question: &str, best: &mut HashMap<usize, NameHit>) {
        let text: Vec<char> = compact_question.chars().collect();
        if text.len() > FUZZY_NAME_MAX_QUESTION {
            return;
        }
        let trigrams = ascii_trigrams(&text);
        for n in self
            .names
            .iter()
            .filter(|n| n.chars >= FUZZY_NAME_CHARS && n.key.is_ascii())
        {
            let budget = n.chars / 8;
            if !may_occur(n.key.as_bytes(), &trigrams, budget) {
                continue;
            }
            if let Some(edits) = approximate_find(n.key.as_bytes(), &text, budget) {
                let bonus = 500.0 + 10.0 * n.chars as f32 - 30.0 * edits as f32;
                let hit = NameHit {
                    bonus,
                    official: n.official,
                    // Where a fuzzy match starts is not tracked; it ranks after exact mentions.
                    position: usize::MAX,
                    apart: false,
                };
                best.entry(n.scheme).or_insert(hit).merge(hit);
            }
        }
        // Chinese names typed with one wrong character, most often one that sounds the same
        // ("新型工業加數計劃" for 加速): a name of at least [`FUZZY_HAN_NAME_CHARS`] characters
        // with every character but one in place.
        for n in self
            .names
            .iter()
            .filter(|n| n.chars >= FUZZY_HAN_NAME_CHARS && n.key.chars().all(crate::text::is_han))
        {
            let name: Vec<char> = n.key.chars().collect();
            let found = text.windows(name.len()).any(|w| {
                w.iter().zip(&name).filter(|(a, b)| a != b).count() <= 1
                    && w[0] == name[0]
                    && w.iter().all(|&c| crate::text::is_han(c))
            });
            if found {
                let hit = NameHit {
                    bonus: 500.0 + 10.0 * n.chars as f32 - 30.0,
                    official: n.official,
                    position: usize::MAX,
                    apart: false,
                };
                best.entry(n.scheme).or_insert(hit).merge(hit);
            }
        }
    }
}

/// Chinese names shorter than this are only matched exactly.
const FUZZY_HAN_NAME_CHARS: usize = 7;

/// Names shorter than this are only matched exactly: a typo in a short name makes another word.
const FUZZY_NAME_CHARS: usize = 10;

/// Questions longer than this (in name-key characters) skip fuzzy name matching, which costs
/// time in proportion to the question's length.
const FUZZY_NAME_MAX_QUESTION: usize = 160;

/// Whether `pattern` (ASCII) may occur within `budget` edits in a text with these
/// [`ascii_trigrams`]: each edit spoils at most three of the pattern's trigrams, so a pattern
/// with fewer of them in the text than that allows cannot be in it (the q-gram lemma). Most
/// names are ruled out so, without [`approximate_find`]'s pass over the text.
fn may_occur(pattern: &[u8], trigrams: &[u32], budget: usize) -> bool {
    let shared = pattern
        .windows(3)
        .filter(|w| trigrams.binary_search(&trigram(w[0], w[1], w[2])).is_ok())
        .count();
    shared + 3 * budget + 2 >= pattern.len()
}

/// Three ASCII bytes as one number.
fn trigram(a: u8, b: u8, c: u8) -> u32 {
    u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c)
}

/// Every run of three ASCII characters in `text`, as [`trigram`]s, sorted and without repeats.
fn ascii_trigrams(text: &[char]) -> Vec<u32> {
    let mut out: Vec<u32> = text
        .windows(3)
        .filter_map(|w| {
            let [a, b, c] = [w[0], w[1], w[2]].map(|ch| u8::try_from(ch).ok().filter(u8::is_ascii));
            Some(trigram(a?, b?, c?))
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The fewest edits with which `pattern` (ASCII, at most 64 characters) occurs somewhere in
/// `text`, if at most `budget`: Myers' bit-parallel approximate matching, one pass over the text
/// with a few word operations per character.
fn approximate_find(pattern: &[u8], text: &[char], budget: usize) -> Option<usize> {
    let m = pattern.len();
    if m == 0 || m > 64 {
        return None;
    }
    let mut peq = [0u64; 128];
    for (i, &b) in pattern.iter().enumerate() {
        peq[usize::from(b & 0x7f)] |= 1 << i;
    }
    let top = 1u64 << (m - 1);
    let mask = if m == 64 { u64::MAX } else { (1u64 << m) - 1 };
    let (mut pv, mut mv, mut score) = (mask, 0u64, m);
    let mut best = m;
    for &c in text {
        let eq = if c.is_ascii() { peq[c as usize] } else { 0 };
        let xv = eq | mv;
        let xh = (((eq & pv).wrapping_add(pv)) ^ pv) | eq;
        let mut ph = mv | !(xh | pv);
        let mut mh = pv & xh;
        if ph & top != 0 {
            score += 1;
        } else if mh & top != 0 {
            score -= 1;
        }
        ph = (ph << 1) & mask;
        mh = (mh << 1) & mask;
        pv = (mh | !(xv | ph)) & mask;
        mv = ph & xv;
        best = best.min(score);
    }
    (best <= budget).then_some(best)
}

/// A name key with its spaces removed, remembering where words started and ended.
struct Compact {
    text: String,
    /// By byte offset into `text`: whether a word may start there.
    starts_word: Vec<bool>,
    /// By byte offset into `text`: whether a word may end there.
    ends_word: Vec<bool>,
}

impl Compact {
    fn new(spaced: &str) -> Compact {
        let mut text = String::with_capacity(spaced.len());
        let mut starts_word = Vec::with_capacity(spaced.len() + 1);
        let mut ends_word = vec![true];
        let mut prev: Option<char> = None;
        let mut after_space = true;
        for c in spaced.chars() {
            if c == ' ' {
                after_space = true;
                if let Some(last) = ends_word.last_mut() {
                    *last = true;
                }
                continue;
            }
            // Only a letter or digit next to another ASCII letter or digit continues a word.
            let joined = !after_space
                && prev.is_some_and(|p| p.is_ascii_alphanumeric())
                && c.is_ascii_alphanumeric();
            if let Some(last) = ends_word.last_mut() {
                *last = *last || !joined;
            }
            for _ in 0..c.len_utf8() {
                starts_word.push(!joined);
                ends_word.push(false);
            }
            text.push(c);
            prev = Some(c);
            after_space = false;
        }
        starts_word.push(true);
        if let Some(last) = ends_word.last_mut() {
            *last = true;
        }
        Compact {
            text,
            starts_word,
            ends_word,
        }
    }
}

/// The category a browse request means: the last named, as the head of a compound comes last
/// in English and Chinese alike ("research infrastructure", "科研基建"), preferring any other
/// over the broad "funding" ("funding for start-ups" browses start-up schemes).
/// Byte ranges of `question` that give examples: from a word of `after` ("like", "such as",
/// "例如") to the end of the sentence, and from the start of the clause to a word of `before`
/// ("算力中心、研发平台之类"). Empty when lower-casing changes the question's length (offsets
/// would not line up).
fn example_spans(question: &str, after: &[String], before: &[String]) -> Vec<(usize, usize)> {
    const ENDS: &[char] = &['?', '？', '.', '。', '!', '！', ';', '；', '\n'];
    const CLAUSE: &[char] = &['?', '？', '.', '。', '!', '！', ';', '；', ',', '，', '\n'];
    let lower = question.to_lowercase();
    if lower.len() != question.len() {
        return Vec::new();
    }
    let mut spans = Vec::new();
    for marker in after {
        for (at, _) in lower.match_indices(marker.as_str()) {
            let end = lower[at..].find(ENDS).map_or(lower.len(), |e| at + e);
            spans.push((at, end));
        }
    }
    for marker in before {
        for (at, _) in lower.match_indices(marker.as_str()) {
            let start = lower[..at]
                .char_indices()
                .rfind(|&(_, c)| CLAUSE.contains(&c))
                .map_or(0, |(s, c)| s + c.len_utf8());
            spans.push((start, at));
        }
    }
    spans
}

fn choose_category(categories: &[Category]) -> Option<Category> {
    categories
        .iter()
        .rev()
        .copied()
        .find(|&c| c != Category::Funding)
        .or_else(|| categories.first().copied())
}

#[cfg(test)]
mod tests {
    use super::{
        Engine, Statistics, Vocabulary, approximate_find, ascii_trigrams, example_spans, may_occur,
    };
    use tantivy::query::Bm25StatisticsProvider;

    #[test]
    fn kept_statistics_are_the_searchers_own() {
        let corpus = crate::corpus::Corpus::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        )
        .expect("the corpus loads");
        let engine = Engine::in_memory(corpus).expect("the engine builds");
        let searcher = engine.reader.searcher();
        let kept = Statistics {
            vocabulary: &engine.vocabulary,
            fields: engine.fields,
            searcher: &searcher,
        };
        assert_eq!(
            kept.total_num_docs().unwrap(),
            searcher.total_num_docs().unwrap()
        );
        let words = [
            "technology",
            "voucher",
            "科技",
            "券",
            "人才",
            "startup",
            "no-such-word",
        ];
        for (field, _) in Vocabulary::slots(engine.fields) {
            assert_eq!(
                kept.total_num_tokens(field).unwrap(),
                searcher.total_num_tokens(field).unwrap()
            );
            for word in words {
                let term = tantivy::Term::from_field_text(field, word);
                assert_eq!(
                    kept.doc_freq(&term).unwrap(),
                    searcher.doc_freq(&term).unwrap(),
                    "{word}"
                );
            }
        }
        let some_df = Vocabulary::slots(engine.fields)
            .iter()
            .map(|&(field, _)| {
                kept.doc_freq(&tantivy::Term::from_field_text(field, "科技"))
                    .unwrap()
            })
            .sum::<u64>();
        assert!(some_df > 0, "the test words are in the index");
    }

    #[test]
    fn examples_run_to_the_end_of_the_sentence_or_from_the_clause_start() {
        let after = vec![" like ".to_owned()];
        let before = vec!["之类".to_owned()];
        let q = "What infrastructure is there, like institutes? And labs";
        let spans = example_spans(q, &after, &before);
        assert_eq!(spans, vec![(29, 45)]);
        assert_eq!(&q[spans[0].0..spans[0].1], " like institutes");
        let q = "有哪些设施？算力中心、研发平台之类都列出来";
        let spans = example_spans(q, &after, &before);
        assert_eq!(&q[spans[0].0..spans[0].1], "算力中心、研发平台");
        assert!(example_spans("TVP 有咩用", &after, &before).is_empty());
    }

    #[test]
    fn the_trigram_filter_never_rules_out_a_name_within_its_edits() {
        // Names with up to `budget` random edits, inside random text: whatever
        // approximate_find finds, may_occur lets through.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let letters = b"abcdefghij";
        let mut checked = 0;
        for _ in 0..3000 {
            let len = 10 + next(20);
            let pattern: Vec<u8> = (0..len).map(|_| letters[next(letters.len())]).collect();
            let budget = len / 8;
            let mut typed = pattern.clone();
            for _ in 0..=next(budget + 1) {
                let at = next(typed.len());
                match next(3) {
                    0 => typed[at] = letters[next(letters.len())],
                    1 => typed.insert(at, letters[next(letters.len())]),
                    _ => {
                        typed.remove(at);
                    }
                }
            }
            let mut text: Vec<char> = (0..next(30))
                .map(|_| char::from(letters[next(10)]))
                .collect();
            text.extend(typed.iter().map(|&b| char::from(b)));
            text.extend((0..next(30)).map(|_| char::from(letters[next(10)])));
            if approximate_find(&pattern, &text, budget).is_some() {
                checked += 1;
                assert!(
                    may_occur(&pattern, &ascii_trigrams(&text), budget),
                    "{} in {}",
                    String::from_utf8_lossy(&pattern),
                    text.iter().collect::<String>()
                );
            }
        }
        assert!(checked > 1000, "{checked} matches checked");
        assert!(!may_occur(
            b"enterprisesupportscheme",
            &ascii_trigrams(&"how to get a housing loan".chars().collect::<Vec<_>>()),
            2
        ));
    }

    fn find(p: &str, t: &str, k: usize) -> Option<usize> {
        approximate_find(p.as_bytes(), &t.chars().collect::<Vec<_>>(), k)
    }

    #[test]
    fn approximate_find_counts_edits_anywhere_in_the_text() {
        assert_eq!(
            find("enterprisesupportscheme", "whatisenterprizesuportscheme", 3),
            Some(2)
        );
        assert_eq!(
            find("knowingmoreaboutit", "knowingmoreabtitprograme", 3),
            Some(2)
        );
        assert_eq!(
            find("technologyvoucher", "點樣申請technologyvoucher呀", 0),
            Some(0)
        );
        assert_eq!(find("toptalentpass", "howtogetahousingloan", 3), None);
    }
}
