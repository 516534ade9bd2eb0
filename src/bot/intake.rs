//! Between Telegram and the handlers: which updates are taken, how many may wait, and which
//! were handled.
//!
//! Every update is *admitted* before the dispatcher sees it: it must be new (not in flight and
//! not among the last [`RECENT_UPDATES`] handled, a window kept in the store so it survives a
//! restart) and it takes one of `queue` places ([`Intake::new`]). Its [`Ticket`] follows it
//! into the handler and the task that answers it; when the last copy is dropped the update is
//! *handled*: its place is freed and its id recorded (in memory at once, in the store by
//! [`record_handled`] a moment later). With every place taken, the webhook answers 429 (the
//! gate in [`gate`]; Telegram sends the update again later) and polling stops fetching
//! ([`Polling`]), so memory never grows with a burst.
//!
//! Polling here is our own loop over `getUpdates` rather than teloxide's, for two reasons:
//! teloxide sleeps 10 s before reading a 5xx response (this loop waits 0.5 s, doubling to
//! [`POLL_BACKOFF_CAP`]), and teloxide confirms every update it has fetched, handled or not.
//! This loop fetches from the oldest update still in flight (Telegram's `offset` confirms
//! everything below it), so a stop never confirms an update that was not handled: Telegram
//! delivers it again to the next process, and those already handled after it are dropped as
//! repeats. The price: while one update is in flight, updates more than 100 (Telegram's batch
//! limit) after it wait until it finishes.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State as Extract};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

use super::send::{Failure, Telegram};
use crate::store::Store;

/// How many handled update ids are remembered (in memory and in the store) to drop repeats.
/// Telegram repeats a webhook update it did not see acknowledged within minutes, and polling
/// after a restart repeats at most the updates fetched after the oldest unfinished one.
pub(crate) const RECENT_UPDATES: usize = 10_000;

/// The default number of updates admitted and not yet handled (`SCHEMEBOT_INTAKE_QUEUE`):
/// about what the stop's bound lets the bot answer at Telegram's 30 messages a second.
pub const DEFAULT_QUEUE: usize = 128;

/// The long-polling timeout. It must stay below the HTTP client's 17 s total timeout.
pub(crate) const POLL_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest wait between two failed `getUpdates` calls.
pub(crate) const POLL_BACKOFF_CAP: Duration = Duration::from_secs(8);

/// How long polling waits for an update in flight to finish before fetching again, when a
/// batch held nothing new (the most a new update waits while the oldest one in flight is
/// slow, e.g. a reply paced for its chat).
const POLL_NOTHING_NEW: Duration = Duration::from_millis(100);

/// The largest webhook body read (axum's default limit for the route behind the gate).
const MAX_BODY: usize = 2 * 1024 * 1024;

/// The wait before retry `failures` (0-based) of `getUpdates`: 0.5 s, doubling, at most
/// [`POLL_BACKOFF_CAP`].
#[must_use]
pub(crate) fn poll_backoff(failures: u32) -> Duration {
    Duration::from_millis(500u64 << failures.min(10)).min(POLL_BACKOFF_CAP)
}

/// Admission and completion of updates (see the module docs).
pub(crate) struct Intake {
    places: Arc<Semaphore>,
    inner: Mutex<Inner>,
    /// How many updates are in flight (admitted, not handled).
    count: watch::Sender<usize>,
    /// Handled ids on their way to the store.
    record: mpsc::UnboundedSender<u32>,
    /// Set when the bot stops: the webhook refuses updates from then on.
    closed: AtomicBool,
}

#[derive(Default)]
struct Inner {
    in_flight: BTreeSet<u32>,
    /// Admitted updates whose ticket the dispatcher has not taken yet.
    handoff: HashMap<u32, Ticket>,
    recent: RecentIds,
    /// Polling: the offset past the last update fetched and admitted (or known).
    next_offset: Option<i64>,
}

/// The last [`RECENT_UPDATES`] handled ids, in order and as a set.
#[derive(Default)]
struct RecentIds {
    order: VecDeque<u32>,
    set: HashSet<u32>,
}

impl RecentIds {
    fn insert(&mut self, id: u32) {
        if !self.set.insert(id) {
            return;
        }
        self.order.push_back(id);
        if self.order.len() > RECENT_UPDATES
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
    }
}

/// An admitted update's place: cloned into whatever works on it; when the last clone is
/// dropped the update counts as handled. The default ticket holds nothing (an update that
/// reached the dispatcher without being admitted, which does not happen).
#[derive(Clone, Default)]
pub(crate) struct Ticket(Option<Arc<Held>>);

struct Held {
    id: u32,
    intake: Arc<Intake>,
    /// Rolled back (the webhook did not take it after all): not recorded as handled.
    cancelled: AtomicBool,
    _place: OwnedSemaphorePermit,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.intake
            .finish(self.id, !self.cancelled.load(Ordering::Relaxed));
    }
}

impl Intake {
    /// An intake with `queue` places that knows `handled` (oldest first) as handled; the
    /// receiver gets every id handled from now on, for [`record_handled`].
    pub(crate) fn new(
        queue: usize,
        handled: &[u32],
    ) -> (Arc<Intake>, mpsc::UnboundedReceiver<u32>) {
        let (record, handled_rx) = mpsc::unbounded_channel();
        let mut inner = Inner::default();
        for id in handled {
            inner.recent.insert(*id);
        }
        let intake = Arc::new(Intake {
            places: Arc::new(Semaphore::new(queue.max(1))),
            inner: Mutex::new(inner),
            count: watch::channel(0).0,
            record,
            closed: AtomicBool::new(false),
        });
        (intake, handled_rx)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `id` is in flight or was handled recently (a repeat, to be dropped).
    fn is_known(&self, id: u32) -> bool {
        let inner = self.lock();
        inner.in_flight.contains(&id) || inner.recent.set.contains(&id)
    }

    /// Admits `id` into a place already taken; `None` when it is a repeat (the place is freed).
    fn accept(self: &Arc<Self>, id: u32, place: OwnedSemaphorePermit) -> Option<Ticket> {
        let mut inner = self.lock();
        if inner.in_flight.contains(&id) || inner.recent.set.contains(&id) {
            return None;
        }
        inner.in_flight.insert(id);
        let ticket = Ticket(Some(Arc::new(Held {
            id,
            intake: Arc::clone(self),
            cancelled: AtomicBool::new(false),
            _place: place,
        })));
        inner.handoff.insert(id, ticket.clone());
        drop(inner);
        self.count.send_modify(|n| *n += 1);
        Some(ticket)
    }

    /// The ticket of admitted update `id`, for the dispatcher (once).
    pub(crate) fn take(&self, id: u32) -> Ticket {
        self.lock().handoff.remove(&id).unwrap_or_default()
    }

    /// Rolls an admission back: the update was not taken after all, so it is neither handled
    /// nor a repeat when it comes again.
    fn cancel(&self, ticket: &Ticket) {
        if let Some(held) = &ticket.0 {
            held.cancelled.store(true, Ordering::Relaxed);
            self.lock().handoff.remove(&held.id);
        }
    }

    fn finish(&self, id: u32, handled: bool) {
        {
            let mut inner = self.lock();
            inner.in_flight.remove(&id);
            inner.handoff.remove(&id);
            if handled {
                inner.recent.insert(id);
            }
        }
        if handled {
            let _ = self.record.send(id);
        }
        self.count.send_modify(|n| *n = n.saturating_sub(1));
    }

    /// Waits until no admitted update is in flight.
    pub(crate) async fn idle(&self) {
        let mut rx = self.count.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// The updates admitted and not handled, oldest first.
    pub(crate) fn unfinished(&self) -> Vec<u32> {
        self.lock().in_flight.iter().copied().collect()
    }

    /// Refuses updates from now on (the webhook answers 503).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// The `offset` that confirms exactly the updates handled: the oldest in flight, else one
    /// past the last fetched.
    pub(crate) fn confirmable(&self) -> Option<i64> {
        let inner = self.lock();
        inner
            .in_flight
            .first()
            .map(|id| i64::from(*id))
            .or(inner.next_offset)
    }

    /// Logs a repeat.
    fn repeat(id: u32) {
        tracing::info!(update_id = id, "dropping an update already handled");
    }
}

/// Writes handled ids to the store (in batches, off the runtime) until `stop`, then writes
/// what is left and returns.
pub(crate) async fn record_handled(
    store: Arc<Store>,
    mut handled: mpsc::UnboundedReceiver<u32>,
    mut stop: watch::Receiver<bool>,
) {
    let mut batch = Vec::new();
    loop {
        let stopping = tokio::select! {
            n = handled.recv_many(&mut batch, 256) => n == 0,
            _ = stop.wait_for(|s| *s) => true,
        };
        if stopping {
            while let Ok(id) = handled.try_recv() {
                batch.push(id);
            }
        }
        if !batch.is_empty() {
            let ids = std::mem::take(&mut batch);
            let st = Arc::clone(&store);
            let written = tokio::task::spawn_blocking(move || {
                st.record_handled_updates(&ids, RECENT_UPDATES)
            })
            .await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "recording handled updates failed"),
                Err(e) => tracing::warn!(error = %e, "recording handled updates failed"),
            }
        }
        if stopping {
            return;
        }
    }
}

/// What the webhook's gate needs: the intake, the webhook secret, and the store when replicas
/// share it.
pub(crate) type GateState = (Arc<Intake>, Arc<str>, Option<Arc<Store>>);

/// The webhook's gate, in front of teloxide's route: a request with the right secret is
/// admitted before teloxide queues it. A repeat gets 200 and goes no further; with every place
/// taken the answer is 429 (Telegram tries again later); after the stop, 503. Requests with a
/// wrong secret or no update id go through untouched (teloxide answers 401, or logs them).
///
/// With a shared store (replicas), an admitted id is also claimed in the store, so an update
/// Telegram posts again and the load balancer sends to another replica is answered once.
pub(crate) async fn gate(
    Extract((intake, secret, shared)): Extract<GateState>,
    request: Request,
    next: Next,
) -> Response {
    let authorised = request
        .headers()
        .get("x-telegram-bot-api-secret-token")
        .is_some_and(|v| v.as_bytes() == secret.as_bytes());
    if !authorised {
        return next.run(request).await;
    }
    if intake.closed.load(Ordering::Relaxed) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let id = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v["update_id"].as_u64())
        .and_then(|id| u32::try_from(id).ok());
    let request = Request::from_parts(parts, Body::from(bytes));
    let Some(id) = id else {
        return next.run(request).await;
    };
    if intake.is_known(id) {
        Intake::repeat(id);
        return StatusCode::OK.into_response();
    }
    let Ok(place) = Arc::clone(&intake.places).try_acquire_owned() else {
        crate::metrics::global().update("refused_busy");
        tracing::warn!(
            update_id = id,
            "the intake queue is full; refusing an update (429)"
        );
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(axum::http::header::RETRY_AFTER, "1")],
        )
            .into_response();
    };
    let Some(ticket) = intake.accept(id, place) else {
        Intake::repeat(id);
        return StatusCode::OK.into_response();
    };
    if let Some(store) = shared {
        // A claim that cannot be written lets the update through: twice beats never.
        let claimed = tokio::task::spawn_blocking(move || store.claim_update(id)).await;
        if matches!(claimed, Ok(Ok(false))) {
            intake.cancel(&ticket);
            Intake::repeat(id);
            return StatusCode::OK.into_response();
        }
    }
    let response = next.run(request).await;
    if !response.status().is_success() {
        intake.cancel(&ticket);
    }
    response
}

/// The update listener for long polling: our own `getUpdates` loop (see the module docs),
/// started when the dispatcher first reads the stream.
pub(crate) struct Polling {
    tg: Arc<Telegram>,
    intake: Arc<Intake>,
    allowed: Option<Vec<AllowedUpdate>>,
    stop: (StopToken, Option<StopFlag>),
    rx: Option<mpsc::Receiver<Update>>,
}

impl Polling {
    /// A listener polling through `tg`, admitting into `intake`.
    pub(crate) fn new(tg: Arc<Telegram>, intake: Arc<Intake>) -> Polling {
        let (token, flag) = mk_stop_token();
        Polling {
            tg,
            intake,
            allowed: None,
            stop: (token, Some(flag)),
            rx: None,
        }
    }
}

/// The stream the dispatcher reads: updates the poller admitted.
pub(crate) struct Admitted<'a>(&'a mut mpsc::Receiver<Update>);

impl futures_util::Stream for Admitted<'_> {
    type Item = Result<Update, Infallible>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|u| u.map(Ok))
    }
}

impl<'a> AsUpdateStream<'a> for Polling {
    type StreamErr = Infallible;
    type Stream = Admitted<'a>;

    fn as_stream(&'a mut self) -> Self::Stream {
        if self.rx.is_none() {
            let (tx, rx) = mpsc::channel(self.intake.places.available_permits().max(1) + 1);
            let flag = self.stop.1.take().unwrap_or_else(|| {
                let (_, flag) = mk_stop_token();
                flag
            });
            tokio::spawn(poll(
                Arc::clone(&self.tg),
                Arc::clone(&self.intake),
                self.allowed.take(),
                tx,
                flag,
            ));
            self.rx = Some(rx);
        }
        Admitted(self.rx.as_mut().expect("the receiver was just set"))
    }
}

impl UpdateListener for Polling {
    type Err = Infallible;

    fn stop_token(&mut self) -> StopToken {
        self.stop.0.clone()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.allowed = Some(hint.collect());
    }
}

/// Reads one update as teloxide does (from text, keeping the raw JSON of one it cannot read).
fn parse_update(raw: &Value) -> Option<Update> {
    let text = raw.to_string();
    let mut update: Update = serde_json::from_str(&text).ok()?;
    if let UpdateKind::Error(value) = &mut update.kind {
        *value = raw.clone();
    }
    Some(update)
}

/// The polling loop: wait for a place, fetch from the oldest update in flight, admit what is
/// new, hand it to the dispatcher; back off briefly on errors. Ends at `stop`.
async fn poll(
    tg: Arc<Telegram>,
    intake: Arc<Intake>,
    allowed: Option<Vec<AllowedUpdate>>,
    tx: mpsc::Sender<Update>,
    stop: StopFlag,
) {
    tokio::pin!(stop);
    let mut failures = 0u32;
    // Completions, watched from before each fetch so that one during the fetch is not missed.
    let mut progress = intake.count.subscribe();
    loop {
        // A place first: with the queue full nothing is fetched, and so nothing confirmed.
        let place = tokio::select! {
            p = Arc::clone(&intake.places).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            () = &mut stop => return,
        };
        progress.borrow_and_update();
        let mut body = json!({
            "offset": intake.confirmable().unwrap_or(0),
            "limit": 100,
            "timeout": POLL_TIMEOUT.as_secs(),
        });
        if let Some(allowed) = &allowed {
            body["allowed_updates"] = json!(allowed);
        }
        let fetched = tokio::select! {
            r = tg.call("getUpdates", &body) => r,
            () = &mut stop => return,
        };
        let batch = match fetched {
            Ok(Value::Array(batch)) => {
                failures = 0;
                batch
            }
            Ok(other) => {
                tracing::warn!(result = %other, "getUpdates returned something other than a list");
                Vec::new()
            }
            Err(failure) => {
                let wait = match failure {
                    Failure::RetryAfter(d) => d,
                    _ => poll_backoff(failures),
                };
                failures = failures.saturating_add(1);
                tracing::warn!(error = %failure, retry_in_ms = wait.as_millis() as u64, "getting updates failed; retrying");
                drop(place);
                tokio::select! {
                    () = tokio::time::sleep(wait) => continue,
                    () = &mut stop => return,
                }
            }
        };
        let mut place = Some(place);
        let (mut admitted, mut full) = (false, false);
        for raw in &batch {
            let Some(id) = raw["update_id"]
                .as_u64()
                .and_then(|i| u32::try_from(i).ok())
            else {
                tracing::warn!(update = %raw, "an update without a usable id; skipped");
                continue;
            };
            if intake.is_known(id) {
                let mut inner = intake.lock();
                if inner.next_offset.is_none_or(|next| i64::from(id) >= next) {
                    // Not fetched by this process before: handled by the one before it.
                    Intake::repeat(id);
                    inner.next_offset = Some(i64::from(id) + 1);
                }
                continue;
            }
            let Some(p) = place
                .take()
                .or_else(|| Arc::clone(&intake.places).try_acquire_owned().ok())
            else {
                full = true;
                break;
            };
            let Some(ticket) = intake.accept(id, p) else {
                continue;
            };
            intake.lock().next_offset = Some(i64::from(id) + 1);
            admitted = true;
            match parse_update(raw) {
                Some(update) => {
                    if tx.send(update).await.is_err() {
                        intake.cancel(&ticket);
                        intake.take(id);
                        return;
                    }
                }
                None => {
                    // Not even an update teloxide could skip: counted and handled as skipped.
                    crate::metrics::global().update("unparsed");
                    tracing::warn!(update_id = id, "an update could not be read; skipped");
                    intake.take(id);
                }
            }
            drop(ticket);
        }
        drop(place);
        if !admitted && !full && !batch.is_empty() {
            // Everything fetched is in flight or handled: wait for one to finish (which moves
            // the offset on) rather than fetch the same batch again at once.
            tokio::select! {
                _ = tokio::time::timeout(POLL_NOTHING_NEW, progress.changed()) => {}
                () = &mut stop => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_backs_off_from_half_a_second_to_the_cap() {
        assert_eq!(poll_backoff(0), Duration::from_millis(500));
        assert_eq!(poll_backoff(1), Duration::from_secs(1));
        assert_eq!(poll_backoff(3), Duration::from_secs(4));
        assert_eq!(poll_backoff(10), POLL_BACKOFF_CAP);
        assert_eq!(poll_backoff(u32::MAX), POLL_BACKOFF_CAP);
    }

    #[tokio::test]
    async fn a_ticket_holds_its_place_until_the_last_copy_is_dropped() {
        let (intake, mut handled) = Intake::new(1, &[3]);
        assert!(intake.is_known(3), "ids loaded from the store are repeats");
        let place = Arc::clone(&intake.places).try_acquire_owned().unwrap();
        let ticket = intake.accept(7, place).unwrap();
        assert!(
            intake.places.clone().try_acquire_owned().is_err(),
            "the queue is full"
        );
        assert_eq!(intake.confirmable(), Some(7));
        let taken = intake.take(7);
        drop(ticket);
        assert_eq!(intake.unfinished(), [7], "a copy is still working");
        drop(taken);
        assert!(intake.unfinished().is_empty());
        assert!(intake.is_known(7));
        assert_eq!(handled.recv().await, Some(7));
        assert!(intake.places.clone().try_acquire_owned().is_ok());
    }

    #[tokio::test]
    async fn a_cancelled_admission_is_neither_handled_nor_a_repeat() {
        let (intake, mut handled) = Intake::new(2, &[]);
        let place = Arc::clone(&intake.places).try_acquire_owned().unwrap();
        let ticket = intake.accept(9, place).unwrap();
        intake.cancel(&ticket);
        drop(ticket);
        assert!(!intake.is_known(9));
        assert!(handled.try_recv().is_err());
        assert_eq!(intake.places.available_permits(), 2);
    }
}
