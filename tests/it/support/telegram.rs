//! Telegram's rules for message text, as the Bot API applies them: the HTML parse mode's tags
//! and entities, and the length limit counted on the visible text after parsing.

/// Tags Telegram's HTML parse mode accepts.
const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "span",
    "tg-spoiler",
    "tg-emoji",
    "blockquote",
];

/// The longest message text, in characters after entity parsing (counted here in UTF-16 units,
/// never fewer than characters).
pub const MAX_TEXT: usize = 4096;

/// Parses `html` as Telegram does. Returns the visible text's length in UTF-16 units, or the
/// error Telegram would give ("can't parse entities: ...").
pub fn parse_html(html: &str) -> Result<usize, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut visible = 0usize;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let at = html.len() - rest.len();
        match c {
            '<' => {
                let end = rest
                    .find('>')
                    .ok_or(format!("Can't find end of the tag at byte offset {at}"))?;
                let inner = &rest[1..end];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match stack.pop() {
                        Some(open) if open == name => {}
                        _ => {
                            return Err(format!(
                                "Unmatched end tag at byte offset {at}, expected \"</{name}>\""
                            ));
                        }
                    }
                } else {
                    let name: String = inner
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if !TAGS.contains(&name.as_str()) {
                        return Err(format!(
                            "Unsupported start tag \"{name}\" at byte offset {at}"
                        ));
                    }
                    if name == "a" && !inner.contains("href=\"") {
                        return Err(format!("Wrong anchor at byte offset {at}"));
                    }
                    stack.push(name);
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let end = rest.find(';').filter(|&e| e <= 10).ok_or(format!(
                    "Can't find end of the entity starting at byte offset {at}"
                ))?;
                let entity = &rest[1..end];
                let ok = matches!(entity, "lt" | "gt" | "amp" | "quot")
                    || entity.strip_prefix('#').is_some_and(|n| {
                        n.strip_prefix('x').map_or_else(
                            || n.parse::<u32>().is_ok(),
                            |h| u32::from_str_radix(h, 16).is_ok(),
                        )
                    });
                if !ok {
                    return Err(format!("Unsupported HTML entity at byte offset {at}"));
                }
                visible += 1;
                rest = &rest[end + 1..];
            }
            '>' => return Err(format!("Unexpected end tag at byte offset {at}")),
            _ => {
                visible += c.len_utf16();
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{open}\""
        ));
    }
    Ok(visible)
}

/// Checks a message Telegram would accept: valid HTML, 1 to [`MAX_TEXT`] visible units.
pub fn check_message(html: &str) -> Result<(), String> {
    let units = parse_html(html)?;
    if units == 0 {
        return Err("message text is empty".to_owned());
    }
    if units > MAX_TEXT {
        return Err(format!("message is too long ({units})"));
    }
    Ok(())
}

#[test]
fn the_checker_itself_rejects_what_telegram_rejects() {
    assert!(check_message("<b>ok</b> &amp; fine").is_ok());
    assert!(check_message("<p>no</p>").is_err());
    assert!(check_message("<b>open").is_err());
    assert!(check_message("a < b").is_err());
    assert!(check_message("AT&T").is_err());
    assert!(check_message("").is_err());
    assert!(check_message(&"字".repeat(4097)).is_err());
    assert!(check_message(&"字".repeat(4096)).is_ok());
}
