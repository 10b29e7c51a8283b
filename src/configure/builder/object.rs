//! The builder's settings for what is stored with each capture: headers,
//! metadata, storage class, tags, and the link reported back.

use super::CaptureSinkBuilder;
use crate::store::attributes::CAPTURE_TAGS;
use crate::store::link::Links;
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
use crate::store::link::Presigner;
use crate::{ConfigError, Disposition};

/// S3's limit on tags per object.
const MAX_TAGS: usize = 10;

impl CaptureSinkBuilder {
    /// Stores a `Cache-Control` header with every capture, e.g.
    /// `public, max-age=31536000, immutable` (captures never change).
    /// Default: none.
    pub fn cache_control(mut self, value: impl Into<String>) -> Self {
        self.attributes.cache_control = Some(value.into());
        self
    }

    /// Stores a `Content-Disposition` with every capture, naming the file
    /// `<token>.<ext>`. Default: none.
    pub fn content_disposition(mut self, disposition: Disposition) -> Self {
        self.attributes.disposition = Some(disposition);
        self
    }

    /// Stores user metadata with every capture: `token`, `width` and
    /// `height` (images), and for files up to one part (a single put)
    /// `size` and `sha256`, computed while streaming. A multipart upload
    /// declares its metadata before the first byte, so large files carry
    /// `token`, `width` and `height` only; the outcome has all of them.
    /// Implies [`sha256`](Self::sha256), whatever the order of the calls.
    /// Nothing the sender chose goes into metadata but the token, reduced
    /// to `[A-Za-z0-9]`. Default: off.
    pub fn metadata(mut self, enabled: bool) -> Self {
        self.attributes.metadata = enabled;
        self
    }

    /// Computes the SHA-256 of every capture while streaming, reported in
    /// [`StoredCapture::sha256`](crate::StoredCapture::sha256). Always on
    /// with [`metadata`](Self::metadata). Default: off, since hashing costs
    /// about as much CPU as the rest of the pipeline for a typical capture.
    pub fn sha256(mut self, enabled: bool) -> Self {
        self.sha256 = enabled;
        self
    }

    /// Stores every capture in this storage class: S3's `STANDARD_IA`,
    /// `GLACIER_IR`, ... (`x-amz-storage-class`), GCS's `NEARLINE`, ...,
    /// Azure's access tier `Cool`, ... Default: the bucket's. Local disk
    /// and memory stores keep no attributes and ignore it.
    pub fn storage_class(mut self, class: &str) -> Self {
        let usable = !class.is_empty()
            && class
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if usable {
            self.attributes.storage_class = Some(class.to_owned());
        } else {
            self.fail(ConfigError::InvalidSetting {
                setting: "storage_class",
                value: class.to_owned(),
                reason: "must be a non-empty name of letters, digits, `_` or `-`".into(),
            });
        }
        self
    }

    /// Tags every capture with `key=value` (S3 object tagging, e.g. for a
    /// lifecycle rule); call it again for more. S3's rules are checked:
    /// at most 10 tags in all, keys of 1 to 128 and values of at most 256
    /// characters, letters, digits, spaces and `+ - = . _ : / @` only, no
    /// `aws:` prefix. Stores without tags (local disk, memory, GCS) ignore
    /// them. Default: none.
    pub fn tag(mut self, key: &str, value: &str) -> Self {
        match check_tag(key, value) {
            Ok(()) => self
                .attributes
                .tags
                .push((key.to_owned(), value.to_owned())),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Tags every capture with its `token` and `format` (the extension),
    /// e.g. so a lifecycle rule can expire PDFs. Nothing else the sender
    /// sent becomes a tag. Default: off.
    pub fn capture_tags(mut self, enabled: bool) -> Self {
        self.attributes.capture_tags = enabled;
        self
    }

    /// Reports in [`StoredCapture::url`](crate::StoredCapture::url) the
    /// capture's public URL: `base` (a public bucket or a CDN host, e.g.
    /// `https://cdn.example.com/`) followed by its key. Default: no URL.
    pub fn public_urls(mut self, base: &str) -> Self {
        match Links::public(base) {
            Ok(links) => self.links = Some(links),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Reports in [`StoredCapture::url`](crate::StoredCapture::url) a
    /// presigned `GET` URL for the capture, signed by the store's client.
    /// Replaces [`public_urls`](Self::public_urls). Default: no URL.
    #[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
    pub fn presigned_urls(mut self, presigner: Presigner) -> Self {
        match Links::presigned(presigner) {
            Ok(links) => self.links = Some(links),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Checks what is set together: the number of tags and their keys.
    pub(super) fn check_tags(&self) -> Result<(), ConfigError> {
        let a = &self.attributes;
        let own = if a.capture_tags {
            CAPTURE_TAGS.len()
        } else {
            0
        };
        if let Some((key, _)) = a.tags.get(MAX_TAGS.saturating_sub(own)) {
            return Err(ConfigError::InvalidTag {
                key: key.clone(),
                reason: "more than 10 tags, counting `token` and `format` (capture_tags)",
            });
        }
        for (i, (key, _)) in a.tags.iter().enumerate() {
            let repeated = a.tags[..i].iter().any(|(k, _)| k == key);
            if repeated || (a.capture_tags && CAPTURE_TAGS.contains(&key.as_str())) {
                return Err(ConfigError::InvalidTag {
                    key: key.clone(),
                    reason: "set twice (capture_tags sets `token` and `format`)",
                });
            }
        }
        Ok(())
    }
}

/// S3's tag rules.
fn check_tag(key: &str, value: &str) -> Result<(), ConfigError> {
    let allowed = |s: &str| {
        s.chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || "+-=._:/@".contains(c))
    };
    let reason = if key.is_empty() || key.chars().count() > 128 {
        "keys have 1 to 128 characters"
    } else if value.chars().count() > 256 {
        "values have at most 256 characters"
    } else if !allowed(key) || !allowed(value) {
        "only letters, digits, spaces and + - = . _ : / @ are allowed"
    } else if key.starts_with("aws:") {
        "the `aws:` prefix is reserved"
    } else {
        return Ok(());
    };
    Err(ConfigError::InvalidTag {
        key: key.to_owned(),
        reason,
    })
}
