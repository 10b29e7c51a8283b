//! The client's body stream, shared between the parser's reader and the
//! drain that reads what is left after an early answer.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use tokio::time::Instant;

use crate::BoxError;

/// The client's body stream, shared between the parser's reader and the
/// pipeline, which drains what is left after an early answer.
pub(crate) type Slot = Arc<Mutex<Option<BoxStream<'static, Result<Bytes, BoxError>>>>>;

/// Boxes a body stream into a [`Slot`].
pub(crate) fn slot<S, E>(body: S) -> Slot
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    Arc::new(Mutex::new(Some(
        body.map(|r| r.map_err(Into::into)).boxed(),
    )))
}

/// The longest pause in the client's sending that a drain waits through.
const DRAIN_GAP: Duration = Duration::from_secs(1);

/// Reads and drops what is left of the body, for at most `max_bytes` and
/// `max_time`, so that a client still sending can read the early answer.
/// Returns whether the body reached its end.
pub(crate) async fn drain(slot: &Slot, max_bytes: u64, max_time: Duration) -> bool {
    let Some(mut body) = slot.lock().unwrap_or_else(PoisonError::into_inner).take() else {
        return false;
    };
    let deadline = Instant::now() + max_time;
    let mut read = 0u64;
    while read <= max_bytes {
        // A client that pauses is not waited for long (nginx's
        // lingering_timeout).
        let next = deadline.min(Instant::now() + DRAIN_GAP);
        match tokio::time::timeout_at(next, body.next()).await {
            Ok(Some(Ok(chunk))) => read += chunk.len() as u64,
            Ok(None) => return true,
            Ok(Some(Err(_))) | Err(_) => return false,
        }
    }
    false
}
