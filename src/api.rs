//! The HTTP API (`POST /api/v1/ask`, `GET /api/v1/schemes`, `GET /api/v1/schemes/{id}`,
//! `GET /api/v1/openapi.json`) and the web chat page (`GET /`), served on the `--listen`
//! listener next to `/healthz` and `/metrics`.
//!
//! A conversation is a `session`: the first answer issues a random id, and the store keeps
//! what that session asked last ([`Context::after`]) for 30 minutes, as it does for a chat, so
//! "how much?" follows on whichever process answers. A question may instead carry the
//! `context` to follow (a button's question does). Unanswered and "did you mean…?" questions
//! go to the gaps log, without the session. Every answer goes through the one [`answer_in`] and
//! [`render`], as in the bot and `schemebot ask`; its JSON is the `ask --json` record
//! ([`record`]) plus the Telegram-HTML parts and the buttons.
//!
//! Middleware comes from libraries: tower-http for CORS (origins from
//! `--api-cors-origins`, none by default: same-origin only), the request body limit
//! ([`MAX_BODY_BYTES`]) and the request timeout; governor for the per-client-IP rate limit
//! (`--api-rate` requests per minute, 429 with `Retry-After`). Every error is a JSON
//! `{"code", "error"}` with a stable code per status.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path as UrlPath, Request, State as Extract};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::{OpenApi, ToSchema};

use crate::answer::{Answer, CONTEXT_TTL_SECONDS, Context, DEFAULT_LIMIT, Remember, answer_in};
use crate::corpus::Corpus;
use crate::search::{Engine, Found};
use crate::store::{GapOutcome, NewGap, SessionTurn, Store};
use crate::text::Lang;
use crate::ui::{
    Action, Button, CallbackData, MatchStep, Section, display_name, render, scheme_reply,
};

/// The largest request body accepted (larger: 413).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The longest question accepted, in bytes (longer: 400).
pub const MAX_QUESTION_BYTES: usize = 2_000;

/// At most this many questions are analysed at once, on the blocking pool (the bot and the
/// API share the bound).
const SEARCHES: usize = 4;

/// The web chat page: one static file, no build step, no external resources.
const CHAT_PAGE: &str = include_str!("web/chat.html");

/// What the page may load: only itself and this origin's API.
const CHAT_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The API's settings (`--api-cors-origins`, `--api-rate`, `--api-timeout-secs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Origins allowed to call the API from a browser (`*`: any); empty: same-origin only.
    pub cors_origins: Vec<String>,
    /// Requests per minute per client IP (also the burst).
    pub per_minute: u32,
    /// How long a request may take before it is answered 503.
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            cors_origins: Vec::new(),
            per_minute: 60,
            timeout: Duration::from_secs(10),
        }
    }
}

impl Settings {
    /// Checks the origins: each `*` or a `scheme://host[:port]` without a path.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.per_minute >= 1, "the API rate must be at least 1");
        for o in &self.cors_origins {
            if o == "*" {
                continue;
            }
            let url = url::Url::parse(o)
                .map_err(|e| anyhow::anyhow!("CORS origin {o:?} is not a URL: {e}"))?;
            anyhow::ensure!(
                matches!(url.scheme(), "http" | "https")
                    && url.host().is_some()
                    && url.path() == "/"
                    && !o.ends_with('/')
                    && HeaderValue::from_str(o).is_ok(),
                "CORS origin {o:?} must look like https://example.org (no path, no trailing slash)"
            );
        }
        Ok(())
    }
}

/// The client's address as the listener saw it (the key of the rate limit). Behind a reverse
/// proxy every request comes from the proxy's address.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// The `ask --json` record of one answer: what `schemebot ask --json` prints, and the core of
/// the API's answer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Record {
    /// The question as answered (cut to 500 characters).
    pub query: String,
    /// The reply language.
    pub lang: Lang,
    /// `schemes`, `list`, `compare`, `match`, `smalltalk` or `none`.
    pub kind: &'static str,
    /// The category listed (`all` for every one), for `list` answers by category.
    pub category: Option<&'static str>,
    /// The filter applied, for filtered lists.
    pub filter: Option<String>,
    /// `answer`, `suggest` ("did you mean…?") or `none`.
    pub confidence: &'static str,
    /// What the question asks (`money`, `eligibility`, `apply`, `when`), the lead first.
    pub intents: Vec<&'static str>,
    /// Whether the scheme came from the context, not the question.
    pub follow_up: bool,
    /// Programmes the question names that are not ours (e.g. `["QMAS"]`), which the reply
    /// says it has nothing on; empty otherwise.
    pub not_covered: Vec<String>,
    /// The small-talk kind, for `smalltalk` answers.
    pub small_talk: Option<&'static str>,
    /// The schemes of the answer, best first.
    pub results: Vec<ResultItem>,
    /// The reply as plain text.
    pub reply: String,
}

/// A scheme in an answer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ResultItem {
    pub id: String,
    /// The display name in the reply language.
    pub name: String,
    /// The retrieval score, to three decimals (0 for lists, compares and follow-ups).
    pub score: f64,
}

/// The `ask --json` record of an answer whose plain-text reply is `reply`.
#[must_use]
pub fn record(a: &Answer, reply: &str, corpus: &Corpus) -> Record {
    let result = |i: usize, score: f32| {
        let s = &corpus.schemes[i];
        ResultItem {
            id: s.id.clone(),
            name: display_name(s, a.lang),
            // Rounded as an f64, so it prints as 1342.224 rather than 1342.2239990234375.
            score: (f64::from(score) * 1000.0).round() / 1000.0,
        }
    };
    let (kind, category, results): (&str, Option<&str>, Vec<ResultItem>) = match &a.found {
        Found::Schemes(hits) | Found::Suggestions(hits) => (
            "schemes",
            None,
            hits.iter().map(|h| result(h.scheme, h.score)).collect(),
        ),
        Found::List(c) => (
            "list",
            Some(c.map_or("all", |c| c.key())),
            corpus
                .schemes
                .iter()
                .enumerate()
                .filter(|(_, s)| c.is_none_or(|c| s.category == c))
                .map(|(i, _)| result(i, 0.0))
                .collect(),
        ),
        Found::Filtered(f) => (
            "list",
            None,
            f.apply(corpus, crate::date::today_hk())
                .into_iter()
                .map(|i| result(i, 0.0))
                .collect(),
        ),
        Found::Compare(schemes) => (
            "compare",
            None,
            schemes.iter().map(|&i| result(i, 0.0)).collect(),
        ),
        Found::Match => ("match", None, Vec::new()),
        Found::SmallTalk(_) => ("smalltalk", None, Vec::new()),
        Found::Nothing => ("none", None, Vec::new()),
    };
    let confidence = match &a.found {
        Found::Schemes(_)
        | Found::List(_)
        | Found::Filtered(_)
        | Found::Compare(_)
        | Found::Match
        | Found::SmallTalk(_) => "answer",
        Found::Suggestions(_) => "suggest",
        Found::Nothing => "none",
    };
    let small_talk = match &a.found {
        Found::SmallTalk(kind) => Some(kind.key()),
        _ => None,
    };
    let filter = match &a.found {
        Found::Filtered(f) => Some(f.key()),
        _ => None,
    };
    Record {
        query: a.question.clone(),
        lang: a.lang,
        kind,
        category,
        filter,
        confidence,
        intents: a.intents.iter().map(|i| i.key()).collect(),
        follow_up: a.follow_up,
        not_covered: a.not_covered.clone(),
        small_talk,
        results,
        reply: reply.to_owned(),
    }
}

/// Answers a question on the blocking pool, at most [`SEARCHES`] at once, for the API and the
/// bot alike (`None` when the task failed). The bound keeps a burst of thousands of questions
/// from growing the blocking pool to hundreds of threads (and their stacks) for work that takes
/// a fraction of a millisecond. The caller renders with the same `engine`, so a reload in
/// between cannot mix two corpora.
pub(crate) async fn answer_on_pool(
    engine: &Arc<Engine>,
    question: String,
    lang: Option<Lang>,
    limit: usize,
    context: Option<Context>,
) -> Option<Answer> {
    static PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(SEARCHES);
    let _permit = PERMITS.acquire().await.ok()?;
    let engine = Arc::clone(engine);
    let work = move || answer_in(&engine, &question, lang, limit, context.as_ref());
    match tokio::task::spawn_blocking(work).await {
        Ok(a) => Some(a),
        Err(e) => {
            tracing::error!(error = %e, "answering failed");
            None
        }
    }
}

/// A question, with what the last answer left when it follows one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AskRequest {
    /// The question (1 to 2,000 bytes).
    pub question: String,
    /// The reply language: `en`, `zh-hant` or `zh-hans` (default: the question's script).
    #[serde(default)]
    pub lang: Option<String>,
    /// The conversation this question belongs to: the `session` an earlier answer returned
    /// (8 to 64 characters of `A-Z a-z 0-9 _ -`). Follow-ups ("how much?") are about what
    /// the session asked last, for 30 minutes. Without one, a new session is started.
    #[serde(default)]
    pub session: Option<String>,
    /// What this question follows, overriding the session's (a button's `ask.context`).
    #[serde(default)]
    pub context: Option<Context>,
}

/// An answer: the `ask --json` record, the reply as Telegram HTML, its buttons, and the
/// context to send with the next question.
#[derive(Debug, Serialize, ToSchema)]
pub struct AskResponse {
    #[serde(flatten)]
    pub record: Record,
    /// The reply as HTML parts (tags: `<b>`, `<i>`, `<a href>`), one per Telegram message.
    pub html: Vec<String>,
    /// The reply's buttons, in rows.
    pub buttons: Vec<Vec<ApiButton>>,
    /// What the conversation remembers now (`null`: nothing in particular).
    pub context: Option<Context>,
    /// The session to send with the next question; `null` when the server keeps no sessions
    /// (then send `context` back instead).
    pub session: Option<String>,
}

/// A button under a reply: a link (`url`), or an action (`data`: the bot's callback data);
/// `ask` is the question (with its context) that does what the button does, when there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiButton {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask: Option<FollowUp>,
}

/// A question to post to `/api/v1/ask` for a button.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUp {
    pub question: String,
    pub context: Option<Context>,
}

/// A scheme in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeSummary {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub acronym: Option<String>,
    /// The category key.
    pub category: &'static str,
    /// `open`, `upcoming`, `closed`, `ongoing` or `not-announced`.
    pub status: &'static str,
}

/// One scheme's full card.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeCard {
    #[serde(flatten)]
    pub summary: SchemeSummary,
    pub lang: Lang,
    /// The card as plain text.
    pub text: String,
    /// The card as HTML parts (tags: `<b>`, `<i>`, `<a href>`).
    pub html: Vec<String>,
}

/// An error: a stable machine-readable `code` (one per HTTP status: `bad_request`,
/// `not_found`, `method_not_allowed`, `payload_too_large`, `unsupported_media_type`,
/// `rate_limited`, `internal`, `unavailable`) and a message for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    pub code: String,
    pub error: String,
}

/// The stable error code of an HTTP status.
#[must_use]
pub fn error_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "schemebot",
        description = "Answers about Hong Kong innovation and technology schemes."
    ),
    paths(ask, schemes, scheme),
    components(schemas(
        AskRequest,
        AskResponse,
        Record,
        ResultItem,
        ApiButton,
        FollowUp,
        SchemeSummary,
        SchemeCard,
        ApiError,
        Context,
        Lang
    ))
)]
struct ApiDoc;

/// The OpenAPI document of the API.
#[must_use]
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// What the routes share: the current engine (it changes on reload) and the rate limiter.
struct Api {
    engine: Box<dyn Fn() -> Arc<Engine> + Send + Sync>,
    /// Where sessions and the gaps log live (`None`: stateless, the client sends `context`).
    store: Option<Arc<Store>>,
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    requests: AtomicU64,
}

/// The API's routes and the chat page, with their middleware. `engine` gives the engine to
/// answer with (the bot swaps it on reload).
pub fn router(
    engine: impl Fn() -> Arc<Engine> + Send + Sync + 'static,
    settings: &Settings,
    store: Option<Arc<Store>>,
) -> Router {
    let per_minute = NonZeroU32::new(settings.per_minute).unwrap_or(NonZeroU32::MIN);
    let api = Arc::new(Api {
        engine: Box::new(engine),
        store,
        limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
        requests: AtomicU64::new(0),
    });
    let origins = if settings.cors_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            settings
                .cors_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        )
    };
    let cors = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .max_age(Duration::from_secs(3600));
    Router::new()
        .route("/api/v1/ask", post(ask))
        .route("/api/v1/schemes", get(schemes))
        .route("/api/v1/schemes/{id}", get(scheme))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/", get(chat_page))
        // Innermost first: the body limit, the timeout, the rate limit, CORS (so a preflight
        // is answered without counting), and JSON for every error.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            settings.timeout,
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&api), rate_limit))
        .layer(cors)
        .layer(middleware::map_response(json_errors))
        .with_state(api)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ApiError {
            code: error_code(status).to_owned(),
            error: message.into(),
        }),
    )
        .into_response()
}

/// Counts the request against its client's budget; over it: 429 with `Retry-After`.
async fn rate_limit(Extract(api): Extract<Arc<Api>>, request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<ClientAddr>>()
        .map(|c| c.0.0.ip())
        .or_else(|| {
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        })
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    // Forget clients that have recovered their whole budget now and then, so the table stays
    // the size of the recent clients.
    if api.requests.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
        api.limiter.retain_recent();
    }
    match api.limiter.check_key(&ip) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many requests: try again in {secs} s"),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
            response
        }
    }
}

/// Gives every error the middleware answered (413 from the body limit, 503 from the timeout,
/// 405, 404 of an unknown path) a JSON body.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the request body is larger than {MAX_BODY_BYTES} bytes")
        }
        StatusCode::SERVICE_UNAVAILABLE => "the request took too long".to_owned(),
        other => other
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
    };
    let (mut parts, _) = response.into_parts();
    let fresh = error(status, message);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, fresh.into_body())
}

/// Answers a question.
#[utoipa::path(
    post,
    path = "/api/v1/ask",
    request_body = AskRequest,
    responses(
        (status = 200, description = "The answer", body = AskResponse),
        (status = 400, description = "Invalid JSON, a missing, empty or too long question, or an unknown language", body = ApiError),
        (status = 413, description = "The body is larger than 16 KiB", body = ApiError),
        (status = 415, description = "The body is not application/json", body = ApiError),
        (status = 429, description = "Too many requests from this address (see Retry-After)", body = ApiError)
    )
)]
async fn ask(
    Extract(api): Extract<Arc<Api>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be JSON (Content-Type: application/json)",
        );
    }
    let body = match body {
        Ok(b) => b,
        Err(e) => return error(e.status(), e.body_text()),
    };
    let request: AskRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid request: {e}")),
    };
    if request.question.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "the question is empty");
    }
    if request.question.len() > MAX_QUESTION_BYTES {
        return error(
            StatusCode::BAD_REQUEST,
            format!("the question is longer than {MAX_QUESTION_BYTES} bytes"),
        );
    }
    let lang = match request.lang.as_deref() {
        None | Some("") => None,
        Some(code) => match Lang::from_code(code) {
            Some(l) => Some(l),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown language {code:?}: use en, zh-hant or zh-hans"),
                );
            }
        },
    };
    let session = match request.session {
        Some(id) if !valid_session(&id) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the session must be 8 to 64 characters of A-Z, a-z, 0-9, _ and -",
            );
        }
        Some(id) => Some(id),
        None => api
            .store
            .is_some()
            .then(|| uuid::Uuid::new_v4().simple().to_string()),
    };
    let now = now_ms();
    let ttl = CONTEXT_TTL_SECONDS * 1000;
    let before = match (request.context, &api.store, &session) {
        (Some(c), _, _) => Some(c),
        (None, Some(store), Some(id)) => {
            let (store, id) = (Arc::clone(store), id.clone());
            match tokio::task::spawn_blocking(move || store.session(&id, now, ttl)).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    // A lost context costs a follow-up its scheme, not the answer.
                    tracing::warn!(error = %e, "reading an API session failed");
                    None
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading an API session failed");
                    None
                }
            }
        }
        _ => None,
    };
    let engine = (api.engine)();
    let question = request.question.clone();
    let Some(answer) = answer_on_pool(
        &engine,
        request.question,
        lang,
        DEFAULT_LIMIT,
        before.clone(),
    )
    .await
    else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "answering failed");
    };
    let corpus = engine.corpus();
    let reply = render(&answer, corpus);
    let context = match Context::after(&answer, corpus) {
        Remember::Set(c) => Some(c),
        Remember::Keep => before,
        Remember::Forget => None,
    };
    if let (Some(store), Some(id)) = (&api.store, &session) {
        let gap = match &answer.found {
            Found::Nothing => Some((GapOutcome::None, Vec::new())),
            Found::Suggestions(hits) => Some((
                GapOutcome::Suggest,
                hits.iter()
                    .map(|h| corpus.schemes[h.scheme].id.clone())
                    .collect(),
            )),
            _ => None,
        };
        let (store, id, remembered) = (Arc::clone(store), id.clone(), context.clone());
        let saved = tokio::task::spawn_blocking(move || {
            let normalised = crate::text::name_key(&question);
            store.save_session_turn(&SessionTurn {
                session: &id,
                question: &question,
                context: remembered.as_ref(),
                gap: gap.map(|(outcome, schemes)| NewGap {
                    question: &question,
                    normalised: &normalised,
                    outcome,
                    schemes,
                }),
                now_ms: now,
                ttl_ms: ttl,
            })
        })
        .await;
        if !matches!(saved, Ok(Ok(()))) {
            tracing::warn!("saving an API session failed; its next follow-up starts afresh");
        }
    }
    let buttons = reply
        .buttons
        .iter()
        .map(|row| {
            row.iter()
                .map(|b| api_button(b, corpus, answer.lang))
                .collect()
        })
        .collect();
    Json(AskResponse {
        record: record(&answer, &reply.plain, corpus),
        html: reply.html,
        buttons,
        context,
        session,
    })
    .into_response()
}

/// Whether `id` may name a session: 8 to 64 characters of `A-Z a-z 0-9 _ -`.
fn valid_session(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A rendered button for the API, with the question that does what it does.
fn api_button(b: &Button, corpus: &Corpus, lang: Lang) -> ApiButton {
    match b {
        Button::Url { text, url } => ApiButton {
            text: text.clone(),
            data: None,
            url: Some(url.clone()),
            ask: None,
        },
        // The API's data is the action alone: the client says its language with each question.
        Button::Callback { text, data } => ApiButton {
            text: text.clone(),
            data: Some(CallbackData::new(data.action.clone()).format()),
            url: None,
            ask: button_question(&data.action, corpus, lang),
        },
    }
}

/// The question that does what a button's action does: a section of a scheme is a
/// follow-up about it, a scheme is asked for by name, `m` starts matching. Other buttons
/// (the full card, feedback, the steps of matching) have none.
fn button_question(action: &Action, corpus: &Corpus, lang: Lang) -> Option<FollowUp> {
    let pick = |en: &str, hant: &str, hans: &str| match lang {
        Lang::En => en.to_owned(),
        Lang::ZhHant => hant.to_owned(),
        Lang::ZhHans => hans.to_owned(),
    };
    let about = |id: &str| Context {
        schemes: vec![id.to_owned()],
        intent: None,
    };
    match action {
        Action::Scheme(id) => {
            let s = corpus.get(id)?;
            Some(FollowUp {
                question: display_name(s, lang),
                context: None,
            })
        }
        Action::Section(id, section) => {
            let s = corpus.get(id)?;
            let question = match section {
                Section::Overview => display_name(s, lang),
                // The whole card is `GET /api/v1/schemes/{id}`, not an answer.
                Section::Full => return None,
                Section::Money => pick("How much funding?", "資助金額是多少？", "资助金额是多少？"),
                Section::Eligibility => pick("Who can apply?", "邊個可以申請？", "谁可以申请？"),
                Section::Apply => pick("How to apply?", "點樣申請？", "怎样申请？"),
                Section::Status => pick("When is the deadline?", "幾時截止？", "什么时候截止？"),
            };
            Some(FollowUp {
                question,
                context: Some(about(&s.id)),
            })
        }
        Action::Match(MatchStep::Who) => Some(FollowUp {
            question: pick(
                "Which schemes can I apply for?",
                "我可以申請邊啲計劃？",
                "我可以申请哪些计划？",
            ),
            context: None,
        }),
        _ => None,
    }
}

/// The schemes, optionally filtered: `category` (a category key), `open` (`true`: taking
/// applications now; `false`: not), `applicant` (an applicant key of the vocabulary, e.g.
/// `sme`, `individual`: schemes that kind of applicant can apply to).
#[utoipa::path(
    get,
    path = "/api/v1/schemes",
    params(
        ("category" = Option<String>, Query, description = "talent, research, startup, … (the corpus's category keys)"),
        ("open" = Option<bool>, Query, description = "true: only schemes taking applications now; false: only the others"),
        ("applicant" = Option<String>, Query, description = "an applicant key: individual, student, sme, start-up, university, …")
    ),
    responses(
        (status = 200, description = "The schemes that pass every filter given, in the corpus's order", body = [SchemeSummary]),
        (status = 400, description = "An unknown filter or value", body = ApiError)
    )
)]
async fn schemes(Extract(api): Extract<Arc<Api>>, uri: Uri) -> Response {
    use crate::corpus::{Category, Status};
    let mut category = None;
    let mut open = None;
    let mut applicant = None;
    for (key, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match &*key {
            "category" => match Category::from_key(&value) {
                Some(c) => category = Some(c),
                None => {
                    let known: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!(
                            "unknown category {value:?}: use one of {}",
                            known.join(", ")
                        ),
                    );
                }
            },
            "open" => match &*value {
                "true" => open = Some(true),
                "false" => open = Some(false),
                _ => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!("open must be true or false, not {value:?}"),
                    );
                }
            },
            "applicant" => {
                let known = crate::text::vocabulary::applicant_keys();
                if !known.contains(&&*value) {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!(
                            "unknown applicant {value:?}: use one of {}",
                            known.join(", ")
                        ),
                    );
                }
                applicant = Some(value.into_owned());
            }
            other => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown filter {other:?}: use category, open or applicant"),
                );
            }
        }
    }
    let engine = (api.engine)();
    let list: Vec<SchemeSummary> = engine
        .corpus()
        .schemes
        .iter()
        .filter(|s| category.is_none_or(|c| s.category == c))
        .filter(|s| open.is_none_or(|o| (s.status == Status::Open) == o))
        .filter(|s| applicant.as_deref().is_none_or(|a| s.accepts(a)))
        .map(summary)
        .collect();
    Json(list).into_response()
}

fn summary(s: &crate::corpus::Scheme) -> SchemeSummary {
    SchemeSummary {
        id: s.id.clone(),
        name_en: s.name_en.clone(),
        name_zh: s.name_zh.clone(),
        acronym: s.acronym.clone(),
        category: s.category.key(),
        status: s.status.key(),
    }
}

/// One scheme's full card, as plain text and HTML.
#[utoipa::path(
    get,
    path = "/api/v1/schemes/{id}",
    params(
        ("id" = String, Path, description = "The scheme's id"),
        ("lang" = Option<String>, Query, description = "en (default), zh-hant or zh-hans")
    ),
    responses(
        (status = 200, description = "The card", body = SchemeCard),
        (status = 400, description = "An unknown language", body = ApiError),
        (status = 404, description = "No scheme has this id", body = ApiError)
    )
)]
async fn scheme(
    Extract(api): Extract<Arc<Api>>,
    UrlPath(id): UrlPath<String>,
    uri: Uri,
) -> Response {
    let code = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned());
    let lang = match code.as_deref() {
        None | Some("") => Lang::En,
        Some(c) => match Lang::from_code(c) {
            Some(l) => l,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown language {c:?}: use en, zh-hant or zh-hans"),
                );
            }
        },
    };
    let engine = (api.engine)();
    let corpus = engine.corpus();
    let Some(s) = corpus.get(&id) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no scheme has the id {id:?}"),
        );
    };
    let card = scheme_reply(s, corpus, lang);
    Json(SchemeCard {
        summary: summary(s),
        lang,
        text: card.plain,
        html: card.html,
    })
    .into_response()
}

async fn openapi() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOC.get_or_init(openapi_json).clone(),
    )
        .into_response()
}

async fn chat_page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CHAT_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        CHAT_PAGE,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        let ok = |o: &str| {
            Settings {
                cors_origins: vec![o.to_owned()],
                ..Settings::default()
            }
            .validate()
            .is_ok()
        };
        assert!(ok("https://example.org"));
        assert!(ok("http://localhost:8080"));
        assert!(ok("*"));
        assert!(!ok("https://example.org/"));
        assert!(!ok("https://example.org/chat"));
        assert!(!ok("example.org"));
    }

    #[test]
    fn the_openapi_document_names_every_path() {
        let doc: serde_json::Value = serde_json::from_str(&openapi_json()).unwrap();
        for path in ["/api/v1/ask", "/api/v1/schemes", "/api/v1/schemes/{id}"] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
    }

    #[test]
    fn the_chat_page_is_self_contained() {
        assert!(CHAT_PAGE.contains("/api/v1/ask"));
        assert!(!CHAT_PAGE.contains("http://") && !CHAT_PAGE.contains("https://"));
        assert!(!CHAT_PAGE.contains("innerHTML"));
    }
}
