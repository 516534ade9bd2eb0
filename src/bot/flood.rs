//! The per-chat flood guard: a chat that sends more than [`FloodLimit::max`] messages within
//! [`FloodLimit::window`] gets one "slow down" reply, and its further messages are dropped until
//! it falls back under the limit. Other chats are unaffected.
//!
//! Pure: time is passed in (the handler uses the message's Telegram timestamp, so a backlog
//! delivered in one burst after a restart is judged by when people actually wrote it, and tests
//! are deterministic). Memory is bounded: at most `max + 1` timestamps per chat, and chats that
//! have been quiet for a whole window are forgotten.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::str::FromStr;
use std::time::Duration;

/// How often (in checks) idle chats are forgotten.
const PRUNE_EVERY: u64 = 256;

/// A rate: at most `max` messages within `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloodLimit {
    pub max: usize,
    pub window: Duration,
}

impl Default for FloodLimit {
    /// 8 messages in 10 seconds: faster than anyone types questions, slower than a script.
    fn default() -> FloodLimit {
        FloodLimit {
            max: 8,
            window: Duration::from_secs(10),
        }
    }
}

impl std::fmt::Display for FloodLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.max, self.window.as_secs())
    }
}

impl FromStr for FloodLimit {
    type Err = String;

    /// Parses `MAX/SECONDS`, e.g. `8/10` or `8/10s`.
    fn from_str(s: &str) -> Result<FloodLimit, String> {
        let bad = || format!("{s:?} is not a rate like 8/10s (messages per seconds)");
        let (max, secs) = s.trim().split_once('/').ok_or_else(bad)?;
        let max: usize = max.trim().parse().map_err(|_| bad())?;
        let secs: u64 = secs
            .trim()
            .trim_end_matches('s')
            .parse()
            .map_err(|_| bad())?;
        if max == 0 || secs == 0 || secs > 3600 {
            return Err(bad());
        }
        Ok(FloodLimit {
            max,
            window: Duration::from_secs(secs),
        })
    }
}

/// What to do with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Handle it.
    Allow,
    /// The chat just went over the limit: send one "slow down" reply, nothing else.
    Warn,
    /// Over the limit and already warned: drop it silently.
    Drop,
}

#[derive(Debug, Default)]
struct Recent {
    /// Arrival times within the window, oldest first; at most `max + 1`.
    times: VecDeque<Duration>,
    warned: bool,
}

/// Per-chat message rates. `K` is the chat key (teloxide's `ChatId` in the bot).
#[derive(Debug)]
pub struct FloodGuard<K> {
    limit: FloodLimit,
    chats: HashMap<K, Recent>,
    checks: u64,
}

impl<K: Hash + Eq> FloodGuard<K> {
    #[must_use]
    pub fn new(limit: FloodLimit) -> FloodGuard<K> {
        FloodGuard {
            limit,
            chats: HashMap::new(),
            checks: 0,
        }
    }

    /// Records a message from `chat` at `now` (any fixed origin, e.g. the Unix epoch) and says
    /// what to do with it. Dropped messages count too, so a chat that keeps flooding stays
    /// quiet until it pauses for a whole window.
    pub fn check(&mut self, chat: K, now: Duration) -> Verdict {
        self.checks += 1;
        if self.checks.is_multiple_of(PRUNE_EVERY) {
            self.prune(now);
        }
        let FloodLimit { max, window } = self.limit;
        let recent = self.chats.entry(chat).or_default();
        // Timestamps may arrive slightly out of order; keep whatever is inside the window.
        recent.times.retain(|&t| now.saturating_sub(t) < window);
        recent.times.push_back(now);
        while recent.times.len() > max + 1 {
            recent.times.pop_front();
        }
        if recent.times.len() <= max {
            recent.warned = false;
            Verdict::Allow
        } else if recent.warned {
            Verdict::Drop
        } else {
            recent.warned = true;
            Verdict::Warn
        }
    }

    /// Forgets chats with nothing inside the window.
    fn prune(&mut self, now: Duration) {
        let window = self.limit.window;
        self.chats
            .retain(|_, r| r.times.iter().any(|&t| now.saturating_sub(t) < window));
    }

    /// How many chats are remembered.
    #[cfg(test)]
    #[must_use]
    pub fn tracked(&self) -> usize {
        self.chats.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn the_ninth_message_in_ten_seconds_warns_once_then_drops() {
        let mut g = FloodGuard::new(FloodLimit::default());
        let verdicts: Vec<Verdict> = (0..12)
            .map(|i| g.check(1, secs(100.0 + f64::from(i) * 0.5)))
            .collect();
        assert_eq!(&verdicts[..8], &[Verdict::Allow; 8]);
        assert_eq!(verdicts[8], Verdict::Warn);
        assert_eq!(&verdicts[9..], &[Verdict::Drop; 3]);
    }

    #[test]
    fn a_pause_of_one_window_lets_the_chat_back_in() {
        let mut g = FloodGuard::new(FloodLimit::default());
        for _ in 0..20 {
            g.check(1, secs(0.0));
        }
        assert_eq!(
            g.check(1, secs(9.9)),
            Verdict::Drop,
            "still inside the window"
        );
        assert_eq!(g.check(1, secs(20.0)), Verdict::Allow);
        // Warned again after going over again.
        for i in 0..7 {
            assert_eq!(g.check(1, secs(20.0 + f64::from(i) * 0.1)), Verdict::Allow);
        }
        assert_eq!(g.check(1, secs(21.0)), Verdict::Warn);
    }

    #[test]
    fn a_steady_human_pace_never_trips() {
        let mut g = FloodGuard::new(FloodLimit::default());
        for i in 0..200 {
            assert_eq!(
                g.check("chat", secs(f64::from(i) * 1.25)),
                Verdict::Allow,
                "message {i}"
            );
        }
    }

    #[test]
    fn other_chats_are_unaffected() {
        let mut g = FloodGuard::new(FloodLimit {
            max: 2,
            window: secs(10.0),
        });
        assert_eq!(g.check(1, secs(0.0)), Verdict::Allow);
        assert_eq!(g.check(1, secs(0.0)), Verdict::Allow);
        assert_eq!(g.check(1, secs(0.0)), Verdict::Warn);
        assert_eq!(g.check(2, secs(0.0)), Verdict::Allow);
        assert_eq!(g.check(2, secs(0.0)), Verdict::Allow);
        assert_eq!(g.check(1, secs(0.1)), Verdict::Drop);
    }

    #[test]
    fn out_of_order_times_do_not_panic_or_trip() {
        let mut g = FloodGuard::new(FloodLimit {
            max: 3,
            window: secs(10.0),
        });
        assert_eq!(g.check(1, secs(50.0)), Verdict::Allow);
        assert_eq!(g.check(1, secs(49.0)), Verdict::Allow);
        assert_eq!(g.check(1, secs(0.0)), Verdict::Allow);
    }

    #[test]
    fn quiet_chats_are_forgotten() {
        let mut g = FloodGuard::new(FloodLimit::default());
        for chat in 0..PRUNE_EVERY - 1 {
            g.check(chat, secs(0.0));
        }
        assert_eq!(g.tracked(), usize::try_from(PRUNE_EVERY - 1).unwrap());
        g.check(u64::MAX, secs(60.0));
        assert_eq!(g.tracked(), 1);
    }

    #[test]
    fn limits_parse() {
        assert_eq!("8/10s".parse(), Ok(FloodLimit::default()));
        assert_eq!(
            "3/5".parse(),
            Ok(FloodLimit {
                max: 3,
                window: secs(5.0)
            })
        );
        for bad in ["", "8", "0/10", "8/0", "a/b", "8/10m", "-1/10"] {
            assert!(bad.parse::<FloodLimit>().is_err(), "{bad:?}");
        }
        assert_eq!(FloodLimit::default().to_string(), "8/10s");
    }
}
