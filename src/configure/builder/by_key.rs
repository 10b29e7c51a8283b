//! The builder set and read by key: [`SinkConfigKey`] onto the setters.

use super::CaptureSinkBuilder;
use crate::configure::value::{self, write_choice, write_duration, write_size};
use crate::store::link::Links;
use crate::{Disposition, EarlyFile, OnExisting, SinkConfigKey};

const ON_EXISTING: &[(&str, OnExisting)] = &[
    ("overwrite", OnExisting::Overwrite),
    ("keep_first", OnExisting::KeepFirst),
    ("reject", OnExisting::Reject),
];
const EARLY_FILE: &[(&str, EarlyFile)] =
    &[("refuse", EarlyFile::Refuse), ("stage", EarlyFile::Stage)];
const DISPOSITION: &[(&str, Disposition)] = &[
    ("inline", Disposition::Inline),
    ("attachment", Disposition::Attachment),
];

impl CaptureSinkBuilder {
    /// Sets `key` from text, as its builder method would (see
    /// [`configure`](crate::configure) for how values are written). A value
    /// that does not parse, like any invalid setting, makes
    /// [`build`](Self::build) fail naming the method; a secret's value is
    /// never repeated in the error.
    pub fn with_config(self, key: SinkConfigKey, value: impl Into<String>) -> Self {
        use SinkConfigKey as K;
        let text = value.into();
        let t = text.as_str();
        let b = self;
        macro_rules! parsed {
            ($parse:expr, $set:expr) => {
                match $parse(t) {
                    Ok(v) => ($set)(b, v),
                    Err(reason) => b.invalid(key, t, reason),
                }
            };
        }
        match key {
            K::KeyPrefix => b.key_prefix(t),
            K::OnExisting => parsed!(|t| value::choice(t, ON_EXISTING), Self::on_existing),
            K::EarlyFile => parsed!(|t| value::choice(t, EARLY_FILE), Self::early_file),
            K::StagingPrefix => b.staging_prefix(t),
            K::MaxFileSize => parsed!(value::size, Self::max_file_size),
            K::MaxTextFieldSize => parsed!(value::size, Self::max_text_field_size),
            K::MaxPixels => parsed!(value::count::<u64>, |b: Self, p: u64| b
                .max_pixels((p > 0).then_some(p))),
            K::MaxFields => parsed!(value::count, Self::max_fields),
            K::PartSize => parsed!(value::size, Self::part_size),
            K::MaxPartsInFlight => parsed!(value::count, Self::max_parts_in_flight),
            K::MaxUnverifiedFileSize => parsed!(value::size, Self::max_unverified_file_size),
            K::MaxBodySize => parsed!(value::size, Self::max_body_size),
            K::MaxBufferedBytes => parsed!(value::size, Self::max_buffered_bytes),
            K::MaxUnverifiedBytes => parsed!(value::size, Self::max_unverified_bytes),
            K::IdleTimeout => parsed!(value::duration, Self::idle_timeout),
            K::AdmissionTimeout => parsed!(value::duration, Self::admission_timeout),
            K::MinDataRate => parsed!(value::size, |mut b: Self, rate| {
                b.limits.min_data_rate = rate;
                b
            }),
            K::MinDataRateGrace => parsed!(value::duration, |mut b: Self, grace| {
                b.limits.min_data_rate_grace = grace;
                b
            }),
            K::VerifyTimeout => parsed!(value::duration, Self::verify_timeout),
            K::LingerTimeout => parsed!(value::duration, Self::linger_timeout),
            K::MaxDraining => parsed!(value::count, Self::max_draining),
            K::CacheControl => b.cache_control(t),
            K::ContentDisposition => {
                parsed!(|t| value::choice(t, DISPOSITION), Self::content_disposition)
            }
            K::Metadata => parsed!(value::switch, Self::metadata),
            K::Sha256 => parsed!(value::switch, Self::sha256),
            K::StorageClass => b.storage_class(t),
            K::Tags => parsed!(value::pairs, |mut b: Self, tags: Vec<(String, String)>| {
                b.attributes.tags.clear();
                tags.iter().fold(b, |b, (k, v)| b.tag(k, v))
            }),
            K::CaptureTags => parsed!(value::switch, Self::capture_tags),
            K::PublicUrls => b.public_urls(t),
            #[cfg(feature = "renditions")]
            K::Renditions => parsed!(
                super::renditions::RenditionSettings::parse_list,
                Self::renditions
            ),
            #[cfg(feature = "renditions")]
            K::RenditionMemoryBudget => parsed!(value::size, |mut b: Self, v| {
                b.renditions.memory_budget = Some(v);
                b
            }),
            #[cfg(feature = "renditions")]
            K::RenditionThreads => parsed!(value::count, |mut b: Self, v| {
                b.renditions.threads = Some(v);
                b
            }),
            #[cfg(not(feature = "renditions"))]
            K::Renditions | K::RenditionMemoryBudget | K::RenditionThreads => b.invalid(
                key,
                t,
                "renditions need the library's `renditions` feature".into(),
            ),
            K::AuthorizeUrl => {
                let mut b = b;
                b.hooks.url = Some(text);
                b
            }
            K::AuthorizeSecret => {
                let mut b = b;
                b.hooks.secret = Some(text);
                b
            }
            K::AuthorizeCacheTtl => parsed!(value::duration, |mut b: Self, ttl| {
                b.hooks.cache_ttl = ttl;
                b
            }),
            K::AuthorizeTimeout => parsed!(value::duration, Self::authorize_timeout),
            K::AuthorizeConcurrency => parsed!(value::count, Self::authorize_concurrency),
        }
    }

    /// The value `key` will be used with, as text [`with_config`](Self::with_config)
    /// reads: what was set, or the default (limits derived from others as
    /// derived). `None` for what is not set and has no default (a storage
    /// class, a URL), and for a key layout or links set as code.
    pub fn get_config(&self, key: SinkConfigKey) -> Option<String> {
        use SinkConfigKey as K;
        let l = &self.limits;
        let a = &self.attributes;
        Some(match key {
            K::KeyPrefix => self.layout.prefix()?.to_string(),
            K::OnExisting => write_choice(&self.on_existing, ON_EXISTING),
            K::EarlyFile => write_choice(&self.early_file, EARLY_FILE),
            K::StagingPrefix => self.staging_prefix.to_string(),
            K::MaxFileSize => write_size(l.max_file_size),
            K::MaxTextFieldSize => write_size(l.max_text_field_size),
            K::MaxPixels => l.max_pixels.unwrap_or(0).to_string(),
            K::MaxFields => l.max_fields.to_string(),
            K::PartSize => write_size(l.part_size),
            K::MaxPartsInFlight => l.max_parts_in_flight.to_string(),
            K::MaxUnverifiedFileSize => write_size(l.max_unverified_file_size),
            K::MaxBodySize => write_size(l.body_size()),
            K::MaxBufferedBytes => write_size(l.max_buffered_bytes),
            K::MaxUnverifiedBytes => write_size(l.unverified_bytes(self.early_file)),
            K::IdleTimeout => write_duration(l.idle_timeout),
            K::AdmissionTimeout => write_duration(l.admission_timeout),
            K::MinDataRate => write_size(l.min_data_rate),
            K::MinDataRateGrace => write_duration(l.min_data_rate_grace),
            K::VerifyTimeout => write_duration(l.verify_timeout),
            K::LingerTimeout => write_duration(l.linger_timeout),
            K::MaxDraining => l.max_draining.to_string(),
            K::CacheControl => a.cache_control.clone()?,
            K::ContentDisposition => write_choice(a.disposition.as_ref()?, DISPOSITION),
            K::Metadata => a.metadata.to_string(),
            K::Sha256 => self.sha256.to_string(),
            K::StorageClass => a.storage_class.clone()?,
            K::Tags if a.tags.is_empty() => return None,
            K::Tags => {
                let pairs: Vec<String> = a.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                pairs.join(", ")
            }
            K::CaptureTags => a.capture_tags.to_string(),
            K::PublicUrls => match &self.links {
                Some(Links::Public(base)) => base.to_string(),
                _ => return None,
            },
            #[cfg(feature = "renditions")]
            K::Renditions => self.renditions.list_text()?,
            #[cfg(feature = "renditions")]
            K::RenditionMemoryBudget => write_size(self.renditions.limits(l).memory_budget),
            #[cfg(feature = "renditions")]
            K::RenditionThreads => self.renditions.limits(l).threads.to_string(),
            #[cfg(not(feature = "renditions"))]
            K::Renditions | K::RenditionMemoryBudget | K::RenditionThreads => return None,
            K::AuthorizeUrl => self.hooks.url.clone()?,
            K::AuthorizeSecret => self.hooks.secret.clone()?,
            K::AuthorizeCacheTtl => write_duration(self.hooks.cache_ttl),
            K::AuthorizeTimeout => write_duration(self.authorize_timeout),
            K::AuthorizeConcurrency => self.authorize_concurrency.to_string(),
        })
    }

    fn invalid(mut self, key: SinkConfigKey, text: &str, reason: String) -> Self {
        let shown = if key.is_secret() { "<redacted>" } else { text };
        self.fail(value::invalid(key.setter(), shown, reason));
        self
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use object_store::memory::InMemory;

    use super::*;
    use crate::CaptureSink;

    fn builder() -> CaptureSinkBuilder {
        CaptureSink::builder(Arc::new(InMemory::new())).secret("s")
    }

    #[test]
    fn every_key_reads_back_its_example_which_is_not_its_default() {
        for &key in SinkConfigKey::ALL {
            if !cfg!(feature = "renditions") && key.as_str().starts_with("renditions.") {
                // Refused without the feature (tested below); read back with it.
                assert!(builder().with_config(key, key.example()).build().is_err());
                continue;
            }
            let fresh = builder().get_config(key);
            assert_ne!(fresh.as_deref(), Some(key.example()), "{key}");
            let set = builder().with_config(key, key.example());
            assert_eq!(set.get_config(key).as_deref(), Some(key.example()), "{key}");
            assert_eq!(key.as_str().parse::<SinkConfigKey>().unwrap(), key);
            assert_eq!(
                key.setter().parse::<SinkConfigKey>().unwrap().setter(),
                key.setter()
            );
        }
    }

    #[test]
    fn a_value_that_does_not_parse_fails_the_build_naming_the_setter() {
        let error = builder()
            .with_config(SinkConfigKey::IdleTimeout, "soon")
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("idle_timeout") && error.contains("soon"),
            "{error}"
        );
        let secret = builder()
            .with_config(SinkConfigKey::AuthorizeUrl, "https://app.example.com/")
            .with_config(SinkConfigKey::AuthorizeSecret, "whsec_not-base64!")
            .build()
            .unwrap_err()
            .to_string();
        assert!(!secret.contains("not-base64"), "{secret}");
        assert!("limits.nope".parse::<SinkConfigKey>().is_err());
    }

    #[test]
    fn the_largest_count_an_operator_can_write_builds() {
        // tokio's semaphores panic past `MAX_PERMITS`: the count is capped.
        let most = usize::MAX.to_string();
        builder()
            .with_config(SinkConfigKey::MaxDraining, &most)
            .build()
            .unwrap();
    }
}
