//! The renditions' memory budget: bytes taken before a capture is decoded,
//! one permit per KiB, given back when its work ends. What is held is
//! reported as it changes ([`super::Renderer::memory_in_use`], the gauge
//! `shotsink_rendition_memory_bytes`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::RenditionError;

pub(crate) const KIB: u64 = 1024;
/// The most permits one acquire takes, and tokio's bound on a semaphore.
const MAX_KIB: u64 = u32::MAX as u64;

pub(crate) fn closed(_: tokio::sync::AcquireError) -> RenditionError {
    RenditionError::Worker("the renderer was closed".into())
}

/// The budget: `total_kib` permits of a KiB each.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    memory: Arc<Semaphore>,
    total_kib: u64,
    /// KiB held by [`Taken`]s (not what a waiter was granted so far).
    held_kib: Arc<AtomicU64>,
}

/// Bytes taken from the budget, given back (and reported) when dropped.
#[derive(Debug)]
pub(crate) struct Taken {
    permit: Option<OwnedSemaphorePermit>,
    budget: Budget,
}

impl Budget {
    pub(crate) fn new(bytes: u64) -> Self {
        let kib = (bytes / KIB).min(MAX_KIB);
        Self {
            memory: Arc::new(Semaphore::new(kib as usize)),
            total_kib: kib,
            held_kib: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The bytes the budget holds: what was asked, rounded down to whole
    /// KiB (the permits' unit).
    pub(crate) fn capacity(&self) -> u64 {
        self.total_kib * KIB
    }

    /// Bytes held now.
    pub(crate) fn in_use(&self) -> u64 {
        self.held_kib.load(Ordering::Relaxed) * KIB
    }

    /// `kib` more held, or given back: the count and the gauge moved by as
    /// much, so that changes from several threads add up in any order.
    fn held(&self, kib: usize, more: bool) {
        let kib = kib as u64;
        if more {
            self.held_kib.fetch_add(kib, Ordering::Relaxed);
        } else {
            self.held_kib.fetch_sub(kib, Ordering::Relaxed);
        }
        crate::metrics::rendition_memory(kib * KIB, more);
    }

    /// Takes `needed` bytes, waiting for room (tokio's semaphore serves
    /// waiters in order, so no two captures each hold part and wait for
    /// the rest); refused at once when the whole budget is smaller.
    pub(crate) async fn take(&self, needed: u64) -> Result<Taken, RenditionError> {
        let permits = needed.div_ceil(KIB);
        if permits > self.total_kib {
            let budget = self.capacity();
            return Err(RenditionError::OverBudget { needed, budget });
        }
        // At most `total_kib`, which fits in u32.
        let permits = u32::try_from(permits).unwrap_or(u32::MAX);
        let permit = self
            .memory
            .clone()
            .acquire_many_owned(permits)
            .await
            .map_err(closed)?;
        self.held(permit.num_permits(), true);
        Ok(Taken {
            permit: Some(permit),
            budget: self.clone(),
        })
    }

    /// `needed` bytes: what `held` already has (the excess given back), the
    /// rest added when it is free now, or else the whole taken again after
    /// letting go of it (never waiting while holding part).
    pub(crate) async fn retake(
        &self,
        held: Option<Taken>,
        needed: u64,
    ) -> Result<Taken, RenditionError> {
        let permits = needed.div_ceil(KIB);
        let Some(mut held) = held else {
            return self.take(needed).await;
        };
        let Some(permit) = held.permit.as_mut() else {
            return self.take(needed).await;
        };
        let has = permit.num_permits() as u64;
        if has >= permits {
            let excess = (has - permits) as usize;
            drop(permit.split(excess));
            self.held(excess, false);
            return Ok(held);
        }
        if permits <= self.total_kib {
            // At most `total_kib`, which fits in u32.
            let more = u32::try_from(permits - has).unwrap_or(u32::MAX);
            if let Ok(extra) = self.memory.clone().try_acquire_many_owned(more) {
                permit.merge(extra);
                self.held(more as usize, true);
                return Ok(held);
            }
        }
        drop(held);
        self.take(needed).await
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            let kib = permit.num_permits();
            drop(permit);
            self.budget.held(kib, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_budget_not_in_whole_kib_gives_all_it_has() {
        // "100 MB": 97,656.25 KiB. Everything it holds can be taken.
        let budget = Budget::new(100_000_000);
        assert_eq!(budget.capacity(), 97_656 * KIB);
        let all = budget.take(budget.capacity()).await.unwrap();
        assert_eq!(budget.in_use(), budget.capacity());
        drop(all);
        assert_eq!(budget.in_use(), 0);
        let over = budget.take(100_000_000).await.unwrap_err();
        assert!(
            matches!(over, RenditionError::OverBudget { .. }),
            "{over:?}"
        );
    }

    #[tokio::test]
    async fn retaking_grows_in_place_when_free_and_else_lets_go_first() {
        let budget = Budget::new(100 * KIB);
        let mut b = budget.take(10 * KIB).await.unwrap();
        // Free now: added to what is held.
        b = budget.retake(Some(b), 30 * KIB).await.unwrap();
        assert_eq!(budget.in_use(), 30 * KIB);
        b = budget.retake(Some(b), 5 * KIB).await.unwrap();
        assert_eq!(budget.in_use(), 5 * KIB);
        // Not free: let go of, then the whole waited for.
        let a = budget.take(60 * KIB).await.unwrap();
        let waiting = {
            let budget = budget.clone();
            tokio::spawn(async move { budget.retake(Some(b), 50 * KIB).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished());
        assert_eq!(budget.in_use(), 60 * KIB, "held part while waiting");
        drop(a);
        let b = waiting.await.unwrap().unwrap();
        assert_eq!(budget.in_use(), 50 * KIB);
        drop(b);
        assert_eq!(budget.in_use(), 0);
    }
}
