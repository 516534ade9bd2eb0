//! The HTTP API and the web chat page end to end, through the real binary with
//! `--listen 127.0.0.1:0` against the fake Bot API: ask and follow-up with the returned context
//! and within a session (three scripts), the schemes list's filters,
//! compare, bad inputs as JSON errors, the per-IP rate limit, CORS preflights, the OpenAPI
//! document and the chat page's contract as text (web.rs drives the page in a real browser).

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::production::listening;
use crate::support::engine::corpus_dir;
use crate::support::fake_api::FakeApi;
use crate::support::harness::*;
use crate::support::http::request_raw;

/// A response: status, lower-cased header lines and body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// One request over a fresh connection, with the response's headers.
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let raw = request_raw(addr, method, path, headers, body, STEP)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    Response {
        status: raw.status,
        headers: raw.headers,
        body: raw.body,
    }
}

async fn ask(addr: SocketAddr, body: &Value) -> Response {
    call(
        addr,
        "POST",
        "/api/v1/ask",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .await
}

/// The bot with its listener, and the listener's address.
async fn start(
    fake: &FakeApi,
    data: &std::path::Path,
    envs: &[(&str, &str)],
) -> (BotProcess, SocketAddr) {
    index_dir();
    let mut cmd = serve_with(
        &corpus_dir(),
        index_dir(),
        data,
        Some(fake.url()),
        &["--listen", "127.0.0.1:0"],
    );
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let bot = BotProcess::spawn(cmd);
    let addr = listening(&bot).await;
    (bot, addr)
}

fn ids(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_follow_up_and_compare_share_the_cli_record() {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let (_bot, addr) = start(&fake, data.path(), &[]).await;

    let first = ask(
        addr,
        &json!({"question": "What is the Technology Voucher Programme?"}),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        first
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json"))
    );
    let a = first.json();
    for key in [
        "query",
        "lang",
        "kind",
        "confidence",
        "intents",
        "follow_up",
        "results",
        "reply",
        "html",
        "buttons",
        "context",
    ] {
        assert!(a.get(key).is_some(), "{key} missing: {a}");
    }
    assert_eq!(a["kind"], "schemes");
    assert_eq!(a["lang"], "en");
    assert_eq!(ids(&a)[0], "tvp");
    assert_eq!(a["context"]["schemes"], json!(["tvp"]));
    assert!(!a["html"].as_array().unwrap().is_empty());
    // Section buttons carry their callback data and the question that does the same.
    let buttons: Vec<&Value> = a["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .collect();
    let money = buttons
        .iter()
        .find(|b| b["data"] == "sec:tvp:money")
        .unwrap_or_else(|| panic!("no money button: {a}"));
    assert_eq!(money["ask"]["context"]["schemes"], json!(["tvp"]));
    assert!(buttons.iter().any(|b| b["url"].is_string()));
    // The full card is a document (GET /api/v1/schemes/{id}), so its button asks nothing.
    let full = buttons
        .iter()
        .find(|b| b["data"] == "sec:tvp:full")
        .unwrap();
    assert!(full.get("ask").is_none(), "{full}");

    // The same record as `schemebot ask --json`, field for field (the API adds html,
    // buttons and context).
    let out = std::process::Command::new(BIN)
        .args(["--corpus"])
        .arg(corpus_dir())
        .arg("--index")
        .arg(index_dir())
        .args(["ask", "--json", "What is the Technology Voucher Programme?"])
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (k, v) in cli.as_object().unwrap() {
        assert_eq!(&a[k], v, "{k} differs between the CLI and the API");
    }

    // A follow-up with the returned context is about the same scheme.
    let follow = ask(
        addr,
        &json!({"question": "how much?", "context": a["context"].clone()}),
    )
    .await;
    assert_eq!(follow.status, 200, "{}", follow.body);
    let f = follow.json();
    assert_eq!(ids(&f), ["tvp"], "{f}");
    assert_eq!(f["follow_up"], true);
    assert_eq!(f["intents"][0], "money");

    // Without the context, "how much?" is not about TVP.
    let alone = ask(addr, &json!({"question": "how much?"})).await.json();
    assert_eq!(alone["follow_up"], false);

    // The money button's question does what the button does.
    let pressed = ask(
        addr,
        &json!({"question": money["ask"]["question"], "context": money["ask"]["context"], "lang": "en"}),
    )
    .await
    .json();
    assert_eq!(ids(&pressed), ["tvp"], "{pressed}");
    assert_eq!(pressed["intents"][0], "money");

    // Compare, then in Chinese with an explicit language.
    let cmp = ask(addr, &json!({"question": "NIFS vs NIAS"})).await.json();
    assert_eq!(cmp["kind"], "compare", "{cmp}");
    let mut compared = ids(&cmp);
    compared.sort();
    assert_eq!(compared, ["nias", "nifs"]);
    assert_eq!(cmp["context"]["schemes"].as_array().unwrap().len(), 2);

    let zh = ask(
        addr,
        &json!({"question": "科技券資助幾多？", "lang": "zh-hans"}),
    )
    .await
    .json();
    assert_eq!(zh["lang"], "zh-hans");
    assert_eq!(ids(&zh)[0], "tvp", "{zh}");

    // The schemes list and one card.
    let list = call(addr, "GET", "/api/v1/schemes", &[], b"").await;
    assert_eq!(list.status, 200);
    let list = list.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 32);
    let tvp = list.iter().find(|s| s["id"] == "tvp").unwrap();
    for key in ["name_en", "name_zh", "category", "status"] {
        assert!(tvp[key].is_string(), "{key}: {tvp}");
    }
    let card = call(addr, "GET", "/api/v1/schemes/tvp?lang=zh-hant", &[], b"").await;
    assert_eq!(card.status, 200, "{}", card.body);
    let card = card.json();
    assert_eq!(card["lang"], "zh-hant");
    assert!(card["text"].as_str().unwrap().contains("科技券"), "{card}");
    assert!(card["html"][0].as_str().unwrap().contains("<b>"));
    let missing = call(addr, "GET", "/api/v1/schemes/no-such-scheme", &[], b"").await;
    assert_eq!(missing.status, 404);
    assert!(missing.json()["error"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_carries_follow_ups_in_three_scripts_and_logs_gaps() {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let (bot, addr) = start(&fake, data.path(), &[]).await;

    // (first question, follow-up, expected scheme, expected intent of the follow-up)
    let chats = [
        (
            "What is the Technology Voucher Programme?",
            "how much?",
            "tvp",
            "money",
        ),
        ("科技券係咩嚟？", "幾時截止？", "tvp", "when"),
        (
            "研究人才库是什么？",
            "怎么申请？",
            "research-talent-hub",
            "apply",
        ),
    ];
    let mut sessions = Vec::new();
    for (first, follow, scheme, intent) in chats {
        let a = ask(addr, &json!({ "question": first })).await.json();
        let session = a["session"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {a}"));
        assert!(session.len() >= 16, "{session}");
        assert_eq!(ids(&a)[0], scheme, "{a}");
        let f = ask(addr, &json!({ "question": follow, "session": session }))
            .await
            .json();
        assert_eq!(f["session"], session, "the session is kept");
        assert_eq!(f["follow_up"], true, "{first} → {follow}: {f}");
        assert_eq!(ids(&f), [scheme], "{f}");
        assert_eq!(f["intents"][0], intent, "{f}");
        sessions.push(session.to_owned());
    }
    assert_ne!(
        sessions[0], sessions[1],
        "each conversation gets its own session"
    );

    // A session the server never issued (or one that expired) starts afresh; a malformed
    // one is refused.
    let fresh = ask(
        addr,
        &json!({"question": "how much?", "session": "never-issued-1"}),
    )
    .await
    .json();
    assert_eq!(fresh["follow_up"], false, "{fresh}");
    let bad = ask(
        addr,
        &json!({"question": "how much?", "session": "no spaces allowed"}),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.json()["code"], "bad_request");

    // A question with no answer goes to the gaps log, with no session id.
    let none = ask(
        addr,
        &json!({"question": "How do I renew my driving licence?"}),
    )
    .await
    .json();
    assert_eq!(none["confidence"], "none", "{none}");
    drop(bot);
    let out = std::process::Command::new(BIN)
        .args(["gaps", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("driving licence"), "{stdout}");
    assert!(!stdout.contains(&sessions[0]), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schemes_list_filters_by_category_status_and_applicant() {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let (_bot, addr) = start(&fake, data.path(), &[]).await;
    let get = |path: &'static str| async move {
        let r = call(addr, "GET", path, &[], b"").await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.json().as_array().unwrap().clone()
    };
    let all = get("/api/v1/schemes").await;
    let talent = get("/api/v1/schemes?category=talent").await;
    assert!(!talent.is_empty() && talent.len() < all.len());
    assert!(talent.iter().all(|s| s["category"] == "talent"));
    let open = get("/api/v1/schemes?open=true").await;
    let not_open = get("/api/v1/schemes?open=false").await;
    assert!(open.iter().all(|s| s["status"] == "open"));
    assert!(not_open.iter().all(|s| s["status"] != "open"));
    assert_eq!(open.len() + not_open.len(), all.len());
    let open_talent = get("/api/v1/schemes?category=talent&open=true").await;
    assert!(open_talent.len() <= talent.len().min(open.len()));
    assert!(
        open_talent
            .iter()
            .all(|s| s["category"] == "talent" && s["status"] == "open")
    );
    let individual = get("/api/v1/schemes?applicant=individual").await;
    assert!(!individual.is_empty() && individual.len() < all.len());
    // TVP is for companies, not individuals.
    assert!(individual.iter().all(|s| s["id"] != "tvp"));
    for bad in [
        "/api/v1/schemes?category=nope",
        "/api/v1/schemes?open=yes",
        "/api/v1/schemes?applicant=dragon",
        "/api/v1/schemes?colour=blue",
    ] {
        let r = call(addr, "GET", bad, &[], b"").await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.json()["code"], "bad_request", "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemebot_api_serves_without_a_token_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let api = BotProcess::spawn(api_command(data.path(), &[]));
    let addr = listening(&api).await;
    let a = ask(addr, &json!({"question": "科技券點樣申請？"})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = a.json();
    assert_eq!(ids(&a)[0], "tvp", "{a}");
    let session = a["session"].as_str().unwrap().to_owned();
    let f = ask(addr, &json!({"question": "幾多錢？", "session": session}))
        .await
        .json();
    assert_eq!(ids(&f), ["tvp"], "{f}");
    let health = call(addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(health.json()["status"], "ok");
    let metrics = call(addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(metrics.status, 200);
    let page = call(addr, "GET", "/", &[], b"").await;
    assert_eq!(page.status, 200);
    let (status, log) = api.terminate().await;
    assert!(status.success(), "{status:?}\n{log}");
    assert!(!log.contains("TELOXIDE"), "no token was asked for: {log}");

    // Without --listen there is nothing to serve: a configuration error (78).
    let out = std::process::Command::new(BIN)
        .args(["--corpus"])
        .arg(corpus_dir())
        .arg("--index")
        .arg(index_dir())
        .args(["api", "--data-dir"])
        .arg(data.path())
        .env_remove("SCHEMEBOT_LISTEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
}

/// What is wrong, the request's headers and body, and the status expected.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, u16);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_json_error_never_a_crash() {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let (mut bot, addr) = start(&fake, data.path(), &[]).await;
    let json_type = [("Content-Type", "application/json")];
    let long = "a".repeat(2_001);
    let cases: Vec<Case> = vec![
        (
            "invalid JSON",
            json_type.to_vec(),
            b"{\"question\": ".to_vec(),
            400,
        ),
        (
            "no question",
            json_type.to_vec(),
            b"{\"lang\": \"en\"}".to_vec(),
            400,
        ),
        (
            "empty question",
            json_type.to_vec(),
            br#"{"question": "  "}"#.to_vec(),
            400,
        ),
        (
            "question not a string",
            json_type.to_vec(),
            br#"{"question": 7}"#.to_vec(),
            400,
        ),
        (
            "question over 2,000 bytes",
            json_type.to_vec(),
            json!({ "question": long }).to_string().into_bytes(),
            400,
        ),
        (
            "unknown language",
            json_type.to_vec(),
            br#"{"question": "TVP", "lang": "fr"}"#.to_vec(),
            400,
        ),
        (
            "bad context",
            json_type.to_vec(),
            br#"{"question": "TVP", "context": {"schemes": "tvp"}}"#.to_vec(),
            400,
        ),
        (
            "no content type",
            vec![],
            br#"{"question": "TVP"}"#.to_vec(),
            415,
        ),
        (
            "form body",
            vec![("Content-Type", "application/x-www-form-urlencoded")],
            b"question=TVP".to_vec(),
            415,
        ),
        (
            "body over 16 KiB",
            json_type.to_vec(),
            json!({ "question": "TVP", "pad": "x".repeat(17 * 1024) })
                .to_string()
                .into_bytes(),
            413,
        ),
    ];
    for (what, headers, body, status) in cases {
        let r = call(addr, "POST", "/api/v1/ask", &headers, &body).await;
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert!(
            r.json()["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {}",
            r.body
        );
        let code = match status {
            400 => "bad_request",
            413 => "payload_too_large",
            415 => "unsupported_media_type",
            other => panic!("{what}: unexpected status {other}"),
        };
        assert_eq!(r.json()["code"], code, "{what}: {}", r.body);
    }
    // A wrong method is a JSON error too.
    let r = call(addr, "GET", "/api/v1/ask", &[], b"").await;
    assert_eq!(r.status, 405);
    assert!(r.json()["error"].is_string());
    assert_eq!(r.json()["code"], "method_not_allowed");
    assert!(bot.is_running(), "the bot survived: {}", bot.log());
    assert!(!bot.log().contains("panicked"), "{}", bot.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answers_429_with_retry_after() {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let (_bot, addr) = start(&fake, data.path(), &[("SCHEMEBOT_API_RATE", "3")]).await;
    for _ in 0..3 {
        assert_eq!(
            call(addr, "GET", "/api/v1/schemes", &[], b"").await.status,
            200
        );
    }
    let r = ask(addr, &json!({"question": "TVP"})).await;
    assert_eq!(r.status, 429, "{}", r.body);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(r.json()["error"].is_string());
    assert_eq!(r.json()["code"], "rate_limited");
    // Health and metrics are not rate limited.
    assert_eq!(call(addr, "GET", "/healthz", &[], b"").await.status, 200);
}

async fn preflight(addr: SocketAddr, origin: &str) -> Response {
    call(
        addr,
        "OPTIONS",
        "/api/v1/ask",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        b"",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_only_the_configured_origins() {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let (_bot, addr) = start(
        &fake,
        data.path(),
        &[("SCHEMEBOT_API_CORS_ORIGINS", "https://www.example.org")],
    )
    .await;
    let allowed = preflight(addr, "https://www.example.org").await;
    assert!(allowed.status < 300, "{}", allowed.status);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://www.example.org")
    );
    assert!(
        allowed
            .header("access-control-allow-methods")
            .is_some_and(|m| m.contains("POST"))
    );
    let refused = preflight(addr, "https://evil.example").await;
    assert_eq!(refused.header("access-control-allow-origin"), None);

    // An actual cross-origin request from the allowed origin carries the header too.
    let r = call(
        addr,
        "POST",
        "/api/v1/ask",
        &[
            ("Content-Type", "application/json"),
            ("Origin", "https://www.example.org"),
        ],
        br#"{"question": "TVP"}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://www.example.org")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_no_origin_is_allowed_and_the_documents_are_served() {
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let (_bot, addr) = start(&fake, data.path(), &[]).await;
    let r = call(
        addr,
        "OPTIONS",
        "/api/v1/ask",
        &[
            ("Origin", "https://www.example.org"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), None);

    let doc = call(addr, "GET", "/api/v1/openapi.json", &[], b"").await;
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    for path in ["/api/v1/ask", "/api/v1/schemes", "/api/v1/schemes/{id}"] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["paths"]["/api/v1/ask"]["post"]["responses"]["429"].is_object());

    let page = call(addr, "GET", "/", &[], b"").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.header("content-security-policy").is_some());
    let html = &page.body;
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("\"/api/v1/ask\"") && html.contains("\"/api/v1/schemes/\""));
    assert!(html.contains("context"), "keeps the context for follow-ups");
    assert!(html.contains("繁體中文") && html.contains("English"));
    // No external resources, and replies are never assigned as markup.
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("src=") && !html.contains("<link"));
    assert!(!html.contains("innerHTML") && !html.contains("outerHTML"));
    assert!(html.contains("DOMParser"));
}

#[test]
fn the_api_settings_are_shown_and_checked() {
    let out = std::process::Command::new(BIN)
        .args([
            "config",
            "--api-cors-origins",
            "https://a.example,https://b.example",
        ])
        .env_remove("SCHEMEBOT_CONFIG")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("api_cors_origins = [\"https://a.example\", \"https://b.example\"]"),
        "{text}"
    );
    assert!(text.contains("api_rate = 60"), "{text}");
    assert!(text.contains("api_timeout_secs = 10"), "{text}");
}
