//! The one rate limiter every outgoing message passes, replies and notices alike: GCRA cells
//! (the `governor` crate) on the monotonic clock, so a message goes at once when it is within
//! Telegram's limits and waits only as long as it must otherwise.
//!
//! Limits: `--notify-rate` (30) a second overall, with no burst (messages at least 1/30 s
//! apart, so no sliding second ever holds more than 30); per private chat one every
//! `--notify-chat-interval-ms` (1 s) with a burst of [`CHAT_BURST`] (a three-part answer
//! leaves at once); per group 20 a minute with the same burst. Replies go first: a notice takes
//! an overall cell only while no reply is waiting for one, and notices are spaced evenly by the
//! same cells. A 429 pauses everything for its `retry_after`.
//!
//! Sends are recorded in the store ([`SendLog`], on its own thread so the runtime never waits
//! on SQLite); a restarted process seeds the limiter from the sends recorded in the last second
//! ([`Limiter::seed`]), so a crash and a quick restart do not exceed the overall rate either.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::notify::Rates;
use crate::store::Store;

/// How many messages a chat may get at once before its per-chat pace applies.
pub const CHAT_BURST: u32 = 3;

/// Messages a minute to one group (Telegram's documented limit).
pub const GROUP_PER_MINUTE: u32 = 20;

/// How much longer than `1 s / rate` the overall period is, in per mille (2%). Messages leave
/// exactly one period apart, but their trips vary by a few milliseconds, so at exactly
/// `1 s / 30` the 31st of a run can *arrive* within a second of the first (measured on
/// loopback: 994.8 ms; `cargo bench --bench replicas`). With 2% the run of 31 spans 1,020 ms
/// when it leaves, and the achieved rate at 30/s is 29.4.
const PACE_MARGIN_PER_MILLE: u32 = 20;

/// How much earlier than its overall cell a waiting message wakes (then it yields until the
/// cell is there); see [`Limiter::acquire`].
const EARLY_WAKE: Duration = Duration::from_millis(2);

/// How long a waiting notice sleeps before it looks again while replies are waiting.
const YIELD_TO_REPLIES: Duration = Duration::from_millis(5);

/// Who is asking to send: replies are served before notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Priority {
    /// An answer to someone who is waiting (replies, edits under buttons).
    Reply,
    /// A notice, reminder or broadcast from the outbox.
    Notice,
}

/// The shared limiter; see the module documentation.
pub(crate) struct Limiter {
    overall: DefaultDirectRateLimiter,
    private: DefaultKeyedRateLimiter<i64>,
    groups: DefaultKeyedRateLimiter<i64>,
    clock: DefaultClock,
    replies_waiting: AtomicUsize,
    /// Replies (and, separately, notices) take overall cells one at a time, first come first
    /// served (tokio's mutex is fair): one waiter watches the clock instead of every waiter
    /// waking at each cell.
    reply_turn: tokio::sync::Mutex<()>,
    notice_turn: tokio::sync::Mutex<()>,
    paused_until: Mutex<Option<Instant>>,
    period: Duration,
    acquired: AtomicUsize,
}

/// Decrements the waiting-replies count however the wait ends (even if the future is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Limiter {
    /// A limiter for `rates` (overall rate and the private-chat interval).
    #[must_use]
    pub fn new(rates: Rates) -> Limiter {
        let per_second = rates.per_second.max(1);
        let period = Duration::from_secs(1) * (1000 + PACE_MARGIN_PER_MILLE) / 1000 / per_second;
        let one = NonZeroU32::MIN;
        let burst = NonZeroU32::new(CHAT_BURST).unwrap_or(one);
        let overall = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(one))
            .allow_burst(one);
        let private = Quota::with_period(rates.per_chat_interval.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(one))
            .allow_burst(burst);
        let groups = Quota::with_period(Duration::from_secs(60) / GROUP_PER_MINUTE)
            .unwrap_or_else(|| Quota::per_second(one))
            .allow_burst(burst);
        Limiter {
            overall: RateLimiter::direct(overall),
            private: RateLimiter::keyed(private),
            groups: RateLimiter::keyed(groups),
            clock: DefaultClock::default(),
            replies_waiting: AtomicUsize::new(0),
            reply_turn: tokio::sync::Mutex::new(()),
            notice_turn: tokio::sync::Mutex::new(()),
            paused_until: Mutex::new(None),
            period,
            acquired: AtomicUsize::new(0),
        }
    }

    /// Waits until a message to `chat` may go, and takes its cells.
    pub async fn acquire(&self, chat: i64, priority: Priority) {
        let keyed = if chat > 0 {
            &self.private
        } else {
            &self.groups
        };
        while let Err(not_until) = keyed.check_key(&chat) {
            tokio::time::sleep(not_until.wait_time_from(self.clock.now())).await;
        }
        let _waiting = (priority == Priority::Reply).then(|| {
            self.replies_waiting.fetch_add(1, Ordering::SeqCst);
            Waiting(&self.replies_waiting)
        });
        let _turn = match priority {
            Priority::Reply => self.reply_turn.lock().await,
            Priority::Notice => self.notice_turn.lock().await,
        };
        loop {
            if let Some(pause) = self.pause_left() {
                tokio::time::sleep(pause).await;
                continue;
            }
            if priority == Priority::Notice && self.replies_waiting.load(Ordering::SeqCst) > 0 {
                tokio::time::sleep(YIELD_TO_REPLIES).await;
                continue;
            }
            match self.overall.check() {
                Ok(()) => break,
                Err(not_until) => {
                    // The timer wakes up to a millisecond late, and GCRA does not bank the
                    // lateness: sleeping the whole wait would lose ~3% of the rate, which
                    // grows a queue without bound when questions arrive at the full rate.
                    // So sleep to just before the cell and yield until it is there.
                    let wait = not_until.wait_time_from(self.clock.now());
                    if wait > EARLY_WAKE {
                        tokio::time::sleep(wait - EARLY_WAKE).await;
                    } else {
                        tokio::task::yield_now().await;
                    }
                }
            }
        }
        // The per-chat state grows with every chat ever seen; forget idle ones now and then.
        if self.acquired.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.private.retain_recent();
            self.groups.retain_recent();
        }
    }

    /// Stops all sending for `d` (Telegram's `retry_after`).
    pub fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut paused = self
            .paused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
    }

    fn pause_left(&self) -> Option<Duration> {
        let paused = *self
            .paused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        paused
            .and_then(|until| until.checked_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
    }

    /// Starts from sends an earlier process made: `recent` holds, newest first, each send of
    /// the last second as (chat, how long ago). The first new message may go only once each
    /// recorded send `i` (newest first) is `(i + 1)` overall periods old, which is what the
    /// limiter would have required had it seen them; their chats' cells are taken too.
    pub fn seed(&self, recent: &[(i64, Duration)]) {
        let wait = recent
            .iter()
            .enumerate()
            .map(|(i, (_, ago))| {
                (self.period * u32::try_from(i + 1).unwrap_or(u32::MAX)).saturating_sub(*ago)
            })
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            self.pause(wait);
        }
        for (chat, _) in recent {
            let keyed = if *chat > 0 {
                &self.private
            } else {
                &self.groups
            };
            let _ = keyed.check_key(chat);
        }
    }
}

/// Records every send (its time and chat) in the store from a thread of its own, so the
/// runtime never waits on SQLite for it; old records are pruned as new ones are written.
pub(crate) struct SendLog {
    tx: Option<std::sync::mpsc::Sender<(i64, i64)>>,
}

impl SendLog {
    /// Starts the writer thread.
    pub fn start(store: Arc<Store>) -> SendLog {
        let (tx, rx) = std::sync::mpsc::channel::<(i64, i64)>();
        let spawned = std::thread::Builder::new()
            .name("send-log".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    if let Err(e) = store.record_sends(&batch) {
                        tracing::warn!(error = %e, "recording sends failed");
                    }
                }
            });
        match spawned {
            Ok(_) => SendLog { tx: Some(tx) },
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the send log; a restart will not know recent sends");
                SendLog { tx: None }
            }
        }
    }

    /// Records a send to `chat` now.
    pub fn record(&self, chat: i64) {
        if let Some(tx) = &self.tx {
            let _ = tx.send((super::now_ms(), chat));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(per_second: u32) -> Rates {
        Rates {
            per_second,
            per_chat_interval: Duration::from_secs(1),
            in_flight: 1,
        }
    }

    #[test]
    fn a_message_within_the_limits_goes_at_once_and_the_next_waits_its_period() {
        let l = Limiter::new(rates(30));
        assert!(l.overall.check().is_ok());
        assert!(l.overall.check().is_err(), "no overall burst");
        for _ in 0..CHAT_BURST {
            assert!(l.private.check_key(&7).is_ok());
        }
        assert!(
            l.private.check_key(&7).is_err(),
            "the chat burst is used up"
        );
        assert!(
            l.private.check_key(&8).is_ok(),
            "other chats are not held up"
        );
    }

    #[test]
    fn seeding_from_a_burst_before_a_restart_pauses_until_the_second_is_over() {
        let l = Limiter::new(rates(30));
        // 30 sends in the last 25 ms before the crash, 5 ms ago.
        let recent: Vec<(i64, Duration)> = (0..30)
            .map(|i| (100 + i, Duration::from_millis(5 + i as u64)))
            .collect();
        l.seed(&recent);
        let left = l.pause_left().expect("paused");
        assert!(left > Duration::from_millis(900) && left <= Duration::from_millis(1000));
        // Sends that kept the pace leave no pause.
        let l = Limiter::new(rates(30));
        l.seed(&[
            (1, Duration::from_millis(40)),
            (2, Duration::from_millis(80)),
        ]);
        assert!(l.pause_left().is_none());
    }

    #[tokio::test]
    async fn replies_are_counted_while_they_wait() {
        let l = Arc::new(Limiter::new(rates(30)));
        l.acquire(1, Priority::Reply).await;
        assert_eq!(l.replies_waiting.load(Ordering::SeqCst), 0);
    }
}
