//! Size, count and time limits, and the memory formula they imply.

use std::time::Duration;

use crate::EarlyFile;
use crate::receive::budget::CALLBACK_BUFFERS;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Room for part headers and boundaries on top of the fields' contents.
const FORM_OVERHEAD: u64 = 64 * KIB;

/// The most one verified callback can hold, in words: the one description
/// of the memory formula, quoted by
/// [`max_buffered_bytes`](crate::CaptureSinkBuilder::max_buffered_bytes)'s
/// documentation and the error `build` gives, and computed by
/// [`Limits::per_callback`].
macro_rules! per_callback {
    () => {
        "max(max_unverified_file_size, part_size) + part_size * max_parts_in_flight + 320 KiB"
    };
}

/// The most one callback can hold before its secret is proved, in words;
/// computed by [`Limits::unverified_per_callback`].
macro_rules! unverified_per_callback {
    () => {
        "max_unverified_file_size + 64 KiB, or with EarlyFile::Stage \
         max(max_unverified_file_size, part_size) + part_size * max_parts_in_flight + 64 KiB"
    };
}

pub(crate) use {per_callback, unverified_per_callback};

/// Size limits, upload tuning and time bounds. Every byte size is a `u64`,
/// as the builder takes it; defaults are documented on each builder setter.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) max_file_size: u64,
    pub(crate) max_text_field_size: u64,
    pub(crate) max_fields: usize,
    pub(crate) part_size: u64,
    pub(crate) max_parts_in_flight: usize,
    pub(crate) max_unverified_file_size: u64,
    pub(crate) max_body_size: Option<u64>,
    /// `None`: no pixel limit.
    pub(crate) max_pixels: Option<u64>,
    pub(crate) max_buffered_bytes: u64,
    /// `None`: the default, at least one callback's unverified need.
    pub(crate) max_unverified_bytes: Option<u64>,
    pub(crate) idle_timeout: Duration,
    pub(crate) admission_timeout: Duration,
    pub(crate) min_data_rate: u64,
    pub(crate) min_data_rate_grace: Duration,
    pub(crate) verify_timeout: Duration,
    pub(crate) linger_timeout: Duration,
    pub(crate) max_draining: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: 64 * MIB,
            max_text_field_size: 4 * KIB,
            max_fields: 16,
            part_size: 8 * MIB,
            max_parts_in_flight: 2,
            max_unverified_file_size: 8 * MIB,
            max_body_size: None,
            max_pixels: Some(100_000_000),
            max_buffered_bytes: 64 * MIB,
            max_unverified_bytes: None,
            idle_timeout: Duration::from_secs(30),
            admission_timeout: Duration::from_secs(10),
            min_data_rate: 240,
            min_data_rate_grace: Duration::from_secs(5),
            verify_timeout: Duration::from_secs(10),
            linger_timeout: Duration::from_secs(5),
            max_draining: 64,
        }
    }
}

impl Limits {
    /// The largest body: as set, or the file limit plus every text field
    /// and the form's framing.
    pub(crate) fn body_size(&self) -> u64 {
        self.max_body_size.unwrap_or(
            self.max_file_size
                .saturating_add(self.max_fields as u64 * self.max_text_field_size)
                .saturating_add(FORM_OVERHEAD),
        )
    }

    /// [`per_callback!`]: a held (or staged) file or a pending part, the
    /// parts in flight, the form around them and the buffers that carry a
    /// body.
    pub(crate) fn per_callback(&self) -> u64 {
        self.max_unverified_file_size
            .max(self.part_size)
            .saturating_add(
                self.part_size
                    .saturating_mul(self.max_parts_in_flight as u64),
            )
            .saturating_add(FORM_OVERHEAD + CALLBACK_BUFFERS as u64)
    }

    /// [`unverified_per_callback!`]: a held file and the form around it, or
    /// with [`EarlyFile::Stage`] a staged file's parts.
    pub(crate) fn unverified_per_callback(&self, early_file: EarlyFile) -> u64 {
        let file = match early_file {
            EarlyFile::Stage => self
                .max_unverified_file_size
                .max(self.part_size)
                .saturating_add(
                    self.part_size
                        .saturating_mul(self.max_parts_in_flight as u64),
                ),
            _ => self.max_unverified_file_size,
        };
        file.saturating_add(FORM_OVERHEAD)
    }

    /// The strangers' pool: as set, or by default 16 MiB or a quarter of
    /// the budget, whichever is less, and at least one callback's need.
    /// Callbacks waiting for their claim hold at most this much, so the
    /// rest of the budget stays for claims.
    pub(crate) fn unverified_bytes(&self, early_file: EarlyFile) -> u64 {
        self.max_unverified_bytes
            .unwrap_or_else(|| {
                (16 * MIB)
                    .min(self.max_buffered_bytes / 4)
                    .max(self.unverified_per_callback(early_file))
            })
            .min(self.max_buffered_bytes)
    }
}

/// A byte size as held in memory: sizes past the address space are
/// unreachable anyway.
pub(crate) fn in_memory(bytes: u64) -> usize {
    usize::try_from(bytes).unwrap_or(usize::MAX)
}
