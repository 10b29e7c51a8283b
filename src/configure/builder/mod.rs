//! Configuring a sink: every setting, validated in one place.

use std::fmt;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::path::Path;

use crate::authorize::Gate;
use crate::configure::runtime::{Config, Limits, Secrets, in_memory};
use crate::receive::budget::Budget;
use crate::store::attributes::ObjectAttributes;
use crate::store::link::Links;
use crate::store::upload::Destination;
use crate::verify::mint::SecretMint;
use crate::{
    Authorizer, CaptureSink, ConfigError, EarlyFile, KeyLayout, OnExisting, Secret, SecretResolver,
};

mod app;
mod by_key;
mod limits;
mod object;
#[cfg(feature = "renditions")]
mod renditions;

/// Configures a [`CaptureSink`]; every setting is validated in
/// [`build`](Self::build), and no setting depends on the order of the calls.
#[must_use]
pub struct CaptureSinkBuilder {
    store: Arc<dyn ObjectStore>,
    secrets: Vec<Secret>,
    resolver: Option<Arc<dyn SecretResolver>>,
    mint: Option<SecretMint>,
    layout: KeyLayout,
    limits: Limits,
    on_existing: OnExisting,
    early_file: EarlyFile,
    staging_prefix: Path,
    attributes: ObjectAttributes,
    sha256: bool,
    links: Option<Links>,
    #[cfg(feature = "notify")]
    notifier: Option<crate::notify::Notifier>,
    authorizer: Option<Arc<dyn Authorizer>>,
    authorize_timeout: std::time::Duration,
    authorize_concurrency: usize,
    hooks: app::HttpHooks,
    #[cfg(feature = "renditions")]
    renditions: renditions::RenditionSettings,
    error: Option<ConfigError>,
}

impl CaptureSink {
    /// Starts configuring a sink that stores into `store`: an
    /// `Arc<dyn ObjectStore>` or an `Arc` of any store (see
    /// [`IntoObjectStore`](crate::IntoObjectStore)).
    pub fn builder(store: impl crate::IntoObjectStore) -> CaptureSinkBuilder {
        CaptureSinkBuilder::new(store.into_object_store())
    }
}

impl CaptureSinkBuilder {
    fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self {
            store,
            secrets: Vec::new(),
            resolver: None,
            mint: None,
            layout: KeyLayout::default(),
            limits: Limits::default(),
            on_existing: OnExisting::default(),
            early_file: EarlyFile::default(),
            staging_prefix: Path::from("_incoming"),
            attributes: ObjectAttributes::default(),
            sha256: false,
            links: None,
            #[cfg(feature = "notify")]
            notifier: None,
            authorizer: None,
            authorize_timeout: std::time::Duration::from_secs(5),
            authorize_concurrency: 64,
            hooks: app::HttpHooks::default(),
            #[cfg(feature = "renditions")]
            renditions: renditions::RenditionSettings::default(),
            error: None,
        }
    }

    /// Adds a callback secret. Call it again (or use [`secrets`](Self::secrets))
    /// to accept several at once while rotating. An empty secret makes
    /// `build` fail.
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        match Secret::new(secret) {
            Ok(secret) => self.secrets.push(secret),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Adds several callback secrets.
    pub fn secrets<I>(self, secrets: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        secrets.into_iter().fold(self, |b, s| b.secret(s))
    }

    /// Accepts secrets minted by `mint` (checked statelessly: key id,
    /// expiry, MAC), in addition to any static secrets. See
    /// [`mint`](crate::verify::mint).
    pub fn secret_mint(mut self, mint: SecretMint) -> Self {
        self.mint = Some(mint);
        self
    }

    /// Looks up a per-capture secret by token, when the secret sent is
    /// neither a static nor a minted one. See [`SecretResolver`].
    pub fn secret_resolver(mut self, resolver: impl SecretResolver) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// What to do when a capture is already stored at the key. Default:
    /// [`OnExisting::Overwrite`].
    pub fn on_existing(mut self, policy: OnExisting) -> Self {
        self.on_existing = policy;
        self
    }

    /// What to do with a file that arrives before its secret and token and
    /// outgrows [`max_unverified_file_size`](Self::max_unverified_file_size).
    /// Default: [`EarlyFile::Refuse`].
    pub fn early_file(mut self, policy: EarlyFile) -> Self {
        self.early_file = policy;
        self
    }

    /// Where [`EarlyFile::Stage`] puts files until they are verified.
    /// Default: `_incoming`.
    pub fn staging_prefix(mut self, prefix: &str) -> Self {
        let invalid = |source| ConfigError::InvalidPrefix {
            setting: "staging_prefix",
            prefix: prefix.to_owned(),
            source,
        };
        match Path::parse(prefix) {
            Ok(path) if path != Path::default() => self.staging_prefix = path,
            Ok(_) => self.fail(invalid(None)),
            Err(source) => self.fail(invalid(Some(source))),
        }
        self
    }

    /// Sets the key layout. Default: `screenshots/YYYY/MM/DD/<token>.<ext>`.
    pub fn key_layout(mut self, layout: KeyLayout) -> Self {
        self.layout = layout;
        self
    }

    /// Shorthand for `key_layout(KeyLayout::with_prefix(prefix)?)`: keeps the
    /// dated layout under another prefix.
    pub fn key_prefix(mut self, prefix: &str) -> Self {
        match KeyLayout::with_prefix(prefix) {
            Ok(layout) => self.layout = layout,
            Err(e) => self.fail(e),
        }
        self
    }

    /// Validates the configuration and builds the sink.
    pub fn build(self) -> Result<CaptureSink, ConfigError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.secrets.is_empty() && self.resolver.is_none() && self.mint.is_none() {
            return Err(ConfigError::NoSecret);
        }
        limits::validate(&self.limits, self.early_file)?;
        self.check_tags()?;
        if self.authorize_timeout.is_zero() {
            return Err(ConfigError::InvalidLimit {
                name: "authorize_timeout",
                reason: "must be more than zero",
            });
        }
        if self.authorize_concurrency == 0 {
            return Err(ConfigError::InvalidLimit {
                name: "authorize_concurrency",
                reason: "must be at least 1",
            });
        }
        let authorizer = match self.http_authorizer()? {
            Some(http) => Some(http),
            None => self.authorizer,
        };
        let l = &self.limits;
        let budget = Budget::new(
            in_memory(l.max_buffered_bytes),
            in_memory(l.unverified_bytes(self.early_file)),
            in_memory(l.per_callback()),
            l.admission_timeout,
        );
        // Past tokio's limit, as good as no cap (and no panic).
        let drains =
            tokio::sync::Semaphore::new(l.max_draining.min(tokio::sync::Semaphore::MAX_PERMITS));
        let destination = Destination {
            store: self.store,
            part_size: in_memory(l.part_size),
            max_parts_in_flight: l.max_parts_in_flight,
            sha256: self.sha256 || self.attributes.metadata,
            attributes: Arc::new(self.attributes),
            tasks: tokio_util::task::TaskTracker::new(),
        };
        #[cfg(feature = "renditions")]
        (self.renditions).attach(
            self.notifier.as_ref(),
            &destination,
            &self.links,
            self.on_existing,
            l,
        )?;
        let authorize = authorizer.map(|authorizer| {
            Gate::new(
                authorizer,
                self.authorize_timeout,
                self.authorize_concurrency,
                &self.staging_prefix,
            )
        });
        Ok(CaptureSink::from_config(Config {
            secrets: Secrets {
                fixed: self.secrets,
                mint: self.mint,
                resolver: self.resolver,
            },
            layout: self.layout,
            limits: self.limits,
            on_existing: self.on_existing,
            early_file: self.early_file,
            staging_prefix: self.staging_prefix,
            destination,
            links: self.links,
            #[cfg(feature = "notify")]
            notifier: self.notifier,
            authorize,
            budget: Arc::new(budget),
            drains,
        }))
    }

    fn fail(&mut self, error: ConfigError) {
        self.error.get_or_insert(error);
    }
}

impl fmt::Debug for CaptureSinkBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureSinkBuilder")
            .field("store", &format_args!("{}", self.store))
            .field("secrets", &self.secrets)
            .field("resolver", &self.resolver.is_some())
            .field("mint", &self.mint)
            .field("layout", &self.layout)
            .field("limits", &self.limits)
            .field("on_existing", &self.on_existing)
            .field("early_file", &self.early_file)
            .finish_non_exhaustive()
    }
}
