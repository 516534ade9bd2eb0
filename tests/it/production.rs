//! Production concerns end to end: webhook mode with its secret header, `/healthz` both ways,
//! `/metrics` in the Prometheus text format moving with traffic, configuration precedence and
//! unknown keys, JSON logs without secrets, and an unwritable data folder refused at start-up.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::engine::corpus_dir;
use crate::support::fake_api::{self as tg, FakeApi};
use crate::support::harness::*;
use crate::support::http::{request, sample};

/// The address the bot's HTTP listener bound (it is started with `--listen 127.0.0.1:0`, so no
/// two tests can race for a port).
pub(crate) async fn listening(bot: &BotProcess) -> SocketAddr {
    let log = bot.wait_log(|l| l.contains("HTTP listener ready")).await;
    let line = log
        .lines()
        .find(|l| l.contains("HTTP listener ready"))
        .unwrap();
    let addr = line
        .split("addr=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    addr.parse().unwrap_or_else(|e| panic!("{addr:?}: {e}"))
}

/// One request to the bot's listener, retrying the connection until the bot listens.
pub(crate) async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        match request(addr, method, path, headers, body).await {
            Ok(r) => return r,
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "requesting {addr}: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

const BIN: &str = env!("CARGO_BIN_EXE_schemebot");

fn serve(fake: &FakeApi, data: &Path, extra: &[&str], envs: &[(&str, &str)]) -> BotProcess {
    let mut cmd = serve_with(&corpus_dir(), index_dir(), data, Some(fake.url()), extra);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    BotProcess::spawn(cmd)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_checks_the_secret_and_cleans_up() {
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let url = format!("https://bot.example.org/tg/{}", "hook");
    let bot = serve(
        &fake,
        data.path(),
        &["--webhook-url", &url, "--listen", "127.0.0.1:0"],
        &[("SCHEMEBOT_WEBHOOK_SECRET", "s3cret_TOKEN-1")],
    );
    let calls = fake
        .wait_for(|c| c.iter().any(|c| c.is("setwebhook")), STEP)
        .await;
    let set = calls.iter().find(|c| c.is("setwebhook")).unwrap();
    assert_eq!(set.body["url"], url.as_str());
    assert_eq!(set.body["secret_token"], "s3cret_TOKEN-1");
    let addr = listening(&bot).await;
    assert!(
        !calls.iter().any(|c| c.is("getupdates")),
        "no long polling in webhook mode"
    );

    let mut update = tg::text(901, "technology voucher");
    update["update_id"] = serde_json::json!(5001);
    let update = update.to_string();
    let json = [("Content-Type", "application/json")];
    // Without the header, and with a wrong one: 401 and nothing handled.
    let (status, _) = http(addr, "POST", "/tg/hook", &json, &update).await;
    assert_eq!(status, 401);
    let wrong = [
        ("Content-Type", "application/json"),
        ("X-Telegram-Bot-Api-Secret-Token", "nope"),
    ];
    let (status, _) = http(addr, "POST", "/tg/hook", &wrong, &update).await;
    assert_eq!(status, 401);
    // With the right one: handled and answered.
    let right = [
        ("Content-Type", "application/json"),
        ("X-Telegram-Bot-Api-Secret-Token", "s3cret_TOKEN-1"),
    ];
    let (status, _) = http(addr, "POST", "/tg/hook", &right, &update).await;
    assert_eq!(status, 200);
    let answer = reply(&fake, 901).await;
    assert!(
        answer.text().contains("Technology Voucher Programme"),
        "{}",
        answer.text()
    );
    // The rejected requests were not handled: exactly one reply.
    assert_eq!(replies(&fake, 901, 1).await.len(), 1);

    // The health endpoint is served on the same listener.
    let (status, body) = http(addr, "GET", "/healthz", &[], "").await;
    assert_eq!(status, 200, "{body}");

    let (status, log) = bot.terminate().await;
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        fake.calls().iter().any(|c| c.is("deletewebhook")),
        "a clean stop deletes the webhook"
    );
    assert!(
        !log.contains("s3cret_TOKEN-1"),
        "the secret is never logged"
    );
    assert!(!log.contains(tg::TOKEN), "the token is never logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_reports_a_data_folder_that_stops_being_writable() {
    index_dir();
    let fake = FakeApi::start().await;
    let real = tempfile::tempdir().unwrap();
    let holder = tempfile::tempdir().unwrap();
    // The data folder is reached through a link, so the test can pull it away from under the
    // running bot as a disk remounted read-only would.
    let link = holder.path().join("data");
    std::os::unix::fs::symlink(real.path(), &link).unwrap();
    let bot = serve(&fake, &link, &["--listen", "127.0.0.1:0"], &[]);
    let addr = listening(&bot).await;
    bot.wait_log(|l| l.contains("polling for updates")).await;

    let (status, body) = http(addr, "GET", "/healthz", &[], "").await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["schemes"], 32);

    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("/proc/self/fdinfo", &link).unwrap();
    let (status, body) = http(addr, "GET", "/healthz", &[], "").await;
    assert_eq!(status, 503, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "unavailable");
    // The database, reached through the same link, is noticed first as no longer the file
    // that was opened.
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.contains("data folder") || reason.contains("deleted or replaced"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text_and_move_with_traffic() {
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let bot = serve(&fake, data.path(), &["--listen", "127.0.0.1:0"], &[]);
    let addr = listening(&bot).await;
    bot.wait_log(|l| l.contains("polling for updates")).await;

    let (status, before) = http(addr, "GET", "/metrics", &[], "").await;
    assert_eq!(status, 200);
    // Every line is a comment, a sample `name{labels} number`, or the OpenMetrics end marker.
    for line in before.lines() {
        let ok = line.starts_with("# ")
            || line == "# EOF"
            || line.rsplit_once(' ').is_some_and(|(name, v)| {
                name.starts_with("schemebot_") && v.parse::<f64>().is_ok()
            });
        assert!(ok, "not Prometheus text: {line:?}");
    }
    assert_eq!(sample(&before, "schemebot_corpus_schemes"), Some(32.0));
    assert!(
        before.contains("schemebot_corpus_info{version=\"v"),
        "{before}"
    );
    let messages_before =
        sample(&before, "schemebot_updates_total{kind=\"message\"}").unwrap_or(0.0);

    fake.push_update(tg::text(951, "TechTAS 點樣申請？"));
    fake.push_update(tg::text(952, "what's the weather tomorrow"));
    reply(&fake, 951).await;
    reply(&fake, 952).await;
    // The reply's duration is recorded just after Telegram (the fake) accepts it, so the
    // fake can see a reply a moment before the metric moves: wait for it, within a bound.
    let mut after = String::new();
    for _ in 0..50 {
        after = http(addr, "GET", "/metrics", &[], "").await.1;
        if sample(&after, "schemebot_reply_duration_seconds_count").unwrap_or(0.0) >= 2.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        sample(&after, "schemebot_updates_total{kind=\"message\"}"),
        Some(messages_before + 2.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "schemebot_answers_total{outcome=\"match\"}"),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "schemebot_answers_total{outcome=\"no_match\"}"),
        Some(1.0),
        "{after}"
    );
    // The latency is recorded when the send returns, a moment after the fake has the reply.
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        let (_, now) = http(addr, "GET", "/metrics", &[], "").await;
        if sample(&now, "schemebot_reply_duration_seconds_count").unwrap_or(0.0) >= 2.0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{now}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn config_command(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn configuration_precedence_is_flags_then_environment_then_file_then_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "data_dir = \"/from/file\"\nnotify_rate = 20\nremind_days = 3\nadmins = [7]\nlisten = \"127.0.0.1:9000\"\n").unwrap();
    let path = file.to_str().unwrap();

    let out = config_command(&["--config", path, "config"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "data_dir = \"/from/file\"",
        "notify_rate = 20",
        "remind_days = 3",
        "admins = [7]",
        "listen = \"127.0.0.1:9000\"",
        "flood_limit = \"8/10s\"",
    ] {
        assert!(
            text.contains(line),
            "file values over defaults: {line}\n{text}"
        );
    }

    let out = config_command(
        &["--config", path, "config"],
        &[
            ("SCHEMEBOT_DATA_DIR", "/from/env"),
            ("SCHEMEBOT_ADMINS", "8,9"),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("data_dir = \"/from/env\""),
        "environment over file\n{text}"
    );
    assert!(text.contains("admins = [8, 9]"), "{text}");
    assert!(text.contains("notify_rate = 20"), "{text}");

    let out = config_command(
        &[
            "--config",
            path,
            "config",
            "--data-dir",
            "/from/flag",
            "--notify-rate",
            "5",
        ],
        &[("SCHEMEBOT_DATA_DIR", "/from/env")],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("data_dir = \"/from/flag\"") && text.contains("notify_rate = 5"),
        "flags over everything\n{text}"
    );

    // The config file can come from the environment too, and its secret is never printed.
    std::fs::write(&file, "webhook_secret = \"hidden_value\"\n").unwrap();
    let out = config_command(&["config"], &[("SCHEMEBOT_CONFIG", path)]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hidden_value"));
}

#[test]
fn an_unknown_configuration_key_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "notify_rate = 20\nnotfy_rate = 30\n").unwrap();
    let out = config_command(&["--config", file.to_str().unwrap(), "config"], &[]);
    assert_eq!(out.status.code(), Some(78), "a configuration error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml:2") && err.contains("notfy_rate"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_json_lines_without_secrets() {
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(["--log-format", "json", "--corpus"])
        .arg(corpus_dir())
        .arg("--index")
        .arg(index_dir())
        .args(["serve", "--data-dir"])
        .arg(data.path())
        .env_clear()
        .env("TELOXIDE_TOKEN", tg::TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("RUST_LOG", "schemebot=debug");
    let bot = BotProcess::spawn(cmd);
    fake.push_update(tg::text(961, "TVP"));
    reply(&fake, 961).await;
    let (status, log) = bot.terminate().await;
    assert_eq!(status.code(), Some(0));
    assert!(log.lines().count() > 3);
    for line in log.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
    }
    assert!(!log.contains(tg::TOKEN));
}

#[test]
fn an_unwritable_data_folder_is_a_clear_error_at_start_up() {
    // /proc refuses new files even to root: a stand-in for a read-only volume.
    let out = Command::new(BIN)
        .arg("--corpus")
        .arg(corpus_dir())
        .arg("--index")
        .arg(index_dir())
        .args(["serve", "--data-dir", "/proc/self/schemebot-data"])
        .env_clear()
        .env("TELOXIDE_TOKEN", tg::TOKEN)
        .env("TELOXIDE_API_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(73), "cannot create the data folder");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/proc/self/schemebot-data") && err.contains("database"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn telegram_unreachable_exits_69_and_the_unit_does_not_restart_configuration_errors() {
    let data = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 (discard): getMe fails at once.
    let out = serve_command(Some("http://127.0.0.1:9"), data.path(), &[])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(69), "{err}");
    assert!(err.contains("getMe"), "{err}");
    let unit = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/schemebot.service"),
    )
    .unwrap();
    assert!(unit.contains("RestartPreventExitStatus=64 65 73 78"));
    assert!(unit.contains("LimitNOFILE="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_capped_and_closed() {
    // 13.5: five times more idle connections than the cap; /healthz is still answered (idle
    // ones are closed and the rest wait in the backlog, using no file).
    use tokio::io::AsyncReadExt;
    index_dir();
    let fake = FakeApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let bot = serve(
        &fake,
        data.path(),
        &["--listen", "127.0.0.1:0"],
        &[
            ("SCHEMEBOT_HTTP_MAX_CONNECTIONS", "4"),
            ("SCHEMEBOT_HTTP_IDLE_SECS", "1"),
        ],
    );
    let addr = listening(&bot).await;
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    let (status, body) = http(addr, "GET", "/healthz", &[], "").await;
    assert_eq!(status, 200, "{body}");
    // The first ones were served, left idle, and closed by the bot.
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(STEP, idle[0].read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "{closed:?}");
    let (status, _) = bot.terminate().await;
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_webhook_path_the_listener_serves_itself_is_refused_before_starting() {
    for url in [
        "https://bot.example.org/",
        "https://bot.example.org/healthz",
        "https://bot.example.org/api/v1/ask",
    ] {
        let out = config_command(
            &["serve", "--webhook-url", url, "--listen", "127.0.0.1:0"],
            &[("TELOXIDE_TOKEN", "1:not-a-real-token")],
        );
        assert_eq!(out.status.code(), Some(78), "{url}: a configuration error");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--webhook-url") && err.contains("path of its own"),
            "{url}: {err}"
        );
    }
}
