//! From a question to a query plan: analysed tokens sorted by what they do (topic, category,
//! generic, intent, list, filler), the intents and categories asked about, and the tantivy query
//! built from the tokens.
//!
//! User text is never parsed as tantivy query syntax: `:`, `"`, `AND`, `*` and friends are just
//! characters the analyzer drops or keeps as words. The query is a boolean OR of term queries,
//! boosted by field and by token role, plus fuzzy term queries for English words the index does
//! not know (typos). A word with smaller words inside it (jieba's search mode gives "智能製造"
//! and "智能", "製造"; a synonym phrase "secondary school" gets a stand-in word "中学" from its
//! concept group) is one disjunction-max clause: the better of the whole and its parts.

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;

use super::index::Fields;
use crate::corpus::Category;
use crate::text::{Analyzer, Intent, Lexicon};

/// What a token does in a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A content word: it decides which scheme is meant.
    Topic,
    /// A broad category word ("talent", "初創").
    Category,
    /// A word nearly every scheme shares ("scheme", "計劃").
    Generic,
    /// Says what is wanted (money, eligibility, how to apply, when), not which scheme.
    Intent,
    /// "list", "all", "有哪些": asks to browse.
    List,
    /// Question words and chatter.
    Filler,
}

impl Role {
    /// The weight of the token's clauses in the ranking query.
    #[must_use]
    pub fn weight(self) -> f32 {
        match self {
            Role::Topic => 1.0,
            Role::Category => 0.6,
            Role::Intent => 0.3,
            Role::Generic => 0.2,
            Role::List | Role::Filler => 0.0,
        }
    }
}

/// One distinct token of the question.
#[derive(Clone, Debug)]
pub struct QueryToken {
    pub text: String,
    pub role: Role,
    /// Byte range of its first occurrence in the question.
    pub from: usize,
    pub to: usize,
    /// How many characters the word had as written (before stemming).
    pub written_chars: usize,
    /// Whether the token stands for a synonym phrase of the question ("secondary school" →
    /// "中学") rather than being written in it: it is an alternative way for the words it spans
    /// to match, not a word of its own.
    pub stand_in: bool,
}

impl QueryToken {
    /// Whether this token lies inside `other`'s span (and is not `other`).
    #[must_use]
    pub fn within(&self, other: &QueryToken) -> bool {
        other.from <= self.from
            && self.to <= other.to
            && (self.from, self.to) != (other.from, other.to)
    }

    /// Whether the token is a single Han character: mostly particles and function words, so it
    /// weighs little as evidence either way.
    #[must_use]
    pub fn is_single_han(&self) -> bool {
        let mut chars = self.text.chars();
        chars.next().is_some_and(crate::text::is_han) && chars.next().is_none()
    }
}

/// Whether `c` writes a number in Chinese (digits, units and the Simplified forms the
/// normaliser produces): 零一二两三四五六七八九十百千万亿 and 兩.
fn is_chinese_numeral(c: char) -> bool {
    "零〇一二两兩三四五六七八九十百千万萬亿億".contains(c)
}

/// "四年", "三個", "兩間": a Chinese numeral and a unit, a count or duration rather than a
/// subject ("做咗四年嘢" says how long, not what about).
fn counted(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    match chars.split_last() {
        Some((unit, number)) => {
            !number.is_empty()
                && number.iter().all(|&c| is_chinese_numeral(c))
                && "年月日天个個人间間家岁歲位名项項次".contains(*unit)
        }
        None => false,
    }
}

/// A question, analysed.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub tokens: Vec<QueryToken>,
    pub intents: Vec<Intent>,
    /// Categories named, in order of first mention.
    pub categories: Vec<Category>,
    pub list_words: bool,
    /// Whether the question has the word "I", which the analyzer drops with every one-letter
    /// word.
    pub says_i: bool,
}

impl Plan {
    /// Analyses `question`; `known` tells whether the index has a term.
    #[must_use]
    pub fn new(
        question: &str,
        analyzer: &Analyzer,
        lexicon: &Lexicon,
        known: impl Fn(&str) -> bool,
    ) -> Plan {
        let mut plan = Plan {
            says_i: question
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == "i" || w == "I"),
            ..Plan::default()
        };
        let shouting = !question.chars().any(char::is_lowercase);
        let mut tokens = analyzer.analyze(question);
        // "secondary school", "bring in": a synonym phrase written in the question stands for
        // a word of its group ("中学"), added as a token spanning the phrase, so English meets
        // Chinese text; the phrase's own words stay.
        let mut stand_ins = Vec::new();
        // Only the phrases that open with one of the question's words can be in it; they are
        // tried in the lexicon's order (longest first), as if all were.
        let mut openings: Vec<usize> = tokens
            .iter()
            .flat_map(|t| lexicon.phrases_opening_with(&t.text))
            .copied()
            .collect();
        openings.sort_unstable();
        openings.dedup();
        for (phrase, word) in openings.iter().map(|&k| &lexicon.phrases()[k]) {
            for run in tokens.windows(phrase.len()) {
                let taken = stand_ins.iter().any(|s: &crate::text::Token| {
                    s.from < run[run.len() - 1].to && run[0].from < s.to
                });
                if !taken && run.iter().zip(phrase).all(|(t, p)| !t.han && &t.text == p) {
                    stand_ins.push(crate::text::Token {
                        text: word.clone(),
                        from: run[0].from,
                        to: run[run.len() - 1].to,
                        position: run[0].position,
                        han: word.chars().all(crate::text::is_han),
                    });
                }
            }
        }
        let first_stand_in = tokens.len();
        tokens.extend(stand_ins);
        // Spans of hyphenated English words whose joined form the index or lexicon knows
        // ("start-ups" → "startup"): their parts ("start", "up") are then noise.
        let joined: Vec<(usize, usize)> = tokens
            .iter()
            .filter(|t| !t.han && question[t.from..t.to].contains('-'))
            .filter(|t| known(&t.text) || lexicon.is_known(&t.text))
            .map(|t| (t.from, t.to))
            .collect();
        let mut spans: Vec<(usize, usize, Role)> = Vec::new();
        // "my kid's school wants to start a robotics club": a verb of dates after "to" (not
        // "how to" / "when to") is what the asker will do, not a question about dates.
        let words: Vec<String> = tokens[..first_stand_in]
            .iter()
            .map(|t| t.text.clone())
            .collect();
        let infinitive = |k: usize| {
            k >= 1
                && k < first_stand_in
                && words[k - 1] == "to"
                && !(k >= 2 && matches!(words[k - 2].as_str(), "how" | "when" | "what" | "where"))
        };
        for (k, t) in tokens.into_iter().enumerate() {
            let stand_in = k >= first_stand_in;
            if plan.tokens.iter().any(|q| q.text == t.text) {
                continue;
            }
            let mut intents = lexicon.intents(&t.text);
            if infinitive(k) && intents.contains(&Intent::When) {
                intents = &[];
            }
            // "how do i aplly?": an English word that neither the index nor the lexicon knows,
            // one edit from an intent word, asks what that word asks.
            if intents.is_empty() && !known(&t.text) && !lexicon.is_known(&t.text) {
                intents = intent_typo(&t.text, &question[t.from..t.to], lexicon);
            }
            for &i in intents {
                if !plan.intents.contains(&i) {
                    plan.intents.push(i);
                }
            }
            let categories = lexicon.categories(&t.text);
            for &c in categories {
                if !plan.categories.contains(&c) {
                    plan.categories.push(c);
                }
            }
            let original = &question[t.from..t.to];
            // "IT" written in capitals in a question that is not all capitals is an acronym,
            // not the pronoun.
            let acronym = !shouting
                && original.len() >= 2
                && original.chars().all(|c| c.is_ascii_uppercase());
            let surface = original.to_lowercase();
            // "B類", "A类人才": a kind word right after a letter or digit names a category of
            // some scheme (TTPS Category B), not a request to list kinds.
            let labels = original.starts_with(crate::text::is_han) && {
                let run: Vec<char> = question[..t.from]
                    .chars()
                    .rev()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                run.len() == 1 || (!run.is_empty() && run.iter().all(char::is_ascii_digit))
            };
            let role = if lexicon.is_list(&t.text, &surface) && !labels {
                plan.list_words = true;
                Role::List
            } else if !categories.is_empty() {
                Role::Category
            } else if !intents.is_empty() {
                Role::Intent
            } else if lexicon.is_generic(&t.text) {
                Role::Generic
            } else if lexicon.is_filler(&t.text) && !acronym {
                Role::Filler
            } else {
                Role::Topic
            };
            let is_part = !t.han
                && joined
                    .iter()
                    .any(|&(a, b)| a <= t.from && t.to <= b && (a, b) != (t.from, t.to));
            // A Han word made only of non-topic words ("資助計劃" = 資助 + 計劃) is not a topic
            // either; search mode emits its parts before it.
            // A Han word made only of filler characters ("不会" from colloquial "唔會") is filler.
            let all_filler_chars = t.han
                && t.text.chars().count() > 1
                && t.text
                    .chars()
                    .all(|c| lexicon.is_filler(c.encode_utf8(&mut [0; 4])));
            // A bare number ("I am 1 person") is not a topic: it never matches a name such as
            // "1+" on its own (figures are matched as amounts, separately).
            // Chinese numerals ("五百萬", "三成") are figures too.
            let bare_number = t.text.chars().all(|c| c.is_ascii_digit())
                || (t.han && t.text.chars().all(is_chinese_numeral))
                || (t.han && counted(&t.text));
            // A word of a concept group is meant, whatever its characters ("一比一" is a
            // matching ratio, not a number).
            let plain = lexicon.synonyms(&t.text).is_empty();
            let role = if is_part
                || (role == Role::Topic && plain && (all_filler_chars || bare_number))
            {
                Role::Filler
            } else if role == Role::Topic && t.han && composed_of_non_topic(&spans, t.from, t.to) {
                Role::Generic
            } else {
                role
            };
            spans.push((t.from, t.to, role));
            let written_chars = original.chars().count();
            plan.tokens.push(QueryToken {
                text: t.text,
                role,
                from: t.from,
                to: t.to,
                written_chars,
                stand_in,
            });
        }
        // "what tech infrastructure does HK have?": "what" or "which" before a category word
        // (general words such as "tech" may stand between) browses that category.
        let tokens = &plan.tokens;
        if (0..tokens.len()).any(|k| {
            matches!(tokens[k].text.as_str(), "what" | "which")
                && tokens[k + 1..]
                    .iter()
                    .find(|t| t.role != Role::Generic)
                    .is_some_and(|t| t.role == Role::Category)
        }) {
            plan.list_words = true;
        }
        plan
    }

    /// The tokens with a given role.
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = &QueryToken> {
        self.tokens.iter().filter(move |t| t.role == role)
    }

    /// The ranking query: each weighted token (and its synonyms) against each field, boosted.
    /// `typos` gives, for a word the index does not know, the indexed name and keyword words
    /// it may be a typo of; those match names and keywords with the word's weight.
    #[must_use]
    /// `present` tells whether a term occurs in a field at all, so absent pairs cost nothing.
    pub fn to_query(
        &self,
        f: Fields,
        lexicon: &Lexicon,
        typos: impl Fn(&QueryToken) -> Vec<String>,
        present: impl Fn(&str, tantivy::schema::Field) -> bool,
    ) -> Box<dyn Query> {
        let fields = [
            (f.names, 3.0),
            (f.keywords, 2.0),
            (f.summary, 1.2),
            (f.details, 0.6),
            (f.asked, ASKED_BOOST),
        ];
        let push = |clauses: &mut Clauses, field, term: &str, boost: f32| {
            if !present(term, field) {
                return;
            }
            let q = TermQuery::new(
                Term::from_field_text(field, term),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(q), boost)) as Box<dyn Query>,
            ));
        };
        let token_clauses = |clauses: &mut Clauses, t: &QueryToken| {
            // Every word, whatever its role, against all of a scheme's text: the plain BM25 a
            // question and the example questions share ("我哋想請人" ~ "我哋公司想請人").
            let w = t.role.weight();
            if w == 0.0 {
                // Filler words count only here, with no synonyms: what a question and the
                // example questions share ("想請", "我哋公司").
                push(clauses, f.all, &t.text, ALL_BOOST);
                return;
            }
            let syn = lexicon.synonyms(&t.text);
            push(clauses, f.all, &t.text, ALL_BOOST);
            for (i, term) in std::iter::once(&t.text).chain(syn).enumerate() {
                // A synonym counts a little less than the word itself.
                let w = if i == 0 { w } else { w * 0.8 };
                for (field, boost) in fields {
                    push(clauses, field, term, boost * w);
                }
            }
            for term in typos(t) {
                for (field, boost) in &fields[..2] {
                    push(clauses, *field, &term, boost * w * 0.8);
                }
            }
        };
        // A word and the smaller words inside it (jieba's search mode cuts "智能製造" and also
        // "智能", "製造"; a synonym phrase "secondary school" and the word standing for it,
        // "中学") score as the better of the two readings, so one meaning is not counted twice.
        fn reading<'t>(
            t: &'t QueryToken,
            tokens: &'t [QueryToken],
            token_clauses: &dyn Fn(&mut Clauses, &QueryToken),
        ) -> Option<Box<dyn Query>> {
            let mut whole = Vec::new();
            token_clauses(&mut whole, t);
            let inner: Vec<&QueryToken> = tokens
                .iter()
                .filter(|p| p.within(t) && !tokens.iter().any(|q| p.within(q) && q.within(t)))
                .collect();
            let mut parts = Vec::new();
            for p in inner {
                if let Some(q) = reading(p, tokens, token_clauses) {
                    parts.push((Occur::Should, q));
                }
            }
            let mut alternatives: Vec<Box<dyn Query>> = [whole, parts]
                .into_iter()
                .filter(|c| !c.is_empty())
                .map(|c| Box::new(BooleanQuery::new(c)) as Box<dyn Query>)
                .collect();
            match alternatives.len() {
                0 => None,
                1 => alternatives.pop(),
                _ => Some(Box::new(DisjunctionMaxQuery::new(alternatives))),
            }
        }
        let mut clauses: Clauses = Vec::new();
        for t in &self.tokens {
            if self.tokens.iter().any(|q| t.within(q)) {
                continue;
            }
            if let Some(q) = reading(t, &self.tokens, &token_clauses) {
                clauses.push((Occur::Should, q));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

/// The clauses of a boolean query.
type Clauses = Vec<(Occur, Box<dyn Query>)>;

/// The boost of every question word, whatever its role, against all of a scheme's text: the
/// plain BM25 a search over all the text gives, which the role- and field-weighted clauses
/// refine. Chosen on the dev half (1.5, 3, 6, 12, 24 tried; 12 best: dev top-1 648 → 651 of
/// 674, conversations unchanged); a plain BM25 peer placed more need descriptions first than
/// the field-weighted ranking did (BENCHMARKS.md).
pub const ALL_BOOST: f32 = 12.0;

/// The boost of the example-question field (`asked_as`) in the ranking query.
pub const ASKED_BOOST: f32 = 1.0;

/// Whether the bytes `from..to` are covered by smaller spans none of which is a topic word.
fn composed_of_non_topic(spans: &[(usize, usize, Role)], from: usize, to: usize) -> bool {
    let inner: Vec<&(usize, usize, Role)> = spans
        .iter()
        .filter(|&&(a, b, _)| from <= a && b <= to && (a, b) != (from, to))
        .collect();
    if inner.iter().any(|&&(_, _, r)| r == Role::Topic) {
        return false;
    }
    let mut reach = from;
    let mut sorted = inner;
    sorted.sort_by_key(|&&(a, _, _)| a);
    for &&(a, b, _) in &sorted {
        if a > reach {
            return false;
        }
        reach = reach.max(b);
    }
    reach >= to
}

/// The words of `vocabulary` that `token` may be a typo of: within [`fuzzy_distance`] edits
/// (adjacent transpositions count as one), or, for a three-letter word, words it begins (a
/// word cut short).
#[must_use]
pub fn typo_candidates<'v>(token: &QueryToken, vocabulary: &'v [String]) -> Vec<&'v str> {
    let t: Vec<char> = token.text.chars().collect();
    if !token.text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Vec::new();
    }
    match fuzzy_distance(&token.text, token.written_chars) {
        Some(d) => vocabulary
            .iter()
            .filter(|v| v.len().abs_diff(t.len()) <= usize::from(d))
            .filter(|v| within_edits(&t, v, usize::from(d)))
            .map(String::as_str)
            .collect(),
        None if t.len() == 3 => vocabulary
            .iter()
            .filter(|v| v.len() > 3 && v.starts_with(token.text.as_str()))
            .map(String::as_str)
            .collect(),
        None => Vec::new(),
    }
}

/// The intents of the intent word `token` is one typo of (the written word at least five
/// letters, the intent word at least four; one edit only, so "applu" is "apply" but "pay" is
/// never "play"), or none.
fn intent_typo<'l>(token: &str, written: &str, lexicon: &'l Lexicon) -> &'l [Intent] {
    let t: Vec<char> = token.chars().collect();
    if written.chars().count() < 5 || fuzzy_distance(token, written.chars().count()).is_none() {
        return &[];
    }
    let mut found: &[Intent] = &[];
    for (word, intents) in lexicon.intent_words() {
        if word.len() >= 4
            && word.bytes().all(|b| b.is_ascii_alphanumeric())
            && word.len().abs_diff(t.len()) <= 1
            && within_edits(&t, word, 1)
        {
            if !found.is_empty() && found != intents {
                return &[];
            }
            found = intents;
        }
    }
    found
}

/// Whether the optimal-string-alignment distance between `a` and `b` is at most `max`.
fn within_edits(a: &[char], b: &str, max: usize) -> bool {
    // The letters one word has and the other lacks each need an edit of their own (a
    // transposition moves none), so most words are ruled out without the full table.
    if b.is_ascii() && a.iter().all(char::is_ascii) {
        let mut count = [0i32; 128];
        for &c in a {
            count[c as usize] += 1;
        }
        for c in b.bytes() {
            count[usize::from(c)] -= 1;
        }
        let (mut surplus, mut lack) = (0, 0);
        for &c in a {
            let n = &mut count[c as usize];
            if *n > 0 {
                surplus += std::mem::take(n);
            }
        }
        for c in b.bytes() {
            let n = &mut count[usize::from(c)];
            if *n < 0 {
                lack -= std::mem::take(n);
            }
        }
        if usize::try_from(surplus.max(lack)).unwrap_or(usize::MAX) > max {
            return false;
        }
    }
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut prev2: Vec<usize> = vec![0; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur: Vec<usize> = vec![0; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return false;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m] <= max
}

/// How many edits a typo in an English word may have, by the length of the word as written
/// (stemming may have shortened it): none for short words, where one edit makes another word;
/// more for long ones.
#[must_use]
pub fn fuzzy_distance(token: &str, written_chars: usize) -> Option<u8> {
    if !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    match written_chars.max(token.len()) {
        0..=3 => None,
        4..=7 => Some(1),
        _ => Some(2),
    }
}

#[cfg(test)]
mod tests {
    use super::within_edits;

    /// The optimal-string-alignment distance, the whole table, for checking the early exits.
    fn osa(a: &[char], b: &[char]) -> usize {
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn within_edits_agrees_with_the_whole_table_on_every_short_word() {
        let words: Vec<String> = (0..=4u32)
            .flat_map(|len| {
                (0..3usize.pow(len)).map(move |mut k| {
                    (0..len)
                        .map(|_| {
                            let c = ['a', 'b', 'c'][k % 3];
                            k /= 3;
                            c
                        })
                        .collect()
                })
            })
            .collect();
        for a in &words {
            let ac: Vec<char> = a.chars().collect();
            for b in &words {
                let d = osa(&ac, &b.chars().collect::<Vec<_>>());
                for max in 0..=2 {
                    assert_eq!(within_edits(&ac, b, max), d <= max, "{a} {b} {max}");
                }
            }
        }
    }
}
