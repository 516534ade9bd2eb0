//! Operational metrics in the Prometheus / OpenMetrics text format, with the `prometheus-client`
//! crate: updates handled by kind, answers with and without a match, reply latency, Telegram API
//! errors by kind, notices delivered and failed, and (read from the store at scrape time) outbox
//! depth, subscribers and the corpus version.
//!
//! One process-wide set of metrics ([`global`]), as metrics are by nature: any part of the bot can
//! count without threading a handle through every call. Recording is lock-free atomics; only
//! encoding takes the registry.

use std::sync::OnceLock;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// The bot's metrics.
pub struct Metrics {
    registry: Registry,
    updates: Family<Labels, Counter>,
    answers: Family<Labels, Counter>,
    feedback: Family<Labels, Counter>,
    reply_seconds: Histogram,
    api_errors: Family<Labels, Counter>,
    notices: Family<Labels, Counter>,
    outbox_pending: Gauge,
    subscribers: Gauge,
    schemes: Gauge,
    corpus: Family<Labels, Gauge>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("schemebot");
        let m = Metrics {
            updates: Family::default(),
            answers: Family::default(),
            feedback: Family::default(),
            // 1 ms to ~16 s: answers take milliseconds, sends to Telegram up to seconds.
            reply_seconds: Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            api_errors: Family::default(),
            notices: Family::default(),
            outbox_pending: Gauge::default(),
            subscribers: Gauge::default(),
            schemes: Gauge::default(),
            corpus: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "updates",
            "Telegram updates handled, by kind",
            m.updates.clone(),
        );
        registry.register(
            "answers",
            "Questions answered, by outcome (match, suggest, list, small_talk, no_match)",
            m.answers.clone(),
        );
        registry.register(
            "feedback",
            "👍 and 👎 pressed under answers, by vote (up, down)",
            m.feedback.clone(),
        );
        registry.register(
            "reply_duration_seconds",
            "Time from receiving a message to its reply being sent",
            m.reply_seconds.clone(),
        );
        registry.register(
            "telegram_api_errors",
            "Bot API calls that failed, by kind",
            m.api_errors.clone(),
        );
        registry.register(
            "notices",
            "Outbox messages by outcome (delivered, failed, retried, dropped)",
            m.notices.clone(),
        );
        registry.register(
            "outbox_pending",
            "Messages waiting in the outbox",
            m.outbox_pending.clone(),
        );
        registry.register(
            "subscribers",
            "Active chats with at least one subscription",
            m.subscribers.clone(),
        );
        registry.register(
            "corpus_schemes",
            "Schemes in the corpus being served",
            m.schemes.clone(),
        );
        registry.register(
            "corpus_info",
            "The corpus version being served (always 1)",
            m.corpus.clone(),
        );
        Metrics { registry, ..m }
    }

    /// Counts an update of `kind` (message, callback_query, inline_query, my_chat_member, other).
    pub fn update(&self, kind: &str) {
        self.updates
            .get_or_create(&vec![("kind", kind.to_owned())])
            .inc();
    }

    /// Counts an answered question: `match`, `list` or `no_match`.
    pub fn answer(&self, outcome: &str) {
        self.answers
            .get_or_create(&vec![("outcome", outcome.to_owned())])
            .inc();
    }

    /// Records a 👍 (`up`) or 👎 under an answer.
    pub fn feedback(&self, up: bool) {
        let vote = if up { "up" } else { "down" };
        self.feedback
            .get_or_create(&vec![("vote", vote.to_owned())])
            .inc();
    }

    /// Records the time from a message to its reply.
    pub fn reply_latency(&self, seconds: f64) {
        self.reply_seconds.observe(seconds);
    }

    /// Counts a failed Bot API call of `kind` (blocked, retry_after, bad_html, network, other).
    pub fn api_error(&self, kind: &str) {
        self.api_errors
            .get_or_create(&vec![("kind", kind.to_owned())])
            .inc();
    }

    /// Counts an outbox outcome.
    pub fn notice(&self, outcome: &str) {
        self.notices
            .get_or_create(&vec![("outcome", outcome.to_owned())])
            .inc();
    }

    /// Sets the values read from the store and the engine just before a scrape.
    pub fn set_state(
        &self,
        outbox_pending: usize,
        subscribers: usize,
        schemes: usize,
        corpus_version: &str,
    ) {
        let g = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        self.outbox_pending.set(g(outbox_pending));
        self.subscribers.set(g(subscribers));
        self.schemes.set(g(schemes));
        self.corpus.clear();
        self.corpus
            .get_or_create(&vec![("version", corpus_version.to_owned())])
            .set(1);
    }

    /// The metrics in the text exposition format.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_show_up_in_the_text_format() {
        let m = Metrics::new();
        m.update("message");
        m.update("message");
        m.answer("no_match");
        m.reply_latency(0.02);
        m.set_state(3, 2, 30, "v2-abc");
        let text = m.encode();
        assert!(
            text.contains("schemebot_updates_total{kind=\"message\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("schemebot_answers_total{outcome=\"no_match\"} 1"),
            "{text}"
        );
        assert!(text.contains("schemebot_outbox_pending 3"), "{text}");
        assert!(
            text.contains("schemebot_corpus_info{version=\"v2-abc\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("schemebot_reply_duration_seconds_count 1"),
            "{text}"
        );
    }
}
