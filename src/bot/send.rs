//! The one way the bot sends messages to Telegram: interactive replies, edits under buttons and
//! the delivery worker's notices all go through [`Telegram`].
//!
//! It talks to the Bot API over its own HTTP client rather than through teloxide's `Bot`, for
//! two reasons: teloxide ignores Telegram's `error_code` (it maps the English description to an
//! error variant) and sleeps 10 s before reading any 5xx response. Here a failure is classified
//! by the HTTP status and the envelope's `error_code` and `parameters` only ([`Failure`]):
//! 429 → wait `retry_after`; a `migrate_to_chat_id` → the chat moved; 403 → the bot is blocked
//! or removed; 5xx, network errors and unreadable responses → transient, retried with backoff;
//! any other 4xx → refused.
//!
//! One fallback rule, for every multi-part message: when Telegram refuses a part sent as HTML
//! (any 400 that is not a migration), that part alone is sent again as plain text, its own
//! visible text; earlier parts are never repeated and later parts still go as HTML. A
//! multi-part message that fails part-way resumes from the part that failed ([`Telegram::parts`]
//! takes the first part to send and reports each accepted part).
//!
//! Every message passes the shared rate limiter ([`super::limiter::Limiter`]) first, and every
//! send is recorded in the store so that a restarted process starts from the sends of the
//! last second.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::limiter::{Limiter, Priority};
use crate::store::Store;
use crate::ui::{Button, MAX_CALLBACK_BYTES, MAX_MESSAGE_UNITS, Reply};

/// How often an interactive reply is retried after a transient failure before it is given up
/// (waiting [`reply_backoff`] between tries: about 4 s in all).
const REPLY_RETRIES: u32 = 4;

/// The longest a reply waits for a 429's `retry_after` before it is given up: a question
/// answered a minute later is worse than none.
const REPLY_MAX_WAIT: Duration = Duration::from_secs(30);

/// Where a message goes: a chat, optionally a forum topic, optionally as a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// The chat id.
    pub chat: i64,
    /// The forum topic (`message_thread_id`), kept so that replies stay in the topic asked in.
    pub thread: Option<i32>,
    /// The message the first part answers (in groups).
    pub reply_to: Option<i32>,
}

/// Why Telegram did not take a message, by HTTP status and `error_code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// 429: nothing may be sent before this much time has passed.
    RetryAfter(Duration),
    /// The group became a supergroup with this id (`parameters.migrate_to_chat_id`).
    Migrated(i64),
    /// 403 (blocked by the user, removed from the group, deactivated), or a chat that does not
    /// exist: never worth trying again until the chat comes back.
    Gone(String),
    /// 5xx, a network error or an unreadable response: worth trying again later.
    Transient(String),
    /// Any other 4xx: this message will not be accepted as it is.
    Refused { code: u16, description: String },
}

impl Failure {
    /// The metrics label.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::RetryAfter(_) => "retry_after",
            Failure::Migrated(_) => "migrated",
            Failure::Gone(_) => "blocked",
            Failure::Transient(_) => "transient",
            Failure::Refused { .. } => "refused",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::RetryAfter(d) => write!(f, "429: retry after {} s", d.as_secs()),
            Failure::Migrated(to) => write!(f, "the chat migrated to {to}"),
            Failure::Gone(d) | Failure::Transient(d) => f.write_str(d),
            Failure::Refused { code, description } => write!(f, "{code}: {description}"),
        }
    }
}

/// The Bot API's response envelope.
#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    #[serde(default)]
    result: Value,
    error_code: Option<u16>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parameters: Parameters,
}

#[derive(Default, Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
    migrate_to_chat_id: Option<i64>,
}

/// Classifies a refusal by its HTTP status and envelope (the status when the body has no
/// `error_code`). The one exception to "numbers only": Telegram answers a chat that does not
/// exist with a plain 400, so "chat not found" is read from the description.
fn classify(status: u16, envelope: Option<Envelope>) -> Failure {
    let Some(envelope) = envelope else {
        return Failure::Transient(format!("HTTP {status} with an unreadable body"));
    };
    if let Some(to) = envelope.parameters.migrate_to_chat_id {
        return Failure::Migrated(to);
    }
    let code = envelope.error_code.unwrap_or(status);
    let description = envelope.description;
    match code {
        429 => Failure::RetryAfter(Duration::from_secs(
            envelope.parameters.retry_after.unwrap_or(1).clamp(1, 900),
        )),
        403 => Failure::Gone(description),
        400 if description.to_ascii_lowercase().contains("chat not found") => {
            Failure::Gone(description)
        }
        500.. => Failure::Transient(format!("{code}: {description}")),
        _ => Failure::Refused { code, description },
    }
}

/// The wait before retry `attempt` (0-based) of an interactive reply: 250 ms, doubling.
#[must_use]
pub(crate) fn reply_backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.min(6))
}

/// How a multi-part send ended: every part accepted, or the first part that failed and why.
pub(crate) type Parts = Result<(), (usize, Failure)>;

/// The Bot API client every outgoing message goes through.
pub(crate) struct Telegram {
    http: reqwest::Client,
    /// `<api>/bot<token>/`: never logged.
    base: String,
    limiter: Arc<Limiter>,
    store: Arc<Store>,
    recorder: super::limiter::SendLog,
}

impl Telegram {
    /// A client for the Bot API at `api` (Telegram's when `None`) with `token`.
    pub fn new(
        http: reqwest::Client,
        api: Option<&url::Url>,
        token: &str,
        limiter: Arc<Limiter>,
        store: Arc<Store>,
    ) -> Telegram {
        let api = api.map_or("https://api.telegram.org", url::Url::as_str);
        let recorder = super::limiter::SendLog::start(Arc::clone(&store));
        Telegram {
            http,
            base: format!("{}/bot{token}/", api.trim_end_matches('/')),
            limiter,
            store,
            recorder,
        }
    }

    /// The shared limiter.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// One Bot API call; the `result` on success.
    pub(crate) async fn call(&self, method: &str, body: &Value) -> Result<Value, Failure> {
        let response = self
            .http
            .post(format!("{}{method}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            // The URL holds the token: never let it into an error message.
            .map_err(|e| Failure::Transient(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::Transient(e.without_url().to_string()))?;
        let envelope: Option<Envelope> = serde_json::from_slice(&bytes).ok();
        match envelope {
            Some(e) if e.ok && status < 300 => Ok(e.result),
            other => {
                let failure = classify(status, other);
                crate::metrics::global().api_error(failure.kind());
                Err(failure)
            }
        }
    }

    /// Sends one message (HTML or plain), after the limiter lets it go.
    async fn message(
        &self,
        target: Target,
        text: &str,
        html: bool,
        keyboard: Option<&Value>,
        first: bool,
        priority: Priority,
    ) -> Result<Value, Failure> {
        let mut body = json!({
            "chat_id": target.chat,
            "text": text,
            "link_preview_options": {"is_disabled": true},
        });
        if html {
            body["parse_mode"] = json!("HTML");
        }
        if let Some(thread) = target.thread {
            body["message_thread_id"] = json!(thread);
        }
        if first && let Some(id) = target.reply_to {
            body["reply_parameters"] =
                json!({"message_id": id, "allow_sending_without_reply": true});
        }
        if let Some(kb) = keyboard {
            body["reply_markup"] = kb.clone();
        }
        self.limiter.acquire(target.chat, priority).await;
        self.recorder.record(target.chat);
        self.call("sendMessage", &body).await
    }

    /// Sends parts `from..` of `reply` in order: the keyboard on the last, the first as a reply
    /// to `target.reply_to`. `accepted(i)` is called after part `i` was accepted (the delivery
    /// worker records it, so a retry resumes after it). A part whose HTML is refused is sent
    /// once more as plain text (that part only). Stops at the first part that fails.
    pub async fn parts(
        &self,
        target: Target,
        reply: &Reply,
        from: usize,
        priority: Priority,
        mut accepted: impl FnMut(usize),
    ) -> Parts {
        let kb = keyboard(&reply.buttons);
        let n = reply.html.len();
        for (i, part) in reply.html.iter().enumerate().skip(from) {
            let kb = (i + 1 == n).then_some(kb.as_ref()).flatten();
            let result = match self.message(target, part, true, kb, i == 0, priority).await {
                Err(Failure::Refused {
                    code: 400,
                    description,
                }) => {
                    tracing::warn!(chat_id = target.chat, part = i, error = %description, "Telegram refused the HTML; sending this part as plain text");
                    let plain = plain_part(reply, i);
                    self.message(target, &plain, false, kb, i == 0, priority)
                        .await
                }
                other => other,
            };
            match result {
                Ok(_) => accepted(i),
                Err(f) => return Err((i, f)),
            }
        }
        Ok(())
    }

    /// Sends an interactive reply: retries transient failures with backoff and waits out a 429
    /// (each time resuming from the part that failed), follows a chat that migrated, and
    /// deactivates a chat that is gone. Returns where the reply went (the chat may have moved),
    /// or `None` when it was given up.
    pub async fn reply(&self, mut target: Target, reply: &Reply) -> Option<Target> {
        let mut from = 0;
        let mut attempt = 0;
        let mut waited = Duration::ZERO;
        loop {
            let failed = match self
                .parts(target, reply, from, Priority::Reply, |_| {})
                .await
            {
                Ok(()) => return Some(target),
                Err(failed) => failed,
            };
            let (part, failure) = failed;
            from = part;
            match failure {
                Failure::RetryAfter(d) if waited + d <= REPLY_MAX_WAIT => {
                    self.limiter.pause(d);
                    waited += d;
                    tokio::time::sleep(d).await;
                }
                Failure::Migrated(to) => {
                    self.migrate(target.chat, to).await;
                    target = Target {
                        chat: to,
                        thread: None,
                        reply_to: None,
                    };
                }
                Failure::Transient(why) if attempt < REPLY_RETRIES => {
                    let wait = reply_backoff(attempt);
                    attempt += 1;
                    tracing::warn!(chat_id = target.chat, error = %why, retry_in_ms = wait.as_millis(), "sending a reply failed; retrying");
                    tokio::time::sleep(wait).await;
                }
                Failure::Gone(why) => {
                    tracing::info!(chat_id = target.chat, reason = %why, "the chat is gone; deactivating it");
                    self.deactivate(target.chat).await;
                    return None;
                }
                failure => {
                    tracing::error!(chat_id = target.chat, part, error = %failure, "sending a reply failed; giving up");
                    return None;
                }
            }
        }
    }

    /// Replaces the text and keyboard of message `id` with the first part of `screen`; further
    /// parts follow as new messages. "Not modified" counts as done; refused HTML is retried as
    /// plain text; an edit Telegram will not make (a message too old) becomes a new message.
    pub async fn edit(&self, target: Target, id: i32, screen: &Reply) {
        let Some((first, rest)) = screen.html.split_first() else {
            return;
        };
        let kb = if rest.is_empty() {
            keyboard(&screen.buttons)
        } else {
            None
        };
        let edit = |text: &str, html: bool| {
            let mut body = json!({
                "chat_id": target.chat,
                "message_id": id,
                "text": text,
                "link_preview_options": {"is_disabled": true},
            });
            if html {
                body["parse_mode"] = json!("HTML");
            }
            if let Some(kb) = &kb {
                body["reply_markup"] = kb.clone();
            }
            body
        };
        let mut attempt = 0;
        let mut html = true;
        loop {
            self.limiter.acquire(target.chat, Priority::Reply).await;
            let text = if html {
                first.clone()
            } else {
                plain_part(screen, 0)
            };
            match self.call("editMessageText", &edit(&text, html)).await {
                Ok(_) => break,
                Err(Failure::Refused {
                    code: 400,
                    description,
                }) if description.to_ascii_lowercase().contains("not modified") => {
                    break;
                }
                Err(Failure::Refused {
                    code: 400,
                    description,
                }) if html => {
                    tracing::warn!(chat_id = target.chat, error = %description, "Telegram refused the edit's HTML; editing with plain text");
                    html = false;
                }
                Err(Failure::Transient(why)) if attempt < REPLY_RETRIES => {
                    let wait = reply_backoff(attempt);
                    attempt += 1;
                    tracing::warn!(chat_id = target.chat, error = %why, "editing a message failed; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(Failure::RetryAfter(d)) if attempt < REPLY_RETRIES => {
                    attempt += 1;
                    self.limiter.pause(d);
                    tokio::time::sleep(d).await;
                }
                Err(e) => {
                    tracing::warn!(chat_id = target.chat, error = %e, "editing a message failed; sending a new one");
                    self.reply(
                        Target {
                            reply_to: None,
                            ..target
                        },
                        screen,
                    )
                    .await;
                    return;
                }
            }
        }
        if !rest.is_empty() {
            let more = Reply {
                html: rest.to_vec(),
                plain: String::new(),
                buttons: screen.buttons.clone(),
            };
            self.reply(
                Target {
                    reply_to: None,
                    ..target
                },
                &more,
            )
            .await;
        }
    }

    /// Moves a chat that became a supergroup: its settings, subscriptions and pending notices
    /// follow it to the new id.
    pub async fn migrate(&self, from: i64, to: i64) {
        let store = Arc::clone(&self.store);
        match tokio::task::spawn_blocking(move || store.migrate_chat(from, to)).await {
            Ok(Ok(())) => tracing::info!(
                from,
                to,
                "the group became a supergroup; its settings moved"
            ),
            Ok(Err(e)) => tracing::error!(from, to, error = %e, "moving a migrated chat failed"),
            Err(e) => tracing::error!(from, to, error = %e, "moving a migrated chat failed"),
        }
    }

    async fn deactivate(&self, chat: i64) {
        let store = Arc::clone(&self.store);
        match tokio::task::spawn_blocking(move || store.set_active(chat, false)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(chat_id = chat, error = %e, "deactivating a chat failed"),
            Err(e) => tracing::error!(chat_id = chat, error = %e, "deactivating a chat failed"),
        }
    }
}

/// The plain-text stand-in for HTML part `i`: the reply's own plain text when the reply is one
/// message and that text fits, else the part's visible text (its tags removed, entities
/// decoded), which is never longer than the part Telegram counted.
fn plain_part(reply: &Reply, i: usize) -> String {
    if reply.html.len() == 1
        && !reply.plain.trim().is_empty()
        && reply.plain.encode_utf16().count() <= MAX_MESSAGE_UNITS
    {
        return reply.plain.clone();
    }
    crate::ui::strip_html(&reply.html[i])
}

/// Render's buttons as an inline keyboard, dropping (and logging) any Telegram would reject.
#[must_use]
pub(crate) fn keyboard(rows: &[Vec<Button>]) -> Option<Value> {
    let rows: Vec<Vec<Value>> = rows
        .iter()
        .map(|row| row.iter().filter_map(button).collect::<Vec<_>>())
        .filter(|row| !row.is_empty())
        .collect();
    (!rows.is_empty()).then(|| json!({ "inline_keyboard": rows }))
}

fn button(b: &Button) -> Option<Value> {
    match b {
        // The send boundary: the typed action becomes callback data here, and parses back to
        // the same action when the button is pressed (`CallbackData::parse`).
        Button::Callback { text, data }
            if !text.is_empty() && data.format().len() <= MAX_CALLBACK_BYTES =>
        {
            Some(json!({"text": text, "callback_data": data.format()}))
        }
        Button::Url { text, url } if !text.is_empty() => match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                Some(json!({"text": text, "url": u.as_str()}))
            }
            _ => {
                tracing::warn!(url, "leaving out a button with a bad URL");
                None
            }
        },
        _ => {
            tracing::warn!(button = ?b, "leaving out an invalid button");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Lang;
    use crate::ui::Action;

    fn envelope(json: &str) -> Option<Envelope> {
        serde_json::from_str(json).ok()
    }

    #[test]
    fn failures_are_classified_by_status_and_code() {
        let c = |status, body: &str| classify(status, envelope(body));
        assert_eq!(
            c(
                429,
                r#"{"ok":false,"error_code":429,"description":"x","parameters":{"retry_after":7}}"#
            ),
            Failure::RetryAfter(Duration::from_secs(7))
        );
        assert_eq!(
            c(
                400,
                r#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001}}"#
            ),
            Failure::Migrated(-1001)
        );
        assert!(matches!(
            c(
                403,
                r#"{"ok":false,"error_code":403,"description":"Forbidden: anything"}"#
            ),
            Failure::Gone(_)
        ));
        // Any 5xx, whatever its wording, and a body that is not an envelope are transient.
        for (status, body) in [
            (
                503,
                r#"{"ok":false,"error_code":503,"description":"Service Unavailable"}"#,
            ),
            (
                504,
                r#"{"ok":false,"error_code":504,"description":"whatever it says"}"#,
            ),
            (502, "<html>Bad Gateway</html>"),
            (200, "not json"),
        ] {
            assert!(
                matches!(c(status, body), Failure::Transient(_)),
                "{status} {body}"
            );
        }
        // No error_code: the HTTP status decides.
        assert!(matches!(
            c(500, r#"{"ok":false,"description":"x"}"#),
            Failure::Transient(_)
        ));
        assert_eq!(
            c(
                400,
                r#"{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities"}"#
            ),
            Failure::Refused {
                code: 400,
                description: "Bad Request: can't parse entities".into()
            }
        );
    }

    #[test]
    fn reply_backoff_doubles() {
        assert_eq!(reply_backoff(0), Duration::from_millis(250));
        assert_eq!(reply_backoff(2), Duration::from_secs(1));
        assert_eq!(reply_backoff(100), Duration::from_millis(250 << 6));
    }

    #[test]
    fn plain_parts_strip_tags_and_keep_the_part() {
        let reply = Reply {
            html: vec!["<b>a &amp; b</b>".into(), "<i>two</i>".into()],
            plain: "a & b\n\ntwo".into(),
            buttons: Vec::new(),
        };
        assert_eq!(plain_part(&reply, 0), "a & b");
        assert_eq!(plain_part(&reply, 1), "two");
        let single = Reply {
            html: vec!["<a href=\"https://x.hk\">x</a>".into()],
            plain: "x https://x.hk".into(),
            buttons: Vec::new(),
        };
        assert_eq!(plain_part(&single, 0), "x https://x.hk");
    }

    #[test]
    fn keyboards_drop_what_telegram_would_reject() {
        let rows = vec![vec![
            Button::action("ok", Action::Scheme("techtas".into()), Lang::En),
            Button::action("long", Action::Scheme("x".repeat(65)), Lang::En),
            Button::Url {
                text: "bad".into(),
                url: "javascript:alert(1)".into(),
            },
        ]];
        let kb = keyboard(&rows).unwrap();
        assert_eq!(kb["inline_keyboard"][0].as_array().unwrap().len(), 1);
        assert!(
            keyboard(&[vec![Button::Url {
                text: String::new(),
                url: "https://x".into()
            }]])
            .is_none()
        );
    }
}
