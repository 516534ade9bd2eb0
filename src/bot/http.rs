//! The bot's HTTP listener (`--listen`): `GET /healthz` and `GET /metrics`, merged with
//! teloxide's webhook route in webhook mode.
//!
//! Health: 200 when an index is loaded, the store and data folder are writable and no part of
//! the bot has stopped (the delivery worker stops when it cannot record deliveries), else 503,
//! each with a short JSON body saying why. Metrics: the Prometheus text format from
//! [`crate::metrics`], with the outbox depth, subscribers and corpus version read at scrape time.

use std::sync::Arc;

use axum::Router;
use axum::extract::State as Extract;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use serde_json::json;

use super::State;
use crate::metrics;
use crate::search::fingerprint;

/// The health and metrics routes.
pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(state)
}

async fn healthz(Extract(state): Extract<Arc<State>>) -> impl IntoResponse {
    // A part that stopped (or a write that failed) is the most useful reason: report it first.
    let checked = match state.problem() {
        Some(problem) => Err(problem),
        None => {
            let st = Arc::clone(&state);
            tokio::task::spawn_blocking(move || {
                st.store
                    .check_writable()
                    .map_err(|e| format!("the database is not writable: {e}"))?;
                probe_dir(&st.data_dir).map_err(|e| format!("the data folder is not writable: {e}"))
            })
            .await
            .unwrap_or_else(|e| Err(format!("the health check failed: {e}")))
        }
    };
    let engine = state.engine();
    let schemes = engine.corpus().schemes.len();
    match checked {
        Ok(()) if schemes > 0 => (
            StatusCode::OK,
            Json(
                json!({"status": "ok", "schemes": schemes, "corpus": fingerprint(engine.corpus())}),
            ),
        ),
        Ok(()) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "reason": "no index is loaded"})),
        ),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "reason": reason})),
        ),
    }
}

/// Creates and removes a file in the data folder (a disk remounted read-only, or a folder
/// whose permissions changed, fails here before it fails a subscriber).
fn probe_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let probe = dir.join(".healthz-probe");
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(&probe)
}

async fn metrics_text(Extract(state): Extract<Arc<State>>) -> impl IntoResponse {
    let st = Arc::clone(&state);
    let counts = tokio::task::spawn_blocking(move || {
        let pending = st.store.outbox_counts().map(|c| c.pending).unwrap_or(0);
        let subscribers = st
            .store
            .active_subscriber_chats()
            .map(|c| c.len())
            .unwrap_or(0);
        (pending, subscribers)
    })
    .await
    .unwrap_or((0, 0));
    let engine = state.engine();
    let m = metrics::global();
    m.set_state(
        counts.0,
        counts.1,
        engine.corpus().schemes.len(),
        &fingerprint(engine.corpus()),
    );
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        m.encode(),
    )
}
