//! Shared test helpers.

pub mod engine;
