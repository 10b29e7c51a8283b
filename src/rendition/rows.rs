//! A capture's decoded rows, top to bottom: a PNG's as they inflate (the
//! renditions then hold a few hundred rows, not the whole page), any other
//! capture's all at once (from [`super::pixels::decode`]).

use std::io::Cursor;

use png::{BitDepth, ColorType, Transformations};

use super::error::RenditionError;
use super::pixels::{PNG_CHUNKS, Pixels};

/// Where the rows come from.
pub(crate) enum Rows<'a> {
    /// Every row at once (JPEG, WebP, an interlaced PNG), until taken.
    Whole(Option<Pixels>),
    /// A progressive (not interlaced) PNG, a row at a time.
    Png(Box<PngRows<'a>>),
}

/// A PNG decoder handing out 8-bit RGB or RGBA rows.
pub(crate) struct PngRows<'a> {
    reader: png::Reader<Cursor<&'a [u8]>>,
    color: ColorType,
    width: u32,
    height: u32,
    scratch: Vec<u8>,
}

impl<'a> Rows<'a> {
    /// A PNG's rows one at a time (the header checked, the decoder
    /// allocating at most `max_alloc` bytes); `None` for any other capture
    /// (an interlaced PNG too), whose rows come whole from
    /// [`pixels::decode`].
    pub(crate) fn png(source: &'a [u8], max_alloc: u64) -> Result<Option<Self>, RenditionError> {
        Ok(PngRows::open(source, max_alloc)?.map(|p| Self::Png(Box::new(p))))
    }

    /// Width, height, and whether there is an alpha channel.
    pub(crate) fn shape(&self) -> (u32, u32, bool) {
        match self {
            Self::Whole(Some(p)) => (p.width, p.height, p.alpha),
            Self::Whole(None) => (0, 0, false),
            Self::Png(p) => (p.width, p.height, p.alpha()),
        }
    }

    /// Appends up to `max` rows to `window` (at least one while rows are
    /// left) and returns how many it appended: 0 once every row was read.
    pub(crate) fn read(&mut self, window: &mut Vec<u8>, max: u32) -> Result<u32, RenditionError> {
        match self {
            Self::Whole(pixels) => match pixels.take() {
                Some(p) if window.is_empty() => {
                    *window = p.data;
                    Ok(p.height)
                }
                Some(p) => {
                    window.extend_from_slice(&p.data);
                    Ok(p.height)
                }
                None => Ok(0),
            },
            Self::Png(png) => png.read(window, max),
        }
    }
}

fn decode_error(e: png::DecodingError) -> RenditionError {
    RenditionError::Decode(e.to_string())
}

impl<'a> PngRows<'a> {
    /// A row reader when `source` is a PNG that is not interlaced.
    fn open(source: &'a [u8], max_alloc: u64) -> Result<Option<Self>, RenditionError> {
        if !source.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Ok(None);
        }
        let limits = png::Limits {
            bytes: usize::try_from(max_alloc.min(PNG_CHUNKS)).unwrap_or(usize::MAX),
        };
        let mut decoder = png::Decoder::new_with_limits(Cursor::new(source), limits);
        // Neither is used: not inflated at all.
        decoder.set_ignore_iccp_chunk(true);
        decoder.set_ignore_text_chunk(true);
        decoder.set_transformations(Transformations::normalize_to_color8());
        let reader = decoder.read_info().map_err(decode_error)?;
        if reader.info().interlaced {
            return Ok(None);
        }
        let (color, depth) = reader.output_color_type();
        if depth != BitDepth::Eight || color == ColorType::Indexed {
            return Err(RenditionError::Decode(format!(
                "a PNG decoded as {color:?} at {depth:?} bits"
            )));
        }
        let (width, height) = (reader.info().width, reader.info().height);
        Ok(Some(Self {
            reader,
            color,
            width,
            height,
            scratch: Vec::new(),
        }))
    }

    fn alpha(&self) -> bool {
        matches!(self.color, ColorType::GrayscaleAlpha | ColorType::Rgba)
    }

    fn read(&mut self, window: &mut Vec<u8>, max: u32) -> Result<u32, RenditionError> {
        let line = self
            .reader
            .output_line_size(self.width)
            .ok_or_else(|| RenditionError::Decode("a PNG row too large".into()))?;
        let mut read = 0;
        while read < max.max(1) {
            let row: &[u8] = match self.color {
                // Already what the renditions use: straight into the window.
                ColorType::Rgb | ColorType::Rgba => {
                    let at = window.len();
                    window.resize(at + line, 0);
                    match self
                        .reader
                        .read_row(&mut window[at..])
                        .map_err(decode_error)?
                    {
                        Some(_) => {
                            read += 1;
                            continue;
                        }
                        None => {
                            window.truncate(at);
                            break;
                        }
                    }
                }
                _ => {
                    self.scratch.resize(line, 0);
                    match self
                        .reader
                        .read_row(&mut self.scratch)
                        .map_err(decode_error)?
                    {
                        Some(_) => &self.scratch,
                        None => break,
                    }
                }
            };
            // Grey (with or without alpha) spread over red, green and blue.
            match self.color {
                ColorType::GrayscaleAlpha => {
                    for p in row.chunks_exact(2) {
                        window.extend_from_slice(&[p[0], p[0], p[0], p[1]]);
                    }
                }
                _ => {
                    for &g in row {
                        window.extend_from_slice(&[g, g, g]);
                    }
                }
            }
            read += 1;
        }
        Ok(read)
    }
}
