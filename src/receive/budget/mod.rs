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

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

mod account;
#[cfg(test)]
mod tests;
mod tracked;

pub(crate) use account::Account;
pub(crate) use tracked::Tracked;

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
        Account::open(self.clone(), content_length)
    }
}
