//! The update listener wrapper that makes unparseable updates visible: teloxide turns an update
//! it cannot parse into `UpdateKind::Error` and its dispatcher drops it with a `log` line this
//! crate does not collect. [`Counted`] sees every update first, logs those (with their id and
//! the start of their JSON) and counts them as `schemebot_updates_total{kind="unparsed"}`.

use futures_util::StreamExt;
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

/// How much of an unparseable update's JSON goes into the log line.
const LOGGED_CHARS: usize = 300;

/// Wraps a listener (polling or webhook) and reports the updates teloxide could not parse.
pub(crate) struct Counted<L>(pub L);

fn report<E>(update: &Result<Update, E>) {
    if let Ok(u) = update
        && let UpdateKind::Error(raw) = &u.kind
    {
        crate::metrics::global().update("unparsed");
        let raw: String = raw.to_string().chars().take(LOGGED_CHARS).collect();
        tracing::warn!(
            update_id = u.id.0,
            update = %raw,
            "an update could not be parsed; skipped"
        );
    }
}

impl<'a, L> AsUpdateStream<'a> for Counted<L>
where
    L: AsUpdateStream<'a>,
    L::StreamErr: 'a,
{
    type StreamErr = L::StreamErr;
    type Stream = futures_util::stream::Inspect<L::Stream, fn(&Result<Update, L::StreamErr>)>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let report: fn(&Result<Update, L::StreamErr>) = report::<L::StreamErr>;
        self.0.as_stream().inspect(report)
    }
}

impl<L> UpdateListener for Counted<L>
where
    L: UpdateListener,
    L::Err: 'static,
{
    type Err = L::Err;

    fn stop_token(&mut self) -> StopToken {
        self.0.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.0.hint_allowed_updates(hint);
    }
}
