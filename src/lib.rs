//! schemebot answers questions about Hong Kong innovation & technology schemes.
//!
//! Reading order: [`corpus`] (the ground truth) → [`text`] (normalising and tokenising) →
//! [`search`] (the tantivy index and ranking) → [`answer`] (the one question-answering entry
//! point) → [`ui`] (every screen, as Telegram HTML and plain text) → [`cli`] (the command line).
//! See ARCHITECTURE.md for the bird's-eye view and the invariants.

pub mod answer;
pub mod api;
pub mod bot;
pub mod changes;
pub mod check;
pub mod cli;
pub mod corpus;
pub mod date;
pub mod exit;
pub mod metrics;
pub mod notify;
pub mod search;
pub mod settings;
pub mod store;
pub mod text;
pub mod ui;

/// The process's allocator: jemalloc rather than the system's. A profile of warm questions put
/// ~16% of the time in glibc's malloc and free, most of it tantivy building a query's scorers;
/// see BENCHMARKS.md for what the switch changed (mimalloc, tried too, was as fast but raised
/// the peak memory of `ask` by 46 MB).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
