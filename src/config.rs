//! The optional configuration file (`--config`, env `SCHEMEBOT_CONFIG`): TOML whose keys mirror
//! the command-line flags and environment variables. Precedence is flags > environment > file >
//! built-in defaults; clap resolves the first two and the defaults, and [`apply`] fills in from
//! the file every value clap took from its default. Unknown keys are refused with the key named,
//! so a typo never silently falls back to a default.
//!
//! Secrets: the bot token is never a key (only `TELOXIDE_TOKEN`); the webhook secret may be
//! given here or in `SCHEMEBOT_WEBHOOK_SECRET`, and is never printed.

use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;

use crate::cli::{Cli, Command};

/// The file's keys, all optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub corpus: Option<PathBuf>,
    pub index: Option<PathBuf>,
    pub log_format: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub flood_limit: Option<String>,
    pub notify_rate: Option<u32>,
    pub notify_chat_interval_ms: Option<u64>,
    pub notify_in_flight: Option<u16>,
    pub remind_days: Option<u16>,
    pub admins: Option<Vec<u64>>,
    pub webhook_url: Option<String>,
    pub listen: Option<String>,
    pub webhook_secret: Option<String>,
    pub api_cors_origins: Option<Vec<String>>,
    pub api_rate: Option<u32>,
    pub api_timeout_secs: Option<u64>,
}

impl FileConfig {
    /// Parses a configuration file's text; errors name the line and the key.
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<FileConfig> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let at = line.map_or_else(String::new, |l| format!(":{l}"));
            anyhow::anyhow!("{}{at}: {}", path.display(), e.message().trim_end())
        })
    }

    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("reading the configuration file {}: {e}", path.display())
        })?;
        FileConfig::parse(&text, path)
    }
}

/// Whether clap took `id` from its default (or it was not given at all).
fn unset(m: &ArgMatches, id: &str) -> bool {
    matches!(m.value_source(id), None | Some(ValueSource::DefaultValue))
}

/// Fills every setting clap took from its default with the file's value, if the file has one.
pub fn apply(cli: &mut Cli, m: &ArgMatches, file: &FileConfig) -> anyhow::Result<()> {
    if let Some(v) = &file.corpus
        && unset(m, "corpus")
    {
        cli.corpus.clone_from(v);
    }
    if let Some(v) = &file.index
        && unset(m, "index")
    {
        cli.index.clone_from(v);
    }
    if let Some(v) = &file.log_format
        && unset(m, "log_format")
    {
        cli.log_format = v
            .parse()
            .map_err(|e: String| anyhow::anyhow!("log_format: {e}"))?;
    }
    let (name, sub) = match m.subcommand() {
        Some((name, sub)) => (name, sub),
        None => return Ok(()),
    };
    match (&mut cli.command, name) {
        (Command::Serve(args) | Command::Config(args), _) => {
            if let Some(v) = &file.data_dir
                && unset(sub, "data_dir")
            {
                args.data_dir.clone_from(v);
            }
            if let Some(v) = &file.flood_limit
                && unset(sub, "flood_limit")
            {
                args.flood_limit = v.parse().map_err(|e| anyhow::anyhow!("flood_limit: {e}"))?;
            }
            if let Some(v) = file.notify_rate
                && unset(sub, "notify_rate")
            {
                anyhow::ensure!(
                    (1..=1000).contains(&v),
                    "notify_rate: {v} is not from 1 to 1000"
                );
                args.notify_rate = v;
            }
            if let Some(v) = file.notify_chat_interval_ms
                && unset(sub, "notify_chat_interval_ms")
            {
                args.notify_chat_interval_ms = v;
            }
            if let Some(v) = file.notify_in_flight
                && unset(sub, "notify_in_flight")
            {
                anyhow::ensure!(
                    (1..=64).contains(&v),
                    "notify_in_flight: {v} is not from 1 to 64"
                );
                args.notify_in_flight = v;
            }
            if let Some(v) = file.remind_days
                && unset(sub, "remind_days")
            {
                args.remind_days = v;
            }
            if let Some(v) = &file.webhook_url
                && unset(sub, "webhook_url")
                && !v.is_empty()
            {
                args.webhook_url =
                    Some(v.parse().map_err(|e| anyhow::anyhow!("webhook_url: {e}"))?);
            }
            if let Some(v) = &file.listen
                && unset(sub, "listen")
                && !v.is_empty()
            {
                args.listen = Some(v.parse().map_err(|e| anyhow::anyhow!("listen: {e}"))?);
            }
            if let Some(v) = &file.api_cors_origins
                && unset(sub, "api_cors_origins")
            {
                args.api_cors_origins.clone_from(v);
            }
            if let Some(v) = file.api_rate
                && unset(sub, "api_rate")
            {
                anyhow::ensure!(
                    (1..=100_000).contains(&v),
                    "api_rate: {v} is not from 1 to 100000"
                );
                args.api_rate = v;
            }
            if let Some(v) = file.api_timeout_secs
                && unset(sub, "api_timeout_secs")
            {
                anyhow::ensure!(
                    (1..=300).contains(&v),
                    "api_timeout_secs: {v} is not from 1 to 300"
                );
                args.api_timeout_secs = v;
            }
        }
        (Command::Publish(args), _) => {
            if let Some(v) = &file.data_dir
                && unset(sub, "data_dir")
            {
                args.data_dir.clone_from(v);
            }
            if let Some(v) = file.remind_days
                && unset(sub, "remind_days")
            {
                args.remind_days = v;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_parses() {
        let text = r#"
corpus = "/app/corpus"
index = "/var/lib/schemebot/index"
log_format = "json"
data_dir = "/var/lib/schemebot"
flood_limit = "8/10s"
notify_rate = 25
notify_chat_interval_ms = 1000
remind_days = 5
admins = [1, 2]
webhook_url = "https://bot.example/hook"
listen = "0.0.0.0:8080"
webhook_secret = "abc"
api_cors_origins = ["https://www.example.org"]
api_rate = 120
api_timeout_secs = 5
"#;
        let c = FileConfig::parse(text, Path::new("c.toml")).unwrap();
        assert_eq!(c.notify_rate, Some(25));
        assert_eq!(c.admins, Some(vec![1, 2]));
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let e = FileConfig::parse("notify_rate = 3\nnotfy_rate = 4\n", Path::new("c.toml"))
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("c.toml:2") && msg.contains("notfy_rate"),
            "{msg}"
        );
    }
}
