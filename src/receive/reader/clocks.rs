//! The clocks a client cannot evade while the reader waits for it: idle,
//! minimum rate, the secret's deadline, and the stall after which a claim
//! shrinks to what is held. Time the sink spends waiting on the store or
//! the budget does not count.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::super::bounds::{BodyError, STALL, Timing};
use crate::receive::budget::Account;

pub(super) struct Clocks {
    timing: Timing,
    /// Body bytes received, and time spent waiting for them, for the rate.
    received: u64,
    waited: Duration,
    /// Since when the reader waits for the client, if it does.
    waiting_since: Option<Instant>,
    timer: Option<Pin<Box<Sleep>>>,
    shrunk: bool,
}

impl Clocks {
    pub(super) fn new(timing: Timing) -> Self {
        Self {
            timing,
            received: 0,
            waited: Duration::ZERO,
            waiting_since: None,
            timer: None,
            shrunk: false,
        }
    }

    /// The sink paused (waiting on the store): not the client's silence.
    pub(super) fn paused(&mut self, paused: Duration) {
        if let Some(since) = self.waiting_since.as_mut() {
            *since = (*since + paused).min(Instant::now());
        }
    }

    /// A charge waited for budget: the secret's deadline moves by as much.
    pub(super) fn budget_waited(&mut self, waited: Duration) {
        self.timing.verify_by += waited;
    }

    /// The client sent a chunk: the waiting clock stops.
    pub(super) fn arrived(&mut self, len: usize) {
        if let Some(since) = self.waiting_since.take() {
            self.waited += since.elapsed();
        }
        self.received += len as u64;
        self.shrunk = false;
    }

    /// The secret's deadline passed without the secret proved.
    pub(super) fn secret_overdue(&self, account: &Account) -> Option<BodyError> {
        let t = &self.timing;
        (!account.is_verified() && Instant::now() >= t.verify_by)
            .then_some(BodyError::Unverified(t.verify_timeout))
    }

    /// Waits for the next clock while the client is silent: `Ready` with
    /// the bound it broke. A stall shrinks the account's claim and waits
    /// on.
    pub(super) fn poll(&mut self, cx: &mut Context<'_>, account: &Account) -> Poll<BodyError> {
        let since = *self.waiting_since.get_or_insert_with(Instant::now);
        loop {
            let (at, error) = self.next_deadline(since, account);
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
                Some(error) => return Poll::Ready(error),
                None => {
                    // A stall: keep only what is held, then wait on.
                    account.shrink();
                    self.shrunk = true;
                }
            }
        }
    }

    /// The earliest moment one of the clocks needs looking at, and what
    /// it finds then, while the reader waits for the client since `since`.
    fn next_deadline(&self, since: Instant, account: &Account) -> (Instant, Option<BodyError>) {
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
        if !account.is_verified() {
            consider(t.verify_by, Some(BodyError::Unverified(t.verify_timeout)));
        }
        if !self.shrunk && account.has_spare() {
            consider(since + STALL, None);
        }
        next
    }
}
