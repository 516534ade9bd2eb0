//! The bot's HTTP listener (`--listen`): `GET /healthz` and `GET /metrics`, merged with
//! teloxide's webhook route in webhook mode.
//!
//! Every connection goes through [`Guarded`]: a cap on connections served at once and an idle
//! timeout (which also bounds how long a client may take to send its headers), so idle clients
//! cannot use up the process's file descriptors.
//!
//! Health: 200 when an index is loaded, the store and data folder are writable and no part of
//! the bot has stopped (the delivery worker stops when it cannot record deliveries), else 503,
//! each with a short JSON body saying why. Metrics: the Prometheus text format from
//! [`crate::metrics`], with the outbox depth, subscribers and corpus version read at scrape time.

use std::future::Future;
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

/// The health and metrics routes of `schemebot api` (no bot: no outbox, no subscribers).
pub(crate) fn api_only_router(
    engine: Arc<crate::search::Engine>,
    store: Arc<crate::store::Store>,
    data_dir: std::path::PathBuf,
) -> Router {
    let health = move || {
        let (engine, store, data_dir) = (Arc::clone(&engine), Arc::clone(&store), data_dir.clone());
        async move { health(&engine, store, data_dir, None).await }
    };
    let metrics_text = || async {
        (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            metrics::global().encode(),
        )
    };
    Router::new()
        .route("/healthz", get(health))
        .route("/metrics", get(metrics_text))
}

async fn healthz(Extract(state): Extract<Arc<State>>) -> impl IntoResponse {
    // A part that stopped (or a write that failed) is the most useful reason: report it first.
    let problem = state.problem();
    let engine = state.engine();
    health(
        &engine,
        Arc::clone(&state.store),
        state.data_dir.clone(),
        problem,
    )
    .await
}

/// The health answer of both listeners: 503 with `problem` when one is given, else when the
/// store or the data folder is not writable or no index is loaded; 200 otherwise.
async fn health(
    engine: &crate::search::Engine,
    store: Arc<crate::store::Store>,
    data_dir: std::path::PathBuf,
    problem: Option<String>,
) -> (StatusCode, Json<serde_json::Value>) {
    let checked = match problem {
        Some(problem) => Err(problem),
        None => tokio::task::spawn_blocking(move || {
            store
                .check_writable()
                .map_err(|e| format!("the database is not writable: {e}"))?;
            probe_dir(&data_dir).map_err(|e| format!("the data folder is not writable: {e}"))
        })
        .await
        .unwrap_or_else(|e| Err(format!("the health check failed: {e}"))),
    };
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

/// The HTTP listener's defences against clients that hold connections open: at most
/// `max_connections` at once (more wait in the kernel's backlog, using no file descriptor),
/// and a connection on which nothing was read or written for `idle` is closed (which also
/// bounds how long a client may take to send its headers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once.
    pub max_connections: usize,
    /// How long a connection may sit without traffic.
    pub idle: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            idle: std::time::Duration::from_secs(30),
        }
    }
}

/// A TCP listener with [`Limits`], for `axum::serve`.
pub(crate) struct Guarded {
    inner: tokio::net::TcpListener,
    permits: Arc<tokio::sync::Semaphore>,
    idle: std::time::Duration,
}

impl Guarded {
    /// Wraps a bound listener.
    pub(crate) fn new(inner: tokio::net::TcpListener, limits: Limits) -> Guarded {
        Guarded {
            inner,
            permits: Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1))),
            idle: limits.idle,
        }
    }
}

impl axum::serve::Listener for Guarded {
    type Io = GuardedIo;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (GuardedIo, std::net::SocketAddr) {
        // The semaphore is never closed, so acquiring only waits.
        let permit = loop {
            if let Ok(p) = Arc::clone(&self.permits).acquire_owned().await {
                break p;
            }
        };
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (GuardedIo::new(stream, permit, self.idle), addr);
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting an HTTP connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.inner.local_addr()
    }
}

/// The client's address for the API's rate limit (`into_make_service_with_connect_info`).
impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Guarded>>
    for crate::api::ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, Guarded>) -> Self {
        crate::api::ClientAddr(*stream.remote_addr())
    }
}

/// One accepted connection: holds its slot until closed, and times out when idle.
pub(crate) struct GuardedIo {
    stream: tokio::net::TcpStream,
    _slot: tokio::sync::OwnedSemaphorePermit,
    idle: std::time::Duration,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl GuardedIo {
    fn new(
        stream: tokio::net::TcpStream,
        slot: tokio::sync::OwnedSemaphorePermit,
        idle: std::time::Duration,
    ) -> GuardedIo {
        GuardedIo {
            stream,
            _slot: slot,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    fn touched(&mut self) {
        let at = tokio::time::Instant::now() + self.idle;
        self.deadline.as_mut().reset(at);
    }

    /// Turns a pending operation into a timeout error once the connection was idle too long.
    fn idle_check<T>(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<T>> {
        match self.deadline.as_mut().poll(cx) {
            std::task::Poll::Ready(()) => std::task::Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "idle HTTP connection closed",
            ))),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }
}

impl tokio::io::AsyncRead for GuardedIo {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.stream).poll_read(cx, buf) {
            std::task::Poll::Ready(r) => {
                this.touched();
                std::task::Poll::Ready(r)
            }
            std::task::Poll::Pending => this.idle_check(cx),
        }
    }
}

impl tokio::io::AsyncWrite for GuardedIo {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.stream).poll_write(cx, buf) {
            std::task::Poll::Ready(r) => {
                this.touched();
                std::task::Poll::Ready(r)
            }
            std::task::Poll::Pending => this.idle_check(cx),
        }
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
