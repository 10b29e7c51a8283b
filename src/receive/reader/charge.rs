//! What the reader asks of the callback's account before it reads on: a
//! chunk's bytes (a burst at a time), the verified callback's claim (the
//! stranger's ticket was taken before the reader was made).

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use tokio::time::Instant;

use super::super::bounds::BURST;
use crate::receive::budget::{Account, Overloaded};

/// The charge under way, if any, and what is charged next.
pub(super) struct Charges {
    account: Arc<Account>,
    /// The bytes charged (empty for a claim) and the charge.
    pending: Option<(Bytes, BoxFuture<'static, Result<(), Overloaded>>)>,
    /// What is left of a chunk larger than a burst.
    rest: Option<Bytes>,
    /// Since when the charge under way has waited for budget.
    waiting_since: Option<Instant>,
}

impl Charges {
    pub(super) fn new(account: Arc<Account>) -> Self {
        Self {
            account,
            pending: None,
            rest: None,
            waiting_since: None,
        }
    }

    /// Polls the charge under way: a chunk charged and ready to hand on,
    /// `None` when nothing is under way (or a claim was
    /// granted). `budget_waited` grows by the time a granted charge waited
    /// for budget: the sink's time, not the client's.
    pub(super) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        budget_waited: &mut Duration,
    ) -> Poll<Result<Option<Bytes>, Overloaded>> {
        let Some((_, charge)) = self.pending.as_mut() else {
            return Poll::Ready(Ok(None));
        };
        let started = *self.waiting_since.get_or_insert_with(Instant::now);
        let granted = match charge.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(granted) => granted,
        };
        self.waiting_since = None;
        *budget_waited += started.elapsed();
        let chunk = self.pending.take().map(|(chunk, _)| chunk);
        Poll::Ready(granted.map(|()| chunk.filter(|c| !c.is_empty())))
    }

    /// Starts what must be charged before the client is read again: the
    /// claim once verified, the rest of a large chunk. `false` when there
    /// is none.
    pub(super) fn start_next(&mut self) -> bool {
        if self.account.needs_claim() {
            // Verified: admission to the budget proper, before reading on.
            let claim = self.account.clone().claim();
            self.pending = Some((Bytes::new(), Box::pin(claim)));
        } else if let Some(rest) = self.rest.take() {
            self.start(rest);
        } else {
            return false;
        }
        true
    }

    /// Charges a chunk from the client, at most a burst at a time so that
    /// no single charge outgrows the unverified share.
    pub(super) fn start(&mut self, mut chunk: Bytes) {
        if chunk.len() > BURST {
            self.rest = Some(chunk.split_off(BURST));
        }
        let charge = self.account.clone().charge(chunk.len());
        self.pending = Some((chunk, Box::pin(charge)));
    }
}
