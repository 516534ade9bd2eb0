//! The reply value every screen returns, and the one way text becomes Telegram messages.
//!
//! A screen is built from [`Para`]s (spans of plain, bold, italic and linked text), which
//! [`Reply::from_paras`] (paragraphs, a blank line apart) or [`Reply::from_lines`] (lines of a
//! list-like screen) turn into a [`Reply`]: Telegram HTML parts, each within
//! [`MAX_MESSAGE_UNITS`] and split only between paragraphs or lines ([`split`], the one
//! splitter), the same text as plain text, and typed buttons. Every piece of text goes through
//! [`escape`]; the only tags written are `<b>`, `<i>` and `<a href>`.

use super::action::{Action, CallbackData};
use crate::text::Lang;

/// Telegram's limit on a message's text, counted here in UTF-16 code units (which is never less
/// than the character count Telegram applies after parsing entities).
pub const MAX_MESSAGE_UNITS: usize = 4096;

/// Telegram's limit on callback data, in bytes.
pub const MAX_CALLBACK_BYTES: usize = 64;

/// Escapes text for Telegram HTML (`&`, `<`, `>`, and `"` for attribute values).
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// A piece of a paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Span {
    Text(String),
    Bold(String),
    Italic(String),
    Link { text: String, url: String },
}

/// A paragraph (or a line): spans rendered together, never split across messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Para(Vec<Span>);

/// An empty paragraph, to start a builder chain (`line().bold(…).text(…)`); alone, a blank line.
pub(crate) fn line() -> Para {
    Para::default()
}

impl Para {
    /// Appends plain text.
    pub(crate) fn text(mut self, s: impl Into<String>) -> Para {
        self.0.push(Span::Text(s.into()));
        self
    }
    /// Appends bold text.
    pub(crate) fn bold(mut self, s: impl Into<String>) -> Para {
        self.0.push(Span::Bold(s.into()));
        self
    }
    /// Appends italic text.
    pub(crate) fn italic(mut self, s: impl Into<String>) -> Para {
        self.0.push(Span::Italic(s.into()));
        self
    }
    /// Appends a link; its plain form is `text: url` (or the URL alone when they are equal).
    pub(crate) fn link(mut self, text: impl Into<String>, url: impl Into<String>) -> Para {
        self.0.push(Span::Link {
            text: text.into(),
            url: url.into(),
        });
        self
    }

    /// Telegram HTML.
    pub(crate) fn html(&self) -> String {
        self.0
            .iter()
            .map(|s| match s {
                Span::Text(t) => escape(t),
                Span::Bold(t) => format!("<b>{}</b>", escape(t)),
                Span::Italic(t) => format!("<i>{}</i>", escape(t)),
                Span::Link { text, url } => {
                    format!("<a href=\"{}\">{}</a>", escape(url), escape(text))
                }
            })
            .collect()
    }

    /// Plain text.
    pub(crate) fn plain(&self) -> String {
        self.0
            .iter()
            .map(|s| match s {
                Span::Text(t) | Span::Bold(t) | Span::Italic(t) => t.clone(),
                Span::Link { text, url } if text == url => url.clone(),
                Span::Link { text, url } => format!("{text}: {url}"),
            })
            .collect()
    }

    /// What Telegram counts: the visible text.
    pub(crate) fn units(&self) -> usize {
        self.0
            .iter()
            .map(|s| match s {
                Span::Text(t) | Span::Bold(t) | Span::Italic(t) | Span::Link { text: t, .. } => {
                    t.encode_utf16().count()
                }
            })
            .sum()
    }
}

/// An inline keyboard button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Button {
    /// Asks the bot for an action, in a language; the bot writes it as callback data (at most
    /// [`MAX_CALLBACK_BYTES`]) when it sends the reply.
    Callback { text: String, data: CallbackData },
    /// Opens a web page.
    Url { text: String, url: String },
}

impl Button {
    /// A button for `action`, answered in `lang`.
    #[must_use]
    pub fn action(text: impl Into<String>, action: Action, lang: Lang) -> Button {
        Button::Callback {
            text: text.into(),
            data: CallbackData::new(action).in_lang(lang),
        }
    }
}

/// A rendered reply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// Telegram HTML messages, each within [`MAX_MESSAGE_UNITS`]; the keyboard goes on the last.
    pub html: Vec<String>,
    /// The whole reply as plain text.
    pub plain: String,
    /// Inline keyboard rows.
    pub buttons: Vec<Vec<Button>>,
}

impl Reply {
    /// A one-message reply of plain `text` (escaped for HTML) with `buttons`.
    #[must_use]
    pub fn from_text(text: String, buttons: Vec<Vec<Button>>) -> Reply {
        Reply {
            html: vec![escape(&text)],
            plain: text,
            buttons,
        }
    }

    /// Paragraphs, a blank line apart.
    pub(crate) fn from_paras(paras: &[Para], buttons: Vec<Vec<Button>>) -> Reply {
        let plain = paras
            .iter()
            .map(Para::plain)
            .collect::<Vec<_>>()
            .join("\n\n");
        Reply {
            html: split(paras, "\n\n"),
            plain,
            buttons,
        }
    }

    /// Lines, one after another (an empty [`line`] is a blank line).
    pub(crate) fn from_lines(lines: &[Para], buttons: Vec<Vec<Button>>) -> Reply {
        let plain = lines
            .iter()
            .map(Para::plain)
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned();
        Reply {
            html: split(lines, "\n"),
            plain,
            buttons,
        }
    }
}

/// The one splitter: packs blocks (paragraphs or lines, `sep` apart) into messages within
/// [`MAX_MESSAGE_UNITS`], breaking only between blocks; a block too long on its own is sent as
/// escaped plain text in pieces. Blank messages (Telegram refuses them) are never produced, and
/// a message never starts or ends with a line break.
pub(crate) fn split(blocks: &[Para], sep: &str) -> Vec<String> {
    let sep_units = sep.encode_utf16().count();
    let mut out: Vec<String> = Vec::new();
    let (mut cur, mut cur_units) = (String::new(), 0usize);
    let mut flush = |cur: &mut String, cur_units: &mut usize| {
        let part = cur.trim_matches('\n');
        if !part.trim().is_empty() {
            out.push(part.to_owned());
        }
        cur.clear();
        *cur_units = 0;
    };
    for b in blocks {
        let units = b.units();
        if units > MAX_MESSAGE_UNITS {
            flush(&mut cur, &mut cur_units);
            let mut piece = String::new();
            let mut piece_units = 0;
            for c in b.plain().chars() {
                if piece_units + c.len_utf16() > MAX_MESSAGE_UNITS {
                    cur = escape(&std::mem::take(&mut piece));
                    flush(&mut cur, &mut cur_units);
                    piece_units = 0;
                }
                piece.push(c);
                piece_units += c.len_utf16();
            }
            cur = escape(&piece);
            flush(&mut cur, &mut cur_units);
            continue;
        }
        if !cur.is_empty() && cur_units + sep_units + units > MAX_MESSAGE_UNITS {
            flush(&mut cur, &mut cur_units);
        }
        if !cur.is_empty() {
            cur.push_str(sep);
            cur_units += sep_units;
        }
        cur.push_str(&b.html());
        cur_units += units;
    }
    flush(&mut cur, &mut cur_units);
    out
}

/// What Telegram shows of one HTML part: our tags removed and entities decoded (the plain-text
/// fallback of the send path, and what tests and benchmarks count as visible).
#[must_use]
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_screens_are_split_between_lines() {
        let lines: Vec<Para> = (0..500)
            .map(|i| line().text(format!("• 第{i}行 {}", "字".repeat(20))))
            .collect();
        let parts = split(&lines, "\n");
        assert!(parts.len() > 1);
        assert!(
            parts
                .iter()
                .all(|p| p.encode_utf16().count() <= MAX_MESSAGE_UNITS)
        );
        assert_eq!(parts.join("\n").lines().count(), 500);
        let huge = split(&[line().text("<".repeat(9000))], "\n");
        assert_eq!(huge.len(), 3);
        // Telegram counts the visible text: each `&lt;` is one character.
        assert!(
            huge.iter()
                .all(|p| p.replace("&lt;", "<").encode_utf16().count() <= MAX_MESSAGE_UNITS)
        );
        assert!(huge.iter().all(|p| !p.contains('<')));
    }

    #[test]
    fn blank_blocks_never_make_a_message() {
        assert!(split(&[line(), line().text("  ")], "\n\n").is_empty());
        assert_eq!(split(&[line(), line().text("a"), line()], "\n"), ["a"]);
    }
}
