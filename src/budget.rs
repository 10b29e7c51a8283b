//! Memory accounting: what each callback holds, charged as its bytes
//! arrive, against a sink-wide budget split into two pools: one for
//! callbacks that have not proved their secret, one for those that have.
//!
//! Every body byte is charged to its callback's [`Account`] when it arrives
//! from the client, before the form parser sees it, and released when the
//! sink drops it (a text field parsed, a part uploaded, a drained file).
//! The account owns permits of one pool at a time:
//!
//! - before the secret is proved, what it holds (at least a [`TICKET`],
//!   taken before its first body byte is read), from the unverified pool:
//!   strangers can only crowd out each other;
//! - once verified, a claim on the verified pool for what the rest of the
//!   body can make it hold (the remaining `Content-Length` plus
//!   [`CALLBACK_BUFFERS`], at most the per-callback bound), taken in one go,
//!   in arrival order, while it holds nothing of that pool: first claims
//!   cannot deadlock each other, and those admitted finish without waiting
//!   again; what it held moves over from the unverified pool then;
//! - a callback whose client stalls gives its unused claim back (see
//!   [`Account::shrink`]): it keeps only what it holds, and claims again
//!   when its client resumes.
//!
//! No wait for permits lasts longer than the admission timeout: a callback
//! that cannot get them in time is answered 503, and whatever it held is
//! released.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, TryAcquireError};

/// What a verified callback claims beyond what its body can still bring:
/// the buffers that carry a body whatever its size (the HTTP server's read
/// buffer, the parser's, the burst handed to it), which the account does
/// not see. Claiming them keeps the number of callbacks read at once, and
/// so the process's memory, in proportion to the budget when files are
/// small.
pub(crate) const CALLBACK_BUFFERS: usize = 256 * 1024;

/// What a stranger holds of the unverified pool at least, from before it
/// reads its first body byte: about what an idle connection's buffers
/// weigh, so that the number of strangers read at once stays in
/// proportion to the pool.
pub(crate) const TICKET: usize = 16 * 1024;

/// Bytes held by the sink right now (body bytes received and not yet
/// dropped: in the parser, in held files, in parts waiting or in flight),
/// and the most ever held at once.
#[derive(Debug, Default)]
pub(crate) struct Gauge {
    current: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    pub(crate) fn current(&self) -> usize {
        self.current.load(Ordering::Relaxed)
    }

    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    fn add(&self, bytes: usize) {
        let now = self.current.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    fn sub(&self, bytes: usize) {
        self.current.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// The sink-wide budget.
#[derive(Debug)]
pub(crate) struct Budget {
    /// The budget less the unverified pool: verified callbacks' claims.
    verified: Arc<Semaphore>,
    unverified: Arc<Semaphore>,
    gauge: Arc<Gauge>,
    per_callback: usize,
    wait: Duration,
}

/// The sink could not give a callback the memory it needs within the
/// admission timeout.
#[derive(Debug)]
pub(crate) struct Overloaded(pub(crate) Duration);

impl std::fmt::Display for Overloaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no memory budget free within {:?}", self.0)
    }
}

impl std::error::Error for Overloaded {}

impl Budget {
    /// `total` bytes for all callbacks: a pool of `unverified` bytes for
    /// callbacks that have not proved their secret, the rest for claims of
    /// at most `per_callback`; no wait lasts longer than `wait`.
    pub(crate) fn new(
        total: usize,
        unverified: usize,
        per_callback: usize,
        wait: Duration,
    ) -> Self {
        Self {
            verified: Arc::new(Semaphore::new(
                total.saturating_sub(unverified).min(Semaphore::MAX_PERMITS),
            )),
            unverified: Arc::new(Semaphore::new(unverified.min(total))),
            gauge: Arc::default(),
            per_callback,
            wait,
        }
    }

    pub(crate) fn gauge(&self) -> &Gauge {
        &self.gauge
    }

    /// Opens the account of one callback.
    pub(crate) fn open(self: &Arc<Self>, content_length: Option<u64>) -> Arc<Account> {
        Arc::new(Account {
            budget: self.clone(),
            content_length,
            state: Mutex::new(State::default()),
            verified_notify: Notify::new(),
        })
    }
}

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

impl State {
    fn owned(permit: &Option<OwnedSemaphorePermit>) -> usize {
        permit.as_ref().map_or(0, OwnedSemaphorePermit::num_permits)
    }
}

impl Account {
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
            // A stranger draws on the unverified pool only, exactly what it
            // holds; a verified callback on the verified pool only, by
            // claims. The two never wait on each other.
            let (verified, more, claiming) = {
                let s = self.state();
                let need = s.held + n;
                if !s.verified {
                    (
                        false,
                        need.max(TICKET).saturating_sub(State::owned(&s.unverified)),
                        false,
                    )
                } else {
                    let owned = State::owned(&s.verified_permits);
                    if claim || !s.claimed || need > owned {
                        let rest = self
                            .content_length
                            .map_or(u64::MAX, |len| len.saturating_sub(s.received + n as u64));
                        let rest = usize::try_from(rest).unwrap_or(usize::MAX);
                        let want = need.max(
                            need.saturating_add(rest)
                                .saturating_add(CALLBACK_BUFFERS)
                                .min(self.budget.per_callback),
                        );
                        (true, want.saturating_sub(owned), true)
                    } else {
                        (true, 0, false)
                    }
                }
            };
            let permit = if verified {
                self.acquire(&self.budget.verified, more).await?
            } else {
                match self.acquire_unverified(more).await? {
                    Acquired::Permit(permit) => permit,
                    // Verified meanwhile: claim instead.
                    Acquired::Verified => continue,
                }
            };
            let mut s = self.state();
            let s = &mut *s;
            let slot = if verified {
                &mut s.verified_permits
            } else {
                &mut s.unverified
            };
            if let Some(permit) = permit {
                match slot {
                    Some(owned) => owned.merge(permit),
                    None => *slot = Some(permit),
                }
            }
            if claiming {
                // Admitted: what it holds leaves the unverified pool only
                // now, so callbacks waiting for a claim hold nothing of the
                // verified pool, which first claims therefore never wait on.
                s.claimed = true;
                s.unverified = None;
            }
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
        match tokio::time::timeout(wait, semaphore.clone().acquire_many_owned(n)).await {
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

/// Charged bytes that a holding point (a held file, a pending or in-flight
/// part) keeps: released from the account when this value is dropped.
#[derive(Debug)]
pub(crate) struct Tracked {
    account: Arc<Account>,
    bytes: usize,
}

impl Tracked {
    pub(crate) fn new(account: Arc<Account>) -> Self {
        Self { account, bytes: 0 }
    }

    /// Counts `bytes` more (already charged on arrival) as kept here.
    pub(crate) fn add(&mut self, bytes: usize) {
        self.bytes += bytes;
    }

    /// Stops counting without releasing: the bytes are handed to another
    /// holding point that counts them from now on.
    pub(crate) fn hand_over(mut self) {
        self.bytes = 0;
    }

    /// Moves everything counted here into a new value (for a part that
    /// leaves for its upload task).
    pub(crate) fn take(&mut self) -> Tracked {
        Tracked {
            account: self.account.clone(),
            bytes: std::mem::take(&mut self.bytes),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.account.release(self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: usize = 1024;

    fn budget(total: usize, unverified: usize) -> Arc<Budget> {
        Arc::new(Budget::new(
            total,
            unverified,
            total - unverified,
            Duration::from_millis(50),
        ))
    }

    #[tokio::test]
    async fn a_stranger_holds_its_ticket_or_what_it_was_charged_of_the_unverified_pool() {
        let budget = budget(128 * KIB, 64 * KIB);
        let account = budget.open(Some(1_000_000));
        account.clone().charge(10).await.unwrap();
        assert_eq!(budget.unverified.available_permits(), 64 * KIB - TICKET);
        assert_eq!(budget.verified.available_permits(), 64 * KIB);
        account.clone().charge(30 * KIB).await.unwrap();
        assert_eq!(budget.unverified.available_permits(), 34 * KIB - 10);
        account.release(30 * KIB + 10);
        assert_eq!(budget.unverified.available_permits(), 64 * KIB - TICKET);
        assert_eq!(budget.gauge().current(), 0);
        drop(account);
        assert_eq!(budget.unverified.available_permits(), 64 * KIB);
    }

    #[tokio::test]
    async fn strangers_past_the_unverified_pool_wait_then_time_out_and_verified_callbacks_go_on() {
        let budget = budget(1024 * KIB, 16 * KIB);
        let a = budget.open(None);
        a.clone().charge(16 * KIB).await.unwrap();
        let b = budget.open(None);
        assert!(b.clone().charge(1).await.is_err());
        assert!(b.waited());
        // A verified callback claims from the rest of the budget.
        let c = budget.open(Some(8 * KIB as u64));
        c.verified();
        c.clone().claim().await.unwrap();
        c.clone().charge(KIB).await.unwrap();
        assert!(!c.waited());
    }

    #[tokio::test]
    async fn a_stranger_waiting_for_the_unverified_pool_that_is_verified_meanwhile_claims_instead()
    {
        let budget = budget(1024 * KIB, 16 * KIB);
        let a = budget.open(None);
        a.clone().charge(16 * KIB).await.unwrap();
        let b = budget.open(Some(100 * KIB as u64));
        let charge = tokio::spawn(b.clone().charge(KIB));
        tokio::task::yield_now().await;
        b.verified();
        charge.await.unwrap().unwrap();
        assert_eq!(budget.unverified.available_permits(), 0);
        assert_eq!(
            budget.verified.available_permits(),
            1008 * KIB - 100 * KIB - CALLBACK_BUFFERS
        );
    }

    #[tokio::test]
    async fn a_verified_callback_claims_the_rest_of_its_body_and_gives_it_back_on_a_stall() {
        let budget = budget(4 * CALLBACK_BUFFERS + 64 * KIB, 64 * KIB);
        let account = budget.open(Some(100 * KIB as u64));
        account.clone().charge(KIB).await.unwrap();
        assert_eq!(budget.unverified.available_permits(), 64 * KIB - TICKET);
        account.verified();
        account.clone().claim().await.unwrap();
        // The claim: all 100 KiB of the body plus the buffers; the bytes
        // held left the unverified pool.
        assert_eq!(budget.unverified.available_permits(), 64 * KIB);
        assert_eq!(
            budget.verified.available_permits(),
            4 * CALLBACK_BUFFERS - 100 * KIB - CALLBACK_BUFFERS
        );
        account.clone().charge(KIB).await.unwrap();
        assert!(account.has_spare());
        account.shrink();
        assert_eq!(
            budget.verified.available_permits(),
            4 * CALLBACK_BUFFERS - 2 * KIB
        );
        assert_eq!(account.held(), 2 * KIB);
        drop(account);
        assert_eq!(budget.verified.available_permits(), 4 * CALLBACK_BUFFERS);
        assert_eq!(budget.gauge().current(), 0);
    }
}
