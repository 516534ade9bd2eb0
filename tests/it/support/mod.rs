//! Shared test helpers.

pub mod engine;
pub mod telegram;
pub mod fake_api;
pub mod harness;
