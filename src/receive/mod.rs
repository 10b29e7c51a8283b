//! The receive pipeline, framework-agnostic: a request's headers and a
//! stream of body bytes in, a [`Received`] out. It reads top to bottom as
//! the flow:
//!
//! 1. [`receive`] opens the callback's account on the memory budget and
//!    checks the framing (`Content-Type`, a declared length over the
//!    limit) before a byte is read;
//! 2. the body goes to the form parser through the [`reader`], which
//!    charges every byte before the parser sees it and keeps the clocks
//!    (idle, minimum rate, secret deadline);
//! 3. [`fields`] walks the form; the secret is checked by [`verify`]
//!    (static, minted, then looked up by token), and the file, identified
//!    by [`sniff`], is held, staged, streamed or dropped by [`file`] as
//!    the fields before it allow;
//! 4. [`file::finish`] makes the capture visible, or aborts, and builds the
//!    outcome;
//! 5. after a rejection, what is left of the body is drained ([`slot`]),
//!    so that a client still sending reads the answer.

use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use futures_util::Stream;
use http::HeaderMap;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, EXPECT};
use multer::{Constraints, Multipart, SizeLimit};
use tokio::time::Instant;

use crate::configure::runtime::Config;
use crate::receive::budget::Account;
use crate::{BoxError, Outcome, Received, Rejection, RejectionKind};

mod bounds;
pub(crate) mod budget;
pub(crate) mod coalesce;
mod context;
mod describe;
mod destination;
mod fields;
mod file;
mod reader;
mod slot;
#[cfg(test)]
mod tests;
pub(crate) mod wording;

use bounds::{Progress, Timing};
use context::Context;
use fields::Form;
use reader::BodyReader;
use slot::Slot;

/// How much of a refused body is read and dropped, at most, in multiples
/// of the body limit (a body declared over the limit is drained too).
const DRAIN_FACTOR: u64 = 4;

/// Receives one callback, in a `callback` span that carries its token
/// once read (every line logged meanwhile has it), and says so in the log
/// if the callback is dropped before its answer (the client went away).
pub(crate) async fn receive<S, E>(config: &Arc<Config>, headers: &HeaderMap, body: S) -> Received
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    use tracing::Instrument;
    let span = tracing::info_span!("callback", token = tracing::field::Empty);
    async move {
        let mut unanswered = Unanswered(true);
        let received = receive_in_span(config, headers, body).await;
        unanswered.0 = false;
        received
    }
    .instrument(span)
    .await
}

/// Logs a callback dropped before its answer, inside its span.
struct Unanswered(bool);

impl Drop for Unanswered {
    fn drop(&mut self) {
        if self.0 {
            tracing::info!("callback cancelled before its answer (the client went away)");
        }
    }
}

/// Receives one callback, within its span: the framing checked and the
/// stranger's ticket taken in this small future, so that callbacks beyond
/// the unverified pool wait holding little more than their connection;
/// everything else (the parser, the upload, the answer) is allocated once
/// admitted.
async fn receive_in_span<S, E>(config: &Arc<Config>, headers: &HeaderMap, body: S) -> Received
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    let started = Instant::now();
    let received_at = Utc::now();
    let slot = slot::slot(body);
    let declared = content_length(headers);
    let account = config.budget.open(declared);
    crate::metrics::buffered(config.budget.gauge().current());
    let admitted = match framing(headers, declared, &config.limits) {
        Ok(boundary) => match account.clone().charge(0).await {
            Ok(()) => Ok(boundary),
            Err(overloaded) => Err(wording::overloaded(overloaded)),
        },
        Err(rejection) => Err(rejection),
    };
    let arrival = Arrival {
        slot,
        account,
        started,
        received_at,
    };
    Box::pin(answer(config, headers, arrival, admitted)).await
}

/// A callback as it arrived: its body, its account, and when.
struct Arrival {
    slot: Slot,
    account: Arc<Account>,
    started: Instant,
    received_at: chrono::DateTime<Utc>,
}

/// Reads an admitted callback, then everything its answer needs: the link,
/// the event for the app, the metrics and the log line, and the drain of
/// what is left after an early answer.
async fn answer(
    config: &Arc<Config>,
    headers: &HeaderMap,
    arrival: Arrival,
    admitted: Result<String, Rejection>,
) -> Received {
    let Arrival {
        slot,
        account,
        started,
        received_at,
    } = arrival;
    let mut result = match admitted {
        Ok(boundary) => read(config, boundary, &slot, &account, received_at).await,
        Err(rejection) => Err(rejection),
    };
    match (&mut result, &config.links) {
        (Ok(Outcome::Stored(stored)), Some(links)) => stored.url = links.url(&stored.key).await,
        (Ok(Outcome::AlreadyStored(existing)), links) => {
            describe::existing(config, existing).await;
            if let Some(links) = links {
                existing.url = links.url(&existing.key).await;
            }
        }
        _ => {}
    }
    #[cfg(feature = "notify")]
    if let (Ok(outcome), Some(notifier)) = (&result, &config.notifier)
        && let Err(error) = notifier.record(outcome, received_at).await
    {
        result = Err(wording::unrecorded(error));
    }
    let saturated = account.waited();
    // A client waiting for `100 Continue` before it sends the body has not
    // been told to go on if nothing was read: do not invite the body now.
    let expects_continue = headers
        .get(EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
        && account.received() == 0;
    // Whatever the callback held is released before any drain.
    drop(account);
    crate::metrics::buffered(config.budget.gauge().current());
    let elapsed = started.elapsed();
    crate::metrics::callback(&result, elapsed);
    log(&result, elapsed);
    let incomplete = match &result {
        Ok(_) => false,
        // The client is too slow or silent: do not wait on it any longer.
        Err(r) if r.kind() == RejectionKind::Timeout || expects_continue => true,
        // An early answer: read the rest so that the client, still
        // sending, gets to read it (as Kestrel drains and nginx lingers).
        // Drains are capped: each can grow the HTTP server's read buffer,
        // outside the budget. Past the cap, the answer closes at once.
        Err(_) => match config.drains.try_acquire() {
            Ok(_draining) => {
                let limits = &config.limits;
                let most = DRAIN_FACTOR.saturating_mul(limits.body_size());
                !slot::drain(&slot, most, limits.linger_timeout).await
            }
            Err(_) => {
                crate::metrics::drain_skipped();
                true
            }
        },
    };
    Received::new(result, saturated, incomplete)
}

/// Checks the framing before a byte is read: a multipart boundary, and no
/// declared length over the limit. Returns the boundary.
fn framing(
    headers: &HeaderMap,
    declared: Option<u64>,
    limits: &crate::configure::runtime::Limits,
) -> Result<String, Rejection> {
    let boundary = boundary(headers)?;
    if let Some(len) = declared.filter(|len| *len > limits.body_size()) {
        return Err(Rejection::new(
            RejectionKind::TooLarge,
            format!(
                "request body of {len} bytes is larger than {} bytes",
                limits.body_size()
            ),
        ));
    }
    Ok(boundary)
}

/// Reads the form through the body reader; the reader's clocks start now,
/// once the callback is admitted.
async fn read(
    config: &Arc<Config>,
    boundary: String,
    slot: &Slot,
    account: &Arc<Account>,
    received_at: chrono::DateTime<Utc>,
) -> Result<Outcome, Rejection> {
    let limits = &config.limits;
    let constraints = Constraints::new().size_limit(
        SizeLimit::new()
            .whole_stream(limits.body_size())
            .per_field(limits.max_text_field_size)
            .for_field("file", limits.max_file_size),
    );
    let progress = Arc::new(Progress::default());
    let timing = Timing {
        idle: limits.idle_timeout,
        min_rate: limits.min_data_rate,
        grace: limits.min_data_rate_grace,
        verify_by: Instant::now() + limits.verify_timeout,
        verify_timeout: limits.verify_timeout,
    };
    let body = BodyReader::new(slot.clone(), account.clone(), progress.clone(), timing);
    let mut multipart = Multipart::with_constraints(body, boundary, constraints);
    let ctx = Context {
        config: config.clone(),
        account: account.clone(),
        progress,
        timing,
        received_at,
    };
    Form::new(ctx).read(&mut multipart).await
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn boundary(headers: &HeaderMap) -> Result<String, Rejection> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(wording::not_multipart)?;
    multer::parse_boundary(content_type).map_err(|e| match e {
        multer::Error::NoBoundary => Rejection::new(
            RejectionKind::Malformed,
            "multipart/form-data without a boundary",
        ),
        _ => wording::not_multipart(),
    })
}

/// One line per callback, with its outcome and how long it took.
fn log(result: &Result<Outcome, Rejection>, elapsed: std::time::Duration) {
    let ms = elapsed.as_millis() as u64;
    use std::error::Error as _;
    match result {
        Ok(Outcome::Stored(s)) => tracing::info!(
            key = %s.key, token = %s.token, format = %s.format, size = s.size,
            width = s.width, height = s.height, ms,
            // Without its query: a presigned URL's signature is a credential.
            url = s.url.as_deref().and_then(|u| u.split('?').next()),
            "capture stored"
        ),
        Ok(Outcome::AlreadyStored(e)) => tracing::info!(
            key = %e.key, token = %e.token, ms, "capture already stored; not written again"
        ),
        Ok(Outcome::RenderFailed(r)) => tracing::info!(
            token = %r.token.as_deref().unwrap_or(""), status = %r.status.escape_debug(), ms,
            "render failure acknowledged"
        ),
        Err(r) => tracing::warn!(
            kind = ?r.kind(), status = r.status().as_u16(), reason = %r.reason().escape_debug(),
            error = r.source().map(tracing::field::display), ms,
            "callback rejected"
        ),
    }
}
