//! The `schemebot` binary: parses the command line and the optional configuration file, sets up
//! logging to standard error (text or JSON), runs the command and turns an error into a one-line
//! message and exit status 2.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use schemebot::cli::{Cli, LogFormat};
use schemebot::config::{FileConfig, apply};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let result = Cli::from_arg_matches(&matches)
        .map_err(anyhow::Error::from)
        .and_then(|mut cli| {
            let file = match &cli.config {
                Some(path) => {
                    let file = FileConfig::load(path)?;
                    apply(&mut cli, &matches, &file)?;
                    Some(file)
                }
                None => None,
            };
            Ok((cli, file))
        });
    let (cli, file) = match result {
        Ok(parsed) => parsed,
        Err(e) => return fail(&e),
    };
    init_logging(cli.log_format);
    match schemebot::cli::run(cli, file) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`schemebot ask ... | head`) is not an error worth reporting.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            fail(&e)
        }
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("schemebot: {e:#}");
    ExitCode::from(2)
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("schemebot=info,warn"));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
}
