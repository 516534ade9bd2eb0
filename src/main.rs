//! The `schemebot` binary: parses the command line, resolves the settings ([`schemebot::settings`]:
//! defaults, the optional configuration file, the environment, the flags), sets up
//! logging to standard error (text or JSON), runs the command and turns an error into a one-line
//! message and an exit status from `sysexits.h` ([`schemebot::exit`]: 64 usage, 65 bad corpus
//! or data, 69 Telegram unreachable, 70 internal error, 73 cannot create the data folder, 78
//! configuration), chosen on purpose so that a supervisor does not restart what a restart
//! cannot fix.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use schemebot::cli::Cli;
use schemebot::exit;
use schemebot::settings::LogFormat;

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        // --help and --version are "errors" that print to stdout and succeed.
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(exit::USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = Cli::from_arg_matches(&matches)
        .map_err(anyhow::Error::from)
        .and_then(|cli| {
            let flags = cli.flags()?;
            let settings = schemebot::settings::resolve(&flags)?;
            Ok((cli, settings))
        });
    let (cli, settings) = match result {
        Ok(resolved) => resolved,
        Err(e) => return fail(&e),
    };
    init_logging(settings.log_format);
    match schemebot::cli::run(cli, settings) {
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
    ExitCode::from(exit::status_of(e))
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
