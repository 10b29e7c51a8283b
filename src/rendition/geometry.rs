//! Where a rendition is cut from the capture, and its size.

use super::spec::{Fit, Rendition};

/// The part of the source a rendition is made from, and the size it is
/// scaled to. Never larger than the source: renditions only shrink.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Plan {
    /// Left, top, width and height of the part used, in source pixels.
    pub(crate) crop: (f64, f64, f64, f64),
    /// The rendition's width and height.
    pub(crate) out: (u32, u32),
}

/// The largest side a rendition has (WebP's limit).
const MAX_SIDE: f64 = 16_383.0;

pub(crate) fn plan(src: (u32, u32), rendition: &Rendition) -> Plan {
    let (sw, sh) = (f64::from(src.0), f64::from(src.1));
    match (rendition.fit, rendition.width, rendition.height) {
        (Fit::Cover | Fit::Fold, Some(w), Some(h)) => {
            let aspect = f64::from(w) / f64::from(h);
            let (cw, ch) = if sw / sh > aspect {
                (sh * aspect, sh)
            } else {
                (sw, sw / aspect)
            };
            // Rounding can put an exact fit a step past zero: clamped.
            let left = ((sw - cw) / 2.0).max(0.0);
            let top = match rendition.fit {
                Fit::Fold => 0.0,
                _ => ((sh - ch) / 2.0).max(0.0),
            };
            let out = if cw >= f64::from(w) {
                (w, h)
            } else {
                (at_least_one(cw), at_least_one(ch))
            };
            Plan {
                crop: (left, top, cw, ch),
                out,
            }
        }
        (_, w, h) => {
            // Never past 16,383 pixels a side (WebP's largest), whatever
            // the side left free.
            let scale = [w.map(|w| f64::from(w) / sw), h.map(|h| f64::from(h) / sh)]
                .into_iter()
                .flatten()
                .chain([MAX_SIDE / sw, MAX_SIDE / sh])
                .fold(1.0_f64, f64::min);
            Plan {
                crop: (0.0, 0.0, sw, sh),
                out: (at_least_one(sw * scale), at_least_one(sh * scale)),
            }
        }
    }
}

/// The part of the source that output rows `first..first + rows` are made
/// from (left, top, width, height), kept within the source: a band's top
/// and height computed in floating point can land a step past its edge,
/// which the resizer refuses.
pub(crate) fn band(plan: &Plan, src: (u32, u32), first: u32, rows: u32) -> (f64, f64, f64, f64) {
    let (left, top, width, height) = plan.crop;
    let (sw, sh) = (f64::from(src.0), f64::from(src.1));
    let scale = height / f64::from(plan.out.1);
    let bottom = (top + height).min(sh);
    let band_top = f64::from(first).mul_add(scale, top).min(bottom);
    let band_bottom = f64::from(first + rows).mul_add(scale, top).min(bottom);
    let left = left.clamp(0.0, sw);
    (left, band_top, width.min(sw - left), band_bottom - band_top)
}

fn at_least_one(x: f64) -> u32 {
    // Sizes are at most 16,384 times a source side that fits in u32.
    (x.round() as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rendition::{Fit, Rendition};

    #[test]
    fn contain_keeps_the_aspect_and_never_grows() {
        let thumb = Rendition::thumb();
        assert_eq!(plan((1920, 8000), &thumb).out, (320, 1333));
        assert_eq!(plan((1920, 1080), &thumb).out, (320, 180));
        assert_eq!(plan((200, 100), &thumb).out, (200, 100));
        // A tall mobile page: its thumbnail stays within WebP's 16,383.
        let out = plan((390, 20_000), &thumb).out;
        assert!(out.1 <= 16_383 && out.0 <= 320, "{out:?}");
        let boxed = Rendition::new("b").width(400).height(300);
        assert_eq!(plan((1920, 8000), &boxed).out, (72, 300));
        assert_eq!(plan((4000, 10), &boxed).out, (400, 1));
    }

    #[test]
    fn fold_takes_the_top_at_the_aspect() {
        let card = Rendition::card();
        let p = plan((1920, 8000), &card);
        assert_eq!(p.out, (1200, 630));
        assert_eq!(p.crop, (0.0, 0.0, 1920.0, 1920.0 * 630.0 / 1200.0));
        // A source wider than the aspect: full height, centred.
        let p = plan((4000, 1000), &card);
        assert_eq!(p.crop.1, 0.0);
        assert!((p.crop.0 - (4000.0 - 1000.0 * 1200.0 / 630.0) / 2.0).abs() < 1e-9);
        // Smaller than the card: cut at the aspect, not enlarged.
        assert_eq!(plan((600, 2000), &card).out, (600, 315));
    }

    #[test]
    fn every_band_stays_within_the_source() {
        // Found by review: 1920 x 2024 and 1920 x 225 thumbnails, and cover
        // crops, put a band's bottom one floating-point step past the edge.
        let renditions = [
            Rendition::thumb(),
            Rendition::card(),
            Rendition::new("sq").width(400).height(400).fit(Fit::Cover),
            Rendition::new("t").height(333),
        ];
        for w in [390, 1280, 1366, 1440, 1920, 2561] {
            for h in (200..4000).step_by(7).chain([2024, 225, 59_999, 60_000]) {
                for r in &renditions {
                    let p = plan((w, h), r);
                    for first in (0..p.out.1).step_by(128) {
                        let rows = 128.min(p.out.1 - first);
                        let (left, top, width, height) = band(&p, (w, h), first, rows);
                        assert!(left >= 0.0 && top >= 0.0 && width > 0.0 && height > 0.0);
                        assert!(left + width <= f64::from(w), "{w}x{h} {}", r.name);
                        assert!(
                            top + height <= f64::from(h),
                            "{w}x{h} {} band {first}",
                            r.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn cover_cuts_evenly_from_both_ends() {
        let square = Rendition::new("sq").width(100).height(100).fit(Fit::Cover);
        let p = plan((1000, 3000), &square);
        assert_eq!(p.crop, (0.0, 1000.0, 1000.0, 1000.0));
        assert_eq!(p.out, (100, 100));
    }
}
