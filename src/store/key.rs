//! Where a capture lands: the object key layout.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use object_store::path::Path;

use crate::Format;
use crate::configure::error::ConfigError;

/// What a key is made from: the sanitised token, the verified format and
/// the time the callback was received.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct KeyContext<'a> {
    /// The capture's token, already reduced to `[A-Za-z0-9]` and non-empty.
    pub token: &'a str,
    /// The format the file's bytes were identified as.
    pub format: Format,
    /// When the callback was received (UTC).
    pub received_at: DateTime<Utc>,
}

type KeyFn = dyn Fn(&KeyContext<'_>) -> Path + Send + Sync;

#[derive(Clone)]
enum Layout {
    Dated { prefix: Path, dated: bool },
    Custom(Arc<KeyFn>),
}

/// How object keys are built.
///
/// The default is the layout of the sender's own examples:
/// `screenshots/YYYY/MM/DD/<token>.<ext>`, with the UTC date of receipt.
/// Keys are assembled from [`object_store::path::Path`] parts, never by
/// concatenating request data into a string.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shotsink::{Format, KeyContext, KeyLayout};
///
/// let at = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
/// let ctx = KeyContext::new("AbC123", Format::Png, at);
///
/// assert_eq!(KeyLayout::default().key(&ctx).as_ref(), "screenshots/2026/11/27/AbC123.png");
///
/// let flat = KeyLayout::with_prefix("tenants/acme/shots").unwrap().undated();
/// assert_eq!(flat.key(&ctx).as_ref(), "tenants/acme/shots/AbC123.png");
///
/// let custom = KeyLayout::custom(|ctx| {
///     object_store::path::Path::from_iter(["by-format", ctx.format.extension(), ctx.token])
/// });
/// assert_eq!(custom.key(&ctx).as_ref(), "by-format/png/AbC123");
/// ```
#[derive(Clone)]
pub struct KeyLayout(Layout);

impl<'a> KeyContext<'a> {
    /// Creates a context, for testing layouts.
    pub fn new(token: &'a str, format: Format, received_at: DateTime<Utc>) -> Self {
        Self {
            token,
            format,
            received_at,
        }
    }
}

impl KeyLayout {
    /// `<prefix>/YYYY/MM/DD/<token>.<ext>`; the prefix may be empty or
    /// several segments (`a/b/c`). It is validated as an object path.
    pub fn with_prefix(prefix: &str) -> Result<Self, ConfigError> {
        let prefix = Path::parse(prefix).map_err(|source| ConfigError::InvalidPrefix {
            setting: "key_prefix",
            prefix: prefix.to_owned(),
            source: Some(source),
        })?;
        Ok(Self(Layout::Dated {
            prefix,
            dated: true,
        }))
    }

    /// Drops the `YYYY/MM/DD` segments: `<prefix>/<token>.<ext>`.
    pub fn undated(self) -> Self {
        match self.0 {
            Layout::Dated { prefix, .. } => Self(Layout::Dated {
                prefix,
                dated: false,
            }),
            custom @ Layout::Custom(_) => Self(custom),
        }
    }

    /// Full control: the closure builds the key from the context. It
    /// receives only sanitised values; build the result from parts
    /// (`Path::from_iter`) so nothing in it can escape its prefix.
    pub fn custom(f: impl Fn(&KeyContext<'_>) -> Path + Send + Sync + 'static) -> Self {
        Self(Layout::Custom(Arc::new(f)))
    }

    /// The prefix of a dated layout; `None` for a custom one.
    pub(crate) fn prefix(&self) -> Option<&Path> {
        match &self.0 {
            Layout::Dated { prefix, .. } => Some(prefix),
            Layout::Custom(_) => None,
        }
    }

    /// The key for a capture.
    pub fn key(&self, ctx: &KeyContext<'_>) -> Path {
        match &self.0 {
            Layout::Custom(f) => f(ctx),
            Layout::Dated { prefix, dated } => {
                let mut key = prefix.clone();
                if *dated {
                    let d = ctx.received_at.date_naive();
                    key = key
                        .join(format!("{:04}", d.year()))
                        .join(format!("{:02}", d.month()))
                        .join(format!("{:02}", d.day()));
                }
                key.join(format!("{}.{}", ctx.token, ctx.format.extension()))
            }
        }
    }
}

impl Default for KeyLayout {
    fn default() -> Self {
        Self(Layout::Dated {
            prefix: Path::from("screenshots"),
            dated: true,
        })
    }
}

impl fmt::Debug for KeyLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Layout::Dated { prefix, dated } => f
                .debug_struct("KeyLayout")
                .field("prefix", &prefix.as_ref())
                .field("dated", dated)
                .finish(),
            Layout::Custom(_) => f.write_str("KeyLayout(<custom>)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_empty_prefix_puts_the_date_at_the_root() {
        let at = Utc.with_ymd_and_hms(2027, 1, 2, 0, 0, 0).unwrap();
        let key = KeyLayout::with_prefix("")
            .unwrap()
            .key(&KeyContext::new("t", Format::Pdf, at));
        assert_eq!(key.as_ref(), "2027/01/02/t.pdf");
    }

    #[test]
    fn a_prefix_with_traversal_is_refused() {
        assert!(KeyLayout::with_prefix("a/../b").is_err());
    }
}
