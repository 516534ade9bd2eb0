//! The update listener wrapper that makes unparseable updates visible: teloxide turns an update
//! it cannot parse into `UpdateKind::Error` and its dispatcher drops it with a `log` line this
//! crate does not collect. [`Counted`] sees every update first, logs those (with their id and
//! the start of their JSON) and counts them as `schemebot_updates_total{kind="unparsed"}`, and
//! releases their place in the intake queue.

use std::sync::Arc;

use futures_util::StreamExt;
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

use super::intake::Intake;

/// How much of an unparseable update's JSON goes into the log line.
const LOGGED_CHARS: usize = 300;

/// Wraps a listener (polling or webhook) and reports the updates teloxide could not parse;
/// their intake tickets are released here, since the dispatcher drops them unseen.
pub(crate) struct Counted<L> {
    inner: L,
    intake: Arc<Intake>,
}

impl<L> Counted<L> {
    /// Wraps `inner`, releasing skipped updates' tickets in `intake`.
    pub(crate) fn new(inner: L, intake: Arc<Intake>) -> Counted<L> {
        Counted { inner, intake }
    }
}

fn report<E>(update: &Result<Update, E>, intake: &Intake) {
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
        drop(intake.take(u.id.0));
    }
}

/// What [`report`] is called with, per update.
type Inspector<'a, E> = Box<dyn FnMut(&Result<Update, E>) + Send + 'a>;

impl<'a, L> AsUpdateStream<'a> for Counted<L>
where
    L: AsUpdateStream<'a>,
    L::StreamErr: 'a,
{
    type StreamErr = L::StreamErr;
    type Stream = futures_util::stream::Inspect<L::Stream, Inspector<'a, L::StreamErr>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let intake = Arc::clone(&self.intake);
        let inspect: Inspector<'a, L::StreamErr> = Box::new(move |update| report(update, &intake));
        self.inner.as_stream().inspect(inspect)
    }
}

impl<L> UpdateListener for Counted<L>
where
    L: UpdateListener,
    L::Err: 'static,
{
    type Err = L::Err;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint);
    }
}
