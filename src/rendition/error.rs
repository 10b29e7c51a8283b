//! Why a rendition was not made, worded for the event the app receives.

use std::fmt;

/// Why a rendition (or every rendition of a capture) was not made. The
/// capture itself stays stored; the reason goes into the event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenditionError {
    /// The capture's format has no decoder here (AVIF, PDF).
    Unsupported {
        /// What the capture is.
        format: String,
    },
    /// The header declares more pixels than `max_pixels`; nothing was decoded.
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The limit.
        max_pixels: u64,
    },
    /// Decoding needs more memory than the whole rendition budget.
    OverBudget {
        /// Bytes the rendition would hold at its peak.
        needed: u64,
        /// The rendition memory budget.
        budget: u64,
    },
    /// The file could not be decoded.
    Decode(String),
    /// The rendition could not be resized or encoded.
    Encode(String),
    /// The worker thread failed (a panic in a codec).
    Worker(String),
}

impl fmt::Display for RenditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported { format } => {
                write!(f, "no renditions are made of {format} captures")
            }
            Self::TooManyPixels {
                width,
                height,
                max_pixels,
            } => write!(
                f,
                "the capture declares {width} x {height} pixels, over max_pixels ({max_pixels}); not decoded"
            ),
            Self::OverBudget { needed, budget } => write!(
                f,
                "decoding needs {needed} bytes, more than the rendition memory budget ({budget} bytes)"
            ),
            Self::Decode(e) => write!(f, "the capture could not be decoded: {e}"),
            Self::Encode(e) => write!(f, "the rendition could not be made: {e}"),
            Self::Worker(e) => write!(f, "the rendition worker failed: {e}"),
        }
    }
}

impl std::error::Error for RenditionError {}
