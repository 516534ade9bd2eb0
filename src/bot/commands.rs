//! What a message asks of the bot: which command (if any), and whether a group message is
//! addressed to the bot at all. Pure string work, unit-tested; no teloxide types.
//!
//! Commands are parsed by hand rather than with `#[derive(BotCommands)]` because the bot needs
//! things the derive does not do: the clickable `/scheme_<id>` form that replies print, deep-link
//! payloads (`/start techtas`), case-insensitive names, telling "for another bot" (`/help@other`)
//! apart from "unknown", and localised menu descriptions (see `ui::menu`).
//!
//! Adding a command (e.g. `/subscribe`): a [`Command`] variant, an arm in [`parse`], its name in
//! [`MENU`], its descriptions in `ui::menu`, and an arm in `handlers::decide_command`.

use std::fmt;

/// A command the bot understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `/start [payload]`; a deep-link payload names a scheme.
    Start { payload: Option<String> },
    /// `/help`.
    Help,
    /// `/schemes`: browse by category.
    Schemes,
    /// `/scheme <id or name>` or `/scheme_<id with _ for ->`.
    Scheme { query: String },
    /// `/funding`: schemes by money, largest first.
    Funding,
    /// `/match`: what can I apply for, in two button steps.
    Match,
    /// `/gaps` (admins): the most frequent unanswered questions.
    Gaps,
    /// `/lang`: choose the reply language.
    Lang,
    /// `/about`: sources, dates and contacts.
    About,
    /// `/subscribe [all | category | scheme]`; without an argument, a menu.
    Subscribe { arg: String },
    /// `/unsubscribe [all | category | scheme]`; without an argument, the subscriptions list.
    Unsubscribe { arg: String },
    /// `/subscriptions`: what the chat follows, with buttons to drop each.
    Subscriptions,
    /// `/reload` (admins): re-read the corpus and notify subscribers of changes.
    Reload,
    /// `/stats` (admins): subscribers and delivery counts.
    Stats,
    /// `/broadcast <text>` (admins): an announcement to all subscribers, after confirmation.
    Broadcast { text: String },
}

impl fmt::Display for Command {
    /// The command's name, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Command::Start { .. } => "start",
            Command::Help => "help",
            Command::Schemes => "schemes",
            Command::Scheme { .. } => "scheme",
            Command::Funding => "funding",
            Command::Match => "match",
            Command::Gaps => "gaps",
            Command::Lang => "lang",
            Command::About => "about",
            Command::Subscribe { .. } => "subscribe",
            Command::Unsubscribe { .. } => "unsubscribe",
            Command::Subscriptions => "subscriptions",
            Command::Reload => "reload",
            Command::Stats => "stats",
            Command::Broadcast { .. } => "broadcast",
        })
    }
}

/// The commands shown in Telegram's command menu, in menu order (the admin commands are left
/// out on purpose).
pub const MENU: [&str; 11] = [
    "start",
    "help",
    "schemes",
    "scheme",
    "match",
    "funding",
    "subscribe",
    "unsubscribe",
    "subscriptions",
    "lang",
    "about",
];

/// A message that starts with a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    Known(Command),
    /// A well-formed command this bot does not have.
    Unknown,
    /// `/cmd@otherbot`: meant for another bot in the group.
    OtherBot,
}

/// Parses a message that starts with `/`; `None` when it is not a command at all (e.g. `/`
/// alone or `/ 你好`). `me` is the bot's username without `@`.
#[must_use]
pub fn parse(text: &str, me: &str) -> Option<Parsed> {
    let rest = text.trim_start().strip_prefix('/')?;
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (name, target) = match head.split_once('@') {
        Some((name, target)) => (name, Some(target)),
        None => (head, None),
    };
    if name.is_empty()
        || name.len() > 64
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    if target.is_some_and(|t| !t.eq_ignore_ascii_case(me)) {
        return Some(Parsed::OtherBot);
    }
    let name = name.to_ascii_lowercase();
    let payload = (!args.is_empty()).then(|| args.to_owned());
    let command = match name.as_str() {
        "start" => Command::Start { payload },
        "help" => Command::Help,
        "schemes" => Command::Schemes,
        "scheme" => Command::Scheme {
            query: args.to_owned(),
        },
        "funding" => Command::Funding,
        "match" => Command::Match,
        "gaps" => Command::Gaps,
        "lang" | "language" => Command::Lang,
        "about" => Command::About,
        "subscribe" | "sub" | "follow" => Command::Subscribe {
            arg: args.to_owned(),
        },
        "unsubscribe" | "unsub" | "unfollow" => Command::Unsubscribe {
            arg: args.to_owned(),
        },
        "subscriptions" | "subs" => Command::Subscriptions,
        "reload" => Command::Reload,
        "stats" => Command::Stats,
        "broadcast" => Command::Broadcast {
            // Keep the announcement's own line breaks.
            text: rest
                .trim_start_matches(|c: char| !c.is_whitespace())
                .trim()
                .to_owned(),
        },
        _ => match name.strip_prefix("scheme_") {
            Some(id) if !id.is_empty() => Command::Scheme {
                query: id.replace('_', "-"),
            },
            _ => return Some(Parsed::Unknown),
        },
    };
    Some(Parsed::Known(command))
}

/// If `text` mentions `@me` (case-insensitively, as a whole username), returns the text with
/// every such mention removed and whitespace tidied; `None` when the bot is not mentioned.
#[must_use]
pub fn strip_mention(text: &str, me: &str) -> Option<String> {
    if me.is_empty() {
        return None;
    }
    let needle = format!("@{}", me.to_ascii_lowercase());
    let lower = text.to_ascii_lowercase(); // ASCII-only lowering keeps byte offsets identical.
    let mut out = String::with_capacity(text.len());
    let mut found = false;
    let mut last = 0;
    let mut from = 0;
    while let Some(i) = lower[from..].find(&needle).map(|i| i + from) {
        let end = i + needle.len();
        let whole = !lower[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        if whole {
            out.push_str(&text[last..i]);
            out.push(' ');
            last = end;
            found = true;
        }
        from = end;
    }
    if !found {
        return None;
    }
    out.push_str(&text[last..]);
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "SchemeBot";

    #[test]
    fn menu_descriptions_fit_set_my_commands() {
        use crate::text::Lang as L;
        for lang in [L::En, L::ZhHant, L::ZhHans] {
            let menu = crate::ui::menu(&MENU, lang);
            assert_eq!(menu.len(), MENU.len());
            for (name, d) in menu {
                assert!((3..=256).contains(&d.chars().count()), "{d}");
                assert_ne!(name, d, "/{name} has no description");
            }
        }
    }

    fn known(c: Command) -> Option<Parsed> {
        Some(Parsed::Known(c))
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse("/start", ME), known(Command::Start { payload: None }));
        assert_eq!(
            parse("/start techtas", ME),
            known(Command::Start {
                payload: Some("techtas".into())
            })
        );
        assert_eq!(parse("/help", ME), known(Command::Help));
        assert_eq!(parse("  /HELP  ", ME), known(Command::Help));
        assert_eq!(parse("/help@schemebot", ME), known(Command::Help));
        assert_eq!(
            parse("/help@SchemeBot extra words", ME),
            known(Command::Help)
        );
        assert_eq!(parse("/schemes", ME), known(Command::Schemes));
        assert_eq!(
            parse("/scheme techtas", ME),
            known(Command::Scheme {
                query: "techtas".into()
            })
        );
        assert_eq!(
            parse("/scheme  科技券 ", ME),
            known(Command::Scheme {
                query: "科技券".into()
            })
        );
        assert_eq!(
            parse("/scheme", ME),
            known(Command::Scheme {
                query: String::new()
            })
        );
        assert_eq!(
            parse("/scheme_raise_plus", ME),
            known(Command::Scheme {
                query: "raise-plus".into()
            })
        );
        assert_eq!(
            parse("/scheme_tvp@SchemeBot", ME),
            known(Command::Scheme {
                query: "tvp".into()
            })
        );
        assert_eq!(parse("/funding", ME), known(Command::Funding));
        assert_eq!(parse("/lang", ME), known(Command::Lang));
        assert_eq!(parse("/about", ME), known(Command::About));
        assert_eq!(
            parse("/subscribe techtas", ME),
            known(Command::Subscribe {
                arg: "techtas".into()
            })
        );
        assert_eq!(
            parse("/unsubscribe all", ME),
            known(Command::Unsubscribe { arg: "all".into() })
        );
        assert_eq!(parse("/subscriptions", ME), known(Command::Subscriptions));
        assert_eq!(parse("/reload", ME), known(Command::Reload));
        assert_eq!(parse("/stats@SchemeBot", ME), known(Command::Stats));
        assert_eq!(
            parse("/broadcast Hello\nsecond line", ME),
            known(Command::Broadcast {
                text: "Hello\nsecond line".into()
            })
        );
    }

    #[test]
    fn other_bots_unknown_commands_and_non_commands() {
        assert_eq!(parse("/help@OtherBot", ME), Some(Parsed::OtherBot));
        assert_eq!(parse("/subscribed", ME), Some(Parsed::Unknown));
        assert_eq!(parse("/scheme_", ME), Some(Parsed::Unknown));
        assert_eq!(parse("/", ME), None);
        assert_eq!(parse("/ 你好", ME), None);
        assert_eq!(parse("/科技券", ME), None);
        assert_eq!(parse("hello /help", ME), None);
        assert_eq!(parse("", ME), None);
    }

    #[test]
    fn every_menu_entry_is_a_known_command() {
        for name in MENU {
            assert!(
                matches!(parse(&format!("/{name}"), ME), Some(Parsed::Known(_))),
                "{name}"
            );
            assert!((1..=32).contains(&name.len()));
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            );
        }
    }

    #[test]
    fn mentions_are_found_and_removed() {
        assert_eq!(
            strip_mention("@SchemeBot how to apply TVP?", ME).as_deref(),
            Some("how to apply TVP?")
        );
        assert_eq!(
            strip_mention("科技券 @schemebot 點樣申請", ME).as_deref(),
            Some("科技券 點樣申請")
        );
        assert_eq!(strip_mention("hi @schemebot", ME).as_deref(), Some("hi"));
        assert_eq!(strip_mention("@schemebot", ME).as_deref(), Some(""));
        assert_eq!(strip_mention("@SchemeBotFan says hi", ME), None);
        assert_eq!(strip_mention("nothing here", ME), None);
        assert_eq!(strip_mention("@schemebot", ""), None);
    }
}
