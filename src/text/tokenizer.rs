//! The one analyzer used at index time and at query time: normalise, segment Han runs with jieba
//! (search mode, with the corpus's names and the lexicon as a user dictionary), split everything
//! else into words, stem English, and drop punctuation.
//!
//! [`Analyzer::analyze`] is the pure function; [`SchemeTokenizer`] wraps it for tantivy under the
//! name [`ANALYZER_NAME`]. Both share one `Arc<Jieba>`: tantivy clones tokenizers freely, and a
//! jieba dictionary clone costs megabytes.

use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token as TantivyToken, TokenStream, Tokenizer};

use std::collections::HashMap;
use std::sync::OnceLock;

use super::normalize::{is_han, normalize};

/// Colloquial Cantonese and its standard written Chinese (嘅→的, 冇→沒有, 請人→招聘, 人工→工資),
/// from `data/cantonese.tsv`, both sides normalised (so in Simplified characters). Entries that
/// map a word to itself protect it from a shorter rule (人工智能 stays, 人工 becomes 工资).
struct Colloquial {
    map: HashMap<Vec<char>, Vec<char>>,
    longest: usize,
}

fn colloquial() -> &'static Colloquial {
    static TABLE: OnceLock<Colloquial> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::new();
        for line in include_str!("data/cantonese.tsv").lines() {
            if line.starts_with('#') {
                continue;
            }
            if let Some((from, to)) = line.split_once('\t') {
                let from = normalize(from.trim()).chars;
                let to = normalize(to.trim()).chars;
                if !from.is_empty() && from.iter().all(|&c| is_han(c)) {
                    map.insert(from, to);
                }
            }
        }
        let longest = map.keys().map(Vec::len).max().unwrap_or(0);
        Colloquial { map, longest }
    })
}

/// Common English misspellings and chat abbreviations ("aplly", "goverment", "mch") and the
/// word meant, from `data/spelling.tsv` (lower case).
fn spelling() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("data/spelling.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .map(|(from, to)| (from.trim().to_lowercase(), to.trim().to_lowercase()))
            .collect()
    })
}

/// Folds colloquial Cantonese in a run of Han characters to standard written Chinese, in one
/// pass from left to right taking the longest entry at each position. Each output character
/// keeps the origin span of what it replaced, so offsets still point into the question.
#[must_use]
pub fn fold_colloquial(
    chars: &[char],
    origin: &[(usize, usize)],
) -> (Vec<char>, Vec<(usize, usize)>) {
    let table = colloquial();
    let mut out = Vec::with_capacity(chars.len());
    let mut out_origin = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let found = (1..=table.longest.min(chars.len() - i))
            .rev()
            .find_map(|len| table.map.get(&chars[i..i + len]).map(|to| (len, to)));
        match found {
            Some((len, to)) if !to.is_empty() => {
                let span = (origin[i].0, origin[i + len - 1].1);
                out.extend_from_slice(to);
                out_origin.extend(std::iter::repeat_n(span, to.len()));
                i += len;
            }
            _ => {
                out.push(chars[i]);
                out_origin.push(origin[i]);
                i += 1;
            }
        }
    }
    (out, out_origin)
}

/// The name the analyzer is registered under in every index.
pub const ANALYZER_NAME: &str = "scheme_text";

/// One analysed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The analysed form: lower case, Simplified, English stemmed.
    pub text: String,
    /// Byte range in the original (unnormalised) text.
    pub from: usize,
    pub to: usize,
    /// Ordinal position in the token stream.
    pub position: usize,
    /// Whether the token is made of Han characters.
    pub han: bool,
}

/// jieba's default dictionary loading on a thread of its own (about 100 ms, the largest part of
/// start-up), so a caller can read the corpus and open the index meanwhile; finished by
/// [`Analyzer::from_load`].
pub struct DictionaryLoad(Loading);

enum Loading {
    Thread(std::thread::JoinHandle<Jieba>),
    /// No thread could be started: loaded on the caller's.
    Done(Box<Jieba>),
}

impl DictionaryLoad {
    /// Starts loading. If no thread can be started, loads on the caller's thread.
    #[must_use]
    pub fn start() -> DictionaryLoad {
        let spawned = std::thread::Builder::new()
            .name("jieba-dictionary".into())
            .spawn(Jieba::new);
        DictionaryLoad(match spawned {
            Ok(handle) => Loading::Thread(handle),
            Err(_) => Loading::Done(Box::new(Jieba::new())),
        })
    }

    fn finish(self) -> Jieba {
        match self.0 {
            Loading::Thread(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Loading::Done(jieba) => *jieba,
        }
    }
}

/// Whether jieba cuts `word`, standing alone, as one word.
fn cut_whole(jieba: &Jieba, word: &str) -> bool {
    matches!(jieba.cut(word, false).as_slice(), [only] if only.word == word)
}

impl std::fmt::Debug for DictionaryLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DictionaryLoad")
    }
}

/// Segments and normalises text. Cheap to clone.
#[derive(Clone)]
pub struct Analyzer {
    jieba: Arc<Jieba>,
    stemmer: Arc<frostem::Stemmer>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Analyzer")
    }
}

impl Analyzer {
    /// An analyzer over jieba's default dictionary plus `user_words` (any script; they are
    /// folded to Simplified before being added, as jieba's dictionary is Simplified only).
    #[must_use]
    pub fn new<'a>(user_words: impl IntoIterator<Item = &'a str>) -> Analyzer {
        Analyzer::from_load(DictionaryLoad::start(), user_words)
    }

    /// Like [`Analyzer::new`], with jieba's dictionary from `load` (started earlier, so it
    /// loaded while the caller did other work). The user words are folded before waiting for it.
    ///
    /// # Panics
    /// If loading the dictionary panicked (the dictionary is compiled in, so it does not).
    #[must_use]
    pub fn from_load<'a>(
        load: DictionaryLoad,
        user_words: impl IntoIterator<Item = &'a str>,
    ) -> Analyzer {
        // Only Han runs reach jieba, so only they are worth teaching it.
        let runs: Vec<String> = user_words
            .into_iter()
            .flat_map(|word| {
                normalize(word)
                    .text()
                    .split(|c: char| !is_han(c))
                    .filter(|r| r.chars().count() >= 2)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut jieba = load.finish();
        // A word jieba already knows may still be cut apart when it stands alone (its own
        // frequency is lower than its characters': "中大" → "中" "大"); raising it to the
        // suggested frequency keeps every lexicon, vocabulary and corpus word whole.
        for run in &runs {
            if !jieba.has_word(run) || !cut_whole(&jieba, run) {
                jieba.add_word(run, None, None);
            }
        }
        Analyzer {
            jieba: Arc::new(jieba),
            stemmer: Arc::new(frostem::Stemmer::new(frostem::Algorithm::English)),
        }
    }

    /// Analyses `text` into tokens with offsets into `text`.
    #[must_use]
    pub fn analyze(&self, text: &str) -> Vec<Token> {
        let n = normalize(text);
        let mut out = Vec::new();
        let mut i = 0;
        while i < n.chars.len() {
            let c = n.chars[i];
            if is_han(c) {
                let start = i;
                while i < n.chars.len() && is_han(n.chars[i]) {
                    i += 1;
                }
                let (run, origin) = fold_colloquial(&n.chars[start..i], &n.origin[start..i]);
                let run: String = run.into_iter().collect();
                // Without jieba's HMM guesses for words outside its dictionary: they glue a
                // particle to the next character ("做電競室" → 做电 / 竞室, "單程證嚟咗" →
                // 证来), inventing words no scheme has; single characters weigh little.
                for t in self.jieba.cut_for_search(&run, false) {
                    out.push(Token {
                        text: t.word.to_owned(),
                        from: origin[t.start].0,
                        to: origin[t.end - 1].1,
                        position: 0,
                        han: true,
                    });
                }
            } else if c.is_alphanumeric() {
                let start = i;
                // A word: letters and digits, with '&' inside ("r&d") and '-' joining parts.
                while i < n.chars.len() {
                    let ch = n.chars[i];
                    let joins = (ch == '&' || ch == '-')
                        && n.chars
                            .get(i + 1)
                            .is_some_and(|x| x.is_alphanumeric() && !is_han(*x))
                        && i > start;
                    if (ch.is_alphanumeric() && !is_han(ch)) || joins {
                        i += 1;
                    } else {
                        break;
                    }
                }
                self.push_word(&n.chars[start..i], &n.origin[start..i], &mut out);
            } else {
                i += 1;
            }
        }
        for (p, t) in out.iter_mut().enumerate() {
            t.position = p;
        }
        out
    }

    /// Pushes an alphanumeric word: its hyphen parts, and the joined form when it had hyphens.
    fn push_word(&self, chars: &[char], origin: &[(usize, usize)], out: &mut Vec<Token>) {
        let mut part_start = 0;
        let mut parts = 0;
        for k in 0..=chars.len() {
            if k == chars.len() || chars[k] == '-' {
                if k > part_start {
                    let word: String = chars[part_start..k].iter().collect();
                    self.push_ascii(&word, origin[part_start].0, origin[k - 1].1, out);
                    parts += 1;
                }
                part_start = k + 1;
            }
        }
        if parts > 1 {
            let joined: String = chars.iter().filter(|&&c| c != '-').collect();
            self.push_ascii(&joined, origin[0].0, origin[chars.len() - 1].1, out);
        }
    }

    fn push_ascii(&self, word: &str, from: usize, to: usize, out: &mut Vec<Token>) {
        // Single letters ("a", the "s" of "what's") carry no meaning here; numbers do.
        if word.chars().count() < 2 && !word.chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        let word = spelling().get(word).map_or(word, String::as_str);
        let text = if word.chars().all(|c| c.is_ascii_alphabetic()) {
            self.stemmer.stem(word).into_owned()
        } else {
            word.to_owned()
        };
        out.push(Token {
            text,
            from,
            to,
            position: 0,
            han: false,
        });
    }
}

/// The tantivy face of [`Analyzer`].
#[derive(Clone, Debug)]
pub struct SchemeTokenizer {
    analyzer: Analyzer,
}

impl SchemeTokenizer {
    #[must_use]
    pub fn new(analyzer: Analyzer) -> SchemeTokenizer {
        SchemeTokenizer { analyzer }
    }
}

/// The tokens of one text, replayed to tantivy.
pub struct SchemeTokenStream {
    tokens: Vec<TantivyToken>,
    index: usize,
}

impl Tokenizer for SchemeTokenizer {
    type TokenStream<'a> = SchemeTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> SchemeTokenStream {
        let tokens = self
            .analyzer
            .analyze(text)
            .into_iter()
            .map(|t| TantivyToken {
                offset_from: t.from,
                offset_to: t.to,
                position: t.position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        SchemeTokenStream { tokens, index: 0 }
    }
}

impl TokenStream for SchemeTokenStream {
    fn advance(&mut self) -> bool {
        self.index += 1;
        self.index <= self.tokens.len()
    }

    fn token(&self) -> &TantivyToken {
        &self.tokens[self.index - 1]
    }

    fn token_mut(&mut self) -> &mut TantivyToken {
        &mut self.tokens[self.index - 1]
    }
}
