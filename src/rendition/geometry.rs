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
            let left = (sw - cw) / 2.0;
            let top = match rendition.fit {
                Fit::Fold => 0.0,
                _ => (sh - ch) / 2.0,
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
            let scale = [w.map(|w| f64::from(w) / sw), h.map(|h| f64::from(h) / sh)]
                .into_iter()
                .flatten()
                .fold(1.0_f64, f64::min);
            Plan {
                crop: (0.0, 0.0, sw, sh),
                out: (at_least_one(sw * scale), at_least_one(sh * scale)),
            }
        }
    }
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
    fn cover_cuts_evenly_from_both_ends() {
        let square = Rendition::new("sq").width(100).height(100).fit(Fit::Cover);
        let p = plan((1000, 3000), &square);
        assert_eq!(p.crop, (0.0, 1000.0, 1000.0, 1000.0));
        assert_eq!(p.out, (100, 100));
    }
}
