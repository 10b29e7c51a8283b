//! The sink and its builder.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use http::HeaderMap;
use object_store::ObjectStore;
use object_store::path::Path;

use crate::budget::Budget;
use crate::format::SNIFF_LEN;
use crate::mint::SecretMint;
use crate::pipeline::{self, Received};
use crate::policy::ObjectAttributes;
use crate::{
    Acknowledge, BoxError, Capture, CaptureLayer, ConfigError, Disposition, EarlyFile, KeyLayout,
    OnExisting, Outcome, Secret, SecretResolver,
};

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// Size limits and upload tuning. Defaults are documented on each builder
/// setter.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) max_file_size: u64,
    pub(crate) max_text_field_size: usize,
    pub(crate) max_fields: usize,
    pub(crate) part_size: usize,
    pub(crate) max_parts_in_flight: usize,
    pub(crate) max_unverified_file_size: usize,
    pub(crate) max_body_size: Option<u64>,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_buffered_bytes: usize,
    /// `None`: the default, at least one callback's unverified need.
    pub(crate) max_unverified_bytes: Option<usize>,
    pub(crate) admission_timeout: Duration,
    pub(crate) min_data_rate: u64,
    pub(crate) min_data_rate_grace: Duration,
    pub(crate) verify_timeout: Duration,
    pub(crate) linger_timeout: Duration,
}

impl Limits {
    /// Room for part headers and boundaries on top of the fields' contents.
    const FORM_OVERHEAD: u64 = 64 * 1024;

    pub(crate) fn body_size(&self) -> u64 {
        self.max_body_size.unwrap_or(
            self.max_file_size
                + self.max_fields as u64 * self.max_text_field_size as u64
                + Self::FORM_OVERHEAD,
        )
    }

    /// The most one callback can hold: a held (or staged) file or a pending
    /// part, plus the parts in flight.
    pub(crate) fn per_callback(&self) -> usize {
        self.max_unverified_file_size.max(self.part_size)
            + self.part_size * self.max_parts_in_flight
            + Self::FORM_OVERHEAD as usize
            + crate::budget::CALLBACK_BUFFERS
    }

    /// The most one callback can hold before its secret is proved: a held
    /// file and the form around it, or with [`EarlyFile::Stage`] a staged
    /// file's parts.
    pub(crate) fn unverified_per_callback(&self, early_file: EarlyFile) -> usize {
        let file = match early_file {
            EarlyFile::Stage => {
                self.max_unverified_file_size.max(self.part_size)
                    + self.part_size * self.max_parts_in_flight
            }
            _ => self.max_unverified_file_size,
        };
        file + Self::FORM_OVERHEAD as usize
    }

    /// The unverified share: as set, or by default 16 MiB or a quarter of
    /// the budget, whichever is less, and at least one callback's need.
    /// Callbacks waiting for their claim hold at most this much, so the
    /// rest of the budget stays for claims.
    pub(crate) fn unverified_bytes(&self, early_file: EarlyFile) -> usize {
        self.max_unverified_bytes
            .unwrap_or_else(|| {
                (16 * MIB)
                    .min(self.max_buffered_bytes / 4)
                    .max(self.unverified_per_callback(early_file))
            })
            .min(self.max_buffered_bytes)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: 64 * MIB as u64,
            max_text_field_size: 4 * KIB,
            max_fields: 16,
            part_size: 8 * MIB,
            max_parts_in_flight: 2,
            max_unverified_file_size: 8 * MIB,
            max_body_size: None,
            idle_timeout: Duration::from_secs(30),
            max_buffered_bytes: 64 * MIB,
            max_unverified_bytes: None,
            admission_timeout: Duration::from_secs(10),
            min_data_rate: 240,
            min_data_rate_grace: Duration::from_secs(5),
            verify_timeout: Duration::from_secs(10),
            linger_timeout: Duration::from_secs(5),
        }
    }
}

/// Everything a sink needs, shared by its clones.
pub(crate) struct Config {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) secrets: Vec<Secret>,
    pub(crate) resolver: Option<Arc<dyn SecretResolver>>,
    pub(crate) mint: Option<SecretMint>,
    pub(crate) layout: KeyLayout,
    pub(crate) limits: Limits,
    pub(crate) on_existing: OnExisting,
    pub(crate) early_file: EarlyFile,
    pub(crate) staging_prefix: Path,
    pub(crate) attributes: ObjectAttributes,
    pub(crate) budget: Arc<Budget>,
    /// Learned at run time: set once the store refused object attributes.
    pub(crate) attributes_unsupported: AtomicBool,
}

/// Receives capture callbacks and stores their files.
///
/// Built once with [`CaptureSink::builder`], cheap to clone (an `Arc`
/// inside), and mounted as an endpoint with [`CaptureSink::service`] or in
/// front of a handler with [`CaptureSink::layer`]. Other frameworks call
/// [`CaptureSink::receive`] directly.
///
/// See the [crate documentation](crate) for an example.
#[derive(Clone)]
pub struct CaptureSink {
    config: Arc<Config>,
}

impl CaptureSink {
    /// Starts configuring a sink that stores into `store`.
    pub fn builder(store: Arc<dyn ObjectStore>) -> CaptureSinkBuilder {
        CaptureSinkBuilder {
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
            error: None,
        }
    }

    /// The endpoint form: a service that answers the sender itself (200
    /// with a one-line plain-text body, or the rejection).
    pub fn service(&self) -> Capture<Acknowledge> {
        Capture::new(self.clone(), Acknowledge)
    }

    /// The middleware form: stores, then calls the inner service with the
    /// [`Outcome`] in the request extensions.
    pub fn layer(&self) -> CaptureLayer {
        CaptureLayer::new(self.clone())
    }

    /// The store captures are written to.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.config.store
    }

    /// Body bytes the sink holds right now, across all callbacks: in the
    /// form parser, in files held before their secret, in parts waiting to
    /// be sent or in flight.
    pub fn buffered_bytes(&self) -> usize {
        self.config.budget.gauge().current()
    }

    /// The most [`buffered_bytes`](Self::buffered_bytes) has been since the
    /// sink was built. It never exceeds
    /// [`max_buffered_bytes`](CaptureSinkBuilder::max_buffered_bytes).
    pub fn peak_buffered_bytes(&self) -> usize {
        self.config.budget.gauge().peak()
    }

    /// Receives one callback from its headers and body stream, for
    /// frameworks that are not tower-based. The method is not checked here.
    /// After a rejection, the rest of the body is read and dropped (for at
    /// most [`linger_timeout`](CaptureSinkBuilder::linger_timeout)) before
    /// this returns, so that a client still sending can read the answer;
    /// answer a rejected callback with `Connection: close`.
    ///
    /// Requires a Tokio runtime: parts of large files are uploaded in tasks.
    pub async fn receive<S, E>(&self, headers: &HeaderMap, body: S) -> Outcome
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.receive_inner(headers, body).await.outcome
    }

    /// [`receive`](Self::receive), also telling whether the callback waited
    /// for the memory budget (for the adapters' `Connection: close`).
    pub(crate) async fn receive_inner<S, E>(&self, headers: &HeaderMap, body: S) -> Received
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        pipeline::receive(self.config.clone(), headers, body).await
    }
}

impl fmt::Debug for CaptureSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureSink")
            .field("store", &format_args!("{}", self.config.store))
            .field("secrets", &self.config.secrets)
            .field("resolver", &self.config.resolver.is_some())
            .field("mint", &self.config.mint)
            .field("layout", &self.config.layout)
            .field("limits", &self.config.limits)
            .field("on_existing", &self.config.on_existing)
            .field("early_file", &self.config.early_file)
            .finish()
    }
}

/// Configures a [`CaptureSink`]; every setting is validated in
/// [`build`](Self::build).
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
    error: Option<ConfigError>,
}

impl CaptureSinkBuilder {
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

    /// Looks up a per-capture secret by token, in addition to any static
    /// secrets. See [`SecretResolver`].
    pub fn secret_resolver(mut self, resolver: impl SecretResolver) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// Accepts secrets minted by `mint` (checked statelessly: key id,
    /// expiry, MAC), in addition to any static secrets. See
    /// [`mint`](crate::mint).
    pub fn secret_mint(mut self, mint: SecretMint) -> Self {
        self.mint = Some(mint);
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
        match Path::parse(prefix) {
            Ok(path) if path != Path::default() => self.staging_prefix = path,
            Ok(_) => self.fail(ConfigError::InvalidLimit {
                name: "staging_prefix",
                reason: "must not be empty",
            }),
            Err(source) => self.fail(ConfigError::InvalidPrefix {
                prefix: prefix.to_owned(),
                source,
            }),
        }
        self
    }

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

    /// Stores user metadata with every capture: `token`, and for files up
    /// to one part (a single put) `size` and `sha256`, computed while
    /// streaming. A multipart upload declares its metadata before the first
    /// byte, so large files carry `token` only; the outcome has both.
    /// Turns on [`sha256`](Self::sha256). Default: off.
    pub fn metadata(mut self, enabled: bool) -> Self {
        self.attributes.metadata = enabled;
        self.attributes.sha256 |= enabled;
        self
    }

    /// Computes the SHA-256 of every capture while streaming, reported in
    /// [`StoredCapture::sha256`](crate::StoredCapture::sha256) (and stored
    /// as metadata with [`metadata`](Self::metadata), which turns it on).
    /// Default: off, since hashing costs about as much CPU as the rest of
    /// the pipeline for a typical capture.
    pub fn sha256(mut self, enabled: bool) -> Self {
        self.attributes.sha256 = enabled;
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

    /// Largest file accepted, in bytes; a larger one is answered 413 and
    /// nothing is stored. Default: 64 MiB.
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.limits.max_file_size = bytes;
        self
    }

    /// Largest text field (`callback_secret`, `status`, `token`, `format`,
    /// or any other) in bytes. Default: 4 KiB.
    pub fn max_text_field_size(mut self, bytes: usize) -> Self {
        self.limits.max_text_field_size = bytes;
        self
    }

    /// Most form fields accepted in one callback. Default: 16.
    pub fn max_fields(mut self, count: usize) -> Self {
        self.limits.max_fields = count;
        self
    }

    /// Size of each multipart-upload part, and the size up to which a file
    /// goes up as one put. S3 and most compatible stores need at least
    /// 5 MiB. Default: 8 MiB.
    pub fn part_size(mut self, bytes: usize) -> Self {
        self.limits.part_size = bytes;
        self
    }

    /// Parts uploaded concurrently for one file. Memory per callback is at
    /// most `part_size * (max_parts_in_flight + 1)`. Default: 2.
    pub fn max_parts_in_flight(mut self, parts: usize) -> Self {
        self.limits.max_parts_in_flight = parts;
        self
    }

    /// A file that arrives before `callback_secret` and `token` cannot be
    /// verified or placed yet: it is held in memory up to this many bytes,
    /// and refused with 413 past it. Default: 8 MiB.
    pub fn max_unverified_file_size(mut self, bytes: usize) -> Self {
        self.limits.max_unverified_file_size = bytes;
        self
    }

    /// Largest request body, in bytes (413 above). Default: the file limit
    /// plus room for every text field and the form's framing.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.limits.max_body_size = Some(bytes);
        self
    }

    /// How long the client may send nothing while the sink waits for the
    /// body; past it the callback is answered 408 and any upload aborted.
    /// Time the sink spends waiting on the store does not count. Default:
    /// 30 s.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// Most bytes all callbacks together may hold. Every body byte is
    /// charged to its callback as it arrives, before the form parser sees
    /// it, and released when dropped. A callback that proved its secret
    /// claims, in one go, what the rest of its body can make it hold: the
    /// remaining `Content-Length` plus 256 KiB for the buffers that carry a
    /// body, at most the per-callback bound of `max(max_unverified_file_size,
    /// part_size) + part_size * max_parts_in_flight + 320 KiB`; a callback
    /// whose client pauses for 150 ms gives back what it claimed
    /// and does not hold. While the budget is spent, callbacks wait unread
    /// (the client meets backpressure), at most
    /// [`admission_timeout`](Self::admission_timeout), and are answered with
    /// `Connection: close` so that a saturated sink does not keep thousands
    /// of idle connections and their buffers. Default: 64 MiB.
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_buffered_bytes = bytes;
        self
    }

    /// The part of [`max_buffered_bytes`](Self::max_buffered_bytes) set
    /// aside for callbacks that have not yet proved their secret (text
    /// fields, files sent before the secret, parser buffers), so that
    /// strangers can only crowd out each other; the rest is for verified
    /// callbacks' claims, and must hold at least one callback's bound. Default: 16 MiB or a quarter
    /// of the budget, whichever is less, raised to one callback's need
    /// (`max_unverified_file_size` plus 64 KiB, or a staged file's parts
    /// with [`EarlyFile::Stage`]).
    pub fn max_unverified_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_unverified_bytes = Some(bytes);
        self
    }

    /// The longest a callback waits for memory budget; past it, it is
    /// answered 503 with `Retry-After` and `Connection: close`, and whatever
    /// it held is released. Default: 10 s.
    pub fn admission_timeout(mut self, timeout: Duration) -> Self {
        self.limits.admission_timeout = timeout;
        self
    }

    /// The slowest the body may arrive, in bytes per second, averaged over
    /// the time the sink waited for it, once `grace` of such waiting has
    /// passed; a slower client is answered 408 and any upload aborted. A
    /// trickle that never pauses long enough for the idle timeout is cut
    /// this way. `0` turns the check off. Default: 240 bytes/s after 5 s
    /// (Kestrel's).
    pub fn min_data_rate(mut self, bytes_per_second: u64, grace: Duration) -> Self {
        self.limits.min_data_rate = bytes_per_second;
        self.limits.min_data_rate_grace = grace;
        self
    }

    /// How long after it arrives a callback has to prove its secret (the
    /// `callback_secret` field read and checked, a resolver's answer
    /// included); past it, it is answered 408. With [`EarlyFile::Stage`], a
    /// large file sent before the secret must arrive within it: raise it to
    /// match the slowest sender you expect. Default: 10 s.
    pub fn verify_timeout(mut self, timeout: Duration) -> Self {
        self.limits.verify_timeout = timeout;
        self
    }

    /// After an answer given before the body ended (403, 413, 415, 400,
    /// 503), the rest of the body is read and dropped for at most this
    /// long (and at most four times the body limit), so that a client
    /// still sending can read the answer instead of meeting a reset. No
    /// budget is held meanwhile. Default: 5 s.
    pub fn linger_timeout(mut self, timeout: Duration) -> Self {
        self.limits.linger_timeout = timeout;
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
        let l = &self.limits;
        let positive = [
            ("max_file_size", l.max_file_size == 0),
            ("max_text_field_size", l.max_text_field_size == 0),
            ("max_fields", l.max_fields < 5),
            ("part_size", l.part_size == 0),
            ("max_parts_in_flight", l.max_parts_in_flight == 0),
            ("idle_timeout", l.idle_timeout.is_zero()),
            ("admission_timeout", l.admission_timeout.is_zero()),
            ("verify_timeout", l.verify_timeout.is_zero()),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, bad)| *bad) {
            let reason = if *name == "max_fields" {
                "must allow at least the five protocol fields"
            } else {
                "must be greater than zero"
            };
            return Err(ConfigError::InvalidLimit { name, reason });
        }
        if self.early_file == EarlyFile::Stage && l.max_unverified_file_size < SNIFF_LEN {
            return Err(ConfigError::InvalidLimit {
                name: "max_unverified_file_size",
                reason: "must hold at least 256 bytes to identify a staged file",
            });
        }
        if l.max_buffered_bytes < l.per_callback() + l.unverified_bytes(self.early_file) {
            return Err(ConfigError::InvalidLimit {
                name: "max_buffered_bytes",
                reason: "must hold the unverified pool (max_unverified_bytes) and one verified callback: \
                         max(max_unverified_file_size, part_size) + part_size * max_parts_in_flight + 320 KiB",
            });
        }
        if l.unverified_bytes(self.early_file) < l.unverified_per_callback(self.early_file) {
            return Err(ConfigError::InvalidLimit {
                name: "max_unverified_bytes",
                reason: "must hold at least one callback before its secret: \
                         max_unverified_file_size + 64 KiB, or with EarlyFile::Stage \
                         max(max_unverified_file_size, part_size) + part_size * max_parts_in_flight + 64 KiB, \
                         within max_buffered_bytes",
            });
        }
        let budget = Budget::new(
            l.max_buffered_bytes,
            l.unverified_bytes(self.early_file),
            l.per_callback(),
            l.admission_timeout,
        );
        Ok(CaptureSink {
            config: Arc::new(Config {
                store: self.store,
                secrets: self.secrets,
                resolver: self.resolver,
                mint: self.mint,
                layout: self.layout,
                budget: Arc::new(budget),
                limits: self.limits,
                on_existing: self.on_existing,
                early_file: self.early_file,
                staging_prefix: self.staging_prefix,
                attributes: self.attributes,
                attributes_unsupported: AtomicBool::new(false),
            }),
        })
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
            .finish()
    }
}
