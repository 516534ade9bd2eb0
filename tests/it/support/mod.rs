//! Shared test helpers.

pub mod engine;
pub mod fake_api;
pub mod harness;
pub mod http;
pub mod telegram;
