//! A fake Telegram Bot API for end-to-end tests: an axum server on `127.0.0.1:0`, started inside
//! the test's tokio runtime, that the real `schemebot serve` binary polls through
//! `TELOXIDE_API_URL`.
//!
//! It queues the updates a test pushes (validated against teloxide's own `Update` type first, so
//! a fixture teloxide would silently drop fails loudly here), serves them through `getUpdates`
//! (honouring `offset`, holding at most [`MAX_HOLD`] when empty), records every call with its
//! JSON body and outcome, and enforces the Bot API rules a real server enforces: message length
//! after entity parsing and Telegram's HTML subset (both from `support::telegram`), callback
//! data and inline result limits, command menu names. Errors use Telegram's envelope and 4xx
//! statuses, never 5xx on its own (teloxide sleeps 10 s on a 5xx). Failures can be injected per
//! chat: an arbitrary error for every call naming a chat ([`FakeApi::fail_chat`], e.g. 403 for a
//! user who blocked the bot), rejection of HTML for a chat ([`FakeApi::reject_html_for`]), or a
//! script of outcomes for the next messages to a chat ([`FakeApi::script`]: 5xx with any
//! wording, 429, a migration, refused HTML), which the bot's own send path meets. `getUpdates`
//! itself can be made to fail ([`FakeApi::fail_get_updates`]), and the messages to a chat can
//! be held unanswered ([`FakeApi::hang_sends`]) to keep the bot busy.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::telegram;

/// The token the bot under test must use.
pub const TOKEN: &str = "123:TEST";
/// The bot's user id and username, as `getMe` reports them.
pub const BOT_ID: i64 = 1;
pub const BOT_USERNAME: &str = "schemebot_test_bot";
/// The longest `getUpdates` is held open when there is nothing to deliver.
pub const MAX_HOLD: Duration = Duration::from_secs(1);

/// One recorded Bot API call.
#[derive(Clone, Debug)]
pub struct Call {
    /// The method, lower-cased (`sendmessage`, `answercallbackquery`, ...).
    pub method: String,
    pub body: Value,
    /// Whether the fake answered `ok: true`.
    pub ok: bool,
    /// The `result` on success, the `description` on failure.
    pub result: Value,
    /// When the call arrived.
    pub at: std::time::Instant,
}

impl Call {
    #[must_use]
    pub fn is(&self, method: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
    }

    #[must_use]
    pub fn chat_id(&self) -> Option<i64> {
        self.body["chat_id"].as_i64()
    }

    /// The `text` field (sendMessage, editMessageText, answerCallbackQuery), or "".
    #[must_use]
    pub fn text(&self) -> &str {
        self.body["text"].as_str().unwrap_or("")
    }

    /// Every callback data in the call's inline keyboard.
    #[must_use]
    pub fn callback_data(&self) -> Vec<String> {
        self.buttons()
            .filter_map(|b| b["callback_data"].as_str().map(str::to_owned))
            .collect()
    }

    /// Every URL button in the call's inline keyboard.
    #[must_use]
    pub fn urls(&self) -> Vec<String> {
        self.buttons()
            .filter_map(|b| b["url"].as_str().map(str::to_owned))
            .collect()
    }

    fn buttons(&self) -> impl Iterator<Item = &Value> {
        self.body["reply_markup"]["inline_keyboard"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
    }
}

#[derive(Default)]
struct Inner {
    /// Updates not yet confirmed by an `offset`, in id order.
    updates: VecDeque<Value>,
    next_update_id: i64,
    next_message_id: i64,
    calls: Vec<Call>,
    reject_html: HashSet<i64>,
    failing: HashMap<i64, (u16, String)>,
    /// sendMessage calls still to refuse with 429, and the retry_after to give.
    too_many: Option<(usize, u64)>,
    /// Scripted outcomes for the next sendMessage/editMessageText calls, per chat.
    scripts: HashMap<i64, VecDeque<Fault>>,
    /// Run once, when the first sendMessage to the chat arrives (before it is answered).
    hooks: HashMap<i64, Box<dyn FnOnce() + Send>>,
    /// HTTP statuses for the next getUpdates calls, in order.
    get_updates_faults: VecDeque<u16>,
    /// Chats whose sendMessage calls are held unanswered, and how many are held now.
    hanging: HashMap<i64, usize>,
}

/// A scripted outcome for one sendMessage or editMessageText call to a chat.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Handled as usual.
    Pass,
    /// Refused with this HTTP status, `error_code` and description, and optional `parameters`.
    Fail {
        status: u16,
        description: String,
        parameters: Option<Value>,
    },
    /// Refused as unparsable if sent as HTML (handled as usual otherwise).
    RejectHtml,
}

impl Fault {
    /// A refusal with no parameters.
    #[must_use]
    pub fn fail(status: u16, description: &str) -> Fault {
        Fault::Fail {
            status,
            description: description.to_owned(),
            parameters: None,
        }
    }

    /// A 429 with `retry_after` seconds.
    #[must_use]
    pub fn too_many(retry_after: u64) -> Fault {
        Fault::Fail {
            status: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            parameters: Some(json!({ "retry_after": retry_after })),
        }
    }

    /// The group became the supergroup `to`.
    #[must_use]
    pub fn migrated(to: i64) -> Fault {
        Fault::Fail {
            status: 400,
            description: "Bad Request: group chat was upgraded to a supergroup chat".to_owned(),
            parameters: Some(json!({ "migrate_to_chat_id": to })),
        }
    }
}

struct Shared {
    inner: Mutex<Inner>,
    /// Woken on every pushed update and every recorded call.
    changed: Notify,
}

impl Inner {
    /// Counts down an injected 429; its retry_after while any are left.
    fn take_too_many(&mut self) -> Option<u64> {
        let (left, retry_after) = self.too_many.as_mut()?;
        if *left == 0 {
            return None;
        }
        *left -= 1;
        Some(*retry_after)
    }
}

impl Shared {
    /// Counts down an injected 429 (the lock is released before returning).
    fn take_too_many(&self) -> Option<u64> {
        self.lock().take_too_many()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake; the server stops when it is dropped.
pub struct FakeApi {
    url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeApi {
    /// Starts a fake on a free loopback port.
    pub async fn start() -> FakeApi {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                next_update_id: 1,
                next_message_id: 10_000,
                ..Inner::default()
            }),
            changed: Notify::new(),
        });
        let app = Router::new()
            .route("/{token}/{method}", post(api))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the fake Bot API");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("the fake's address")
        );
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("serving the fake Bot API");
        });
        FakeApi {
            url,
            shared,
            server,
        }
    }

    /// The base URL for `TELOXIDE_API_URL` (no trailing slash).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Queues an update (assigning `update_id` when missing) and returns its id. Panics when
    /// teloxide could not parse it, since teloxide would skip it without a word.
    pub fn push_update(&self, mut update: Value) -> i64 {
        let id = {
            let mut inner = self.shared.lock();
            let id = update["update_id"].as_i64().unwrap_or(inner.next_update_id);
            inner.next_update_id = inner.next_update_id.max(id + 1);
            update["update_id"] = json!(id);
            // From text, as teloxide reads it (its update parsing needs a string source).
            let parsed: teloxide::types::Update = serde_json::from_str(&update.to_string())
                .unwrap_or_else(|e| panic!("not an update: {e}\n{update:#}"));
            use teloxide::types::{MessageKind, UpdateKind};
            match &parsed.kind {
                UpdateKind::Error(_) => panic!("teloxide would drop this update:\n{update:#}"),
                // A message whose content teloxide cannot read comes out empty (a missing field in
                // a media object does this).
                UpdateKind::Message(m)
                | UpdateKind::EditedMessage(m)
                | UpdateKind::ChannelPost(m)
                    if matches!(m.kind, MessageKind::Empty {}) =>
                {
                    panic!("teloxide reads this message as empty:\n{update:#}")
                }
                _ => {}
            }
            inner.updates.push_back(update);
            id
        };
        self.shared.changed.notify_waiters();
        id
    }

    /// Queues an update as it is, without checking that teloxide can read it (for testing
    /// what the bot does with one it cannot); returns its id.
    pub fn push_raw_update(&self, mut update: Value) -> i64 {
        let id = {
            let mut inner = self.shared.lock();
            let id = inner.next_update_id;
            inner.next_update_id += 1;
            update["update_id"] = json!(id);
            inner.updates.push_back(update);
            id
        };
        self.shared.changed.notify_waiters();
        id
    }

    /// Every call so far.
    #[must_use]
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Waits until `done(calls)` holds and returns the calls; panics after `timeout`, printing
    /// what was recorded.
    pub async fn wait_for(&self, done: impl Fn(&[Call]) -> bool, timeout: Duration) -> Vec<Call> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let calls = self.calls();
            if done(&calls) {
                return calls;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let calls = self.calls();
                let listing: Vec<String> = calls
                    .iter()
                    .filter(|c| !c.is("getupdates"))
                    .map(|c| format!("{} ok={} {} -> {}", c.method, c.ok, c.body, c.result))
                    .collect();
                panic!(
                    "timed out after {timeout:?}; calls other than getUpdates:\n{}",
                    listing.join("\n")
                );
            }
        }
    }

    /// Answers the next getUpdates calls with these HTTP statuses (e.g. 502), in order, with
    /// an error envelope; calls after them are served as usual.
    pub fn fail_get_updates(&self, statuses: impl IntoIterator<Item = u16>) {
        self.shared.lock().get_updates_faults.extend(statuses);
    }

    /// Holds every sendMessage to `chat` unanswered (and unrecorded) until
    /// [`FakeApi::release`]; then the held ones are answered 502 (recorded as failed: they
    /// may come from a process that is gone) and later ones as usual.
    pub fn hang_sends(&self, chat: i64) {
        self.shared.lock().hanging.insert(chat, 0);
    }

    /// How many sendMessage calls to `chat` are held now.
    #[must_use]
    pub fn held(&self, chat: i64) -> usize {
        self.shared.lock().hanging.get(&chat).copied().unwrap_or(0)
    }

    /// Ends [`FakeApi::hang_sends`] for `chat`.
    pub fn release(&self, chat: i64) {
        self.shared.lock().hanging.remove(&chat);
        self.shared.changed.notify_waiters();
    }

    /// Makes every call naming `chat` fail with `status` and `description` (e.g. 403 "Forbidden:
    /// bot was blocked by the user").
    pub fn fail_chat(&self, chat: i64, status: u16, description: &str) {
        self.shared
            .lock()
            .failing
            .insert(chat, (status, description.to_owned()));
    }

    /// Makes the next `count` sendMessage calls (to any chat) fail with 429 Too Many Requests and
    /// `retry_after` seconds, as Telegram does when a bot sends too fast.
    pub fn too_many_requests(&self, count: usize, retry_after: u64) {
        self.shared.lock().too_many = Some((count, retry_after));
    }

    /// Runs `hook` once, when the next sendMessage to `chat` arrives, before answering it (to
    /// inject a fault elsewhere at exactly that moment, e.g. lock the bot's database).
    pub fn on_send(&self, chat: i64, hook: impl FnOnce() + Send + 'static) {
        self.shared.lock().hooks.insert(chat, Box::new(hook));
    }

    /// Scripts the outcomes of the next sendMessage/editMessageText calls to `chat`, in order;
    /// calls after the script are handled as usual.
    pub fn script(&self, chat: i64, faults: impl IntoIterator<Item = Fault>) {
        self.shared
            .lock()
            .scripts
            .entry(chat)
            .or_default()
            .extend(faults);
    }

    /// Makes every HTML message to `chat` fail as unparsable, as Telegram does for bad HTML.
    pub fn reject_html_for(&self, chat: i64) {
        self.shared.lock().reject_html.insert(chat);
    }
}

type Reply = (StatusCode, Json<Value>);

fn ok(result: Value) -> Result<Value, (u16, String)> {
    Ok(result)
}

fn bad<T>(description: impl Into<String>) -> Result<T, (u16, String)> {
    Err((400, format!("Bad Request: {}", description.into())))
}

async fn api(
    State(shared): State<Arc<Shared>>,
    Path((token, method)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Reply {
    let method = method.to_ascii_lowercase();
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let body: Value = if body.is_empty() {
        json!({})
    } else if let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
    {
        // setWebhook (and uploads) come as multipart: keep the text fields.
        form_fields(&String::from_utf8_lossy(&body), boundary.trim_matches('"'))
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return envelope(Err((400, "Bad Request: invalid JSON".to_owned()))),
        }
    };
    let hang = (method == "sendmessage")
        .then(|| body["chat_id"].as_i64())
        .flatten()
        .filter(|chat| {
            let mut inner = shared.lock();
            inner.hanging.get_mut(chat).map(|held| *held += 1).is_some()
        });
    if let Some(chat) = hang {
        shared.changed.notify_waiters();
        loop {
            let notified = shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !shared.lock().hanging.contains_key(&chat) {
                break;
            }
            notified.await;
        }
        shared.lock().calls.push(Call {
            method,
            body,
            ok: false,
            result: json!("held, then released"),
            at: std::time::Instant::now(),
        });
        shared.changed.notify_waiters();
        return (
            StatusCode::BAD_GATEWAY,
            Json(json!({"ok": false, "error_code": 502, "description": "Bad Gateway"})),
        );
    }
    if method == "getupdates" {
        let fault = shared.lock().get_updates_faults.pop_front();
        if let Some(status) = fault {
            shared.lock().calls.push(Call {
                method,
                body,
                ok: false,
                result: json!(status),
                at: std::time::Instant::now(),
            });
            shared.changed.notify_waiters();
            return (
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                Json(json!({"ok": false, "error_code": status, "description": "Bad Gateway"})),
            );
        }
    }
    if method == "sendmessage"
        && let Some(chat) = body["chat_id"].as_i64()
    {
        let hook = shared.lock().hooks.remove(&chat);
        if let Some(hook) = hook {
            hook();
        }
    }
    let outcome = if token != format!("bot{TOKEN}") {
        Err((401, "Unauthorized".to_owned()))
    } else if method == "getupdates" {
        Ok(get_updates(&shared, &body).await)
    } else if let Some(retry_after) = (method == "sendmessage")
        .then(|| shared.take_too_many())
        .flatten()
    {
        let description = format!("Too Many Requests: retry after {retry_after}");
        shared.lock().calls.push(Call {
            method,
            body,
            ok: false,
            result: json!(description),
            at: std::time::Instant::now(),
        });
        shared.changed.notify_waiters();
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Json(
                json!({"ok": false, "error_code": 429, "description": description,
                        "parameters": {"retry_after": retry_after}}),
            ),
        );
    } else if let Some((status, reply)) = scripted(&shared, &method, &body) {
        shared.lock().calls.push(Call {
            method,
            body,
            ok: false,
            result: reply["description"].clone(),
            at: std::time::Instant::now(),
        });
        shared.changed.notify_waiters();
        return (status, Json(reply));
    } else {
        let mut inner = shared.lock();
        handle(&mut inner, &method, &body)
    };
    let (ok, result) = match &outcome {
        Ok(v) => (true, v.clone()),
        Err((_, d)) => (false, json!(d)),
    };
    shared.lock().calls.push(Call {
        method,
        body,
        ok,
        result,
        at: std::time::Instant::now(),
    });
    shared.changed.notify_waiters();
    envelope(outcome)
}

/// The scripted refusal for this call, if its chat's script says so.
fn scripted(shared: &Shared, method: &str, body: &Value) -> Option<(StatusCode, Value)> {
    if method != "sendmessage" && method != "editmessagetext" {
        return None;
    }
    let chat = body["chat_id"].as_i64()?;
    let fault = shared.lock().scripts.get_mut(&chat)?.pop_front()?;
    let html = body["parse_mode"]
        .as_str()
        .is_some_and(|m| m.eq_ignore_ascii_case("html"));
    let (status, description, parameters) = match fault {
        Fault::Pass => return None,
        Fault::RejectHtml if !html => return None,
        Fault::RejectHtml => (
            400,
            "Bad Request: can't parse entities: Unsupported start tag (scripted)".to_owned(),
            None,
        ),
        Fault::Fail {
            status,
            description,
            parameters,
        } => (status, description, parameters),
    };
    let mut reply = json!({"ok": false, "error_code": status, "description": description});
    if let Some(p) = parameters {
        reply["parameters"] = p;
    }
    Some((
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        reply,
    ))
}

/// The text fields of a multipart/form-data body, as a JSON object.
fn form_fields(body: &str, boundary: &str) -> Value {
    let mut fields = serde_json::Map::new();
    for part in body.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|n| n.split('"').next())
        else {
            continue;
        };
        fields.insert(name.to_owned(), json!(value.trim_end_matches("\r\n")));
    }
    Value::Object(fields)
}

fn envelope(outcome: Result<Value, (u16, String)>) -> Reply {
    match outcome {
        Ok(result) => (StatusCode::OK, Json(json!({"ok": true, "result": result}))),
        Err((code, description)) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
            Json(json!({"ok": false, "error_code": code, "description": description})),
        ),
    }
}

async fn get_updates(shared: &Shared, body: &Value) -> Value {
    let offset = body["offset"].as_i64().unwrap_or(0);
    let limit = body["limit"].as_u64().map_or(100, |l| l.clamp(1, 100)) as usize;
    let hold = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0)).min(MAX_HOLD);
    let deadline = tokio::time::Instant::now() + hold;
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut inner = shared.lock();
            while inner
                .updates
                .front()
                .is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < offset)
            {
                inner.updates.pop_front();
            }
            if !inner.updates.is_empty() || tokio::time::Instant::now() >= deadline {
                return Value::Array(inner.updates.iter().take(limit).cloned().collect());
            }
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}

fn handle(inner: &mut Inner, method: &str, body: &Value) -> Result<Value, (u16, String)> {
    if let Some(chat) = body["chat_id"].as_i64()
        && let Some((status, description)) = inner.failing.get(&chat)
    {
        return Err((*status, description.clone()));
    }
    match method {
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "SchemeBot", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": true, "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "deletewebhook" | "deletemycommands" | "close" | "logout" | "setwebhook" => ok(json!(true)),
        "getmycommands" => ok(json!([])),
        "setmycommands" => set_my_commands(body),
        "sendmessage" => {
            let chat = body["chat_id"]
                .as_i64()
                .ok_or((400, "Bad Request: chat not found".to_owned()))?;
            let text = message_text(inner, chat, body)?.to_owned();
            check_markup(&body["reply_markup"])?;
            inner.next_message_id += 1;
            ok(sent_message(inner.next_message_id, chat, &text, false))
        }
        "editmessagetext" => {
            check_markup(&body["reply_markup"])?;
            if body["inline_message_id"].is_string() {
                message_text(inner, 0, body)?;
                return ok(json!(true));
            }
            let chat = body["chat_id"]
                .as_i64()
                .ok_or((400, "Bad Request: chat not found".to_owned()))?;
            let id = body["message_id"].as_i64().ok_or((
                400,
                "Bad Request: message identifier is not specified".to_owned(),
            ))?;
            let text = message_text(inner, chat, body)?.to_owned();
            ok(sent_message(id, chat, &text, true))
        }
        "answercallbackquery" => {
            if !body["callback_query_id"].is_string() {
                return bad("query is too old and response timeout expired or query ID is invalid");
            }
            if body["text"]
                .as_str()
                .is_some_and(|t| t.chars().count() > 200)
            {
                return bad("MESSAGE_TOO_LONG");
            }
            ok(json!(true))
        }
        "answerinlinequery" => answer_inline_query(body),
        _ => Err((404, "Not Found".to_owned())),
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_secs() as i64)
}

fn sent_message(id: i64, chat: i64, text: &str, edited: bool) -> Value {
    let mut m = json!({
        "message_id": id,
        "date": now(),
        "chat": chat_json(chat),
        "from": bot_user(),
        "text": text,
    });
    if edited {
        m["edit_date"] = json!(now());
    }
    m
}

/// Validates a message's `text` with its `parse_mode` (Telegram's HTML rules live in
/// `support::telegram`, shared with the rendering tests).
fn message_text<'a>(inner: &Inner, chat: i64, body: &'a Value) -> Result<&'a str, (u16, String)> {
    let text = body["text"]
        .as_str()
        .ok_or((400, "Bad Request: message text is empty".to_owned()))?;
    let html = body["parse_mode"]
        .as_str()
        .is_some_and(|m| m.eq_ignore_ascii_case("html"));
    if html && inner.reject_html.contains(&chat) {
        return bad(
            "can't parse entities: Unsupported start tag \"b\" at byte offset 0 (injected)",
        );
    }
    visible(text, html)?;
    Ok(text)
}

fn visible(text: &str, html: bool) -> Result<(), (u16, String)> {
    let units = if html {
        telegram::parse_html(text)
            .map_err(|e| (400, format!("Bad Request: can't parse entities: {e}")))?
    } else {
        text.encode_utf16().count()
    };
    if units == 0 || text.trim().is_empty() {
        return bad("message text is empty");
    }
    if units > telegram::MAX_TEXT {
        return bad("message is too long");
    }
    Ok(())
}

fn check_markup(markup: &Value) -> Result<(), (u16, String)> {
    if markup.is_null() {
        return Ok(());
    }
    let rows = markup["inline_keyboard"].as_array().ok_or((
        400,
        "Bad Request: can't parse reply keyboard markup JSON object".to_owned(),
    ))?;
    for row in rows {
        for b in row.as_array().ok_or((
            400,
            "Bad Request: can't parse inline keyboard row".to_owned(),
        ))? {
            if b["text"].as_str().is_none_or(str::is_empty) {
                return bad("text buttons are unallowed in the inline keyboard");
            }
            match (b.get("callback_data"), b.get("url")) {
                (Some(d), None) => {
                    let d = d.as_str().unwrap_or("");
                    if d.is_empty() || d.len() > 64 {
                        return bad("BUTTON_DATA_INVALID");
                    }
                }
                (None, Some(u)) => {
                    let u = u.as_str().unwrap_or("");
                    if !(u.starts_with("https://")
                        || u.starts_with("http://")
                        || u.starts_with("tg://"))
                    {
                        return bad("BUTTON_URL_INVALID");
                    }
                }
                _ => {
                    return bad(
                        "can't parse inline keyboard button: exactly one optional field must be used",
                    );
                }
            }
        }
    }
    Ok(())
}

fn answer_inline_query(body: &Value) -> Result<Value, (u16, String)> {
    if !body["inline_query_id"].is_string() {
        return bad("query is too old and response timeout expired or query ID is invalid");
    }
    let results = body["results"]
        .as_array()
        .ok_or((400, "Bad Request: results must be an array".to_owned()))?;
    if results.len() > 50 {
        return bad("RESULTS_TOO_MUCH");
    }
    let mut ids = HashSet::new();
    for r in results {
        let id = r["id"].as_str().unwrap_or("");
        if id.is_empty() || id.len() > 64 {
            return bad("RESULT_ID_INVALID");
        }
        if !ids.insert(id.to_owned()) {
            return bad("RESULT_ID_DUPLICATE");
        }
        if r["type"] == "article" && r["title"].as_str().is_none_or(str::is_empty) {
            return bad("RESULT_TITLE_EMPTY");
        }
        let content = &r["input_message_content"];
        let text = content["message_text"]
            .as_str()
            .ok_or((400, "Bad Request: MESSAGE_EMPTY".to_owned()))?;
        let html = content["parse_mode"]
            .as_str()
            .is_some_and(|m| m.eq_ignore_ascii_case("html"));
        visible(text, html)?;
        check_markup(&r["reply_markup"])?;
    }
    ok(json!(true))
}

fn set_my_commands(body: &Value) -> Result<Value, (u16, String)> {
    let commands = body["commands"]
        .as_array()
        .ok_or((400, "Bad Request: commands must be an array".to_owned()))?;
    if commands.len() > 100 {
        return bad("BOT_COMMANDS_TOO_MUCH");
    }
    for c in commands {
        let name = c["command"].as_str().unwrap_or("");
        let valid = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return bad("BOT_COMMAND_INVALID");
        }
        let description = c["description"].as_str().unwrap_or("");
        if !(1..=256).contains(&description.chars().count()) {
            return bad("BOT_COMMAND_DESCRIPTION_INVALID");
        }
    }
    if let Some(code) = body["language_code"].as_str()
        && !(code.is_empty() || (code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())))
    {
        return bad("LANGUAGE_CODE_INVALID");
    }
    ok(json!(true))
}

// ---------------------------------------------------------------------------------------------
// Update fixtures (all satisfy teloxide's required fields; `push_update` checks).

static NEXT_MESSAGE_ID: AtomicI64 = AtomicI64::new(1);

fn next_message_id() -> i64 {
    NEXT_MESSAGE_ID.fetch_add(1, Ordering::Relaxed)
}

/// A chat object: private for positive ids, a group for negative ones.
#[must_use]
pub fn chat_json(id: i64) -> Value {
    if id > 0 {
        json!({"id": id, "type": "private", "first_name": "Tester"})
    } else if id < -1_000_000_000_000 {
        json!({"id": id, "type": "channel", "title": "Channel"})
    } else {
        json!({"id": id, "type": "group", "title": "Group"})
    }
}

#[must_use]
pub fn user_json(id: i64, language_code: Option<&str>) -> Value {
    let mut u = json!({"id": id, "is_bot": false, "first_name": "Tester"});
    if let Some(code) = language_code {
        u["language_code"] = json!(code);
    }
    u
}

#[must_use]
pub fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "SchemeBot", "username": BOT_USERNAME})
}

/// A message in `chat` from `user` with the given content fields (`text`, `sticker`, ...).
#[must_use]
pub fn message(chat: i64, user: i64, language_code: Option<&str>, content: Value) -> Value {
    let mut m = json!({
        "message_id": next_message_id(),
        "date": now(),
        "chat": chat_json(chat),
        "from": user_json(user, language_code),
    });
    if let (Some(m), Some(extra)) = (m.as_object_mut(), content.as_object()) {
        m.extend(extra.clone());
    }
    m
}

/// An update carrying `message` as the given kind (`message`, `edited_message`, `channel_post`).
#[must_use]
pub fn update(kind: &str, message: Value) -> Value {
    json!({ kind: message })
}

/// A private text message from user `chat` (whose Telegram language is English).
#[must_use]
pub fn text(chat: i64, text: &str) -> Value {
    text_in(chat, Some("en"), text)
}

/// A private text message from a user with the given Telegram `language_code`.
#[must_use]
pub fn text_in(chat: i64, language_code: Option<&str>, text: &str) -> Value {
    update(
        "message",
        message(chat, chat, language_code, json!({"text": text})),
    )
}

/// A text message in group `group` from user `user`.
#[must_use]
pub fn group_text(group: i64, user: i64, text: &str) -> Value {
    update(
        "message",
        message(group, user, Some("en"), json!({"text": text})),
    )
}

/// A message the bot sent earlier, for `reply_to_message` and callback queries.
#[must_use]
pub fn bot_message(chat: i64, message_id: i64, text: &str) -> Value {
    json!({"message_id": message_id, "date": now(), "chat": chat_json(chat), "from": bot_user(), "text": text})
}

/// A button press under the bot's message `message_id` in `chat`.
#[must_use]
pub fn callback(chat: i64, message_id: i64, data: &str) -> Value {
    json!({"callback_query": {
        "id": format!("cbq-{}", next_message_id()),
        "from": user_json(chat, Some("en")),
        "chat_instance": "ci",
        "message": bot_message(chat, message_id, "…"),
        "data": data,
    }})
}

/// An inline query `@bot <query>` from `user`.
#[must_use]
/// A `my_chat_member` update: the bot's status in a private chat changed to `status`
/// (`kicked` when the user blocked the bot, `member` when they came back).
pub fn my_chat_member(chat: i64, status: &str) -> Value {
    let member = |status: &str| {
        let mut m = json!({"user": bot_user(), "status": status});
        if status == "kicked" {
            m["until_date"] = json!(0);
        }
        m
    };
    let old = if status == "kicked" {
        "member"
    } else {
        "kicked"
    };
    json!({
        "my_chat_member": {
            "chat": chat_json(chat),
            "from": user_json(chat, None),
            "date": 1_700_000_000,
            "old_chat_member": member(old),
            "new_chat_member": member(status),
            "via_join_request": false,
            "via_chat_folder_invite_link": false,
        }
    })
}

pub fn inline_query(user: i64, query: &str) -> Value {
    json!({"inline_query": {
        "id": format!("iq-{}", next_message_id()),
        "from": user_json(user, Some("en")),
        "query": query,
        "offset": "",
    }})
}
