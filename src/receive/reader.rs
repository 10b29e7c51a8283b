//! The request body as the form parser reads it: every byte charged to the
//! callback's account before the parser sees it, in bounded bursts, under
//! the clocks a client cannot evade.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{Stream, StreamExt};
use tokio::time::{Instant, Sleep};

use super::bounds::{BURST, BodyError, MAX_PARSER_HOLD, Progress, STALL, Timing};
use super::slot::Slot;
use crate::BoxError;
use crate::receive::budget::{Account, Overloaded};

/// Wraps the body stream for the parser.
///
/// multer pulls from its stream until the stream is pending, appending
/// every chunk to one buffer; returning pending (with an immediate wake)
/// once a burst reaches [`BURST`] bytes keeps that buffer to about a burst.
/// Each chunk is charged to the account before it is handed on; while the
/// budget is spent the chunk waits here and nothing more is read, so the
/// client meets backpressure.
///
/// The clocks run only while the reader waits for the client: time spent
/// waiting on the store or the budget does not count against it.
pub(crate) struct BodyReader {
    inner: Slot,
    account: Arc<Account>,
    progress: Arc<Progress>,
    timing: Timing,
    charging: Option<(Bytes, BoxFuture<'static, Result<(), Overloaded>>)>,
    /// What is left of a chunk larger than a burst, charged next.
    rest: Option<Bytes>,
    budget_wait_since: Option<Instant>,
    ticketed: bool,
    burst: usize,
    /// A delivery run began: the parser has parsed what it had.
    run_start: bool,
    /// Body bytes received, and time spent waiting for them, for the rate.
    received: u64,
    waited: Duration,
    waiting_since: Option<Instant>,
    timer: Option<Pin<Box<Sleep>>>,
    shrunk: bool,
    done: bool,
}

impl BodyReader {
    pub(crate) fn new(
        inner: Slot,
        account: Arc<Account>,
        progress: Arc<Progress>,
        timing: Timing,
    ) -> Self {
        Self {
            inner,
            account,
            progress,
            timing,
            charging: None,
            rest: None,
            budget_wait_since: None,
            ticketed: false,
            burst: 0,
            run_start: true,
            received: 0,
            waited: Duration::ZERO,
            waiting_since: None,
            timer: None,
            shrunk: false,
            done: false,
        }
    }

    /// Charges the next piece of a chunk: at most a burst at a time, so
    /// that no single charge outgrows the unverified share.
    fn start_charge(&mut self, mut chunk: Bytes) {
        if chunk.len() > BURST {
            self.rest = Some(chunk.split_off(BURST));
        }
        let charge = self.account.clone().charge(chunk.len());
        self.charging = Some((chunk, Box::pin(charge)));
    }

    fn fail(&mut self, error: BodyError) -> Poll<Option<Result<Bytes, BoxError>>> {
        self.done = true;
        Poll::Ready(Some(Err(Box::new(error))))
    }

    /// The client sent a chunk: stop the waiting clock.
    fn arrived(&mut self, len: usize) {
        if let Some(since) = self.waiting_since.take() {
            self.waited += since.elapsed();
        }
        self.received += len as u64;
        self.shrunk = false;
    }

    /// The earliest moment one of the clocks needs looking at, and what
    /// it finds then, while the reader waits for the client since `since`.
    fn next_deadline(&self, since: Instant) -> (Instant, Option<BodyError>) {
        let t = &self.timing;
        let mut next = (since + t.idle, Some(BodyError::Idle(t.idle)));
        let mut consider = |at: Instant, error: Option<BodyError>| {
            if at < next.0 {
                next = (at, error);
            }
        };
        if t.min_rate > 0 {
            let allowed = t.grace.max(Duration::from_secs_f64(
                self.received as f64 / t.min_rate as f64,
            ));
            let at = since + allowed.saturating_sub(self.waited);
            consider(at, Some(BodyError::TooSlow(t.min_rate)));
        }
        if !self.account.is_verified() {
            consider(t.verify_by, Some(BodyError::Unverified(t.verify_timeout)));
        }
        if !self.shrunk && self.account.has_spare() {
            consider(since + STALL, None);
        }
        next
    }

    fn poll_clocks(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BoxError>>> {
        let now = Instant::now();
        let since = *self.waiting_since.get_or_insert(now);
        loop {
            let (at, error) = self.next_deadline(since);
            let timer = self
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
            if timer.deadline() != at {
                timer.as_mut().reset(at);
            }
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            match error {
                Some(error) => return self.fail(error),
                None => {
                    // A stall: keep only what is held, then wait on.
                    self.account.shrink();
                    self.shrunk = true;
                }
            }
        }
    }
}

impl Stream for BodyReader {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let paused = this.progress.take_paused();
        if let Some(since) = this.waiting_since.as_mut() {
            // The sink's own wait is not the client's silence.
            *since = (*since + paused).min(Instant::now());
        }
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some((_, charge)) = this.charging.as_mut() {
                let started = *this.budget_wait_since.get_or_insert_with(Instant::now);
                let polled = charge.as_mut().poll(cx);
                if polled.is_ready() {
                    // Time spent waiting for budget is the sink's, not the
                    // client's: the secret's deadline moves by as much.
                    this.budget_wait_since = None;
                    this.timing.verify_by += started.elapsed();
                }
                match polled {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(overloaded)) => {
                        this.charging = None;
                        return this.fail(BodyError::Overloaded(overloaded));
                    }
                    Poll::Ready(Ok(())) => {
                        let Some((chunk, _)) = this.charging.take() else {
                            continue;
                        };
                        if chunk.is_empty() {
                            // A claim, not a chunk.
                            continue;
                        }
                        this.burst += chunk.len();
                        this.progress.handed(chunk.len());
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                }
            }
            if this.run_start {
                this.run_start = false;
                if this.progress.since() >= MAX_PARSER_HOLD {
                    return this.fail(BodyError::ParserStall);
                }
                if !this.account.is_verified() && Instant::now() >= this.timing.verify_by {
                    return this.fail(BodyError::Unverified(this.timing.verify_timeout));
                }
            }
            if this.burst >= BURST {
                this.burst = 0;
                this.run_start = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if this.account.needs_claim() {
                // Verified: admission to the budget proper, before reading on.
                let claim = this.account.clone().claim();
                this.charging = Some((Bytes::new(), Box::pin(claim)));
                continue;
            }
            if let Some(rest) = this.rest.take() {
                this.start_charge(rest);
                continue;
            }
            if this.received == 0 && !this.ticketed {
                // Nothing read yet: take the stranger's ticket first, so
                // that callbacks beyond the pool wait unread.
                this.ticketed = true;
                let ticket = this.account.clone().charge(0);
                this.charging = Some((Bytes::new(), Box::pin(ticket)));
                continue;
            }
            let polled = {
                let mut inner = this.inner.lock().unwrap_or_else(PoisonError::into_inner);
                match inner.as_mut() {
                    Some(inner) => inner.poll_next_unpin(cx),
                    None => Poll::Ready(None),
                }
            };
            match polled {
                Poll::Ready(Some(Ok(chunk))) => {
                    this.arrived(chunk.len());
                    if chunk.is_empty() {
                        continue;
                    }
                    this.start_charge(chunk);
                }
                Poll::Ready(Some(Err(error))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(error)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {
                    this.burst = 0;
                    this.run_start = true;
                    return this.poll_clocks(cx);
                }
            }
        }
    }
}
