//! One callback's account: what it holds, and the permits behind it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, TryAcquireError};

use super::{Budget, CALLBACK_BUFFERS, Overloaded, TICKET};

/// What a wait on the unverified pool ended with.
enum Acquired {
    Permit(Option<OwnedSemaphorePermit>),
    Verified,
}

/// One callback's share of the budget. Dropping it returns every permit.
#[derive(Debug)]
pub(crate) struct Account {
    budget: Arc<Budget>,
    content_length: Option<u64>,
    state: Mutex<State>,
    verified_notify: Notify,
}

#[derive(Debug, Default)]
struct State {
    verified: bool,
    /// Admitted to the budget proper: the claim was granted.
    claimed: bool,
    /// Body bytes charged so far.
    received: u64,
    /// Bytes charged and not yet released.
    held: usize,
    /// Permits of the verified pool, once claimed: at least `held`.
    verified_permits: Option<OwnedSemaphorePermit>,
    /// Permits of the unverified pool, until claimed: exactly `held`.
    unverified: Option<OwnedSemaphorePermit>,
    waited: bool,
}

/// What one charge draws from the pools. A stranger draws on the
/// unverified pool only, exactly what it holds; a verified callback on the
/// verified pool only, by claims. The two never wait on each other.
#[derive(Debug, Clone, Copy)]
enum Draw {
    /// A stranger: this many more permits of the unverified pool.
    Unverified(usize),
    /// A verified callback claiming (again) what the rest of its body can
    /// make it hold: this many more permits of the verified pool.
    Claim(usize),
    /// A verified callback whose claim covers the charge.
    Covered,
}

impl State {
    fn owned(permit: &Option<OwnedSemaphorePermit>) -> usize {
        permit.as_ref().map_or(0, OwnedSemaphorePermit::num_permits)
    }

    /// What charging `n` bytes (or claiming, with `claim`) draws.
    fn draw(&self, n: usize, claim: bool, account: &Account) -> Draw {
        let need = self.held + n;
        if !self.verified {
            return Draw::Unverified(
                need.max(TICKET)
                    .saturating_sub(Self::owned(&self.unverified)),
            );
        }
        let owned = Self::owned(&self.verified_permits);
        if !claim && self.claimed && need <= owned {
            return Draw::Covered;
        }
        let rest = account
            .content_length
            .map_or(u64::MAX, |len| len.saturating_sub(self.received + n as u64));
        let rest = usize::try_from(rest).unwrap_or(usize::MAX);
        let want = need.max(
            need.saturating_add(rest)
                .saturating_add(CALLBACK_BUFFERS)
                .min(account.budget.per_callback),
        );
        Draw::Claim(want.saturating_sub(owned))
    }

    /// Keeps the permit a draw obtained.
    fn keep(&mut self, draw: Draw, permit: Option<OwnedSemaphorePermit>) {
        let slot = match draw {
            Draw::Unverified(_) => &mut self.unverified,
            Draw::Claim(_) | Draw::Covered => &mut self.verified_permits,
        };
        if let Some(permit) = permit {
            match slot {
                Some(owned) => owned.merge(permit),
                None => *slot = Some(permit),
            }
        }
        if let Draw::Claim(_) = draw {
            // Admitted: what it holds leaves the unverified pool only now,
            // so callbacks waiting for a claim hold nothing of the verified
            // pool, which first claims therefore never wait on.
            self.claimed = true;
            self.unverified = None;
        }
    }
}

impl Account {
    pub(super) fn open(budget: Arc<Budget>, content_length: Option<u64>) -> Arc<Self> {
        Arc::new(Self {
            budget,
            content_length,
            state: Mutex::new(State::default()),
            verified_notify: Notify::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Charges `n` bytes that just arrived, first taking the permits they
    /// need (waiting at most the admission timeout). A verified callback
    /// that holds fewer permits than that (it gave its claim back during a
    /// stall) claims the rest of its body again.
    pub(crate) async fn charge(self: Arc<Self>, n: usize) -> Result<(), Overloaded> {
        self.grow(n, false).await
    }

    /// Claims, once the secret is proved, what the rest of the body can
    /// make the callback hold: admission to the budget proper. Made by the
    /// body reader, in turn with its charges, so that a callback never has
    /// two waits queued at once.
    pub(crate) async fn claim(self: Arc<Self>) -> Result<(), Overloaded> {
        self.grow(0, true).await
    }

    /// Verified, and the claim not yet made.
    pub(crate) fn needs_claim(&self) -> bool {
        let s = self.state();
        s.verified && !s.claimed
    }

    async fn grow(&self, n: usize, claim: bool) -> Result<(), Overloaded> {
        loop {
            let draw = self.state().draw(n, claim, self);
            let permit = match draw {
                Draw::Unverified(more) => match self.acquire_unverified(more).await? {
                    Acquired::Permit(permit) => permit,
                    // Verified meanwhile: claim instead.
                    Acquired::Verified => continue,
                },
                Draw::Claim(more) => self.acquire(&self.budget.verified, more).await?,
                Draw::Covered => None,
            };
            let mut s = self.state();
            s.keep(draw, permit);
            s.held += n;
            s.received += n as u64;
            self.budget.gauge.add(n);
            return Ok(());
        }
    }

    async fn acquire(
        &self,
        semaphore: &Arc<Semaphore>,
        n: usize,
    ) -> Result<Option<OwnedSemaphorePermit>, Overloaded> {
        if n == 0 {
            return Ok(None);
        }
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        match semaphore.clone().try_acquire_many_owned(n) {
            Ok(permit) => return Ok(Some(permit)),
            Err(TryAcquireError::Closed) => return Err(Overloaded(self.budget.wait)),
            Err(TryAcquireError::NoPermits) => self.state().waited = true,
        }
        let wait = self.budget.wait;
        let since = tokio::time::Instant::now();
        let acquired = tokio::time::timeout(wait, semaphore.clone().acquire_many_owned(n)).await;
        crate::metrics::budget_wait(since.elapsed());
        match acquired {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(Overloaded(wait)),
        }
    }

    /// Waits for the unverified pool, unless the secret is proved
    /// meanwhile: the charge is then made as a claim on the verified pool.
    async fn acquire_unverified(&self, n: usize) -> Result<Acquired, Overloaded> {
        let verified = self.verified_notify.notified();
        tokio::pin!(verified);
        verified.as_mut().enable();
        if self.is_verified() {
            return Ok(Acquired::Verified);
        }
        tokio::select! {
            acquired = self.acquire(&self.budget.unverified, n) => acquired.map(Acquired::Permit),
            () = verified => Ok(Acquired::Verified),
        }
    }

    /// Releases `n` charged bytes that the sink dropped.
    pub(crate) fn release(&self, n: usize) {
        let mut s = self.state();
        let n = n.min(s.held);
        s.held -= n;
        let keep = s.held.max(TICKET);
        if let Some(permit) = s.unverified.as_mut() {
            drop(permit.split(permit.num_permits().saturating_sub(keep)));
        }
        self.budget.gauge.sub(n);
    }

    /// The secret is proved; the body reader makes the
    /// [`claim`](Self::claim) next.
    pub(crate) fn verified(&self) {
        self.state().verified = true;
        self.verified_notify.notify_waiters();
    }

    /// The client stalled: give back the claim beyond what is held, so a
    /// stalled callback keeps only the bytes it sent.
    pub(crate) fn shrink(&self) {
        let mut s = self.state();
        let held = s.held;
        if let Some(permit) = s.verified_permits.as_mut() {
            let spare = permit.num_permits().saturating_sub(held);
            drop(permit.split(spare));
        }
    }

    /// Whether the account holds permits it does not use (a claim that
    /// [`shrink`](Self::shrink) would give back).
    pub(crate) fn has_spare(&self) -> bool {
        let s = self.state();
        State::owned(&s.verified_permits) > s.held
    }

    /// Whether the secret was proved.
    pub(crate) fn is_verified(&self) -> bool {
        self.state().verified
    }

    /// Whether any charge had to wait: the sink is saturated.
    pub(crate) fn waited(&self) -> bool {
        self.state().waited
    }

    /// Body bytes charged so far.
    pub(crate) fn received(&self) -> u64 {
        self.state().received
    }

    /// Bytes held now.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.state().held
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let held = self.state().held;
        self.budget.gauge.sub(held);
    }
}
