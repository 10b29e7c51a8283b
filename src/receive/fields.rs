//! Walking the form: each field read in the order it comes, with what it
//! means for the secret check and the file.

use multer::Multipart;

use super::context::Context;
use super::file::{self, FilePlan, FileState};
use super::wording::{duplicate, form_error, missing};
use crate::prove::sniff;
use crate::verify::SecretCheck;
use crate::{Format, Outcome, Rejection, RejectionKind, RenderFailure};

/// The longest token kept after sanitising: tokens are 32 characters in
/// practice, and object keys are limited to 1024 bytes on S3.
const MAX_TOKEN_LEN: usize = 128;

/// The `format` field as sent.
#[derive(Clone, Copy)]
enum Declared {
    Known(Format),
    /// Names no accepted format: the bytes decide.
    Unknown,
}

/// What has been read of the form so far.
pub(super) struct Form {
    ctx: Context,
    secret: SecretCheck,
    status: Option<String>,
    /// Kept as a result so that a bad token is reported only to a sender
    /// that proved it holds the secret (403 comes first).
    token: Option<Result<String, Rejection>>,
    declared: Option<Declared>,
    file: FileState,
}

impl Form {
    pub(super) fn new(ctx: Context) -> Self {
        Self {
            ctx,
            secret: SecretCheck::Unseen,
            status: None,
            token: None,
            declared: None,
            file: FileState::Absent,
        }
    }

    /// Reads every field, then finishes: the outcome, or why not. Whatever
    /// the file became is dropped (an upload aborted) on a rejection.
    pub(super) async fn read(
        mut self,
        multipart: &mut Multipart<'static>,
    ) -> Result<Outcome, Rejection> {
        let result = match self.read_fields(multipart).await {
            Ok(()) => self.finish().await,
            Err(rejection) => Err(rejection),
        };
        if result.is_err() {
            self.file.discard().await;
        }
        result
    }

    async fn read_fields(&mut self, multipart: &mut Multipart<'static>) -> Result<(), Rejection> {
        let max_fields = self.ctx.config.limits.max_fields;
        let mut count = 0;
        while let Some(mut field) = multipart.next_field().await.map_err(form_error)? {
            self.ctx.progress.made();
            count += 1;
            if count > max_fields {
                return Err(Rejection::new(
                    RejectionKind::TooLarge,
                    format!("more than {max_fields} form fields"),
                ));
            }
            let name = field.name().unwrap_or_default().to_owned();
            let seen = match name.as_str() {
                "file" => !matches!(self.file, FileState::Absent),
                "callback_secret" => self.secret.is_seen(),
                "status" => self.status.is_some(),
                "token" => self.token.is_some(),
                "format" => self.declared.is_some(),
                _ => false,
            };
            if seen {
                return Err(duplicate(&name));
            }
            match name.as_str() {
                "file" => {
                    let plan = self.file_plan()?;
                    self.file = file::read(&self.ctx, plan, &mut field).await?;
                }
                "callback_secret" => {
                    let sent = self.ctx.text(field, &name).await?;
                    self.secret
                        .check(&self.ctx.config.secrets, sent.as_bytes())?;
                    self.resolve_secret().await?;
                }
                "status" => {
                    let status = self.ctx.text(field, &name).await?;
                    self.status = Some(status.trim().to_owned());
                    if self.render_failed() {
                        self.file.discard().await;
                    }
                }
                "token" => {
                    let sent = self.ctx.text(field, &name).await?;
                    let token = sanitise_token(&sent);
                    if let Ok(token) = &token {
                        // Letters and digits only: safe in any log format.
                        tracing::Span::current().record("token", tracing::field::display(token));
                    }
                    self.token = Some(token);
                    self.resolve_secret().await?;
                }
                "format" => {
                    let sent = self.ctx.text(field, &name).await?;
                    let declared = match sent.parse::<Format>() {
                        Ok(format) => Declared::Known(format),
                        Err(_) => Declared::Unknown,
                    };
                    if let (Declared::Known(declared), Some(actual)) =
                        (declared, self.file.uploading_format())
                    {
                        sniff::check_declared(declared, actual)?;
                    }
                    self.declared = Some(declared);
                }
                // Unknown fields are read (within the text limit) and ignored,
                // so a sender that adds a field does not break its receivers.
                _ => self.ctx.skip(&mut field).await?,
            }
        }
        Ok(())
    }

    /// Asks the resolver, if the secret waits for it and the token is known;
    /// a proved secret draws on the verified pool from now on.
    async fn resolve_secret(&mut self) -> Result<(), Rejection> {
        let token = match &self.token {
            Some(Ok(token)) => Some(token.as_str()),
            _ => None,
        };
        let secrets = &self.ctx.config.secrets;
        self.secret
            .resolve(secrets, token, self.ctx.timing.verify_by)
            .await?;
        if self.secret.is_verified() && !self.ctx.account.is_verified() {
            // The body reader claims, on the verified pool, what the rest of
            // the body can make the callback hold.
            self.ctx.account.verified();
        }
        Ok(())
    }

    fn render_failed(&self) -> bool {
        self.status.as_deref().is_some_and(|s| s != "OK")
    }

    fn declared_format(&self) -> Option<Format> {
        match self.declared {
            Some(Declared::Known(format)) => Some(format),
            _ => None,
        }
    }

    fn file_plan(&self) -> Result<FilePlan, Rejection> {
        if self.render_failed() {
            return Ok(FilePlan::Discard);
        }
        Ok(match &self.token {
            Some(token) if self.secret.is_verified() => FilePlan::Stream {
                token: token.clone()?,
                declared: self.declared_format(),
            },
            _ => FilePlan::Hold,
        })
    }

    /// Once every field is read: the secret proved, then the status, the
    /// token and the file, in that order of checks.
    async fn finish(&mut self) -> Result<Outcome, Rejection> {
        let verified = self.secret.proof()?;
        let Some(status) = self.status.clone() else {
            return Err(missing("status"));
        };
        if self.render_failed() {
            self.file.discard().await;
            return Ok(Outcome::RenderFailed(RenderFailure {
                token: self.token.take().and_then(Result::ok),
                status,
            }));
        }
        let token = self.token.take().unwrap_or_else(|| Err(missing("token")))?;
        let declared = self.declared_format();
        let file = std::mem::take(&mut self.file);
        file::finish(&self.ctx, file, verified, token, declared).await
    }
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
