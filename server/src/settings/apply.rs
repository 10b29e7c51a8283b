//! From the configuration to the library: the store and the sink's builder.

use std::sync::Arc;

use object_store::ObjectStore;
use shotsink::mint::{MintKey, SecretMint};
use shotsink::notify::HttpAuthorizer;
use shotsink::{CaptureSink, CaptureSinkBuilder, ConfigError, Disposition, EarlyFile, OnExisting};

use super::schema::{self, Config};

impl Config {
    /// Opens the store: the URL with its options (and the process's
    /// `AWS_*`, `GOOGLE_*`, `AZURE_*` variables, which the cloud builders
    /// read); a canned ACL goes in as the S3 client's default header (the
    /// store URL's `acl` option).
    pub(crate) fn open_store(&self) -> Result<Arc<dyn ObjectStore>, ConfigError> {
        let options = self.store_options()?;
        shotsink::store_from_url(&self.store.url, options)
    }

    /// The store options, with the canned ACL as the `acl` option.
    fn store_options(&self) -> Result<Vec<(String, String)>, ConfigError> {
        let mut options: Vec<(String, String)> = self
            .store
            .options
            .iter()
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect();
        if let Some(acl) = &self.store.acl {
            options.push(("acl".into(), acl.clone()));
        }
        options.sort();
        Ok(options)
    }

    /// The sink's builder for `store` with every setting applied, and
    /// `secrets` as its static secrets.
    pub(crate) fn sink_builder(
        &self,
        store: Arc<dyn ObjectStore>,
        secrets: &[String],
    ) -> Result<CaptureSinkBuilder, ConfigError> {
        let mut b = CaptureSink::builder(store).secrets(secrets);
        if let Some((current, others)) = self.secrets.mint_keys.split_first() {
            let key = |k: &schema::MintKeyConfig| MintKey::new(k.id.clone(), k.key.as_bytes());
            let mut mint = SecretMint::new(key(current)?);
            for other in others {
                mint = mint.accept(key(other)?);
            }
            b = b.secret_mint(mint);
        }
        if let Some(prefix) = &self.keys.prefix {
            b = b.key_prefix(prefix);
        }
        let c = &self.capture;
        if let Some(policy) = c.on_existing {
            b = b.on_existing(match policy {
                schema::OnExisting::Overwrite => OnExisting::Overwrite,
                schema::OnExisting::KeepFirst => OnExisting::KeepFirst,
                schema::OnExisting::Reject => OnExisting::Reject,
            });
        }
        if let Some(policy) = c.early_file {
            b = b.early_file(match policy {
                schema::EarlyFile::Refuse => EarlyFile::Refuse,
                schema::EarlyFile::Stage => EarlyFile::Stage,
            });
        }
        if let Some(prefix) = &c.staging_prefix {
            b = b.staging_prefix(prefix);
        }
        b = self.limits(b);
        b = self.hooks(b)?;
        self.object(b)
    }

    /// `[hooks]`: the app asked before each capture is stored.
    fn hooks(&self, b: CaptureSinkBuilder) -> Result<CaptureSinkBuilder, ConfigError> {
        let h = &self.hooks;
        let Some(url) = &h.authorize else {
            return Ok(b);
        };
        let secret = h
            .secret
            .as_deref()
            .or(self.notify.as_ref().map(|n| n.secret.as_str()))
            .ok_or_else(|| ConfigError::InvalidSetting {
                setting: "hooks.secret",
                value: String::new(),
                reason:
                    "hooks.authorize needs a whsec_ secret: set hooks.secret (or notify.secret)"
                        .to_owned(),
            })?;
        let authorizer = HttpAuthorizer::new(url, secret, h.timeout)
            .map_err(super::in_server_terms)?
            .cache_ttl(h.cache_ttl);
        Ok(b.authorizer(Arc::new(authorizer))
            .authorize_timeout(h.timeout)
            .authorize_concurrency(h.concurrency))
    }

    fn limits(&self, mut b: CaptureSinkBuilder) -> CaptureSinkBuilder {
        let l = &self.limits;
        macro_rules! set {
            ($($name:ident),* ; $($count:ident),* ; $($time:ident),*) => {
                $(if let Some(v) = l.$name { b = b.$name(v.as_u64()); })*
                $(if let Some(v) = l.$count { b = b.$count(v); })*
                $(if let Some(v) = l.$time { b = b.$time(v); })*
            };
        }
        set!(
            max_file_size, max_text_field_size, part_size, max_unverified_file_size,
            max_body_size, max_buffered_bytes, max_unverified_bytes;
            max_fields, max_parts_in_flight;
            idle_timeout, admission_timeout, verify_timeout, linger_timeout
        );
        if let Some(pixels) = l.max_pixels {
            b = b.max_pixels((pixels > 0).then_some(pixels));
        }
        if l.min_data_rate.is_some() || l.min_data_rate_grace.is_some() {
            // One setter takes both: the other keeps its documented default.
            let rate = l.min_data_rate.map_or(240, |r| r.as_u64());
            let grace = l
                .min_data_rate_grace
                .unwrap_or(std::time::Duration::from_secs(5));
            b = b.min_data_rate(rate, grace);
        }
        b
    }

    fn object(&self, mut b: CaptureSinkBuilder) -> Result<CaptureSinkBuilder, ConfigError> {
        let o = &self.object;
        if let Some(value) = &o.cache_control {
            b = b.cache_control(value.clone());
        }
        if let Some(d) = o.content_disposition {
            b = b.content_disposition(match d {
                schema::Disposition::Inline => Disposition::Inline,
                schema::Disposition::Attachment => Disposition::Attachment,
            });
        }
        b = b.metadata(o.metadata).sha256(o.sha256);
        if let Some(class) = &o.storage_class {
            b = b.storage_class(class);
        }
        for (key, value) in &o.tags {
            b = b.tag(key, &value.0);
        }
        b = b.capture_tags(o.capture_tags);
        if let Some(base) = &o.public_urls {
            b = b.public_urls(base);
        }
        if let Some(expiry) = o.presigned_urls {
            let options = self.store_options()?;
            let presigner = shotsink::presigner_from_url(&self.store.url, options, expiry)?;
            b = b.presigned_urls(presigner);
        }
        Ok(b)
    }
}
