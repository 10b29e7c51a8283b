//! From the configuration to the library: the store, the sink's builder
//! and the notifier's, each setting handed over by key.

use std::sync::Arc;

use object_store::ObjectStore;
use shotsink::mint::{MintKey, SecretMint};
use shotsink::notify::NotifierBuilder;
use shotsink::{CaptureSink, CaptureSinkBuilder};

use super::ConfigLoadError;
use super::schema::{self, Config};

impl Config {
    /// Opens the store: the URL with its options (and the process's
    /// `AWS_*`, `GOOGLE_*`, `AZURE_*` variables, which the cloud builders
    /// read); a canned ACL goes in as the S3 client's default header (the
    /// store URL's `acl` option).
    pub(crate) fn open_store(&self) -> Result<Arc<dyn ObjectStore>, ConfigLoadError> {
        shotsink::store_from_url(&self.store.url, self.store_options())
            .map_err(|error| self.refuse("store.url", error))
    }

    /// The store options, with the canned ACL as the `acl` option.
    pub(super) fn store_options(&self) -> Vec<(String, String)> {
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
        options
    }

    /// The sink's builder for `store` with every setting applied, and
    /// `secrets` as its static secrets.
    pub(crate) fn sink_builder(
        &self,
        store: Arc<dyn ObjectStore>,
        secrets: &[String],
    ) -> Result<CaptureSinkBuilder, ConfigLoadError> {
        let mut b = CaptureSink::builder(store).secrets(secrets);
        if let Some((current, others)) = self.secrets.mint_keys.split_first() {
            let key = |k: &schema::MintKeyConfig| {
                MintKey::new(k.id.clone(), k.key.as_bytes())
                    .map_err(|error| self.refuse("secrets.mint_keys", error))
            };
            let mut mint = SecretMint::new(key(current)?);
            for other in others {
                mint = mint.accept(key(other)?);
            }
            b = b.secret_mint(mint);
        }
        for (key, value) in &self.settings.sink {
            b = b.with_config(*key, value);
        }
        if let Some(expiry) = self.settings.presigned_urls {
            let presigner =
                shotsink::presigner_from_url(&self.store.url, self.store_options(), expiry)
                    .map_err(|error| self.refuse("object.presigned_urls", error))?;
            b = b.presigned_urls(presigner);
        }
        Ok(b)
    }

    /// The notifier's builder with every `[notify]` setting, if notifications
    /// are on (it still needs its journal).
    pub(crate) fn notifier_builder(&self) -> Option<NotifierBuilder> {
        let settings = self.settings.notify.as_ref()?;
        let builder = settings
            .iter()
            .fold(NotifierBuilder::default(), |b, (key, value)| {
                b.with_config(*key, value)
            });
        Some(builder)
    }
}
