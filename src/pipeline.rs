//! The framework-agnostic receive pipeline: a request's headers and a stream
//! of body bytes in, an [`Outcome`] out.

use std::error::Error as _;
use std::mem;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use http::HeaderMap;
use http::header::CONTENT_TYPE;
use multer::{Constraints, Field, Multipart, SizeLimit};

use crate::format::SNIFF_LEN;
use crate::outcome::{RenderFailure, StoredCapture};
use crate::secret::verify_any;
use crate::sink::Config;
use crate::upload::Upload;
use crate::{Format, KeyContext, Outcome, Rejection, RejectionKind};

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The longest token kept after sanitising: tokens are 32 characters in
/// practice, and object keys are limited to 1024 bytes on S3.
const MAX_TOKEN_LEN: usize = 128;

/// Room for part headers and boundaries on top of the field contents when
/// bounding the whole body.
const FORM_OVERHEAD: u64 = 64 * 1024;

const FILE_FIELD: &str = "file";

pub(crate) async fn receive<S, E>(config: Arc<Config>, headers: &HeaderMap, body: S) -> Outcome
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    let received_at = Utc::now();
    let outcome = match receive_form(&config, headers, body, received_at).await {
        Ok(outcome) => outcome,
        Err(rejection) => Outcome::Rejected(rejection),
    };
    log(&outcome);
    outcome
}

fn log(outcome: &Outcome) {
    match outcome {
        Outcome::Stored(s) => tracing::info!(
            key = %s.key, token = %s.token, format = %s.format, size = s.size,
            "capture stored"
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

async fn receive_form<S, E>(
    config: &Arc<Config>,
    headers: &HeaderMap,
    body: S,
    received_at: DateTime<Utc>,
) -> Result<Outcome, Rejection>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    let boundary = boundary(headers)?;
    let limits = &config.limits;
    let text_limit = limits.max_text_field_size as u64;
    let whole = limits.max_file_size + limits.max_fields as u64 * text_limit + FORM_OVERHEAD;
    let constraints = Constraints::new().size_limit(
        SizeLimit::new()
            .whole_stream(whole)
            .per_field(text_limit)
            .for_field(FILE_FIELD, limits.max_file_size),
    );
    let mut multipart =
        Multipart::with_constraints(OneChunkAtATime::new(body), boundary, constraints);

    let mut form = Form::default();
    match read_fields(config, &mut multipart, &mut form, received_at).await {
        Ok(()) => finish(config, form, received_at).await,
        Err(rejection) => {
            form.discard().await;
            Err(rejection)
        }
    }
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
#[derive(Default)]
struct Form {
    secret_verified: bool,
    status: Option<String>,
    /// Kept as a result so that a bad token is reported only to a sender
    /// that proved it holds the secret (403 comes first).
    token: Option<Result<String, Rejection>>,
    declared: Option<Declared>,
    file: FileState,
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
    Held { chunks: Vec<Bytes> },
    /// The file is going up to the store (not yet visible).
    Streaming { upload: Upload, format: Format },
    /// The render failed; the file was read and dropped.
    Discarded,
}

impl Form {
    fn declared_format(&self) -> Option<Format> {
        match self.declared {
            Some(Declared::Known(format)) => Some(format),
            _ => None,
        }
    }

    fn render_failed(&self) -> bool {
        self.status.as_deref().is_some_and(|s| s != "OK")
    }

    /// Drops whatever the file became; an upload under way is aborted.
    async fn discard(&mut self) {
        match mem::take(&mut self.file) {
            FileState::Absent => {}
            FileState::Streaming { upload, .. } => {
                upload.abort().await;
                self.file = FileState::Discarded;
            }
            FileState::Held { .. } | FileState::Discarded => self.file = FileState::Discarded,
        }
    }
}

async fn read_fields(
    config: &Arc<Config>,
    multipart: &mut Multipart<'static>,
    form: &mut Form,
    received_at: DateTime<Utc>,
) -> Result<(), Rejection> {
    let mut count = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(form_error)? {
        count += 1;
        if count > config.limits.max_fields {
            return Err(Rejection::new(
                RejectionKind::TooLarge,
                format!("more than {} form fields", config.limits.max_fields),
            ));
        }
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            FILE_FIELD => {
                if !matches!(form.file, FileState::Absent) {
                    return Err(duplicate(FILE_FIELD));
                }
                let plan = form.file_plan()?;
                form.file = read_file(config, &mut field, plan, received_at).await?;
            }
            "callback_secret" => {
                if form.secret_verified {
                    return Err(duplicate(&name));
                }
                let candidate = field.bytes().await.map_err(form_error)?;
                if !verify_any(&config.secrets, &candidate) {
                    return Err(Rejection::new(
                        RejectionKind::Forbidden,
                        "invalid callback_secret",
                    ));
                }
                form.secret_verified = true;
            }
            "status" => {
                let status = text(field, form.status.is_some(), &name).await?;
                form.status = Some(status.trim().to_owned());
                if form.render_failed() {
                    form.discard().await;
                }
            }
            "token" => {
                let raw = text(field, form.token.is_some(), &name).await?;
                form.token = Some(sanitise_token(&raw));
            }
            "format" => {
                let raw = text(field, form.declared.is_some(), &name).await?;
                let declared = match raw.parse() {
                    Ok(format) => Declared::Known(format),
                    Err(_) => Declared::Unknown,
                };
                if let (Declared::Known(declared), FileState::Streaming { format, .. }) =
                    (&declared, &form.file)
                {
                    check_declared(*declared, *format)?;
                }
                form.declared = Some(declared);
            }
            // Unknown fields are read (within the text limit) and ignored, so
            // a sender that adds a field does not break its receivers.
            _ => while field.chunk().await.map_err(form_error)?.is_some() {},
        }
    }
    Ok(())
}

async fn text(field: Field<'static>, seen: bool, name: &str) -> Result<String, Rejection> {
    if seen {
        return Err(duplicate(name));
    }
    let bytes = field.bytes().await.map_err(form_error)?;
    String::from_utf8(bytes.into()).map_err(|_| {
        Rejection::new(
            RejectionKind::Malformed,
            format!("field `{name}` is not UTF-8"),
        )
    })
}

fn duplicate(name: &str) -> Rejection {
    Rejection::new(
        RejectionKind::Malformed,
        format!("field `{name}` sent more than once"),
    )
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
    fn file_plan(&self) -> Result<FilePlan, Rejection> {
        if self.render_failed() {
            return Ok(FilePlan::Discard);
        }
        Ok(match (&self.token, self.secret_verified) {
            (Some(token), true) => FilePlan::Stream {
                token: token.clone()?,
                declared: self.declared_format(),
            },
            _ => FilePlan::Hold,
        })
    }
}

async fn read_file(
    config: &Arc<Config>,
    field: &mut Field<'static>,
    plan: FilePlan,
    received_at: DateTime<Utc>,
) -> Result<FileState, Rejection> {
    let (token, declared) = match plan {
        FilePlan::Discard => {
            while field.chunk().await.map_err(form_error)?.is_some() {}
            return Ok(FileState::Discarded);
        }
        FilePlan::Hold => {
            let chunks = hold_file(config, field).await?;
            return Ok(FileState::Held { chunks });
        }
        FilePlan::Stream { token, declared } => (token, declared),
    };

    let mut head = Vec::new();
    let mut head_len = 0;
    while head_len < SNIFF_LEN {
        match field.chunk().await.map_err(form_error)? {
            Some(chunk) => {
                head_len += chunk.len();
                head.push(chunk);
            }
            None => break,
        }
    }
    let format = verify_type(&head, declared)?;
    let key = config
        .layout
        .key(&KeyContext::new(&token, format, received_at));
    let mut upload = Upload::new(config.clone(), key, format);
    // Any error below drops `upload`, whose Drop aborts it; the explicit
    // abort keeps the answer from going out before the abort is done.
    let streamed = async {
        for chunk in head {
            upload.write(chunk).await.map_err(store_error)?;
        }
        while let Some(chunk) = field.chunk().await.map_err(form_error)? {
            upload.write(chunk).await.map_err(store_error)?;
        }
        Ok(())
    }
    .await;
    match streamed {
        Ok(()) => Ok(FileState::Streaming { upload, format }),
        Err(rejection) => {
            upload.abort().await;
            Err(rejection)
        }
    }
}

async fn hold_file(config: &Config, field: &mut Field<'static>) -> Result<Vec<Bytes>, Rejection> {
    let bound = config.limits.max_unverified_file_size;
    let mut chunks = Vec::new();
    let mut len = 0;
    while let Some(chunk) = field.chunk().await.map_err(form_error)? {
        len += chunk.len();
        if len > bound {
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
    Ok(chunks)
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

async fn finish(
    config: &Arc<Config>,
    mut form: Form,
    received_at: DateTime<Utc>,
) -> Result<Outcome, Rejection> {
    if !form.secret_verified {
        return Err(Rejection::new(
            RejectionKind::Forbidden,
            "missing callback_secret",
        ));
    }
    let Some(status) = form.status.clone() else {
        form.discard().await;
        return Err(missing("status"));
    };
    if form.render_failed() {
        form.discard().await;
        return Ok(Outcome::RenderFailed(RenderFailure {
            token: form.token.and_then(Result::ok),
            status,
        }));
    }
    let token = form.token.take().unwrap_or_else(|| Err(missing("token")))?;
    let (upload, format) = match mem::take(&mut form.file) {
        FileState::Streaming { upload, format } => (upload, format),
        FileState::Held { chunks } => {
            let format = verify_type(&chunks, form.declared_format())?;
            let key = config
                .layout
                .key(&KeyContext::new(&token, format, received_at));
            let mut upload = Upload::new(config.clone(), key, format);
            for chunk in chunks {
                if let Err(e) = upload.write(chunk).await {
                    upload.abort().await;
                    return Err(store_error(e));
                }
            }
            (upload, format)
        }
        FileState::Absent | FileState::Discarded => return Err(missing(FILE_FIELD)),
    };
    let key = upload.key().clone();
    let size = upload.size();
    let result = upload.finish().await.map_err(store_error)?;
    Ok(Outcome::Stored(StoredCapture {
        key,
        token,
        format,
        size,
        e_tag: result.e_tag,
        version: result.version,
    }))
}

fn missing(name: &str) -> Rejection {
    Rejection::new(RejectionKind::Malformed, format!("missing field `{name}`"))
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

fn store_error(error: object_store::Error) -> Rejection {
    let kind = match error {
        object_store::Error::JoinError { .. } => RejectionKind::Internal,
        _ => RejectionKind::StoreFailed,
    };
    Rejection::new(kind, "the object store failed; nothing was stored").with_source(error)
}

pin_project_lite::pin_project! {
    /// Hands multer one chunk per poll.
    ///
    /// multer pulls from its stream until the stream is pending, appending
    /// every chunk to one buffer; over a fast connection that buffer could
    /// grow past the part size before the field is read. Returning pending
    /// (with an immediate wake) after each chunk keeps it to one chunk.
    struct OneChunkAtATime<S> {
        #[pin]
        inner: S,
        yielded: bool,
    }
}

impl<S> OneChunkAtATime<S> {
    fn new(inner: S) -> Self {
        Self {
            inner,
            yielded: false,
        }
    }
}

impl<S, E> Stream for OneChunkAtATime<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    type Item = Result<Bytes, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if mem::take(this.yielded) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let item = this.inner.poll_next(cx);
        if let Poll::Ready(Some(Ok(_))) = item {
            *this.yielded = true;
        }
        item
    }
}
