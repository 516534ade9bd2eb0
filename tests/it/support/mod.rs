//! Shared test helpers.

pub mod engine;
pub mod telegram;
