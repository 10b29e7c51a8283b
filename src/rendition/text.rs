//! A rendition written as text, for configuration by key and the server's
//! TOML: a preset's name (`thumb`, `card`), or
//! `name=WIDTHxHEIGHT[:fit][:format][:qQUALITY]`, either size left out
//! (`320x`, `x400`): `og=1200x630:fold:jpg:q82`.

use std::fmt;
use std::str::FromStr;

use super::spec::{Fit, Rendition, RenditionFormat};

const FITS: [(&str, Fit); 3] = [
    ("contain", Fit::Contain),
    ("cover", Fit::Cover),
    ("fold", Fit::Fold),
];
const FORMATS: [(&str, RenditionFormat); 5] = [
    ("webp", RenditionFormat::WebP),
    ("jpg", RenditionFormat::Jpeg),
    ("jpeg", RenditionFormat::Jpeg),
    ("png", RenditionFormat::Png),
    ("avif", RenditionFormat::Avif),
];

impl FromStr for Rendition {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let Some((name, spec)) = text.split_once('=') else {
            return Rendition::preset(text).ok_or_else(|| {
                format!("`{text}` is no preset (thumb, card); write name=WIDTHxHEIGHT[:fit][:format][:qQUALITY], e.g. og=1200x630:fold:jpg:q82")
            });
        };
        let mut parts = spec.split(':');
        let size = parts.next().unwrap_or_default();
        let Some((w, h)) = size.split_once('x') else {
            return Err(format!(
                "`{size}` in `{text}` is no size: write WIDTHxHEIGHT, 320x or x400"
            ));
        };
        let number = |s: &str| -> Result<Option<u32>, String> {
            match s {
                "" => Ok(None),
                s => s
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("`{s}` in `{text}` is not a number of pixels")),
            }
        };
        let mut rendition = Rendition::new(name.trim());
        rendition.width = number(w)?;
        rendition.height = number(h)?;
        for part in parts {
            if let Some((_, fit)) = FITS.iter().find(|(n, _)| *n == part) {
                rendition.fit = *fit;
            } else if let Some((_, format)) = FORMATS.iter().find(|(n, _)| *n == part) {
                rendition.format = *format;
            } else if let Some(q) = part.strip_prefix('q').and_then(|q| q.parse().ok()) {
                rendition.quality = q;
            } else {
                return Err(format!(
                    "`{part}` in `{text}`: expected a fit (contain, cover, fold), a format (webp, jpg, png, avif) or a quality (q80)"
                ));
            }
        }
        rendition.check()?;
        Ok(rendition)
    }
}

impl fmt::Display for Rendition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if Rendition::preset(&self.name).as_ref() == Some(self) {
            return f.write_str(&self.name);
        }
        let size = |s: Option<u32>| s.map(|s| s.to_string()).unwrap_or_default();
        let fit = FITS
            .iter()
            .find(|(_, fit)| *fit == self.fit)
            .map_or("contain", |(n, _)| n);
        write!(
            f,
            "{}={}x{}:{fit}:{}:q{}",
            self.name,
            size(self.width),
            size(self.height),
            self.format.extension(),
            self.quality
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_specs_read_back() {
        for text in [
            "thumb",
            "card",
            "og=1200x630:fold:jpg:q82",
            "small=480x:contain:webp:q70",
            "tall=x400:contain:png:q80",
        ] {
            let rendition: Rendition = text.parse().unwrap();
            assert_eq!(rendition.to_string(), text);
        }
        let og: Rendition = "og=1200x630:fold:jpg:q82".parse().unwrap();
        assert_eq!(
            og,
            Rendition::new("og")
                .width(1200)
                .height(630)
                .fit(Fit::Fold)
                .format(RenditionFormat::Jpeg)
                .quality(82)
        );
    }

    #[test]
    fn mistakes_say_what_to_write() {
        for (text, words) in [
            ("thumbnail", "no preset"),
            ("a=320", "no size"),
            ("a=wide x", "not a number"),
            ("a=320x:gif", "expected a fit"),
            ("a=320x:fold", "needs both"),
        ] {
            let error = text.parse::<Rendition>().unwrap_err();
            assert!(error.contains(words), "{text}: {error}");
        }
    }
}
