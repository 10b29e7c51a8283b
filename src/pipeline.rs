//! The framework-agnostic receive pipeline: a request's headers and a stream
//! of body bytes in, an [`Outcome`] out.

use std::error::Error as _;
use std::mem;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use http::HeaderMap;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use multer::{Constraints, Field, Multipart, SizeLimit};
use object_store::path::Path;
use object_store::{CopyMode, CopyOptions, ObjectStore, ObjectStoreExt};

use crate::body::{self, BodyError, BodyReader, Progress, Slot, Timing};
use crate::budget::{Account, Tracked};
use crate::coalesce::Coalesced;
use crate::format::SNIFF_LEN;
use crate::outcome::{ExistingCapture, RenderFailure, StoredCapture};
use crate::secret::{Digest32, digest, verify_any};
use crate::sink::Config;
use crate::upload::{FinishError, Upload, exists};
use crate::{
    BoxError, EarlyFile, Format, KeyContext, OnExisting, Outcome, Rejection, RejectionKind,
};

/// The longest token kept after sanitising: tokens are 32 characters in
/// practice, and object keys are limited to 1024 bytes on S3.
const MAX_TOKEN_LEN: usize = 128;

const FILE_FIELD: &str = "file";

/// What [`receive`] gives the service.
pub(crate) struct Received {
    pub(crate) outcome: Outcome,
    /// The callback waited for the memory budget: the sink is saturated,
    /// and the answer asks the client to close the connection (see the
    /// service's response future).
    pub(crate) saturated: bool,
    /// The body was not read to its end (an early answer whose drain was
    /// cut short, or a client too slow to wait for): the connection cannot
    /// be reused.
    pub(crate) close: bool,
}

pub(crate) async fn receive<S, E>(config: Arc<Config>, headers: &HeaderMap, body: S) -> Received
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    let started = tokio::time::Instant::now();
    let slot = body::slot(body);
    let declared = content_length(headers);
    let account = config.budget.open(declared);
    let outcome = match receive_form(&config, headers, declared, &slot, &account, started).await {
        Ok(outcome) => outcome,
        Err(rejection) => Outcome::Rejected(rejection),
    };
    let saturated = account.waited();
    // A client waiting for `100 Continue` before it sends the body has not
    // been told to go on if nothing was read: do not invite the body now.
    let expects_continue = headers
        .get(http::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
        && account.received() == 0;
    // Whatever the callback held is released before any drain.
    drop(account);
    log(&outcome);
    let close = match &outcome {
        // The client is too slow or silent: do not wait on it any longer.
        Outcome::Rejected(r) if r.kind() == RejectionKind::Timeout || expects_continue => true,
        // An early answer: read the rest so that the client, still
        // sending, gets to read it (as Kestrel drains and nginx lingers).
        Outcome::Rejected(_) => {
            let limits = &config.limits;
            !body::drain(
                &slot,
                DRAIN_FACTOR * limits.body_size(),
                limits.linger_timeout,
            )
            .await
        }
        _ => false,
    };
    Received {
        outcome,
        saturated,
        close,
    }
}

/// How much of a refused body is read and dropped, at most, in multiples
/// of the body limit (a body declared over the limit is drained too).
const DRAIN_FACTOR: u64 = 4;

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn log(outcome: &Outcome) {
    match outcome {
        Outcome::Stored(s) => tracing::info!(
            key = %s.key, token = %s.token, format = %s.format, size = s.size,
            "capture stored"
        ),
        Outcome::AlreadyStored(e) => tracing::info!(
            key = %e.key, token = %e.token, "capture already stored; not written again"
        ),
        Outcome::RenderFailed(r) => tracing::info!(
            token = r.token.as_deref().unwrap_or(""), status = %r.status,
            "render failure acknowledged"
        ),
        Outcome::Rejected(r) => tracing::warn!(
            kind = ?r.kind(), status = r.status().as_u16(), reason = %r.reason(),
            error = r.source().map(tracing::field::display),
            "callback rejected"
        ),
    }
}

async fn receive_form(
    config: &Arc<Config>,
    headers: &HeaderMap,
    declared: Option<u64>,
    slot: &Slot,
    account: &Arc<Account>,
    started: tokio::time::Instant,
) -> Result<Outcome, Rejection> {
    let received_at = Utc::now();
    let boundary = boundary(headers)?;
    let limits = &config.limits;
    // Refused before a byte is read.
    if let Some(len) = declared.filter(|len| *len > limits.body_size()) {
        return Err(Rejection::new(
            RejectionKind::TooLarge,
            format!(
                "request body of {len} bytes is larger than {} bytes",
                limits.body_size()
            ),
        ));
    }
    let constraints = Constraints::new().size_limit(
        SizeLimit::new()
            .whole_stream(limits.body_size())
            .per_field(limits.max_text_field_size as u64)
            .for_field(FILE_FIELD, limits.max_file_size),
    );
    let progress = Arc::new(Progress::default());
    let timing = Timing {
        idle: limits.idle_timeout,
        min_rate: limits.min_data_rate,
        grace: limits.min_data_rate_grace,
        verify_by: started + limits.verify_timeout,
        verify_timeout: limits.verify_timeout,
    };
    let body = BodyReader::new(slot.clone(), account.clone(), progress.clone(), timing);
    let mut multipart = Multipart::with_constraints(body, boundary, constraints);

    let mut form = Form::new(
        config.clone(),
        account.clone(),
        progress,
        received_at,
        timing,
    );
    let result = match form.read_fields(&mut multipart).await {
        Ok(()) => form.finish().await,
        Err(rejection) => Err(rejection),
    };
    if result.is_err() {
        form.discard().await;
    }
    result
}

fn boundary(headers: &HeaderMap) -> Result<String, Rejection> {
    let not_multipart = || {
        Rejection::new(
            RejectionKind::NotMultipart,
            "expected a multipart/form-data body",
        )
    };
    let content_type = headers
        .get(CONTENT_TYPE)
        .ok_or_else(not_multipart)?
        .to_str()
        .map_err(|_| not_multipart())?;
    multer::parse_boundary(content_type).map_err(|e| match e {
        multer::Error::NoBoundary => Rejection::new(
            RejectionKind::Malformed,
            "multipart/form-data without a boundary",
        ),
        _ => not_multipart(),
    })
}

/// What has been read of the form so far.
struct Form {
    config: Arc<Config>,
    /// What the callback holds; every dropped body byte is released here.
    account: Arc<Account>,
    progress: Arc<Progress>,
    timing: Timing,
    received_at: DateTime<Utc>,
    secret: SecretState,
    status: Option<String>,
    /// Kept as a result so that a bad token is reported only to a sender
    /// that proved it holds the secret (403 comes first).
    token: Option<Result<String, Rejection>>,
    declared: Option<Declared>,
    file: FileState,
}

#[derive(PartialEq)]
enum SecretState {
    Unseen,
    /// Matched no static secret; waits for the token to ask the resolver.
    Unresolved(Digest32),
    Verified,
}

enum Declared {
    Known(Format),
    Unknown,
}

#[derive(Default)]
enum FileState {
    #[default]
    Absent,
    /// The file came before the fields that verify it: held in memory, up
    /// to `max_unverified_file_size`.
    Held {
        chunks: Vec<Bytes>,
        tracked: Tracked,
    },
    /// It outgrew the bound and goes up, unverified, to a staging key, as a
    /// multipart upload that stays invisible until completed.
    Staged { upload: Upload, format: Format },
    /// The file is going up to its final key (not yet visible).
    Streaming { upload: Upload, format: Format },
    /// A capture is already at the key ([`OnExisting::KeepFirst`]); the
    /// file was read and dropped.
    AlreadyStored { key: Path, format: Format },
    /// The render failed; the file was read and dropped.
    Discarded,
}

/// What to do with the file, decided from the fields read before it.
enum FilePlan {
    /// The render failed: read and drop it.
    Discard,
    /// It cannot be verified or placed yet: hold it.
    Hold,
    /// Verified sender and known token: stream it to its key.
    Stream {
        token: String,
        declared: Option<Format>,
    },
}

impl Form {
    fn new(
        config: Arc<Config>,
        account: Arc<Account>,
        progress: Arc<Progress>,
        received_at: DateTime<Utc>,
        timing: Timing,
    ) -> Self {
        Self {
            config,
            account,
            progress,
            timing,
            received_at,
            secret: SecretState::Unseen,
            status: None,
            token: None,
            declared: None,
            file: FileState::Absent,
        }
    }

    fn declared_format(&self) -> Option<Format> {
        match self.declared {
            Some(Declared::Known(format)) => Some(format),
            _ => None,
        }
    }

    fn render_failed(&self) -> bool {
        self.status.as_deref().is_some_and(|s| s != "OK")
    }

    fn key(&self, token: &str, format: Format) -> Path {
        self.config
            .layout
            .key(&KeyContext::new(token, format, self.received_at))
    }

    /// Drops whatever the file became; an upload under way is aborted.
    async fn discard(&mut self) {
        match mem::take(&mut self.file) {
            FileState::Absent => {}
            FileState::Streaming { upload, .. } | FileState::Staged { upload, .. } => {
                upload.abort().await;
                self.file = FileState::Discarded;
            }
            FileState::Held { .. } | FileState::AlreadyStored { .. } | FileState::Discarded => {
                self.file = FileState::Discarded
            }
        }
    }

    async fn read_fields(&mut self, multipart: &mut Multipart<'static>) -> Result<(), Rejection> {
        let max_fields = self.config.limits.max_fields;
        let mut count = 0;
        while let Some(mut field) = multipart.next_field().await.map_err(form_error)? {
            self.progress.made();
            count += 1;
            if count > max_fields {
                return Err(Rejection::new(
                    RejectionKind::TooLarge,
                    format!("more than {max_fields} form fields"),
                ));
            }
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                FILE_FIELD => {
                    if !matches!(self.file, FileState::Absent) {
                        return Err(duplicate(FILE_FIELD));
                    }
                    self.file = self.read_file(&mut field).await?;
                }
                "callback_secret" => {
                    if self.secret != SecretState::Unseen {
                        return Err(duplicate(&name));
                    }
                    let raw = self.read_text(field, false, &name).await?;
                    let candidate = digest(raw.as_bytes());
                    let minted = || {
                        self.config
                            .mint
                            .as_ref()
                            .is_some_and(|m| m.verify(raw.as_bytes()))
                    };
                    if verify_any(&self.config.secrets, &candidate) || minted() {
                        self.verified();
                    } else if self.config.resolver.is_some() {
                        self.secret = SecretState::Unresolved(candidate);
                    } else {
                        return Err(invalid_secret());
                    }
                    self.resolve_secret().await?;
                }
                "status" => {
                    let status = self.read_text(field, self.status.is_some(), &name).await?;
                    self.status = Some(status.trim().to_owned());
                    if self.render_failed() {
                        self.discard().await;
                    }
                }
                "token" => {
                    let raw = self.read_text(field, self.token.is_some(), &name).await?;
                    self.token = Some(sanitise_token(&raw));
                    self.resolve_secret().await?;
                }
                "format" => {
                    let raw = self
                        .read_text(field, self.declared.is_some(), &name)
                        .await?;
                    let declared = match raw.parse() {
                        Ok(format) => Declared::Known(format),
                        Err(_) => Declared::Unknown,
                    };
                    if let (
                        Declared::Known(declared),
                        FileState::Streaming { format, .. } | FileState::Staged { format, .. },
                    ) = (&declared, &self.file)
                    {
                        check_declared(*declared, *format)?;
                    }
                    self.declared = Some(declared);
                }
                // Unknown fields are read (within the text limit) and ignored,
                // so a sender that adds a field does not break its receivers.
                _ => self.drain(&mut field).await?,
            }
        }
        Ok(())
    }

    /// Asks the resolver for the token's secret once both the candidate and
    /// the token are known.
    async fn resolve_secret(&mut self) -> Result<(), Rejection> {
        let (SecretState::Unresolved(candidate), Some(Ok(token)), Some(resolver)) =
            (&self.secret, &self.token, &self.config.resolver)
        else {
            return Ok(());
        };
        // The lookup is bounded by the secret's deadline too.
        let looked_up = tokio::time::timeout_at(self.timing.verify_by, resolver.resolve(token));
        match looked_up.await {
            Ok(Ok(Some(secret))) if bool::from(secret.matches(candidate)) => {
                self.verified();
                Ok(())
            }
            Ok(Ok(_)) => Err(invalid_secret()),
            Ok(Err(error)) => Err(Rejection::new(
                RejectionKind::Unavailable,
                "the secret lookup failed; retry later",
            )
            .with_source(BoxedError(error))),
            Err(_) => Err(Rejection::new(
                RejectionKind::Unavailable,
                "the secret lookup did not answer in time; retry later",
            )),
        }
    }

    /// The sender proved the secret: from now on it draws on the whole
    /// budget, not the share of strangers (the body reader claims there
    /// what the rest of the body can make it hold).
    fn verified(&mut self) {
        self.secret = SecretState::Verified;
        self.account.verified();
    }

    /// Reads a text field chunk by chunk (each one progress for the
    /// parser), releasing its bytes once parsed.
    async fn read_text(
        &self,
        mut field: Field<'static>,
        seen: bool,
        name: &str,
    ) -> Result<String, Rejection> {
        if seen {
            return Err(duplicate(name));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(form_error)? {
            self.progress.made();
            bytes.extend_from_slice(&chunk);
            self.account.release(chunk.len());
        }
        String::from_utf8(bytes).map_err(|_| {
            Rejection::new(
                RejectionKind::Malformed,
                format!("field `{name}` is not UTF-8"),
            )
        })
    }

    /// The next chunk of a field, counted as progress for the parser.
    async fn chunk(&self, field: &mut Field<'static>) -> Result<Option<Bytes>, Rejection> {
        let chunk = field.chunk().await.map_err(form_error)?;
        self.progress.made();
        Ok(chunk)
    }

    /// Reads a field to its end and drops it.
    async fn drain(&self, field: &mut Field<'static>) -> Result<(), Rejection> {
        while let Some(chunk) = self.chunk(field).await? {
            self.account.release(chunk.len());
        }
        Ok(())
    }

    fn file_plan(&self) -> Result<FilePlan, Rejection> {
        if self.render_failed() {
            return Ok(FilePlan::Discard);
        }
        Ok(match (&self.token, &self.secret) {
            (Some(token), SecretState::Verified) => FilePlan::Stream {
                token: token.clone()?,
                declared: self.declared_format(),
            },
            _ => FilePlan::Hold,
        })
    }

    async fn read_file(&self, field: &mut Field<'static>) -> Result<FileState, Rejection> {
        let (token, declared) = match self.file_plan()? {
            FilePlan::Discard => {
                self.drain(field).await?;
                return Ok(FileState::Discarded);
            }
            FilePlan::Hold => return self.hold_file(field).await,
            FilePlan::Stream { token, declared } => (token, declared),
        };

        let mut head = Vec::new();
        let mut head_len = 0;
        while head_len < SNIFF_LEN {
            match self.chunk(field).await? {
                Some(chunk) => {
                    head_len += chunk.len();
                    head.push(chunk);
                }
                None => break,
            }
        }
        let format = verify_type(&head, declared)?;
        let key = self.key(&token, format);
        if self.already_stored(&key).await? {
            for chunk in head {
                self.account.release(chunk.len());
            }
            self.drain(field).await?;
            return Ok(FileState::AlreadyStored { key, format });
        }
        let mut upload = self.upload(key, format, Some(&token));
        match self.stream_into(&mut upload, head, field).await {
            Ok(()) => Ok(FileState::Streaming { upload, format }),
            Err(rejection) => {
                upload.abort().await;
                Err(rejection)
            }
        }
    }

    fn upload(&self, key: Path, format: Format, token: Option<&str>) -> Upload {
        Upload::new(
            self.config.clone(),
            self.account.clone(),
            key,
            format,
            token,
        )
    }

    /// Writes the bytes already read, then the rest of the field, into the
    /// upload.
    async fn stream_into(
        &self,
        upload: &mut Upload,
        head: Vec<Bytes>,
        field: &mut Field<'static>,
    ) -> Result<(), Rejection> {
        for chunk in head {
            upload.write(chunk).await.map_err(store_error)?;
        }
        while let Some(chunk) = self.chunk(field).await? {
            upload.write(chunk).await.map_err(store_error)?;
        }
        Ok(())
    }

    /// Holds a file that came before its secret and token, up to the bound;
    /// past it, refuses it or stages it as configured.
    async fn hold_file(&self, field: &mut Field<'static>) -> Result<FileState, Rejection> {
        let bound = self.config.limits.max_unverified_file_size;
        // Small chunks are copied together, so that what is held costs about
        // what it counts however the client cut its segments.
        let mut chunks = Coalesced::default();
        let mut tracked = Tracked::new(self.account.clone());
        let mut len = 0;
        while let Some(chunk) = self.chunk(field).await? {
            len += chunk.len();
            tracked.add(chunk.len());
            if len > bound {
                if self.config.early_file == EarlyFile::Stage {
                    chunks.push(chunk);
                    return self.stage_file(chunks.finish(), tracked, field).await;
                }
                return Err(Rejection::new(
                    RejectionKind::TooLarge,
                    format!(
                        "file sent before callback_secret and token is larger than {bound} bytes; \
                         send those fields first"
                    ),
                ));
            }
            chunks.push(chunk);
        }
        Ok(FileState::Held {
            chunks: chunks.finish(),
            tracked,
        })
    }

    async fn stage_file(
        &self,
        chunks: Vec<Bytes>,
        tracked: Tracked,
        field: &mut Field<'static>,
    ) -> Result<FileState, Rejection> {
        // The type is checked now (the declaration, if any, later): a file
        // that is no accepted type is not worth staging.
        let format = verify_type(&chunks, None)?;
        let key = staging_key(&self.config.staging_prefix)?;
        let mut upload = self.upload(key, format, None);
        // The held bytes move into the upload, which counts them itself.
        tracked.hand_over();
        match self.stream_into(&mut upload, chunks, field).await {
            Ok(()) => Ok(FileState::Staged { upload, format }),
            Err(rejection) => {
                upload.abort().await;
                Err(rejection)
            }
        }
    }

    /// Whether the overwrite policy finds a capture already at `key`:
    /// `Ok(true)` to keep it, an error to refuse the callback.
    async fn already_stored(&self, key: &Path) -> Result<bool, Rejection> {
        if !self.config.on_existing.checks() {
            return Ok(false);
        }
        if !exists(&self.config, key).await.map_err(store_error)? {
            return Ok(false);
        }
        match self.config.on_existing {
            OnExisting::Reject => Err(conflict(key)),
            _ => Ok(true),
        }
    }

    async fn finish(&mut self) -> Result<Outcome, Rejection> {
        match self.secret {
            SecretState::Verified => {}
            SecretState::Unseen => {
                return Err(Rejection::new(
                    RejectionKind::Forbidden,
                    "missing callback_secret",
                ));
            }
            SecretState::Unresolved(_) => return Err(invalid_secret()),
        }
        let Some(status) = self.status.clone() else {
            return Err(missing("status"));
        };
        if self.render_failed() {
            self.discard().await;
            return Ok(Outcome::RenderFailed(RenderFailure {
                token: self.token.take().and_then(Result::ok),
                status,
            }));
        }
        let token = self.token.take().unwrap_or_else(|| Err(missing("token")))?;
        let declared = self.declared_format();
        let (upload, format) = match mem::take(&mut self.file) {
            FileState::Streaming { upload, format } => (upload, format),
            FileState::AlreadyStored { key, format } => {
                return Ok(Outcome::AlreadyStored(ExistingCapture {
                    key,
                    token,
                    format,
                }));
            }
            FileState::Held { chunks, tracked } => {
                let format = verify_type(&chunks, declared)?;
                let key = self.key(&token, format);
                if self.already_stored(&key).await? {
                    drop(tracked);
                    return Ok(Outcome::AlreadyStored(ExistingCapture {
                        key,
                        token,
                        format,
                    }));
                }
                let mut upload = self.upload(key, format, Some(&token));
                tracked.hand_over();
                for chunk in chunks {
                    if let Err(e) = upload.write(chunk).await {
                        upload.abort().await;
                        return Err(store_error(e));
                    }
                }
                (upload, format)
            }
            FileState::Staged { upload, format } => {
                return self.finish_staged(upload, format, token).await;
            }
            FileState::Absent | FileState::Discarded => return Err(missing(FILE_FIELD)),
        };
        let key = upload.key().clone();
        let size = upload.size();
        match upload.finish(self.config.on_existing.checks()).await {
            Ok(finished) => Ok(Outcome::Stored(StoredCapture {
                key,
                token,
                format,
                size,
                sha256: finished.sha256,
                e_tag: finished.result.e_tag,
                version: finished.result.version,
            })),
            Err(error) => self.existing_or_error(error, key, token, format),
        }
    }

    /// Completes a staged upload, copies it to its final key and deletes it.
    async fn finish_staged(
        &self,
        upload: Upload,
        format: Format,
        token: String,
    ) -> Result<Outcome, Rejection> {
        let checked = async {
            if let Some(declared) = self.declared_format() {
                check_declared(declared, format)?;
            }
            let key = self.key(&token, format);
            let existing = self.already_stored(&key).await?;
            Ok((key, existing))
        }
        .await;
        let (key, existing) = match checked {
            Ok(checked) => checked,
            Err(rejection) => {
                upload.abort().await;
                return Err(rejection);
            }
        };
        if existing {
            upload.abort().await;
            return Ok(Outcome::AlreadyStored(ExistingCapture {
                key,
                token,
                format,
            }));
        }
        // Completion, copy and clean-up run as a task of their own, so a
        // request dropped midway (the client went away) cannot leave the
        // staged object behind or the multipart upload open.
        let store = self.config.store.clone();
        let mode = if self.config.on_existing.checks() {
            CopyMode::Create
        } else {
            CopyMode::Overwrite
        };
        let final_key = key.clone();
        let task = tokio::spawn(async move {
            let staging = upload.key().clone();
            let size = upload.size();
            let sha256 = match upload.finish(false).await {
                Ok(finished) => finished.sha256,
                Err(error) => {
                    // Unconfirmed at the staging key: it may be there.
                    if matches!(error, FinishError::Unconfirmed(_)) {
                        delete_staged(&*store, &staging).await;
                    }
                    return Err(FinishError::Aborted(error.into_inner()));
                }
            };
            let mut copied = store
                .copy_opts(&staging, &final_key, CopyOptions::new().with_mode(mode))
                .await;
            // S3 has no copy-if-not-exists without extra configuration: the
            // check made above is then the guard (best effort, as for
            // multipart).
            if let Err(object_store::Error::NotSupported { .. }) = copied {
                copied = store
                    .copy_opts(
                        &staging,
                        &final_key,
                        CopyOptions::new().with_mode(CopyMode::Overwrite),
                    )
                    .await;
            }
            delete_staged(&*store, &staging).await;
            copied
                .map(|()| (size, sha256))
                .map_err(FinishError::Unconfirmed)
        });
        match task.await {
            Ok(Ok((size, sha256))) => Ok(Outcome::Stored(StoredCapture {
                key,
                token,
                format,
                size,
                sha256,
                e_tag: None,
                version: None,
            })),
            Ok(Err(error)) => self.existing_or_error(error, key, token, format),
            Err(error) => Err(Rejection::new(
                RejectionKind::Internal,
                "the staged capture's completion failed",
            )
            .with_source(error)),
        }
    }

    /// Maps a failed final write: an object that appeared at the key
    /// meanwhile is the overwrite policy's business, anything else a store
    /// failure, worded by what is known of the write.
    fn existing_or_error(
        &self,
        error: FinishError,
        key: Path,
        token: String,
        format: Format,
    ) -> Result<Outcome, Rejection> {
        let exists = matches!(
            &error,
            FinishError::Aborted(object_store::Error::AlreadyExists { .. })
                | FinishError::Unconfirmed(object_store::Error::AlreadyExists { .. })
        );
        match (exists, self.config.on_existing) {
            (true, OnExisting::KeepFirst) => Ok(Outcome::AlreadyStored(ExistingCapture {
                key,
                token,
                format,
            })),
            (true, _) => Err(conflict(&key)),
            (false, _) => Err(match error {
                FinishError::Aborted(error) => store_error(error),
                FinishError::Unconfirmed(error) => unconfirmed(error),
            }),
        }
    }
}

async fn delete_staged(store: &dyn ObjectStore, staging: &Path) {
    if let Err(error) = store.delete(staging).await {
        tracing::warn!(%staging, %error, "staged capture could not be deleted");
    }
}

/// A fresh key under the staging prefix: 128 random bits, so replicas
/// sharing a bucket never collide.
fn staging_key(prefix: &Path) -> Result<Path, Rejection> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Rejection::new(RejectionKind::Internal, "no randomness for a staging key")
            .with_source(BoxedError(e.to_string().into()))
    })?;
    let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(prefix.clone().join(name))
}

fn sanitise_token(raw: &str) -> Result<String, Rejection> {
    let token: String = raw.chars().filter(char::is_ascii_alphanumeric).collect();
    if token.is_empty() {
        return Err(Rejection::new(
            RejectionKind::Malformed,
            "token is empty once reduced to [A-Za-z0-9]",
        ));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(Rejection::new(
            RejectionKind::Malformed,
            format!("token is longer than {MAX_TOKEN_LEN} characters"),
        ));
    }
    Ok(token)
}

/// Identifies the file from its leading bytes (spread over one or more
/// chunks) and checks it against the declared format.
fn verify_type(chunks: &[Bytes], declared: Option<Format>) -> Result<Format, Rejection> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    for chunk in chunks {
        let room = SNIFF_LEN - head.len();
        head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        if head.len() == SNIFF_LEN {
            break;
        }
    }
    let format = Format::sniff(&head).ok_or_else(|| {
        Rejection::new(
            RejectionKind::UnsupportedType,
            "file is not a jpg, png, webp, avif or pdf",
        )
    })?;
    if let Some(declared) = declared {
        check_declared(declared, format)?;
    }
    Ok(format)
}

fn check_declared(declared: Format, actual: Format) -> Result<(), Rejection> {
    if declared == actual {
        return Ok(());
    }
    Err(Rejection::new(
        RejectionKind::UnsupportedType,
        format!("format is {declared} but the file is {actual}"),
    ))
}

fn invalid_secret() -> Rejection {
    Rejection::new(RejectionKind::Forbidden, "invalid callback_secret")
}

fn duplicate(name: &str) -> Rejection {
    Rejection::new(
        RejectionKind::Malformed,
        format!("field `{name}` sent more than once"),
    )
}

fn missing(name: &str) -> Rejection {
    Rejection::new(RejectionKind::Malformed, format!("missing field `{name}`"))
}

fn conflict(key: &Path) -> Rejection {
    Rejection::new(
        RejectionKind::Conflict,
        format!("a capture is already stored at {key}"),
    )
}

fn form_error(error: multer::Error) -> Rejection {
    match &error {
        multer::Error::FieldSizeExceeded { limit, field_name } => Rejection::new(
            RejectionKind::TooLarge,
            format!(
                "field `{}` is larger than {limit} bytes",
                field_name.as_deref().unwrap_or("")
            ),
        ),
        multer::Error::StreamSizeExceeded { limit } => Rejection::new(
            RejectionKind::TooLarge,
            format!("request body is larger than {limit} bytes"),
        ),
        multer::Error::StreamReadFailed(source) if source.is::<BodyError>() => {
            let kind = match source.downcast_ref::<BodyError>() {
                Some(BodyError::ParserStall) => RejectionKind::Malformed,
                Some(BodyError::Overloaded(_)) => RejectionKind::Overloaded,
                _ => RejectionKind::Timeout,
            };
            Rejection::new(kind, source.to_string())
        }
        multer::Error::StreamReadFailed(_) => Rejection::new(
            RejectionKind::Malformed,
            "request body could not be read to its end",
        ),
        _ => Rejection::new(
            RejectionKind::Malformed,
            "malformed multipart/form-data body",
        ),
    }
    .with_source(error)
}

/// A store failure before anything could become visible: the upload, if
/// any, is aborted, so nothing was stored.
fn store_error(error: object_store::Error) -> Rejection {
    let kind = match error {
        object_store::Error::JoinError { .. } => RejectionKind::Internal,
        _ => RejectionKind::StoreFailed,
    };
    Rejection::new(kind, "the object store failed; nothing was stored").with_source(error)
}

/// A failure of the write that makes the capture visible: the request may
/// have reached the store and only its answer been lost.
fn unconfirmed(error: object_store::Error) -> Rejection {
    Rejection::new(
        RejectionKind::StoreFailed,
        "the object store did not confirm the write; the capture may or may not be stored; retry",
    )
    .with_source(error)
}

/// A `BoxError` as an error type of its own, to keep it as a source.
#[derive(Debug)]
struct BoxedError(BoxError);

impl std::fmt::Display for BoxedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for BoxedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
