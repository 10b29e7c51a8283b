//! The authorizer as the sink holds it: bounded in time and in number, its
//! answer checked before it places anything.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use object_store::path::Path;
use tokio::sync::Semaphore;

use super::{
    Authorization, AuthorizeRequest, Authorizer, MAX_METADATA, MAX_METADATA_BYTES, MAX_PREFIX_BYTES,
};
use crate::{BoxError, Rejection, RejectionKind};

/// Where an allowed capture goes: the prefix and metadata checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placement {
    pub(crate) prefix: Option<Path>,
    pub(crate) metadata: Vec<(String, String)>,
}

impl Placement {
    /// `key` under the prefix.
    pub(crate) fn key(&self, key: Path) -> Path {
        match &self.prefix {
            Some(prefix) => prefix.parts().chain(key.parts()).collect(),
            None => key,
        }
    }
}

/// The authorizer with its bounds, as the sink holds it.
pub(crate) struct Gate {
    authorizer: Arc<dyn Authorizer>,
    timeout: Duration,
    permits: Semaphore,
    /// First segments an app's prefix may not start with (lowercase): the
    /// journal's and the staging area's.
    reserved: Vec<String>,
}

impl Gate {
    pub(crate) fn new(
        authorizer: Arc<dyn Authorizer>,
        timeout: Duration,
        concurrency: usize,
        staging_prefix: &Path,
    ) -> Self {
        let mut reserved = vec![".shotsink".to_owned()];
        reserved.extend(
            staging_prefix
                .parts()
                .next()
                .map(|p| p.as_ref().to_ascii_lowercase()),
        );
        Self {
            authorizer,
            timeout,
            permits: Semaphore::new(concurrency.clamp(1, Semaphore::MAX_PERMITS)),
            reserved,
        }
    }

    /// Asks the app, within the timeout (the wait for a free slot
    /// included).
    pub(crate) async fn ask(&self, request: AuthorizeRequest) -> Result<Placement, Rejection> {
        let token = request.token.clone();
        let asked = async {
            let _permit = self.permits.acquire().await.ok();
            self.authorizer.authorize(request).await
        };
        let answer = match tokio::time::timeout(self.timeout, asked).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => {
                return Err(unavailable("the app could not be asked; retry later")
                    .with_source(Boxed(error)));
            }
            Err(_) => return Err(unavailable("the app did not answer in time; retry later")),
        };
        match answer {
            Authorization::Allow { prefix, metadata } => {
                let placement = check(prefix, metadata, &self.reserved).map_err(|why| {
                    tracing::warn!(%token, why, "the app's authorization is not usable");
                    unavailable("the app's answer is not usable; retry later")
                })?;
                Ok(placement)
            }
            Authorization::Refuse { status, reason } => {
                let status = if status.is_client_error() {
                    status
                } else {
                    StatusCode::FORBIDDEN
                };
                let reason: String = reason
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                let reason = match reason.is_empty() {
                    true => "the app refused this capture".to_owned(),
                    false => format!("the app refused this capture: {reason}"),
                };
                Err(Rejection::new(RejectionKind::Refused, reason).with_status(status))
            }
        }
    }
}

fn unavailable(reason: &'static str) -> Rejection {
    Rejection::new(RejectionKind::Unavailable, reason)
}

/// The prefix and metadata within their rules.
fn check(
    prefix: Option<String>,
    metadata: Vec<(String, String)>,
    reserved: &[String],
) -> Result<Placement, &'static str> {
    let prefix = match prefix.as_deref().map(|p| p.trim_matches('/')) {
        None | Some("") => None,
        Some(p) if p.len() > MAX_PREFIX_BYTES => return Err("the prefix is too long"),
        Some(p) => {
            let segment = |s: &str| {
                !s.is_empty()
                    && s != "."
                    && s != ".."
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            };
            if !p.split('/').all(segment) {
                return Err("the prefix has a segment outside [A-Za-z0-9._-]");
            }
            let first = p.split('/').next().unwrap_or_default().to_ascii_lowercase();
            if reserved.contains(&first) {
                return Err("the prefix is the journal's or the staging area's");
            }
            Some(Path::from(p))
        }
    };
    if metadata.len() > MAX_METADATA {
        return Err("too many metadata entries");
    }
    let bytes: usize = metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    if bytes > MAX_METADATA_BYTES {
        return Err("the metadata is too large");
    }
    let reserved = ["token", "width", "height", "size", "sha256"];
    for (key, value) in &metadata {
        let key_ok = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !reserved.contains(&key.as_str());
        if !key_ok || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err("a metadata key or value is not allowed");
        }
    }
    Ok(Placement { prefix, metadata })
}

/// A `BoxError` kept as a source.
#[derive(Debug)]
struct Boxed(BoxError);

impl std::fmt::Display for Boxed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Boxed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
