//! Renditions of a capture: thumbnails, fold crops, lighter formats
//! (feature `renditions`).
//!
//! A [`Rendition`] says what to make (size, fit, format, quality); a
//! [`Renderer`] makes every rendition of one capture from one decode, on
//! blocking threads (one per core by default), within a memory budget of
//! its own: the header is read first, a capture over `max_pixels` is never
//! decoded, and the bytes a capture will hold at its peak (its decoded
//! pixels and the largest rendition's working images) are admitted against
//! the budget before a pixel is decoded.
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

mod error;
mod geometry;
pub(crate) mod jobs;
mod make;
mod pixels;
mod spec;
#[cfg(test)]
mod tests;
mod text;

pub use error::RenditionError;
pub use make::Rendered;
pub use spec::{Fit, Rendition, RenditionFormat};

/// What renditions may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenditionLimits {
    /// Bytes all renditions in flight may hold together (decoded pixels and
    /// working images). A capture that alone needs more is not decoded.
    /// Default 256 MiB: a 1920 × 16,000 RGBA full-page capture needs 123 MB.
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

/// Makes renditions within [`RenditionLimits`]. Cheap to clone; clones
/// share the budget and the threads.
#[derive(Debug, Clone)]
pub struct Renderer {
    limits: RenditionLimits,
    /// The memory budget, one permit per KiB.
    memory: Arc<Semaphore>,
    threads: Arc<Semaphore>,
}

const KIB: u64 = 1024;

fn closed(_: tokio::sync::AcquireError) -> RenditionError {
    RenditionError::Worker("the renderer was closed".into())
}

impl Renderer {
    /// A renderer with these limits.
    pub fn new(limits: RenditionLimits) -> Self {
        let kib = (limits.memory_budget / KIB).min(Semaphore::MAX_PERMITS as u64) as usize;
        Self {
            limits,
            memory: Arc::new(Semaphore::new(kib)),
            threads: Arc::new(Semaphore::new(limits.threads.clamp(1, 1024))),
        }
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
        let header = pixels::header(source, self.limits.max_pixels)?;
        let size = (header.width, header.height);
        let working = renditions
            .iter()
            .map(|r| make::working_bytes(size, header.channels, r))
            .max()
            .unwrap_or(0);
        let decoding = source.len() as u64 + header.decoded + header.converted;
        Ok(decoding.max(header.pixels_bytes() + working))
    }

    /// Makes every rendition of one capture from one decode. The outer error
    /// applies to all of them (the capture's format, size or budget, or a
    /// file that does not decode); the inner ones to each rendition. Waits
    /// for a thread and room in the budget; `source` is dropped once
    /// decoded.
    pub async fn render(
        &self,
        source: Bytes,
        renditions: Arc<[Rendition]>,
    ) -> Result<Vec<Result<Rendered, RenditionError>>, RenditionError> {
        let slot = self.slot().await?;
        self.render_in(slot, source, renditions).await
    }

    /// One of the `threads` places: a capture is fetched and rendered
    /// holding one.
    pub(crate) async fn slot(&self) -> Result<OwnedSemaphorePermit, RenditionError> {
        self.threads.clone().acquire_owned().await.map_err(closed)
    }

    /// [`render`](Self::render) in a place already taken.
    pub(crate) async fn render_in(
        &self,
        slot: OwnedSemaphorePermit,
        source: Bytes,
        renditions: Arc<[Rendition]>,
    ) -> Result<Vec<Result<Rendered, RenditionError>>, RenditionError> {
        let needed = self.peak_bytes(&source, &renditions)?;
        let budget = self.limits.memory_budget;
        let permits = needed.div_ceil(KIB);
        if needed > budget || permits > u64::from(u32::MAX) {
            return Err(RenditionError::OverBudget { needed, budget });
        }
        let memory = self
            .memory
            .clone()
            .acquire_many_owned(permits as u32)
            .await
            .map_err(closed)?;
        let work = move || {
            let _held = (slot, memory);
            let mut pixels = pixels::decode(&source, needed)?;
            drop(source);
            let premultiplied = make::premultiply(&mut pixels)?;
            Ok(renditions
                .iter()
                .map(|r| make::make(&pixels, premultiplied, r))
                .collect())
        };
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| RenditionError::Worker(e.to_string()))?
    }
}
