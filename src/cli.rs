//! The command line: argument definitions (clap derive; doc comments are the help text) and the
//! glue that runs each subcommand. Business logic lives in the library modules; this file only
//! parses, calls and prints.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::answer::{DEFAULT_LIMIT, Remember, answer_in};
use crate::corpus::Corpus;
use crate::search::{Engine, Provenance, build};
use crate::text::Lang;
use crate::ui::{render, render_full};

/// Answers questions about Hong Kong innovation & technology schemes, on the command line or as
/// a Telegram bot.
#[derive(Debug, Parser)]
#[command(name = "schemebot", version)]
pub struct Cli {
    /// The folder of scheme files.
    #[arg(
        long,
        global = true,
        env = "SCHEMEBOT_CORPUS",
        default_value = "corpus"
    )]
    pub corpus: PathBuf,
    /// The folder holding the search index (derived from the corpus; rebuilt when stale).
    #[arg(long, global = true, env = "SCHEMEBOT_INDEX", default_value = "index")]
    pub index: PathBuf,
    /// A TOML configuration file whose keys mirror these flags (flags and environment variables
    /// win over it); see deploy/config.example.toml.
    #[arg(long, global = true, env = "SCHEMEBOT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format on standard error: text (for people) or json (for log collectors).
    #[arg(
        long,
        global = true,
        env = "SCHEMEBOT_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<LogFormat, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unknown log format {other:?}: use text or json")),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Builds the search index from the corpus.
    Index,
    /// Answers a question, or each line of standard input when no question is given.
    Ask(AskArgs),
    /// Runs the Telegram bot until SIGTERM or Ctrl-C: long polling, or a webhook with
    /// --webhook-url. The token comes from TELOXIDE_TOKEN, the Bot API URL from TELOXIDE_API_URL
    /// when set. SIGHUP reloads the corpus.
    Serve(ServeArgs),
    /// Prints the settings `serve` would use (flags > environment > config file > defaults),
    /// without secrets, and exits.
    Config(ServeArgs),
    /// Compares the corpus with what subscribers were last told and queues notices of the
    /// changes (and due deadline reminders) in the bot's database; the next `serve` sends them.
    /// A running `serve` does the same on SIGHUP or an admin's /reload.
    Publish(PublishArgs),
    /// Lints the corpus: prints every error and warning (stale facts, "open" schemes with a past
    /// deadline, an opening date after the deadline, impossible dates, an alias shared by two
    /// schemes, an alternative that does not exist, malformed URLs) and exits non-zero when there
    /// is an error.
    Check(CheckArgs),
    /// Lists the most frequent questions the bot could not answer (no answer, only a "did you
    /// mean", or a 👎), grouped by normalised text, with counts, the schemes offered and what
    /// people said they wanted: what to add as an alias, a question or a scheme.
    Gaps(GapsArgs),
    /// Refits the answer / suggest / no-match model (src/search/decision.rs) on the development
    /// half of a question set and writes its weights and thresholds; rebuild to use them.
    FitDecision(FitArgs),
}

#[derive(Debug, clap::Args)]
pub struct GapsArgs {
    /// The bot's data folder (where its database is).
    #[arg(long, env = "SCHEMEBOT_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Only questions of the last this many days (the log keeps 90).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u16).range(1..=90))]
    pub days: u16,
    /// At most this many groups.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub limit: u16,
}

#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The question set: group<TAB>expected<TAB>question lines (see tests/it/questions.tsv).
    #[arg(long, default_value = "tests/it/questions.tsv")]
    pub questions: PathBuf,
    /// Where to write the model.
    #[arg(long, default_value = "src/search/decision.toml")]
    pub out: PathBuf,
    /// The share of out-of-domain dev questions that may still get a "did you mean…?".
    #[arg(long, default_value_t = 0.03)]
    pub ood_slack: f32,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Facts last checked this many months ago or more are reported as stale.
    #[arg(long, default_value_t = crate::ui::STALE_MONTHS, value_parser = clap::value_parser!(i64).range(1..=120))]
    pub stale_months: i64,
    /// Print the findings but exit 0 even when there are errors.
    #[arg(long)]
    pub warn_only: bool,
    /// The date to check against (YYYY-MM-DD; default: today in Hong Kong).
    #[arg(long, value_parser = crate::date::parse_date)]
    pub today: Option<crate::date::Date>,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The folder for the bot's own data (its database: subscriptions, preferences, outbox).
    #[arg(long, env = "SCHEMEBOT_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The per-chat flood limit: at most MAX messages in SECONDS (more get one "slow down"
    /// reply, then are dropped until the chat calms down).
    #[arg(
        long,
        env = "SCHEMEBOT_FLOOD_LIMIT",
        value_name = "MAX/SECONDS",
        default_value = "8/10s"
    )]
    pub flood_limit: crate::bot::FloodLimit,
    /// Notices, reminders and broadcasts sent per second at most, over all chats.
    #[arg(long, env = "SCHEMEBOT_NOTIFY_RATE", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub notify_rate: u32,
    /// The least time between two notices to one chat, in milliseconds.
    #[arg(
        long,
        env = "SCHEMEBOT_NOTIFY_CHAT_INTERVAL_MS",
        default_value_t = 1000
    )]
    pub notify_chat_interval_ms: u64,
    /// How many notices may be on their way at once. 1 (the default) means a crash can send at
    /// most one notice twice; more keeps the rate up over a slow link (one per round trip each).
    #[arg(long, env = "SCHEMEBOT_NOTIFY_IN_FLIGHT", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub notify_in_flight: u16,
    /// Remind subscribers of a scheme this many days before its application deadline.
    #[arg(long, env = "SCHEMEBOT_REMIND_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u16).range(0..=365))]
    pub remind_days: u16,
    /// Take updates by webhook at this public HTTPS URL instead of long polling (requires
    /// --listen; the reverse proxy forwards the URL's path to it).
    #[arg(long, env = "SCHEMEBOT_WEBHOOK_URL", requires = "listen")]
    pub webhook_url: Option<url::Url>,
    /// Serve HTTP on this address: GET /healthz, GET /metrics, the HTTP API (/api/v1/...) and the
    /// chat page (/), and the webhook when --webhook-url is given.
    #[arg(long, env = "SCHEMEBOT_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,
    /// Origins allowed to call the HTTP API (/api/v1/...) from a browser, comma-separated (for
    /// example https://www.example.org; `*`: any). Default: none, so only pages served by
    /// the bot itself (/) can call it.
    #[arg(
        long,
        env = "SCHEMEBOT_API_CORS_ORIGINS",
        value_name = "ORIGIN,...",
        value_delimiter = ','
    )]
    pub api_cors_origins: Vec<String>,
    /// Requests per minute one client IP address may make to the HTTP API and the chat page (also
    /// the burst); more are answered 429 with Retry-After.
    #[arg(long, env = "SCHEMEBOT_API_RATE", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub api_rate: u32,
    /// Seconds an HTTP API request may take before it is answered 503.
    #[arg(long, env = "SCHEMEBOT_API_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub api_timeout_secs: u64,
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The bot's data folder (where its database is).
    #[arg(long, env = "SCHEMEBOT_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Remind subscribers of a scheme this many days before its application deadline.
    #[arg(long, env = "SCHEMEBOT_REMIND_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u16).range(0..=365))]
    pub remind_days: u16,
}

#[derive(Debug, clap::Args)]
pub struct AskArgs {
    /// Print one JSON object per question (JSON Lines) instead of the reply text.
    #[arg(long)]
    pub json: bool,
    /// Reply language: en, zh-hant or zh-hans (default: the question's script).
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// How many schemes an answer may name (the best match and alternatives).
    #[arg(long, default_value_t = DEFAULT_LIMIT, value_parser = parse_limit)]
    pub limit: usize,
    /// Print how each question was analysed (tokens and their roles) to standard error.
    #[arg(long)]
    pub explain: bool,
    /// Print each scheme's full card instead of the short answer a chat shows first.
    #[arg(long)]
    pub full: bool,
    /// Treat the questions on standard input as one chat: a question like "how much?" is about
    /// the scheme of the answer before it, as in the bot (the context never expires here).
    #[arg(long)]
    pub conversation: bool,
    /// The question. Without it, questions are read from standard input, one a line.
    pub question: Vec<String>,
}

fn parse_limit(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=20).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a number from 1 to 20")),
    }
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::from_code(s).ok_or_else(|| format!("unknown language {s:?}: use en, zh-hant or zh-hans"))
}

/// Runs the parsed command line; `file` is the configuration file, already applied to `cli`
/// (it also carries the settings that have no flag: admins and the webhook secret).
pub fn run(cli: Cli, file: Option<crate::config::FileConfig>) -> anyhow::Result<()> {
    match cli.command {
        Command::Index => index(&cli.corpus, &cli.index),
        Command::Check(args) => check(&cli.corpus, &args),
        Command::FitDecision(args) => fit_decision(&cli.corpus, &args),
        Command::Gaps(args) => gaps(&args),
        Command::Publish(args) => publish(&cli.corpus, &args),
        Command::Ask(args) => ask(&cli.corpus, &cli.index, &args),
        Command::Serve(args) => {
            // Configuration first: a missing token fails before the index is opened.
            let config = bot_config(args, file.as_ref())
                .map_err(|e| crate::exit::tag(crate::exit::CONFIG, e))?;
            let engine = open_engine(&cli.corpus, &cli.index)?;
            crate::bot::serve(engine, config, cli.corpus, cli.index)
        }
        Command::Config(args) => {
            print!(
                "{}",
                describe(
                    &cli.corpus,
                    &cli.index,
                    cli.log_format,
                    &args,
                    file.as_ref()
                )
            );
            Ok(())
        }
    }
}

fn gaps(args: &GapsArgs) -> anyhow::Result<()> {
    let db = args.data_dir.join(crate::bot::DATABASE);
    if !db.exists() {
        anyhow::bail!(
            "no database at {}: run `schemebot serve` (or pass --data-dir) first",
            db.display()
        );
    }
    let store = crate::store::Store::open(&db)?;
    let since = crate::bot::now_ms() - i64::from(args.days) * 24 * 60 * 60 * 1000;
    let groups = store.gaps(since, usize::from(args.limit))?;
    if groups.is_empty() {
        println!("no unanswered questions in the last {} days", args.days);
    }
    for g in &groups {
        println!("{}", crate::ui::gap_line(g, crate::text::Lang::En));
    }
    Ok(())
}

fn check(corpus_dir: &std::path::Path, args: &CheckArgs) -> anyhow::Result<()> {
    use crate::check::{Severity, check_dir};
    let today = args.today.unwrap_or_else(crate::date::today_hk_date);
    let findings = check_dir(corpus_dir, today, args.stale_months)
        .with_context(|| format!("reading the corpus folder {}", corpus_dir.display()))?;
    for f in &findings {
        println!("{f}");
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    println!(
        "{} checked: {errors} error{}, {warnings} warning{}",
        corpus_dir.display(),
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    );
    if errors > 0 && !args.warn_only {
        return Err(crate::exit::tag(
            crate::exit::DATA,
            anyhow::anyhow!("the corpus has {errors} error(s); see above"),
        ));
    }
    Ok(())
}

fn fit_decision(corpus_dir: &std::path::Path, args: &FitArgs) -> anyhow::Result<()> {
    use crate::search::decision::{Confidence, Model, is_dev};
    let corpus = Corpus::load(corpus_dir)?;
    let engine = Engine::in_memory(corpus)?;
    let set = std::fs::read_to_string(&args.questions)
        .with_context(|| format!("reading {}", args.questions.display()))?;
    let mut examples = Vec::new();
    for line in set
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [_, expected, question] = cols[..] else {
            anyhow::bail!(
                "{}: not 3 tab-separated columns: {line:?}",
                args.questions.display()
            );
        };
        if !is_dev(question) || expected.starts_with("list:") {
            continue;
        }
        if let Some((top, features)) = engine.decision_features(question) {
            let right = engine.corpus().schemes[top].id == expected;
            examples.push((features, right, expected == "none"));
        }
    }
    let model = Model::fit(&examples, args.ood_slack);
    let mut counts = std::collections::BTreeMap::new();
    for (f, right, ood) in &examples {
        let kind = match (model.decide(f), right, ood) {
            (Confidence::Answer, true, _) => "answered right",
            (Confidence::Answer, false, true) => "out of domain answered",
            (Confidence::Answer, false, false) => "answered wrong",
            (Confidence::Suggest, _, true) => "out of domain suggested",
            (Confidence::Suggest, _, false) => "in domain suggested",
            (Confidence::None, _, true) => "out of domain refused",
            (Confidence::None, _, false) => "in domain refused",
        };
        *counts.entry(kind).or_insert(0usize) += 1;
    }
    let header = format!(
        "# The answer / suggest / no-match model (src/search/decision.rs), written by\n\
         # `schemebot fit-decision` from {} ({} dev examples). Weights in the order: named, score,\n\
         # margin, coverage, unknown, evidence, elsewhere, applicant_fit, need_fit.\n",
        args.questions.display(),
        examples.len()
    );
    std::fs::write(&args.out, model.to_toml(&header))
        .with_context(|| format!("writing {}", args.out.display()))?;
    println!("wrote {}: {model:?}", args.out.display());
    for (kind, n) in counts {
        println!("  {kind}: {n}");
    }
    Ok(())
}

fn index(corpus_dir: &std::path::Path, index_dir: &std::path::Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let corpus = Corpus::load(corpus_dir)?;
    let analyzer = Engine::analyzer_for(&corpus);
    build(index_dir, &corpus, &analyzer)
        .with_context(|| format!("building the index in {}", index_dir.display()))?;
    println!(
        "indexed {} schemes from {} into {} in {} ms",
        corpus.schemes.len(),
        corpus_dir.display(),
        index_dir.display(),
        started.elapsed().as_millis()
    );
    Ok(())
}

/// The bot's settings from the resolved arguments, the environment and the config file.
fn bot_config(
    args: ServeArgs,
    file: Option<&crate::config::FileConfig>,
) -> anyhow::Result<crate::bot::Config> {
    let mut config = crate::bot::Config::from_env(args.data_dir, args.flood_limit)?;
    config.rates = crate::notify::Rates {
        per_second: args.notify_rate,
        per_chat_interval: std::time::Duration::from_millis(args.notify_chat_interval_ms),
        in_flight: usize::from(args.notify_in_flight),
    };
    config.remind_days = i64::from(args.remind_days);
    config.listen = args.listen;
    if let Some(url) = &args.webhook_url {
        // The webhook shares the listener with the chat page, the API, /healthz and /metrics.
        let path = url.path();
        let taken = ["/", "/healthz", "/metrics"].contains(&path) || path.starts_with("/api/");
        if taken {
            anyhow::bail!(
                "--webhook-url: the path {path:?} is the listener's own (/, /healthz, /metrics, \
                 /api/...); give the webhook a path of its own, e.g. https://example.org/tg/hook"
            );
        }
    }
    config.webhook_url = args.webhook_url;
    config.api = crate::api::Settings {
        cors_origins: args
            .api_cors_origins
            .iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect(),
        per_minute: args.api_rate,
        timeout: std::time::Duration::from_secs(args.api_timeout_secs),
    };
    config.api.validate()?;
    if let Some(file) = file {
        if std::env::var_os("SCHEMEBOT_ADMINS").is_none()
            && let Some(admins) = &file.admins
        {
            config.admins.clone_from(admins);
        }
        if !config.has_webhook_secret() {
            config.set_webhook_secret(file.webhook_secret.clone())?;
        }
    }
    Ok(config)
}

/// The effective settings as TOML, secrets left out.
fn describe(
    corpus: &std::path::Path,
    index: &std::path::Path,
    log_format: LogFormat,
    args: &ServeArgs,
    file: Option<&crate::config::FileConfig>,
) -> String {
    let admins: Vec<String> = match std::env::var("SCHEMEBOT_ADMINS") {
        Ok(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Err(_) => file
            .and_then(|f| f.admins.clone())
            .unwrap_or_default()
            .iter()
            .map(u64::to_string)
            .collect(),
    };
    let q = |s: &str| format!("{s:?}");
    let mut out = String::new();
    out.push_str(&format!("corpus = {}\n", q(&corpus.display().to_string())));
    out.push_str(&format!("index = {}\n", q(&index.display().to_string())));
    out.push_str(&format!(
        "log_format = {}\n",
        q(if log_format == LogFormat::Json {
            "json"
        } else {
            "text"
        })
    ));
    out.push_str(&format!(
        "data_dir = {}\n",
        q(&args.data_dir.display().to_string())
    ));
    out.push_str(&format!(
        "flood_limit = {}\n",
        q(&args.flood_limit.to_string())
    ));
    out.push_str(&format!("notify_rate = {}\n", args.notify_rate));
    out.push_str(&format!(
        "notify_chat_interval_ms = {}\n",
        args.notify_chat_interval_ms
    ));
    out.push_str(&format!("notify_in_flight = {}\n", args.notify_in_flight));
    out.push_str(&format!("remind_days = {}\n", args.remind_days));
    out.push_str(&format!("admins = [{}]\n", admins.join(", ")));
    out.push_str(&format!(
        "webhook_url = {}\n",
        q(args.webhook_url.as_ref().map_or("", url::Url::as_str))
    ));
    out.push_str(&format!(
        "listen = {}\n",
        q(&args.listen.map_or_else(String::new, |a| a.to_string()))
    ));
    let origins: Vec<String> = args.api_cors_origins.iter().map(|o| q(o)).collect();
    out.push_str(&format!("api_cors_origins = [{}]\n", origins.join(", ")));
    out.push_str(&format!("api_rate = {}\n", args.api_rate));
    out.push_str(&format!("api_timeout_secs = {}\n", args.api_timeout_secs));
    out
}

fn publish(corpus_dir: &std::path::Path, args: &PublishArgs) -> anyhow::Result<()> {
    let corpus = Corpus::load(corpus_dir)?;
    let db = args.data_dir.join(crate::bot::DATABASE);
    let store = crate::store::Store::open(&db)?;
    let now = crate::bot::now_ms();
    let published = crate::notify::publish(&store, &corpus, now)?;
    let reminders = crate::notify::queue_reminders(
        &store,
        &corpus,
        crate::date::today_hk(),
        i64::from(args.remind_days),
        now,
    )?;
    if published.first {
        println!(
            "published {} schemes as the baseline; nobody is notified of a first publish",
            corpus.schemes.len()
        );
    } else {
        println!(
            "published {} schemes: {} changed, {} notices and {reminders} reminders queued in {}",
            corpus.schemes.len(),
            published.changes,
            published.notices,
            db.display()
        );
    }
    Ok(())
}

/// Opens the engine, logging how the index was obtained.
pub fn open_engine(
    corpus_dir: &std::path::Path,
    index_dir: &std::path::Path,
) -> anyhow::Result<Engine> {
    let (engine, provenance) = Engine::open(corpus_dir, index_dir)?;
    match provenance {
        Provenance::Opened => tracing::debug!(index = %index_dir.display(), "index opened"),
        Provenance::Built(why) => {
            tracing::info!(index = %index_dir.display(), "index rebuilt: {why}")
        }
        Provenance::InMemory(why) => tracing::warn!(
            index = %index_dir.display(),
            "index kept in memory and rebuilt at every start (make the index folder writable, \
             or point --index at one that is, to keep it on disk): {why}"
        ),
    }
    Ok(engine)
}

fn ask(
    corpus_dir: &std::path::Path,
    index_dir: &std::path::Path,
    args: &AskArgs,
) -> anyhow::Result<()> {
    let engine = open_engine(corpus_dir, index_dir)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut context: Option<crate::answer::Context> = None;
    let mut one = |question: &str, out: &mut dyn Write| -> anyhow::Result<()> {
        if args.explain {
            let plan = engine.plan(question);
            let tokens: Vec<String> = plan
                .tokens
                .iter()
                .map(|t| format!("{}:{:?}", t.text, t.role))
                .collect();
            eprintln!(
                "{question}\n  tokens: {}\n  intents: {:?} categories: {:?}",
                tokens.join(" "),
                plan.intents,
                plan.categories
            );
        }
        let a = answer_in(
            &engine,
            question,
            args.lang,
            args.limit,
            context.as_ref().filter(|_| args.conversation),
        );
        match crate::answer::Context::after(&a, engine.corpus()) {
            Remember::Set(c) => context = Some(c),
            Remember::Keep => {}
            Remember::Forget => context = None,
        }
        let reply = if args.full {
            render_full(&a, engine.corpus())
        } else {
            render(&a, engine.corpus())
        };
        if args.json {
            writeln!(out, "{}", json_line(&a, &reply.plain, engine.corpus()))?;
        } else {
            writeln!(out, "{}\n", reply.plain)?;
        }
        Ok(())
    };
    if args.question.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line.context("reading standard input")?;
            if line.trim().is_empty() {
                continue;
            }
            one(&line, &mut out)?;
        }
    } else {
        one(&args.question.join(" "), &mut out)?;
    }
    out.flush()?;
    Ok(())
}

/// The `--json` record of one answer ([`crate::api::record`], which the API answers with too).
#[must_use]
pub fn json_line(a: &crate::answer::Answer, reply: &str, corpus: &Corpus) -> String {
    // Through a `Value`, so keys come out sorted as they always have.
    serde_json::to_value(crate::api::record(a, reply, corpus))
        .map(|v| v.to_string())
        .unwrap_or_default()
}
