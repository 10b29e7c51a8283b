//! Memory accounting: a sink-wide budget for the bytes callbacks may hold,
//! and a gauge of the bytes actually held.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

/// What a callback reserves beyond its `Content-Length`: the buffers that
/// carry its body whatever its size (the HTTP server's read buffer,
/// multer's, the burst handed to it). Counting them keeps the number of
/// callbacks read at once, and so the process's memory, in proportion to
/// the budget when files are small.
pub(crate) const CALLBACK_BUFFERS: usize = 256 * 1024;

/// Budget permits are counted in KiB so that large budgets fit in a `u32`.
const UNIT: usize = 1024;

/// Bytes held by the sink right now (file bytes waiting for a part or a
/// put, parts in flight, files held before their secret), and the most
/// ever held at once.
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

/// Bytes counted on a [`Gauge`] for as long as this value lives.
#[derive(Debug)]
pub(crate) struct Tracked {
    gauge: Arc<Gauge>,
    bytes: usize,
}

impl Tracked {
    pub(crate) fn new(gauge: Arc<Gauge>) -> Self {
        Self { gauge, bytes: 0 }
    }

    pub(crate) fn add(&mut self, bytes: usize) {
        self.gauge.add(bytes);
        self.bytes += bytes;
    }

    /// Moves everything counted here into a new value (for a part that
    /// leaves for its upload task).
    pub(crate) fn take(&mut self) -> Tracked {
        Tracked {
            gauge: self.gauge.clone(),
            bytes: std::mem::take(&mut self.bytes),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.gauge.sub(self.bytes);
    }
}

/// The sink-wide budget. Each callback reserves, before it reads anything,
/// the most it can hold: its `Content-Length` plus [`CALLBACK_BUFFERS`] if
/// smaller than the per-callback bound, the bound otherwise. A reservation
/// is taken whole or waited for while holding nothing, so callbacks cannot
/// deadlock each other by each holding part of the budget.
#[derive(Debug)]
pub(crate) struct Budget {
    semaphore: Arc<Semaphore>,
    per_callback: usize,
}

impl Budget {
    pub(crate) fn new(total: usize, per_callback: usize) -> Self {
        Self {
            semaphore: Arc::new(Semaphore::new(units(total) as usize)),
            per_callback,
        }
    }

    /// Reserves for one callback, waiting while the budget is spent.
    pub(crate) async fn reserve(&self, content_length: Option<u64>) -> Reservation {
        let bytes = content_length.map_or(self.per_callback, |len| {
            usize::try_from(len)
                .unwrap_or(usize::MAX)
                .saturating_add(CALLBACK_BUFFERS)
                .min(self.per_callback)
        });
        let units = units(bytes);
        match self.semaphore.clone().try_acquire_many_owned(units) {
            Ok(permit) => Reservation {
                _permit: Some(permit),
                waited: false,
            },
            Err(TryAcquireError::NoPermits) => Reservation {
                _permit: self.semaphore.clone().acquire_many_owned(units).await.ok(),
                waited: true,
            },
            Err(TryAcquireError::Closed) => Reservation {
                _permit: None,
                waited: false,
            },
        }
    }
}

/// One callback's share of the budget, returned when dropped.
#[derive(Debug)]
pub(crate) struct Reservation {
    _permit: Option<OwnedSemaphorePermit>,
    /// Whether the callback had to wait for it: the sink was saturated.
    pub(crate) waited: bool,
}

fn units(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX)
}
