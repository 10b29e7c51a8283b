//! Renditions of a capture: thumbnails, fold crops, lighter formats
//! (feature `renditions`).
//!
//! A [`Rendition`] says what to make (size, fit, format, quality); a
//! [`Renderer`] makes every rendition of one capture from one decode, on
//! blocking threads (one per core by default), within a memory budget of
//! its own: the header is read first, a capture over `max_pixels` is never
//! decoded, and the bytes a capture will hold at its peak (its rows or
//! decoded pixels and the renditions' working images) are admitted against
//! the budget before a pixel is decoded. A PNG (not interlaced) is read a
//! row at a time, its rows let go of once every rendition has read them:
//! a full page is never whole in memory.
//!
//! Decoders: PNG, JPEG (zune-jpeg) and WebP, through the `image` crate;
//! resizing with `fast_image_resize` (Lanczos3, SIMD) in sRGB, as
//! `vipsthumbnail` does by default; lossy WebP through libwebp, JPEG and
//! PNG through `image`. AVIF and PDF captures get no renditions (the
//! reason says so).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use shotsink::rendition::{Renderer, RenditionLimits, Rendition};
//!
//! let png = bytes::Bytes::from(std::fs::read("tests/fixtures/capture.png").unwrap());
//! let renderer = Renderer::new(RenditionLimits::default());
//! let made = renderer
//!     .render(png, vec![Rendition::thumb(), Rendition::card()].into())
//!     .await
//!     .unwrap();
//! let thumb = made[0].as_ref().unwrap();
//! assert_eq!((thumb.width, thumb.height), (320, 200));
//! let card = made[1].as_ref().unwrap();
//! assert_eq!((card.width, card.height), (1200, 630));
//! # }
//! ```

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use budget::{Budget, KIB, Taken, closed};

mod budget;
mod error;
mod geometry;
pub(crate) mod jobs;
mod make;
mod pixels;
mod put;
mod rows;
mod spec;
mod stream;
#[cfg(test)]
mod stream_bounds_tests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;
mod text;

pub use error::RenditionError;
pub use make::Rendered;
pub use spec::{Fit, Rendition, RenditionFormat};

/// What renditions may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenditionLimits {
    /// Bytes all renditions in flight may hold together (rows or decoded
    /// pixels and working images). A capture that alone needs more is not
    /// decoded. Default 256 MiB: a 1920 × 16,000 RGBA full-page JPEG
    /// needs 123 MB decoded; a PNG is read a row at a time, a fraction of
    /// that (1920 × 8000 to a thumbnail: 14 MB admitted).
    pub memory_budget: u64,
    /// Captures decoded at once, each on a blocking thread. Default: the
    /// number of cores.
    pub threads: usize,
    /// The most pixels a capture may declare to be decoded. Default 100
    /// million, the sink's own `max_pixels`.
    pub max_pixels: u64,
}

impl Default for RenditionLimits {
    fn default() -> Self {
        Self {
            memory_budget: 256 << 20,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_pixels: 100_000_000,
        }
    }
}

/// What a capture read a row at a time holds at its peak: the file, the
/// rows the widest band reaches, the decoder's rows and inflate state, the
/// renditions' own, and what is beside them.
fn rows_bytes(size: (u32, u32), channels: u8, file: u64, renditions: &[Rendition]) -> u64 {
    let row = u64::from(size.0) * u64::from(channels);
    let window = u64::from(make::window_rows(size, renditions)).saturating_mul(row);
    let decoder = (u64::from(size.0) * 8).saturating_mul(4) + PNG_STATE;
    file.saturating_add(window)
        .saturating_add(decoder)
        .saturating_add(make::working_bytes(size, channels, renditions))
        .saturating_add(BESIDE)
}

/// Makes renditions within [`RenditionLimits`]. Cheap to clone; clones
/// share the budget and the threads.
#[derive(Debug, Clone)]
pub struct Renderer {
    limits: RenditionLimits,
    budget: Budget,
    threads: Arc<Semaphore>,
}

/// What a PNG decoder holds beside its rows: the inflate window and
/// buffers (measured well under this).
const PNG_STATE: u64 = 256 * KIB;
/// What one capture's renditions hold beside the images counted: the
/// resizers' coefficients, the encoders' small state, and what the
/// allocator keeps of freed memory (measured: a capture's resident peak
/// was within 0.9 MiB of its images, heaptrack against `VmHWM`).
const BESIDE: u64 = 1536 * KIB;

impl Renderer {
    /// A renderer with these limits.
    pub fn new(limits: RenditionLimits) -> Self {
        Self {
            limits,
            budget: Budget::new(limits.memory_budget),
            threads: Arc::new(Semaphore::new(limits.threads.clamp(1, 1024))),
        }
    }

    /// The memory budget in bytes, in whole KiB (its permits' unit).
    pub(crate) fn budget_bytes(&self) -> u64 {
        self.budget.capacity()
    }

    /// Bytes of the memory budget taken now, by captures being read back,
    /// waiting for a thread or rendered (also the gauge
    /// `shotsink_rendition_memory_bytes`, feature `metrics`).
    pub fn memory_in_use(&self) -> u64 {
        self.budget.in_use()
    }

    /// The limits.
    pub fn limits(&self) -> RenditionLimits {
        self.limits
    }

    /// The bytes rendering `source` into `renditions` holds at its peak, from
    /// the header alone; an error if it must not be decoded at all.
    pub fn peak_bytes(
        &self,
        source: &[u8],
        renditions: &[Rendition],
    ) -> Result<u64, RenditionError> {
        // The header is hostile input: a decoder's panic is a failure.
        let max_pixels = self.limits.max_pixels;
        let read = std::panic::catch_unwind(|| pixels::header(source, max_pixels));
        let header =
            read.map_err(|_| RenditionError::Decode("the header made the decoder fail".into()))??;
        let size = (header.width, header.height);
        if header.streamed {
            let file = source.len() as u64;
            return Ok(rows_bytes(size, header.channels, file, renditions));
        }
        let working = make::working_bytes(size, header.channels, renditions);
        let decoding = (source.len() as u64)
            .saturating_add(header.decoded)
            .saturating_add(header.converted)
            .saturating_add(header.overhead);
        let rendering = header.pixels_bytes().saturating_add(working);
        Ok(decoding.max(rendering).saturating_add(BESIDE))
    }

    /// What a capture of `size` (width, height) and `file` bytes may need
    /// before it is read, assuming 8-bit RGBA, read a row at a time for a
    /// `png` (interlaced ones are not, and rare: the header's figure then
    /// takes the rest), decoded whole with a decoder's copy of the file
    /// otherwise; corrected from the header once read.
    pub(crate) fn estimate(
        size: (u32, u32),
        file: u64,
        renditions: &[Rendition],
        png: bool,
    ) -> u64 {
        if png {
            return rows_bytes(size, 4, file, renditions);
        }
        let pixels = (u64::from(size.0) * u64::from(size.1)).saturating_mul(4);
        let working = make::working_bytes(size, 4, renditions);
        file.saturating_mul(2)
            .saturating_add(pixels)
            .max(pixels.saturating_add(working))
            .saturating_add(BESIDE)
    }

    /// The least a capture of `size` and `file` bytes can need (RGB, read a
    /// row at a time for a `png`, decoded whole otherwise): over the whole
    /// budget, it is not even read.
    pub(crate) fn least(size: (u32, u32), file: u64, renditions: &[Rendition], png: bool) -> u64 {
        if png {
            return rows_bytes(size, 3, file, renditions);
        }
        (u64::from(size.0) * u64::from(size.1))
            .saturating_mul(3)
            .saturating_add(file)
    }

    /// Takes `needed` bytes from the budget, waiting for room; refused at
    /// once when the whole budget is smaller.
    pub(crate) async fn admit(&self, needed: u64) -> Result<Taken, RenditionError> {
        self.budget.take(needed).await
    }

    /// Makes every rendition of one capture from one decode. The outer error
    /// applies to all of them (the capture's format, size or budget, or a
    /// file that does not decode); the inner ones to each rendition. Waits
    /// for room in the budget, then for a thread; `source` is dropped once
    /// decoded.
    pub async fn render(
        &self,
        source: Bytes,
        renditions: Arc<[Rendition]>,
    ) -> Result<Vec<Result<Rendered, RenditionError>>, RenditionError> {
        for rendition in renditions.iter() {
            rendition.check().map_err(RenditionError::Encode)?;
        }
        let (memory, needed) = self.admitted(None, &source, &renditions).await?;
        let slot = Arc::new(self.slot().await?);
        self.run(slot, memory, needed, source, renditions).await
    }

    /// The bytes `source` needs, from its header, taken from the budget:
    /// what `held` already has (the excess given back), the rest added when
    /// free at once, or else the whole waited for after letting go of it
    /// (never waiting while holding part). Memory is always taken before a
    /// thread's place, never while holding one.
    pub(crate) async fn admitted(
        &self,
        held: Option<Taken>,
        source: &[u8],
        renditions: &[Rendition],
    ) -> Result<(Taken, u64), RenditionError> {
        let needed = self.peak_bytes(source, renditions)?;
        Ok((self.budget.retake(held, needed).await?, needed))
    }

    /// One of the `threads` places, taken once the memory is: a capture is
    /// rendered and its renditions stored holding one (the blocking task
    /// holds it too, so a dropped caller does not free it before the work
    /// ends).
    pub(crate) async fn slot(&self) -> Result<OwnedSemaphorePermit, RenditionError> {
        self.threads.clone().acquire_owned().await.map_err(closed)
    }

    /// Decodes and renders on a blocking thread, holding the place and the
    /// memory until the work ends.
    pub(crate) async fn run(
        &self,
        slot: Arc<OwnedSemaphorePermit>,
        memory: Taken,
        needed: u64,
        source: Bytes,
        renditions: Arc<[Rendition]>,
    ) -> Result<Vec<Result<Rendered, RenditionError>>, RenditionError> {
        let work = move || {
            let _held = (slot, memory);
            if let Some(rows) = rows::Rows::png(&source, needed)? {
                return stream::render_all(rows, &renditions);
            }
            let pixels = pixels::decode(&source, needed)?;
            drop(source);
            stream::render_all(rows::Rows::Whole(Some(pixels)), &renditions)
        };
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| RenditionError::Worker(e.to_string()))?
    }
}
