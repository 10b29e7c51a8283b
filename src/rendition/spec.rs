//! What a rendition is: a name, a target size and fit, a format, a quality.

use std::fmt;

/// How a capture is fitted into a rendition's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fit {
    /// The whole capture, scaled to fit inside the width and height given
    /// (either may be left out); the aspect kept.
    #[default]
    Contain,
    /// The capture scaled to cover the width and height, the overflow cut
    /// evenly from both sides.
    Cover,
    /// The top of the capture at the rendition's aspect, full width: the
    /// part of a full-page screenshot a visitor sees first (a social card).
    Fold,
}

/// The encoding of a rendition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenditionFormat {
    /// Lossy WebP (libwebp).
    WebP,
    /// Baseline JPEG; an alpha channel is laid on white.
    Jpeg,
    /// Lossless PNG; the quality is ignored.
    Png,
    /// AVIF (`ravif`, speed 8 of 10), with the `renditions-avif` feature;
    /// without it, each such rendition fails saying so.
    Avif,
}

impl RenditionFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::WebP => "webp",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Avif => "avif",
        }
    }

    /// The `Content-Type` a rendition is stored with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::WebP => "image/webp",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Avif => "image/avif",
        }
    }
}

impl fmt::Display for RenditionFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// One rendition made of every capture: a thumbnail, a card, a lighter
/// format. Built from a preset ([`Rendition::thumb`], [`Rendition::card`])
/// or from [`Rendition::new`] and the setters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    pub(crate) name: String,
    pub(crate) width: Option<u32>,
    pub(crate) height: Option<u32>,
    pub(crate) fit: Fit,
    pub(crate) format: RenditionFormat,
    pub(crate) quality: u8,
}

impl Rendition {
    /// A rendition named `name` (it goes into the key: `<token>.<name>.<ext>`)
    /// at the capture's own size, as WebP at quality 80, until set otherwise.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            width: None,
            height: None,
            fit: Fit::Contain,
            format: RenditionFormat::WebP,
            quality: 80,
        }
    }

    /// `thumb`: 320 pixels wide, the whole capture, WebP at quality 75.
    pub fn thumb() -> Self {
        Self::new("thumb").width(320).quality(75)
    }

    /// `card`: 1200 × 630 from the top of the capture (the Open Graph card
    /// size), JPEG at quality 82.
    pub fn card() -> Self {
        Self::new("card")
            .width(1200)
            .height(630)
            .fit(Fit::Fold)
            .format(RenditionFormat::Jpeg)
            .quality(82)
    }

    /// The preset of this name (`thumb`, `card`), if there is one.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "thumb" => Some(Self::thumb()),
            "card" => Some(Self::card()),
            _ => None,
        }
    }

    /// The widest the rendition may be; never wider than the capture.
    pub fn width(mut self, width: u32) -> Self {
        self.width = Some(width);
        self
    }

    /// The tallest the rendition may be; never taller than the capture.
    pub fn height(mut self, height: u32) -> Self {
        self.height = Some(height);
        self
    }

    /// How the capture is fitted ([`Fit::Cover`] and [`Fit::Fold`] need
    /// both a width and a height).
    pub fn fit(mut self, fit: Fit) -> Self {
        self.fit = fit;
        self
    }

    /// The encoding.
    pub fn format(mut self, format: RenditionFormat) -> Self {
        self.format = format;
        self
    }

    /// The encoder's quality, 1 to 100 (WebP and JPEG).
    pub fn quality(mut self, quality: u8) -> Self {
        self.quality = quality;
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The encoding.
    pub fn rendition_format(&self) -> RenditionFormat {
        self.format
    }

    /// Checks the settings: a name of letters, digits, `-` and `_` (1 to 32),
    /// a quality of 1 to 100, sizes above zero and at most 16,383 (WebP's
    /// largest), both
    /// sizes for `Cover` and `Fold`. The message names what to fix.
    pub fn check(&self) -> Result<(), String> {
        let name_ok = (1..=32).contains(&self.name.len())
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !name_ok {
            return Err(format!(
                "rendition name {:?}: use 1 to 32 letters, digits, '-' or '_' (it becomes part of the object key)",
                self.name
            ));
        }
        if !(1..=100).contains(&self.quality) {
            return Err(format!(
                "rendition {}: quality {} is outside 1 to 100",
                self.name, self.quality
            ));
        }
        for (what, size) in [("width", self.width), ("height", self.height)] {
            if matches!(size, Some(s) if s == 0 || s > 16_383) {
                return Err(format!(
                    "rendition {}: {what} {} is outside 1 to 16383 pixels",
                    self.name,
                    size.unwrap_or(0)
                ));
            }
        }
        if self.fit != Fit::Contain && (self.width.is_none() || self.height.is_none()) {
            return Err(format!(
                "rendition {}: fit {:?} needs both a width and a height (the aspect to cut to)",
                self.name, self.fit
            ));
        }
        Ok(())
    }
}
