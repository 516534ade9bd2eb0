//! The web chat page in a real headless browser: Debian's Chromium driven through
//! chromedriver (WebDriver, with the fantoccini client), against `schemebot api` serving the
//! page and the API. A question typed in English and one in Cantonese are answered, a
//! follow-up keeps the session's scheme, and a section button asks its question.
//!
//! The browser is a system package: `.ci/run` installs `chromium` and `chromium-driver` and
//! sets `SCHEMEBOT_REQUIRE_BROWSER=1`, so in CI a missing browser is a failure. Elsewhere,
//! without `/usr/bin/chromedriver`, the test says it was skipped and passes.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::production::listening;
use crate::support::harness::*;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver, killed on drop.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free loopback port (bound, then released for chromedriver to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// chromedriver on a free port and a headless Chromium session through it, or `None` when
/// the browser is not installed and not required.
async fn browser(profile: &Path) -> Option<(Driver, Client)> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("SCHEMEBOT_REQUIRE_BROWSER").is_none(),
            "SCHEMEBOT_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing \
             (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "web: skipped, Chromium is not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = free_port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=400,800",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + STEP;
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(e) if Instant::now() > deadline => panic!("no WebDriver session: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The texts of the bot's messages on the page.
async fn bot_messages(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for el in client.find_all(Locator::Css(".msg.bot")).await.unwrap() {
        out.push(el.text().await.unwrap_or_default());
    }
    out
}

/// Waits until the page shows `n` bot messages (the greeting included); returns the `n`th.
async fn nth_answer(client: &Client, n: usize) -> String {
    let deadline = Instant::now() + STEP;
    loop {
        let messages = bot_messages(client).await;
        if messages.len() >= n {
            return messages[n - 1].clone();
        }
        assert!(
            Instant::now() < deadline,
            "the page shows {} answers, expected {n}: {messages:?}",
            messages.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types `question` into the box and presses Enter, as a person would.
async fn type_question(client: &Client, question: &str) {
    let input = client.find(Locator::Id("question")).await.unwrap();
    input.click().await.unwrap();
    input
        .send_keys(&format!("{question}\u{E007}"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_page_answers_english_and_cantonese_in_a_headless_browser() {
    let profile = tempfile::tempdir().unwrap();
    let Some((_driver, client)) = browser(profile.path()).await else {
        return;
    };
    // `schemebot api`: the page and the API alone, with no Telegram token.
    let data = tempfile::tempdir().unwrap();
    let bot = BotProcess::spawn(api_command(data.path(), &[]));
    let addr: SocketAddr = listening(&bot).await;
    client.goto(&format!("http://{addr}/")).await.unwrap();

    // The form is labelled for screen readers, and the log announces new messages.
    let label = client
        .find(Locator::Css("label[for=question]"))
        .await
        .unwrap();
    let label_text = label.html(true).await.unwrap();
    assert!(
        !label_text.trim().is_empty(),
        "the question box has no label"
    );
    let log = client.find(Locator::Id("log")).await.unwrap();
    assert_eq!(
        log.attr("aria-live").await.unwrap().as_deref(),
        Some("polite")
    );

    // The page greets first; each question adds one answer after it.
    let greeting = nth_answer(&client, 1).await;
    assert!(!greeting.is_empty());
    type_question(&client, "What is the Technology Voucher Programme?").await;
    let english = nth_answer(&client, 2).await;
    assert!(english.contains("Technology Voucher"), "{english}");

    type_question(&client, "科技券點樣申請？").await;
    let cantonese = nth_answer(&client, 3).await;
    assert!(cantonese.contains("科技券"), "{cantonese}");
    assert!(cantonese.contains("申請"), "{cantonese}");

    // A follow-up without the name: the page's session remembers the scheme.
    type_question(&client, "幾多錢？").await;
    let follow = nth_answer(&client, 4).await;
    assert!(follow.contains("科技券"), "{follow}");

    // A section button under the answer asks its question; the answer comes in the same
    // language.
    let buttons = client
        .find_all(Locator::Css(".msg.bot:last-child .buttons button"))
        .await
        .unwrap();
    assert!(!buttons.is_empty(), "no section buttons: {follow}");
    buttons[0].click().await.unwrap();
    let pressed = nth_answer(&client, 5).await;
    assert!(pressed.contains("科技券"), "{pressed}");

    client.close().await.unwrap();
    drop(bot);
}
