//! Where a stored capture can be fetched: a public URL under a configured
//! base (a public bucket, a CDN), or a presigned `GET` URL that expires.
//!
//! The link goes into [`StoredCapture::url`](crate::StoredCapture::url),
//! which the middleware form's handler and the log line see; the sender's
//! answer stays a one-line acknowledgement.
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "aws")] {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use object_store::aws::AmazonS3Builder;
//! use object_store::memory::InMemory;
//! use shotsink::{CaptureSink, Presigner};
//!
//! // A public bucket or a CDN in front of it: the base, then the key.
//! let public = CaptureSink::builder(Arc::new(InMemory::new()))
//!     .secret("s3cret")
//!     .public_urls("https://cdn.example.com/")
//!     .build()
//!     .unwrap();
//!
//! // A private bucket: a URL signed by the store's own client, valid 1 h.
//! let s3 = Arc::new(
//!     AmazonS3Builder::new()
//!         .with_bucket_name("captures")
//!         .with_region("eu-west-3")
//!         .with_access_key_id("AKIA...")
//!         .with_secret_access_key("...")
//!         .build()
//!         .unwrap(),
//! );
//! let private = CaptureSink::builder(s3.clone())
//!     .secret("s3cret")
//!     .presigned_urls(Presigner::new(s3, Duration::from_secs(3600)))
//!     .build()
//!     .unwrap();
//! # let _ = (public, private);
//! # }
//! ```

#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
use std::fmt;
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
use std::sync::Arc;
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
use std::time::Duration;

use object_store::path::Path;
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
use object_store::signer::{Method, Signer};
use url::Url;

use crate::ConfigError;

#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
/// The longest expiry a presigned URL may have: SigV4's and GCS's limit.
pub(crate) const MAX_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// Signs `GET` URLs for stored captures with a store's own client
/// (`AmazonS3`, `GoogleCloudStorage` and `MicrosoftAzure` implement
/// [`Signer`]); with the `aws`, `gcp` or `azure` feature.
///
/// A capture's key is relative to the store the sink writes to; if that
/// store is a `PrefixStore`, give the signer the same prefix with
/// [`with_prefix`](Self::with_prefix) (`presigner_from_url` does).
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
#[derive(Clone)]
pub struct Presigner {
    signer: Arc<dyn Signer>,
    prefix: Path,
    expires_in: Duration,
}

#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
impl Presigner {
    /// URLs signed by `signer`, valid for `expires_in` (at most 7 days,
    /// checked by the builder).
    pub fn new(signer: Arc<dyn Signer>, expires_in: Duration) -> Self {
        Self {
            signer,
            prefix: Path::default(),
            expires_in,
        }
    }

    /// Signs `prefix/key` rather than `key`.
    pub fn with_prefix(mut self, prefix: Path) -> Self {
        self.prefix = prefix;
        self
    }

    /// How long a URL stays valid.
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }
}

#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
impl fmt::Debug for Presigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presigner")
            .field("signer", &self.signer)
            .field("prefix", &self.prefix.as_ref())
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// How links are made, once configured.
#[derive(Debug, Clone)]
pub(crate) enum Links {
    /// `base` joined with the key.
    Public(Url),
    /// Signed by the store's client.
    #[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
    Presigned(Presigner),
}

impl Links {
    /// Checks a public base: an absolute `http` or `https` URL, ending with
    /// a `/` (added if missing) so that keys go under it.
    pub(crate) fn public(base: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::InvalidSetting {
            setting: "public_urls",
            value: base.to_owned(),
            reason,
        };
        let mut url = Url::parse(base).map_err(|e| invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("must be an http or https URL".into()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("must have no query or fragment".into()));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Links::Public(url))
    }

    /// Checks a presigner's expiry.
    #[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
    pub(crate) fn presigned(presigner: Presigner) -> Result<Self, ConfigError> {
        if presigner.expires_in.is_zero() || presigner.expires_in > MAX_EXPIRY {
            return Err(ConfigError::InvalidLimit {
                name: "presigned_urls",
                reason: "the expiry must be more than zero and at most 7 days",
            });
        }
        Ok(Links::Presigned(presigner))
    }

    /// The link to `key`, or `None` (logged) if the signer failed: the
    /// capture is stored either way.
    pub(crate) async fn url(&self, key: &Path) -> Option<String> {
        match self {
            // Appended, not `join`ed: a key is never read as a URL of its
            // own. A `Path` is already percent-encoded where it must be.
            Links::Public(base) => Some(format!("{base}{key}")),
            #[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
            Links::Presigned(p) => {
                let path = p.prefix.parts().chain(key.parts()).collect::<Path>();
                match p.signer.signed_url(Method::GET, &path, p.expires_in).await {
                    Ok(url) => Some(url.into()),
                    Err(error) => {
                        tracing::warn!(%key, %error, "no presigned URL for the stored capture");
                        None
                    }
                }
            }
        }
    }
}
