//! The object attributes the sink sets on every capture: `Content-Type`
//! from the verified format, and what the user configured.

use std::sync::atomic::{AtomicBool, Ordering};

use object_store::{Attribute, AttributeValue, Attributes, TagSet};

use crate::Format;
use crate::prove::probe::Identified;

/// The tag keys `capture_tags` sets.
pub(crate) const CAPTURE_TAGS: [&str; 2] = ["token", "format"];

/// How a browser should present a stored capture (`Content-Disposition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disposition {
    /// `inline; filename="<token>.<ext>"`: shown in the browser.
    Inline,
    /// `attachment; filename="<token>.<ext>"`: downloaded.
    Attachment,
}

impl Disposition {
    pub(crate) fn header(self, file_name: &str) -> String {
        let kind = match self {
            Disposition::Inline => "inline",
            Disposition::Attachment => "attachment",
        };
        // File names are `[A-Za-z0-9]+.ext`: nothing to quote or escape.
        format!("{kind}; filename=\"{file_name}\"")
    }
}

/// The attributes and tags wanted, and whether the store has shown it
/// takes no attributes.
#[derive(Debug, Default)]
pub(crate) struct ObjectAttributes {
    pub(crate) cache_control: Option<String>,
    pub(crate) disposition: Option<Disposition>,
    /// `token`, `width`, `height`, `size` and `sha256` as user metadata.
    pub(crate) metadata: bool,
    pub(crate) storage_class: Option<String>,
    /// Fixed tags, checked by the builder.
    pub(crate) tags: Vec<(String, String)>,
    /// Whether to tag with the token and the format.
    pub(crate) capture_tags: bool,
    /// Learned at run time: set once the store refused object attributes.
    unsupported: AtomicBool,
}

/// What is known of a file once it is complete: a single put can carry
/// it as metadata, a multipart upload (which declares its attributes
/// before the first byte) cannot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Known<'a> {
    pub(crate) size: u64,
    pub(crate) sha256: Option<&'a str>,
}

impl ObjectAttributes {
    /// The attributes to send for a file of `format` (with the token, when
    /// known: a staged file's is not), or `None` once the store has shown
    /// it takes none (`LocalFileSystem` refuses every attribute; its keys
    /// carry the extension instead).
    pub(crate) fn for_file(
        &self,
        file: Identified,
        token: Option<&str>,
        known: Option<Known<'_>>,
        extra: &[(String, String)],
    ) -> Option<Attributes> {
        let format = file.format;
        if self.unsupported.load(Ordering::Relaxed) {
            return None;
        }
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, format.content_type().into());
        if let Some(class) = &self.storage_class {
            attributes.insert(Attribute::StorageClass, class.clone().into());
        }
        if let Some(cache_control) = &self.cache_control {
            attributes.insert(Attribute::CacheControl, cache_control.clone().into());
        }
        if let (Some(disposition), Some(token)) = (self.disposition, token) {
            let file_name = format!("{token}.{}", format.extension());
            attributes.insert(
                Attribute::ContentDisposition,
                AttributeValue::from(disposition.header(&file_name)),
            );
        }
        for (key, value) in extra {
            attributes.insert(
                Attribute::Metadata(key.clone().into()),
                value.clone().into(),
            );
        }
        if self.metadata {
            if let Some(token) = token {
                attributes.insert(Attribute::Metadata("token".into()), token.to_owned().into());
            }
            if let Some(dims) = file.dims {
                attributes.insert(
                    Attribute::Metadata("width".into()),
                    dims.width.to_string().into(),
                );
                attributes.insert(
                    Attribute::Metadata("height".into()),
                    dims.height.to_string().into(),
                );
            }
            if let Some(known) = known {
                attributes.insert(
                    Attribute::Metadata("size".into()),
                    known.size.to_string().into(),
                );
                if let Some(sha256) = known.sha256 {
                    attributes.insert(
                        Attribute::Metadata("sha256".into()),
                        sha256.to_owned().into(),
                    );
                }
            }
        }
        Some(attributes)
    }

    /// The tags for a file of `format` (with the token, when known).
    pub(crate) fn tags(&self, format: Format, token: Option<&str>) -> TagSet {
        let mut tags = TagSet::default();
        for (key, value) in &self.tags {
            tags.push(key, value);
        }
        if self.capture_tags {
            let [token_key, format_key] = CAPTURE_TAGS;
            if let Some(token) = token {
                tags.push(token_key, token);
            }
            tags.push(format_key, format.extension());
        }
        tags
    }

    /// The store refused attributes: send none from now on.
    pub(crate) fn mark_unsupported(&self) {
        self.unsupported.store(true, Ordering::Relaxed);
    }
}
