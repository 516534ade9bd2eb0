//! Settings through the real binary: each layer (defaults < file < environment < flags) winning
//! over the one before with `schemebot config` saying where each value came from, errors that
//! name the key and its source with exit status 78, unknown and secret keys refused in the
//! file, secrets never printed, and the commands other than `serve` reading the same settings.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::engine::corpus_dir;
use crate::support::harness::BIN;

/// `schemebot ARGS` with only `PATH` and `envs` in its environment.
fn schemebot(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The line `schemebot config` prints for `key`.
fn line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no {key} in\n{text}"))
}

/// A configuration error: status 78 and one line on standard error, which it returns.
fn config_error(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(78), "a configuration error: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn each_layer_wins_over_the_one_before_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schemebot.toml");
    std::fs::write(&file, "# comment\nremind_days = 3\napi_rate = 90\n").unwrap();
    let path = file.to_str().unwrap();

    let out = schemebot(&["config"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        line(&stdout(&out), "remind_days"),
        "remind_days = 7  # default"
    );

    let out = schemebot(&["--config", path, "config"], &[]);
    let text = stdout(&out);
    assert_eq!(
        line(&text, "remind_days"),
        format!("remind_days = 3  # {path}:2")
    );
    assert!(
        text.contains(&format!("# configuration file: {path}")),
        "{text}"
    );

    let env = [("SCHEMEBOT_REMIND_DAYS", "5"), ("SCHEMEBOT_CONFIG", path)];
    let out = schemebot(&["config"], &env);
    let text = stdout(&out);
    assert_eq!(
        line(&text, "remind_days"),
        "remind_days = 5  # SCHEMEBOT_REMIND_DAYS"
    );
    assert_eq!(
        line(&text, "api_rate"),
        format!("api_rate = 90  # {path}:3")
    );

    let out = schemebot(&["config", "--remind-days", "9"], &env);
    let text = stdout(&out);
    assert_eq!(
        line(&text, "remind_days"),
        "remind_days = 9  # --remind-days"
    );
    assert_eq!(
        line(&text, "api_rate"),
        format!("api_rate = 90  # {path}:3")
    );
}

#[test]
fn a_value_out_of_range_names_the_key_and_its_source() {
    let out = schemebot(&["config"], &[("SCHEMEBOT_NOTIFY_IN_FLIGHT", "65")]);
    assert_eq!(
        config_error(&out).trim_end(),
        "schemebot: notify_in_flight from SCHEMEBOT_NOTIFY_IN_FLIGHT: 65 is not from 1 to 64"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schemebot.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nhttp_idle_secs = 0\n").unwrap();
    let path = file.to_str().unwrap();
    let out = schemebot(&["--config", path, "config"], &[]);
    assert_eq!(
        config_error(&out).trim_end(),
        format!("schemebot: http_idle_secs from {path}:2: 0 is not from 1 to 3600")
    );

    let out = schemebot(&["config", "--api-rate", "0"], &[]);
    assert!(
        config_error(&out).starts_with("schemebot: api_rate from --api-rate: 0 is not from"),
        "{}",
        stderr(&out)
    );
    // Every command reads the same settings, so every command refuses them.
    let out = schemebot(&["index"], &[("SCHEMEBOT_INTAKE_QUEUE", "none")]);
    assert!(
        config_error(&out).starts_with("schemebot: intake_queue from SCHEMEBOT_INTAKE_QUEUE: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_webhook_without_a_listener_is_refused() {
    let out = schemebot(
        &["serve", "--webhook-url", "https://bot.example.org/tg"],
        &[("TELOXIDE_TOKEN", "1:not-a-real-token")],
    );
    let err = config_error(&out);
    assert!(
        err.starts_with("schemebot: webhook_url from --webhook-url: a webhook needs `listen`"),
        "{err}"
    );
}

#[test]
fn unknown_keys_and_the_token_are_refused_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schemebot.toml");
    let path = file.to_str().unwrap();
    std::fs::write(&file, "api_rate = 90\nintake_queu = 3\n").unwrap();
    let err = config_error(&schemebot(&["--config", path, "config"], &[]));
    assert!(
        err.contains(&format!("{path}:2: unknown key `intake_queu`")),
        "{err}"
    );
    std::fs::write(&file, "token = \"123:file-secret\"\n").unwrap();
    let err = config_error(&schemebot(&["--config", path, "config"], &[]));
    assert!(
        err.contains("`token` is not read from a file") && err.contains("TELOXIDE_TOKEN"),
        "{err}"
    );
    assert!(!err.contains("file-secret"), "{err}");
}

#[test]
fn config_prints_every_key_with_the_secrets_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schemebot.toml");
    std::fs::write(&file, "webhook_secret = \"from_the_file\"\n").unwrap();
    let path = file.to_str().unwrap();
    let out = schemebot(
        &["--config", path, "config"],
        &[("TELOXIDE_TOKEN", "123456:the-bot-token")],
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !text.contains("the-bot-token") && !text.contains("from_the_file"),
        "{text}"
    );
    assert_eq!(
        line(&text, "webhook_secret"),
        format!("webhook_secret = \"(set)\"  # {path}:1")
    );
    assert!(
        text.contains("# token = \"(set)\"  # TELOXIDE_TOKEN"),
        "{text}"
    );
    let out = schemebot(&["config"], &[]);
    let text = stdout(&out);
    assert!(text.contains("# token = \"(unset)\""), "{text}");
    assert_eq!(
        line(&text, "webhook_secret"),
        "webhook_secret = \"(unset)\"  # default"
    );
    for key in [
        "corpus",
        "index",
        "log_format",
        "data_dir",
        "flood_limit",
        "notify_rate",
        "notify_chat_interval_ms",
        "notify_in_flight",
        "remind_days",
        "admins",
        "webhook_url",
        "listen",
        "api_cors_origins",
        "api_rate",
        "api_timeout_secs",
        "http_max_connections",
        "http_idle_secs",
        "intake_queue",
        "api_url",
    ] {
        line(&text, key);
    }
}

#[test]
fn ask_and_index_read_the_corpus_and_index_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let file = dir.path().join("schemebot.toml");
    let toml_path = |p: &Path| p.to_str().unwrap().replace('\\', "\\\\");
    std::fs::write(
        &file,
        format!(
            "corpus = \"{}\"\nindex = \"{}\"\n",
            toml_path(&corpus_dir()),
            toml_path(&index)
        ),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = schemebot(&["--config", path, "index"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(index.join("current").exists(), "{}", stdout(&out));
    let out = schemebot(&["ask", "--json", "TVP"], &[("SCHEMEBOT_CONFIG", path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["results"][0]["id"], "tvp", "{v}");
}

#[test]
fn the_readme_table_names_every_key_its_variable_and_its_flag() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for key in schemebot::settings::KEYS {
        let name = if key.file {
            format!("`{}`", key.name)
        } else {
            "(not a file key)".to_owned()
        };
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {name} | `{}`", key.env)))
            .unwrap_or_else(|| panic!("README's configuration table has no row for {}", key.name));
        let flag = format!("`--{}", key.name.replace('_', "-"));
        assert_eq!(row.contains(&flag), key.flag, "{row}");
    }
}
