//! The single question-answering entry point shared by the CLI and the bot: a question in, an
//! [`Answer`] out (what was found, in which language, with which intents). Rendering is separate
//! ([`crate::render`]), so what `schemebot ask --json` measures is exactly what users read.

use crate::search::{Engine, Found};
use crate::text::{Intent, Lang};

/// Questions longer than this are cut before analysis: nobody asks about a scheme in a
/// ten-thousand-character message, and analysis time grows with length.
pub const MAX_QUESTION_CHARS: usize = 500;

/// The default number of schemes in an answer: the best match and two alternatives.
pub const DEFAULT_LIMIT: usize = 3;

/// The answer to one question.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The question as asked (possibly cut to [`MAX_QUESTION_CHARS`]).
    pub question: String,
    /// The reply language.
    pub lang: Lang,
    pub intents: Vec<Intent>,
    pub found: Found,
}

/// Answers `question`. The reply language is `lang` when given, else the question's script.
#[must_use]
pub fn answer(engine: &Engine, question: &str, lang: Option<Lang>, limit: usize) -> Answer {
    let question: String = question.chars().take(MAX_QUESTION_CHARS).collect();
    let lang = lang.unwrap_or_else(|| Lang::detect(&question));
    if !question.chars().any(char::is_alphanumeric) {
        return Answer {
            question,
            lang,
            intents: Vec::new(),
            found: Found::Nothing,
        };
    }
    let outcome = engine.search(&question, limit);
    Answer {
        question,
        lang,
        intents: outcome.intents,
        found: outcome.found,
    }
}
