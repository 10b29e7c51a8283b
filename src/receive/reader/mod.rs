//! The request body as the form parser reads it: every byte charged to the
//! callback's account before the parser sees it (`charge.rs`), in bounded
//! bursts, under the clocks a client cannot evade (`clocks.rs`).

use std::pin::Pin;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::bounds::{BURST, BodyError, MAX_PARSER_HOLD, Progress, Timing};
use super::slot::Slot;
use crate::BoxError;
use crate::receive::budget::Account;

mod charge;
mod clocks;

use charge::Charges;
use clocks::Clocks;

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
    charges: Charges,
    clocks: Clocks,
    /// Bytes handed on in the current delivery run.
    burst: usize,
    /// A delivery run began: the parser has parsed what it had.
    run_start: bool,
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
            charges: Charges::new(account.clone()),
            account,
            progress,
            clocks: Clocks::new(timing),
            burst: 0,
            run_start: true,
            done: false,
        }
    }

    fn fail(&mut self, error: BodyError) -> Poll<Option<Result<Bytes, BoxError>>> {
        self.done = true;
        Poll::Ready(Some(Err(Box::new(error))))
    }

    /// At the start of a run, the parser must have moved since the last
    /// one and the secret must not be overdue.
    fn check_run(&mut self) -> Option<BodyError> {
        if !std::mem::take(&mut self.run_start) {
            return None;
        }
        if self.progress.since() >= MAX_PARSER_HOLD {
            return Some(BodyError::ParserStall);
        }
        self.clocks.secret_overdue(&self.account)
    }

    /// Ends the run: the parser gets to parse what it was handed.
    fn end_run(&mut self) {
        self.burst = 0;
        self.run_start = true;
    }
}

impl Stream for BodyReader {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        this.clocks.paused(this.progress.take_paused());
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let mut budget_waited = Duration::ZERO;
            let charged = this.charges.poll(cx, &mut budget_waited);
            this.clocks.budget_waited(budget_waited);
            match charged {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(overloaded)) => {
                    return this.fail(BodyError::Overloaded(overloaded));
                }
                Poll::Ready(Ok(Some(chunk))) => {
                    this.burst += chunk.len();
                    this.progress.handed(chunk.len());
                    return Poll::Ready(Some(Ok(chunk)));
                }
                Poll::Ready(Ok(None)) => {}
            }
            if let Some(error) = this.check_run() {
                return this.fail(error);
            }
            if this.burst >= BURST {
                this.end_run();
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if this.charges.start_next() {
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
                    this.clocks.arrived(chunk.len());
                    if !chunk.is_empty() {
                        this.charges.start(chunk);
                    }
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
                    this.end_run();
                    return match this.clocks.poll(cx, &this.account) {
                        Poll::Ready(error) => this.fail(error),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }
}
