//! The user interface, as values: every screen a person reads (scheme cards and their
//! sections, lists, compare cards, `/match`, small talk, notices, subscriptions, admin screens,
//! help), in English, Traditional or Simplified Chinese, as a [`Reply`] of Telegram HTML parts,
//! the same text as plain text (for the CLI and the API), and buttons whose actions are typed
//! ([`action`]) and carry the language to answer in.
//!
//! The fixed wording comes from the message catalogues (`i18n`, `locales/*.ftl`); scheme
//! facts come from the corpus.
//!
//! Pure: no IO, no teloxide. The bot turns a [`Reply`] into Bot API calls at its send boundary
//! (formatting each button's [`CallbackData`] there, and parsing it back when pressed); the CLI
//! prints the plain text; the HTTP API returns both.

pub mod action;
mod admin;
mod brief;
mod card;
mod chat;
mod compare;
mod feedback;
mod help;
pub(crate) mod i18n;
mod list;
pub(crate) mod matching;
mod notice;
mod reply;
mod subscriptions;

pub use action::{Action, CallbackData, MatchStep};
pub use admin::*;
pub use brief::{MAX_BRIEF_CHARS_EN, MAX_BRIEF_CHARS_ZH, Section, brief, budget};
pub use card::*;
pub use chat::small_talk;
pub use compare::compare;
pub use feedback::*;
pub use help::*;
pub use list::*;
pub use matching::{match_need, match_result, match_who};
pub use notice::*;
pub(crate) use reply::Para;
pub use reply::{Button, MAX_CALLBACK_BYTES, MAX_MESSAGE_UNITS, Reply, escape, strip_html};
pub use subscriptions::*;
