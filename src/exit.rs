//! Exit statuses, from BSD's `sysexits.h`, so a supervisor can tell a mistake that a restart
//! will not fix (usage, bad data, configuration, a data folder it cannot create) from one that
//! it may (Telegram unreachable, an internal error). `main` maps every error through
//! [`status_of`]; the README lists the codes and the systemd unit does not restart on
//! 64, 65, 73 and 78.
//!
//! Errors are classified where they arise, with [`tag`] (configuration, Telegram unreachable),
//! or by their type anywhere in the error chain (a corpus that does not validate, a database
//! that is not ours, a folder that cannot be written, a command-line error).

use std::fmt;

use crate::corpus::CorpusError;
use crate::store::StoreError;

/// `EX_USAGE`: the command line was wrong.
pub const USAGE: u8 = 64;
/// `EX_DATAERR`: the corpus or the database is not valid.
pub const DATA: u8 = 65;
/// `EX_UNAVAILABLE`: Telegram or the PostgreSQL server could not be reached or refused the bot.
pub const UNAVAILABLE: u8 = 69;
/// `EX_SOFTWARE`: anything else (an internal error); worth a restart.
pub const SOFTWARE: u8 = 70;
/// `EX_CANTCREAT`: the data (or index) folder or the database cannot be created or written.
pub const CANT_CREATE: u8 = 73;
/// `EX_CONFIG`: the configuration (file, environment, token) is wrong.
pub const CONFIG: u8 = 78;

/// An error marked with the exit status it deserves. Its `Display` is the wrapped error's
/// whole chain, so the one-line message is unchanged.
#[derive(Debug)]
pub struct Tagged {
    status: u8,
    error: anyhow::Error,
}

impl fmt::Display for Tagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for Tagged {}

/// Marks `error` with exit status `status`.
#[must_use]
pub fn tag(status: u8, error: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(Tagged {
        status,
        error: error.into(),
    })
}

/// The exit status for an error: its tag if it has one, else by the types in its chain, else
/// [`SOFTWARE`].
#[must_use]
pub fn status_of(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if let Some(t) = cause.downcast_ref::<Tagged>() {
            return t.status;
        }
        if cause.downcast_ref::<CorpusError>().is_some() {
            return DATA;
        }
        if cause.downcast_ref::<clap::Error>().is_some() {
            return USAGE;
        }
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return match e {
                StoreError::CreateDir { .. }
                | StoreError::ReadOnly { .. }
                | StoreError::NotEmpty { .. } => CANT_CREATE,
                StoreError::Sql { .. } => SOFTWARE,
                // A database server that cannot be reached or refuses us may be back soon.
                StoreError::Postgres { .. } => UNAVAILABLE,
                _ => DATA,
            };
        }
    }
    SOFTWARE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_survive_context_and_keep_the_message() {
        let e = tag(CONFIG, anyhow::anyhow!("TELOXIDE_TOKEN is not set"));
        let e = e.context("starting");
        assert_eq!(status_of(&e), CONFIG);
        assert_eq!(format!("{e:#}"), "starting: TELOXIDE_TOKEN is not set");
        assert_eq!(status_of(&anyhow::anyhow!("something")), SOFTWARE);
    }
}
