//! Settings in one place: every value `schemebot` is configured with, resolved once at start-up
//! with figment from four layers — built-in defaults < the optional TOML file (`--config` or
//! `SCHEMEBOT_CONFIG`) < environment variables < command-line flags — and validated once
//! (ranges, URL shapes, the listen address, a webhook needing a listener, the token's shape).
//! Every error names the key and where its value came from: `file:line`, the environment
//! variable or the flag. [`Settings`] is what every command reads; no other module reads an
//! environment variable for a setting (logging's `RUST_LOG` aside).
//!
//! Each key has one row in [`KEYS`]: its file key (the field of [`Settings`]), its environment
//! variable, and whether it has a flag (`--` and the key with `-` for `_`). clap only collects
//! the flags the user gave ([`Flags`]); the defaults live here, in `Settings::default`.
//!
//! Secrets: the bot token is read only from `TELOXIDE_TOKEN` (a file key `token` is refused);
//! the token and the webhook secret are [`Secret`]s, whose `Debug` hides them, which errors
//! never quote, and which [`Settings::describe`] prints as "(set)" or "(unset)".

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::bot::FloodLimit;

/// One setting's names.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// The file key, which is also the field of [`Settings`].
    pub name: &'static str,
    /// Its environment variable.
    pub env: &'static str,
    /// Whether it has a command-line flag (`--` and `name` with `-` for `_`).
    pub flag: bool,
    /// Whether the configuration file may set it (not the bot token).
    pub file: bool,
}

const fn key(name: &'static str, env: &'static str, flag: bool) -> Key {
    Key {
        name,
        env,
        flag,
        file: true,
    }
}

/// Every setting, in the order `schemebot config` prints them.
pub const KEYS: &[Key] = &[
    key("corpus", "SCHEMEBOT_CORPUS", true),
    key("index", "SCHEMEBOT_INDEX", true),
    key("log_format", "SCHEMEBOT_LOG_FORMAT", true),
    key("data_dir", "SCHEMEBOT_DATA_DIR", true),
    key("database", "SCHEMEBOT_DATABASE_URL", true),
    key("flood_limit", "SCHEMEBOT_FLOOD_LIMIT", true),
    key("notify_rate", "SCHEMEBOT_NOTIFY_RATE", true),
    key(
        "notify_chat_interval_ms",
        "SCHEMEBOT_NOTIFY_CHAT_INTERVAL_MS",
        true,
    ),
    key("notify_in_flight", "SCHEMEBOT_NOTIFY_IN_FLIGHT", true),
    key("remind_days", "SCHEMEBOT_REMIND_DAYS", true),
    key("admins", "SCHEMEBOT_ADMINS", false),
    key("webhook_url", "SCHEMEBOT_WEBHOOK_URL", true),
    key("listen", "SCHEMEBOT_LISTEN", true),
    key("webhook_secret", "SCHEMEBOT_WEBHOOK_SECRET", false),
    key("api_cors_origins", "SCHEMEBOT_API_CORS_ORIGINS", true),
    key("api_rate", "SCHEMEBOT_API_RATE", true),
    key("api_timeout_secs", "SCHEMEBOT_API_TIMEOUT_SECS", true),
    key(
        "http_max_connections",
        "SCHEMEBOT_HTTP_MAX_CONNECTIONS",
        true,
    ),
    key("http_idle_secs", "SCHEMEBOT_HTTP_IDLE_SECS", true),
    key("intake_queue", "SCHEMEBOT_INTAKE_QUEUE", true),
    key("api_url", "TELOXIDE_API_URL", false),
    Key {
        name: "token",
        env: "TELOXIDE_TOKEN",
        flag: false,
        file: false,
    },
];

/// The environment variable naming the configuration file (the flag is `--config`).
pub const CONFIG_ENV: &str = "SCHEMEBOT_CONFIG";

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// For people.
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<LogFormat, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unknown log format {other:?}: use text or json")),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

/// A secret (the bot token, the webhook secret): its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that sends it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Every setting, resolved and validated. Paths are as given (relative to the working folder).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The folder of scheme files.
    pub corpus: PathBuf,
    /// The folder of the search index (derived from the corpus).
    pub index: PathBuf,
    /// How logs are written on standard error.
    #[serde(deserialize_with = "parsed")]
    pub log_format: LogFormat,
    /// The bot's data folder (its SQLite database, unless `database` names another).
    pub data_dir: PathBuf,
    /// The shared database: a `postgres://user:password@host:port/db` URL, or `sqlite:PATH`;
    /// `None`: the SQLite file `schemebot.db` in `data_dir`. Shown without its password.
    #[serde(deserialize_with = "database")]
    pub database: Option<String>,
    /// The per-chat flood limit.
    #[serde(deserialize_with = "parsed")]
    pub flood_limit: FloodLimit,
    /// Messages sent per second at most, over all chats (1 to 1000).
    pub notify_rate: u32,
    /// The pace of messages to one private chat, in milliseconds (at most an hour).
    pub notify_chat_interval_ms: u64,
    /// Notices on their way at once (1 to 64).
    pub notify_in_flight: u16,
    /// Days before a deadline its subscribers are reminded (0 to 365).
    pub remind_days: u16,
    /// Telegram user ids allowed to use the admin commands.
    #[serde(deserialize_with = "list")]
    pub admins: Vec<u64>,
    /// The public URL Telegram posts updates to; `None`: long polling.
    #[serde(deserialize_with = "optional")]
    pub webhook_url: Option<url::Url>,
    /// Where to serve HTTP (health, metrics, the API, the webhook); `None`: nowhere.
    #[serde(deserialize_with = "optional")]
    pub listen: Option<SocketAddr>,
    /// The secret Telegram sends with each webhook call; `None`: generated at start-up.
    #[serde(deserialize_with = "webhook_secret")]
    pub webhook_secret: Option<Secret>,
    /// Origins allowed to call the HTTP API from a browser (`*`: any).
    #[serde(deserialize_with = "list")]
    pub api_cors_origins: Vec<String>,
    /// HTTP API requests a minute per client IP (1 to 100000).
    pub api_rate: u32,
    /// Seconds an HTTP API request may take (1 to 300).
    pub api_timeout_secs: u64,
    /// Connections the HTTP listener serves at once (1 to 100000).
    pub http_max_connections: usize,
    /// Seconds an idle HTTP connection is kept (1 to 3600).
    pub http_idle_secs: u64,
    /// Updates admitted and not yet handled, at most (1 to 100000).
    pub intake_queue: usize,
    /// The Bot API's base URL (a local Bot API server, or a fake one in tests); `None`:
    /// Telegram's.
    #[serde(deserialize_with = "api_url")]
    pub api_url: Option<url::Url>,
    /// The bot token (`TELOXIDE_TOKEN` only); `serve` requires it.
    #[serde(deserialize_with = "token")]
    pub token: Option<Secret>,
    /// The configuration file read, if any.
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// Where each value not left at its default came from, by key.
    #[serde(skip)]
    origins: BTreeMap<String, String>,
}

impl Default for Settings {
    fn default() -> Settings {
        let http = crate::bot::HttpLimits::default();
        let rates = crate::notify::Rates::default();
        let api = crate::api::Settings::default();
        Settings {
            corpus: PathBuf::from("corpus"),
            index: PathBuf::from("index"),
            log_format: LogFormat::Text,
            data_dir: PathBuf::from("data"),
            database: None,
            flood_limit: FloodLimit::default(),
            notify_rate: rates.per_second,
            notify_chat_interval_ms: u64::try_from(rates.per_chat_interval.as_millis())
                .unwrap_or(u64::MAX),
            notify_in_flight: u16::try_from(rates.in_flight).unwrap_or(1),
            remind_days: 7,
            admins: Vec::new(),
            webhook_url: None,
            listen: None,
            webhook_secret: None,
            api_cors_origins: api.cors_origins,
            api_rate: api.per_minute,
            api_timeout_secs: api.timeout.as_secs(),
            http_max_connections: http.max_connections,
            http_idle_secs: http.idle.as_secs(),
            intake_queue: crate::bot::DEFAULT_INTAKE_QUEUE,
            api_url: None,
            token: None,
            file: None,
            origins: BTreeMap::new(),
        }
    }
}

/// The command-line side of the settings: the configuration file flag and the setting flags the
/// user gave, by key (clap fills it; it has no defaults and reads no environment).
#[derive(Debug, Default)]
pub struct Flags {
    /// `--config`.
    pub config: Option<PathBuf>,
    values: Dict,
}

impl Flags {
    /// Adds the flags in a clap struct whose fields are named after keys; a field the user did
    /// not give is `None` and adds nothing.
    pub fn add(&mut self, flags: &impl Serialize) -> anyhow::Result<()> {
        let value = Value::serialize(flags)?;
        for (k, v) in value.into_dict().unwrap_or_default() {
            anyhow::ensure!(
                KEYS.iter().any(|key| key.flag && key.name == k),
                "--{} is not a setting flag",
                k.replace('_', "-")
            );
            if !matches!(v, Value::Empty(..)) {
                self.values.insert(k, v);
            }
        }
        Ok(())
    }
}

/// Resolves the settings from the defaults, the configuration file, the process environment
/// and `flags`. Errors are tagged with the configuration exit status (78).
pub fn resolve(flags: &Flags) -> anyhow::Result<Settings> {
    let names: Vec<&str> = KEYS.iter().map(|k| k.env).collect();
    let env: Vec<(String, String)> = figment::providers::Env::raw()
        .lowercase(false)
        .only(&names)
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_uppercase(), v))
        .chain(figment::providers::Env::var(CONFIG_ENV).map(|v| (CONFIG_ENV.to_owned(), v)))
        .collect();
    resolve_from(flags, &env).map_err(|e| crate::exit::tag(crate::exit::CONFIG, e))
}

/// [`resolve`] over the environment variables `env` (name, value) instead of the process's.
pub fn resolve_from(flags: &Flags, env: &[(String, String)]) -> anyhow::Result<Settings> {
    let var = |name: &str| {
        env.iter()
            .rev()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
    };
    let file = flags
        .config
        .clone()
        .or_else(|| var(CONFIG_ENV).map(PathBuf::from));
    let mut figment = Figment::new();
    if let Some(path) = &file {
        figment = figment.merge(file_layer(path)?);
    }
    let mut from_env = Dict::new();
    for key in KEYS {
        if let Some(v) = var(key.env) {
            from_env.insert(key.name.to_owned(), Value::from(v));
        }
    }
    let figment = figment
        .merge(Layer {
            metadata: Metadata::named("environment").interpolater(|_: &Profile, k: &[&str]| {
                let name = k.first().copied().unwrap_or_default();
                KEYS.iter()
                    .find(|key| key.name == name)
                    .map_or_else(|| name.to_uppercase(), |key| key.env.to_owned())
            }),
            dict: from_env,
        })
        .merge(Layer {
            metadata: Metadata::named("flag").interpolater(|_: &Profile, k: &[&str]| {
                format!(
                    "--{}",
                    k.first().copied().unwrap_or_default().replace('_', "-")
                )
            }),
            dict: flags.values.clone(),
        });
    let origin = |key: &str| {
        figment
            .find_metadata(key)
            .map(|m| m.interpolate(&Profile::Default, &[key]))
    };
    let mut settings: Settings = figment.extract_lossy().map_err(|e| {
        let messages: Vec<String> = e
            .into_iter()
            .map(|e| {
                let key = e.path.first().cloned().unwrap_or_default();
                let from = e
                    .metadata
                    .as_ref()
                    .map(|m| m.interpolate(&Profile::Default, &[key.as_str()]));
                match from {
                    Some(from) => format!("{key} from {from}: {}", e.kind),
                    None => format!("{key}: {}", e.kind),
                }
            })
            .collect();
        anyhow::anyhow!("{}", messages.join("; "))
    })?;
    settings.file = file;
    for key in KEYS {
        if let Some(from) = origin(key.name) {
            settings.origins.insert(key.name.to_owned(), from);
        }
    }
    settings.validate()?;
    Ok(settings)
}

/// One layer of values with the metadata that names where they came from.
struct Layer {
    metadata: Metadata,
    dict: Dict,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// The line of `text` that sets `key` at the top level, if one does.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            let rest = line
                .strip_prefix(key)
                .or_else(|| line.strip_prefix(&format!("\"{key}\"")));
            rest.is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// Reads the configuration file: TOML, known keys only (never the token), each value's origin
/// `path:line`.
fn file_layer(path: &Path) -> anyhow::Result<Layer> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading the configuration file {}: {e}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let at = line.map_or_else(String::new, |l| format!(":{l}"));
        anyhow::anyhow!("{}{at}: {}", path.display(), e.message().trim_end())
    })?;
    let at = |k: &str| {
        line_of(&text, k).map_or_else(
            || path.display().to_string(),
            |l| format!("{}:{l}", path.display()),
        )
    };
    for k in table.keys() {
        match KEYS.iter().find(|key| key.name == k) {
            Some(key) if key.file => {}
            Some(key) => anyhow::bail!(
                "{}: `{k}` is not read from a file (a secret kept out of files): set {} in the \
                 environment",
                at(k),
                key.env
            ),
            None => anyhow::bail!(
                "{}: unknown key `{k}` (deploy/config.example.toml lists the keys)",
                at(k)
            ),
        }
    }
    let dict = Value::serialize(&table)?.into_dict().unwrap_or_default();
    let text: Arc<str> = Arc::from(text);
    let shown = path.display().to_string();
    Ok(Layer {
        metadata: Metadata::from("configuration file", path).interpolater(
            move |_: &Profile, k: &[&str]| {
                let key = k.first().copied().unwrap_or_default();
                match line_of(&text, key) {
                    Some(l) => format!("{shown}:{l}"),
                    None => shown.clone(),
                }
            },
        ),
        dict,
    })
}

impl Settings {
    /// Where `key`'s value came from: `path:line`, an environment variable, a flag, or
    /// "default".
    #[must_use]
    pub fn origin(&self, key: &str) -> &str {
        self.origins.get(key).map_or("default", String::as_str)
    }

    /// An error about `key`, naming where its value came from.
    fn invalid(&self, key: &str, problem: impl fmt::Display) -> anyhow::Error {
        anyhow::anyhow!("{key} from {}: {problem}", self.origin(key))
    }

    /// Checks what the types alone do not: ranges, the webhook's path and listener, the CORS
    /// origins.
    fn validate(&mut self) -> anyhow::Result<()> {
        fn within<T: PartialOrd + fmt::Display>(
            s: &Settings,
            key: &str,
            v: T,
            lo: T,
            hi: T,
        ) -> anyhow::Result<()> {
            if v < lo || v > hi {
                return Err(s.invalid(key, format!("{v} is not from {lo} to {hi}")));
            }
            Ok(())
        }
        within(self, "notify_rate", self.notify_rate, 1, 1000)?;
        within(
            self,
            "notify_chat_interval_ms",
            self.notify_chat_interval_ms,
            0,
            3_600_000,
        )?;
        within(self, "notify_in_flight", self.notify_in_flight, 1, 64)?;
        within(self, "remind_days", self.remind_days, 0, 365)?;
        within(self, "api_rate", self.api_rate, 1, 100_000)?;
        within(self, "api_timeout_secs", self.api_timeout_secs, 1, 300)?;
        within(
            self,
            "http_max_connections",
            self.http_max_connections,
            1,
            100_000,
        )?;
        within(self, "http_idle_secs", self.http_idle_secs, 1, 3600)?;
        within(self, "intake_queue", self.intake_queue, 1, 100_000)?;
        if self.flood_limit.max == 0 || self.flood_limit.window.is_zero() {
            return Err(self.invalid(
                "flood_limit",
                "needs at least 1 message in at least 1 second",
            ));
        }
        if let Some(url) = &self.webhook_url {
            // The webhook shares the listener with the chat page, the API, /healthz and /metrics.
            let path = url.path();
            if ["/", "/healthz", "/metrics"].contains(&path) || path.starts_with("/api/") {
                return Err(self.invalid(
                    "webhook_url",
                    format!(
                        "the path {path:?} is the listener's own (/, /healthz, /metrics, \
                         /api/...); give the webhook a path of its own, e.g. \
                         https://example.org/tg/hook"
                    ),
                ));
            }
            if self.listen.is_none() {
                return Err(self.invalid(
                    "webhook_url",
                    "a webhook needs `listen` (--listen, SCHEMEBOT_LISTEN), the address the \
                     reverse proxy forwards to",
                ));
            }
        }
        self.api_cors_origins = self
            .api_cors_origins
            .iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        self.api()
            .validate()
            .map_err(|e| self.invalid("api_cors_origins", e))?;
        Ok(())
    }

    /// The HTTP API's settings.
    #[must_use]
    pub fn api(&self) -> crate::api::Settings {
        crate::api::Settings {
            cors_origins: self.api_cors_origins.clone(),
            per_minute: self.api_rate,
            timeout: Duration::from_secs(self.api_timeout_secs),
        }
    }

    /// How fast notices go out.
    #[must_use]
    pub fn rates(&self) -> crate::notify::Rates {
        crate::notify::Rates {
            per_second: self.notify_rate,
            per_chat_interval: Duration::from_millis(self.notify_chat_interval_ms),
            in_flight: usize::from(self.notify_in_flight),
        }
    }

    /// The HTTP listener's connection cap and idle timeout.
    #[must_use]
    pub fn http_limits(&self) -> crate::bot::HttpLimits {
        crate::bot::HttpLimits {
            max_connections: self.http_max_connections,
            idle: Duration::from_secs(self.http_idle_secs),
        }
    }

    /// Opens the store these settings name: `database`, else `schemebot.db` in `data_dir`.
    ///
    /// # Errors
    /// As [`crate::store::Store::open_setting`].
    pub fn open_store(&self) -> Result<crate::store::Store, crate::store::StoreError> {
        crate::store::Store::open_setting(
            self.database.as_deref(),
            &self.data_dir.join(crate::bot::DATABASE),
        )
    }

    /// The settings as TOML, one key a line with where its value came from; secrets are shown
    /// as "(set)" or "(unset)", the token as a comment (it is not a file key).
    #[must_use]
    pub fn describe(&self) -> String {
        let s = |v: &str| toml::Value::String(v.to_owned()).to_string();
        let path = |p: &Path| s(&p.display().to_string());
        let secret = |v: &Option<Secret>| s(if v.is_some() { "(set)" } else { "(unset)" });
        let mut out = String::from(
            "# The settings in effect: defaults < configuration file < environment < flags.\n",
        );
        match &self.file {
            Some(f) => out.push_str(&format!("# configuration file: {}\n", f.display())),
            None => out.push_str("# configuration file: none\n"),
        }
        for key in KEYS {
            let value = match key.name {
                "corpus" => path(&self.corpus),
                "index" => path(&self.index),
                "log_format" => s(&self.log_format.to_string()),
                "data_dir" => path(&self.data_dir),
                "database" => s(&self
                    .database
                    .as_deref()
                    .map_or_else(String::new, crate::store::redact)),
                "flood_limit" => s(&self.flood_limit.to_string()),
                "notify_rate" => self.notify_rate.to_string(),
                "notify_chat_interval_ms" => self.notify_chat_interval_ms.to_string(),
                "notify_in_flight" => self.notify_in_flight.to_string(),
                "remind_days" => self.remind_days.to_string(),
                "admins" => {
                    let ids: Vec<String> = self.admins.iter().map(u64::to_string).collect();
                    format!("[{}]", ids.join(", "))
                }
                "webhook_url" => s(self.webhook_url.as_ref().map_or("", url::Url::as_str)),
                "listen" => s(&self.listen.map_or_else(String::new, |a| a.to_string())),
                "webhook_secret" => secret(&self.webhook_secret),
                "api_cors_origins" => {
                    let o: Vec<String> = self.api_cors_origins.iter().map(|o| s(o)).collect();
                    format!("[{}]", o.join(", "))
                }
                "api_rate" => self.api_rate.to_string(),
                "api_timeout_secs" => self.api_timeout_secs.to_string(),
                "http_max_connections" => self.http_max_connections.to_string(),
                "http_idle_secs" => self.http_idle_secs.to_string(),
                "intake_queue" => self.intake_queue.to_string(),
                "api_url" => s(self.api_url.as_ref().map_or("", url::Url::as_str)),
                "token" => {
                    out.push_str(&format!(
                        "# token = {}  # {} (environment only)\n",
                        secret(&self.token),
                        key.env
                    ));
                    continue;
                }
                other => unreachable!("KEYS names {other}, which describe does not know"),
            };
            out.push_str(&format!(
                "{} = {value}  # {}\n",
                key.name,
                self.origin(key.name)
            ));
        }
        out
    }
}

/// A value parsed from its text (`FromStr`), e.g. a flood limit or a log format.
fn parsed<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let text = String::deserialize(d)?;
    text.trim().parse().map_err(de::Error::custom)
}

/// An optional value parsed from its text; the empty string means unset.
/// The database URL: `postgres://…`, `postgresql://…` or `sqlite:PATH`; empty means unset.
fn database<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let url: Option<String> = optional(d)?;
    match url {
        Some(url)
            if !["postgres://", "postgresql://", "sqlite:"]
                .iter()
                .any(|scheme| url.starts_with(scheme)) =>
        {
            Err(de::Error::custom(format!(
                "{}: the database must be a postgres:// URL or sqlite:PATH",
                crate::store::redact(&url)
            )))
        }
        url => Ok(url),
    }
}

fn optional<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let text = String::deserialize(d)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|e| de::Error::custom(format!("{text:?}: {e}")))
}

/// The Bot API's base URL: http(s), no trailing slash (teloxide appends path segments, and
/// `//bot<token>/...` would fail).
fn api_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<url::Url>, D::Error> {
    let text = String::deserialize(d)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let url = url::Url::parse(text.trim_end_matches('/'))
        .map_err(|e| de::Error::custom(format!("{text:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(de::Error::custom(format!(
            "{text:?} must be an http(s) URL"
        )));
    }
    Ok(Some(url))
}

/// A list: an array in the file, comma-separated text in the environment.
fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Deserialize<'de>,
    T::Err: fmt::Display,
{
    struct List<T>(PhantomData<T>);
    impl<'de, T> Visitor<'de> for List<T>
    where
        T: FromStr + Deserialize<'de>,
        T::Err: fmt::Display,
    {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list, or comma-separated values")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Vec<T>, E> {
            s.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| {
                    item.parse()
                        .map_err(|e| E::custom(format!("{item:?}: {e}")))
                })
                .collect()
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }
    }
    d.deserialize_any(List(PhantomData))
}

/// A secret's text, refusing other types without quoting the value.
fn secret_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Text;
    impl Visitor<'_> for Text {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
            Ok(s.trim().to_owned())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<String, E> {
            Err(E::custom("must be a string"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<String, E> {
            Err(E::custom("must be a string"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<String, E> {
            Err(E::custom("must be a string"))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<String, E> {
            Err(E::custom("must be a string"))
        }
    }
    d.deserialize_any(Text)
}

/// The webhook secret: 1 to 256 characters of `A-Z a-z 0-9 _ -` (Telegram's rule); empty
/// means unset (one is generated at start-up).
fn webhook_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let text = secret_text(d)?;
    if text.is_empty() {
        return Ok(None);
    }
    let ok = text.len() <= 256
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return Err(de::Error::custom(
            "the webhook secret must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -",
        ));
    }
    Ok(Some(Secret(text)))
}

/// The bot token: `<bot id>:<secret>`; empty means unset.
fn token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let text = secret_text(d)?;
    if text.is_empty() {
        return Ok(None);
    }
    let ok = text.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !secret.is_empty()
    }) && !text.chars().any(|c| c.is_whitespace() || c == '/');
    if !ok {
        return Err(de::Error::custom(
            "does not look like a bot token (expected <bot id>:<secret>)",
        ));
    }
    Ok(Some(Secret(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn flags(file: Option<&Path>, values: serde_json::Value) -> Flags {
        let mut flags = Flags {
            config: file.map(Path::to_path_buf),
            ..Flags::default()
        };
        flags.add(&values).unwrap();
        flags
    }

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schemebot.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn error(flags: &Flags, vars: &[(&str, &str)]) -> String {
        format!("{:#}", resolve_from(flags, &env(vars)).unwrap_err())
    }

    #[test]
    fn nothing_given_is_the_defaults() {
        let s = resolve_from(&Flags::default(), &[]).unwrap();
        assert_eq!(s.notify_rate, 30);
        assert_eq!(s.data_dir, PathBuf::from("data"));
        assert_eq!(s.intake_queue, crate::bot::DEFAULT_INTAKE_QUEUE);
        assert_eq!(s.origin("notify_rate"), "default");
        assert!(s.token.is_none() && s.file.is_none());
    }

    #[test]
    fn each_layer_wins_over_the_one_before() {
        let (_dir, path) = file("notify_rate = 20\nremind_days = 3\napi_rate = 90\n");
        let none = serde_json::json!({});
        let s = resolve_from(&flags(Some(&path), none.clone()), &[]).unwrap();
        assert_eq!((s.notify_rate, s.remind_days), (20, 3));
        assert_eq!(s.origin("remind_days"), format!("{}:2", path.display()));

        let vars = env(&[
            ("SCHEMEBOT_NOTIFY_RATE", "25"),
            ("SCHEMEBOT_API_RATE", "70"),
        ]);
        let s = resolve_from(&flags(Some(&path), none), &vars).unwrap();
        assert_eq!((s.notify_rate, s.remind_days, s.api_rate), (25, 3, 70));
        assert_eq!(s.origin("notify_rate"), "SCHEMEBOT_NOTIFY_RATE");

        let given = serde_json::json!({"notify_rate": 5});
        let s = resolve_from(&flags(Some(&path), given), &vars).unwrap();
        assert_eq!((s.notify_rate, s.api_rate), (5, 70));
        assert_eq!(s.origin("notify_rate"), "--notify-rate");
    }

    #[test]
    fn the_file_can_be_named_in_the_environment() {
        let (_dir, path) = file("data_dir = \"/srv/bot\"\n");
        let vars = [(CONFIG_ENV, path.to_str().unwrap())];
        let s = resolve_from(&Flags::default(), &env(&vars)).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/srv/bot"));
        assert_eq!(s.file.as_deref(), Some(path.as_path()));
    }

    #[test]
    fn a_value_out_of_range_names_the_key_and_where_it_came_from() {
        let (_dir, path) = file("api_rate = 60\nnotify_in_flight = 65\n");
        let e = error(&flags(Some(&path), serde_json::json!({})), &[]);
        assert_eq!(
            e,
            format!(
                "notify_in_flight from {}:2: 65 is not from 1 to 64",
                path.display()
            )
        );
        let e = error(&Flags::default(), &[("SCHEMEBOT_INTAKE_QUEUE", "0")]);
        assert_eq!(
            e,
            "intake_queue from SCHEMEBOT_INTAKE_QUEUE: 0 is not from 1 to 100000"
        );
        let e = error(
            &flags(None, serde_json::json!({"api_timeout_secs": 301})),
            &[],
        );
        assert_eq!(
            e,
            "api_timeout_secs from --api-timeout-secs: 301 is not from 1 to 300"
        );
        let e = error(&Flags::default(), &[("SCHEMEBOT_NOTIFY_RATE", "many")]);
        assert!(
            e.starts_with("notify_rate from SCHEMEBOT_NOTIFY_RATE: "),
            "{e}"
        );
    }

    #[test]
    fn shapes_are_checked_where_they_are_read() {
        for (var, value, key) in [
            ("SCHEMEBOT_LISTEN", "localhost", "listen"),
            ("SCHEMEBOT_WEBHOOK_URL", "not a url", "webhook_url"),
            ("TELOXIDE_API_URL", "ftp://example.org", "api_url"),
            ("SCHEMEBOT_FLOOD_LIMIT", "8 per 10s", "flood_limit"),
            ("SCHEMEBOT_FLOOD_LIMIT", "0/10s", "flood_limit"),
            ("SCHEMEBOT_LOG_FORMAT", "xml", "log_format"),
            ("SCHEMEBOT_ADMINS", "1, two", "admins"),
            (
                "SCHEMEBOT_API_CORS_ORIGINS",
                "example.org",
                "api_cors_origins",
            ),
        ] {
            let e = error(&Flags::default(), &[(var, value)]);
            assert!(e.starts_with(&format!("{key} from {var}: ")), "{e}");
        }
        let e = error(
            &flags(
                None,
                serde_json::json!({"webhook_url": "https://bot.example/hook"}),
            ),
            &[],
        );
        assert!(
            e.starts_with("webhook_url from --webhook-url: a webhook needs `listen`"),
            "{e}"
        );
    }

    #[test]
    fn secrets_are_checked_without_being_quoted() {
        let e = error(&Flags::default(), &[("TELOXIDE_TOKEN", "s3cr3t value")]);
        assert!(e.starts_with("token from TELOXIDE_TOKEN: "), "{e}");
        assert!(!e.contains("s3cr3t"), "{e}");
        let e = error(
            &Flags::default(),
            &[("SCHEMEBOT_WEBHOOK_SECRET", "s3cr3t!")],
        );
        assert!(!e.contains("s3cr3t"), "{e}");
        let (_dir, path) = file("webhook_secret = 1234567\n");
        let e = error(&flags(Some(&path), serde_json::json!({})), &[]);
        assert!(
            e.starts_with("webhook_secret from ") && !e.contains("1234567"),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_and_the_token_are_refused_in_the_file() {
        let (_dir, path) = file("notify_rate = 3\nnotfy_rate = 4\n");
        let e = error(&flags(Some(&path), serde_json::json!({})), &[]);
        assert!(
            e.starts_with(&format!("{}:2: unknown key `notfy_rate`", path.display())),
            "{e}"
        );
        let (_dir, path) = file("token = \"1:abc\"\n");
        let e = error(&flags(Some(&path), serde_json::json!({})), &[]);
        assert!(e.contains(":1: `token` is not read from a file"), "{e}");
        assert!(e.contains("TELOXIDE_TOKEN") && !e.contains("1:abc"), "{e}");
        let (_dir, path) = file("notify_rate = \n");
        let e = error(&flags(Some(&path), serde_json::json!({})), &[]);
        assert!(e.starts_with(&format!("{}:1: ", path.display())), "{e}");
    }

    #[test]
    fn lists_come_as_arrays_or_comma_separated_and_empty_variables_are_unset() {
        let (_dir, path) = file("admins = [7]\napi_cors_origins = [\"https://a.example\"]\n");
        let vars = [
            ("SCHEMEBOT_ADMINS", "8, 9,"),
            ("SCHEMEBOT_API_CORS_ORIGINS", ""),
        ];
        let s = resolve_from(&flags(Some(&path), serde_json::json!({})), &env(&vars)).unwrap();
        assert_eq!(s.admins, vec![8, 9]);
        assert_eq!(s.api_cors_origins, vec!["https://a.example".to_owned()]);
    }

    #[test]
    fn the_example_file_gives_every_file_key_with_its_default() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/config.example.toml");
        let text = std::fs::read_to_string(example).unwrap();
        let mut seen: Vec<&str> = Vec::new();
        let mut uncommented = String::new();
        for line in text.lines() {
            let Some((k, _)) = line.strip_prefix("# ").and_then(|l| l.split_once(" = ")) else {
                continue;
            };
            if KEYS.iter().any(|key| key.name == k) && !seen.contains(&k) {
                seen.push(k);
                uncommented.push_str(&line[2..]);
                uncommented.push('\n');
            }
        }
        for key in KEYS.iter().filter(|k| k.file) {
            assert!(seen.contains(&key.name), "the example lacks {}", key.name);
        }
        let (_dir, path) = file(&uncommented);
        let from_example = resolve_from(&flags(Some(&path), serde_json::json!({})), &[]).unwrap();
        let values = |s: &Settings| -> Vec<String> {
            s.describe()
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.split("  # ").next().unwrap_or_default().to_owned())
                .collect()
        };
        assert_eq!(values(&from_example), values(&Settings::default()));
    }

    #[test]
    fn describe_shows_every_key_and_hides_the_secrets() {
        let vars = [
            ("TELOXIDE_TOKEN", "123:very-secret"),
            ("SCHEMEBOT_WEBHOOK_SECRET", "hidden_value"),
            ("SCHEMEBOT_LISTEN", "127.0.0.1:8080"),
        ];
        let s = resolve_from(&Flags::default(), &env(&vars)).unwrap();
        let text = s.describe();
        assert!(!text.contains("very-secret") && !text.contains("hidden_value"));
        assert!(!format!("{s:?}").contains("very-secret"));
        assert!(text.contains("webhook_secret = \"(set)\"  # SCHEMEBOT_WEBHOOK_SECRET"));
        assert!(text.contains("# token = \"(set)\"  # TELOXIDE_TOKEN"));
        assert!(text.contains("listen = \"127.0.0.1:8080\"  # SCHEMEBOT_LISTEN"));
        for key in KEYS {
            assert!(text.contains(&format!("{} = ", key.name)), "{}", key.name);
        }
        // Without the comments, what it prints (the token aside) is a configuration file.
        let table: toml::Table = toml::from_str(&text).unwrap();
        assert!(table.keys().all(|k| KEYS.iter().any(|key| key.name == k)));
    }
}
