//! The renditions' memory budget: bytes taken before a capture is decoded,
//! one permit per KiB, given back when its work ends. What is taken is
//! reported as it changes ([`super::Renderer::memory_in_use`], the gauge
//! `shotsink_rendition_memory_bytes`).

use std::sync::Arc;

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
    bytes: u64,
    memory: Arc<Semaphore>,
    total_kib: u64,
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
            bytes,
            memory: Arc::new(Semaphore::new(kib as usize)),
            total_kib: kib,
        }
    }

    /// Bytes taken now.
    pub(crate) fn in_use(&self) -> u64 {
        let available = self.memory.available_permits() as u64;
        self.total_kib.saturating_sub(available) * KIB
    }

    fn report(&self) {
        crate::metrics::rendition_memory(self.in_use());
    }

    /// Takes `needed` bytes, waiting for room; refused at once when the
    /// whole budget is smaller.
    pub(crate) async fn take(&self, needed: u64) -> Result<Taken, RenditionError> {
        let permits = needed.div_ceil(KIB);
        if permits > self.total_kib {
            let budget = self.bytes;
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
        self.report();
        Ok(Taken {
            permit: Some(permit),
            budget: self.clone(),
        })
    }

    /// `needed` bytes: what `held` already has (the excess given back), or,
    /// when it has too little, the whole taken again after letting go of
    /// it, so that no two captures each hold part and wait for the rest.
    pub(crate) async fn retake(
        &self,
        held: Option<Taken>,
        needed: u64,
    ) -> Result<Taken, RenditionError> {
        let permits = usize::try_from(needed.div_ceil(KIB)).unwrap_or(usize::MAX);
        match held {
            Some(mut held) if held.kib() >= permits => {
                if let Some(permit) = held.permit.as_mut() {
                    drop(permit.split(permit.num_permits() - permits));
                }
                self.report();
                Ok(held)
            }
            held => {
                drop(held);
                self.take(needed).await
            }
        }
    }
}

impl Taken {
    fn kib(&self) -> usize {
        self.permit
            .as_ref()
            .map_or(0, OwnedSemaphorePermit::num_permits)
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        drop(self.permit.take());
        self.budget.report();
    }
}
