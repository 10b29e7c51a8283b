//! Stores configured from outside the code: a URL plus options.
//!
//! | location | store | options from the environment |
//! |---|---|---|
//! | `./captures`, `/var/captures` (no scheme) | `LocalFileSystem` in that directory (created if missing) | none |
//! | `file:///var/captures` | `LocalFileSystem` | none |
//! | `memory://` | `InMemory` | none |
//! | `s3://bucket[/prefix]` (feature `aws`) | `AmazonS3` | `AWS_*`, as `AmazonS3Builder::from_env` |
//! | `gs://bucket[/prefix]` (feature `gcp`) | `GoogleCloudStorage` | `GOOGLE_*` |
//! | `az://container[/prefix]` (feature `azure`) | `MicrosoftAzure` | `AZURE_*` |
//!
//! A local directory is opened with `fsync` after every write
//! (`LocalFileSystem::with_fsync`), so that what a 200 promised is on the
//! disk, not only visible, as it is on a cloud store; folders left empty
//! by a delete are removed.
//!
//! A path after the bucket becomes a prefix (`PrefixStore`). Options passed
//! explicitly (`aws_endpoint`, `aws_region`, ...) override the environment.
//! Every option of the cloud builders is accepted, server-side encryption
//! included (`aws_server_side_encryption`, `aws_sse_kms_key_id`,
//! `aws_sse_bucket_key_enabled`, `aws_sse_customer_key_base64`), and, for
//! S3, `acl` (a canned ACL such as `public-read`, sent as `x-amz-acl`; see
//! [`canned_acl`](crate::store::s3::canned_acl)). An S3
//! store gets its provider's payload protection
//! ([`Integrity`](crate::store::s3::Integrity)) unless
//! `aws_unsigned_payload` or `aws_checksum_algorithm` is set.
//!
//! [`presigner_from_url`] opens the same location as a
//! [`Presigner`](crate::Presigner), for presigned links to the captures.
//!
//! # Example
//!
//! ```
//! let store = shotsink::store_from_url("memory://", std::iter::empty::<(&str, &str)>()).unwrap();
//! # let _ = store;
//! let dir = tempfile::tempdir().unwrap();
//! let local = shotsink::store_from_url(dir.path().to_str().unwrap(), [("unused", "")]).unwrap();
//! assert!(local.to_string().starts_with("LocalFileSystem"));
//! ```

use std::sync::Arc;
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
use std::time::Duration;

use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreScheme};

use super::error::StoreUrlError;
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
use crate::Presigner;

/// Opens the store a URL (or a plain directory path) names: a directory
/// (`./captures`, `/var/captures`, created if missing) or `file:///…` as a
/// `LocalFileSystem` with `fsync`, `memory://`, `s3://bucket[/prefix]`
/// (feature `aws`, `AWS_*` variables as `AmazonS3Builder::from_env`),
/// `gs://bucket[/prefix]` (`gcp`, `GOOGLE_*`), `az://container[/prefix]`
/// (`azure`, `AZURE_*`). `options` are the cloud builders' keys
/// (`aws_endpoint`, `aws_region`, the SSE keys, …, and `acl` for S3) and
/// win over the environment; a path after the bucket becomes a prefix.
pub fn store_from_url<I, K, V>(
    location: &str,
    options: I,
) -> Result<Arc<dyn ObjectStore>, StoreUrlError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: Into<String>,
{
    if let Some(dir) = local(location)? {
        let invalid = |e: std::io::Error| invalid(location, e.to_string());
        std::fs::create_dir_all(&dir).map_err(invalid)?;
        let store = LocalFileSystem::new_with_prefix(dir)?
            .with_fsync(true)
            .with_automatic_cleanup(true);
        return Ok(Arc::new(store));
    }
    Ok(open(location, options)?.store)
}

/// Checks what [`store_from_url`] would open, without creating or writing
/// anything: a local directory must be writable, or creatable in the
/// nearest directory of its path that exists; a cloud location must give a
/// client (no request is made: credentials and the bucket are not
/// checked). A location that looks like a mistyped URL (`s3:/captures`) is
/// refused by both.
pub fn check_store_url<I, K, V>(location: &str, options: I) -> Result<(), StoreUrlError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: Into<String>,
{
    match local(location)? {
        Some(dir) => super::local::check(&dir).map_err(|reason| invalid(location, reason)),
        None => open(location, options).map(drop),
    }
}

/// The local directory `location` names, if it names one.
fn local(location: &str) -> Result<Option<std::path::PathBuf>, StoreUrlError> {
    super::local::dir(location).map_err(|reason| invalid(location, reason))
}

fn invalid(location: &str, reason: String) -> StoreUrlError {
    StoreUrlError::InvalidLocation {
        url: location.to_owned(),
        reason,
    }
}

#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
/// Opens the cloud store a URL names (`s3://`, `gs://`, `az://`, with the
/// same options as [`store_from_url`]) as a [`Presigner`] whose URLs are
/// valid for `expires_in`, with the URL's path as its prefix.
pub fn presigner_from_url<I, K, V>(
    location: &str,
    options: I,
    expires_in: Duration,
) -> Result<Presigner, StoreUrlError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: Into<String>,
{
    if local(location)?.is_some() {
        return Err(invalid(location, "a local directory signs no URLs".into()));
    }
    let opened = open(location, options)?;
    let signer = opened
        .signer
        .ok_or_else(|| StoreUrlError::InvalidLocation {
            url: location.to_owned(),
            reason: "this store signs no URLs (s3://, gs:// and az:// do)".into(),
        })?;
    Ok(Presigner::new(signer, expires_in).with_prefix(opened.prefix))
}

/// A store opened from a location, and its client as a signer when it is
/// one.
struct Opened {
    store: Arc<dyn ObjectStore>,
    #[cfg_attr(
        not(any(feature = "aws", feature = "gcp", feature = "azure")),
        allow(dead_code)
    )]
    signer: Option<Signer>,
    #[cfg_attr(
        not(any(feature = "aws", feature = "gcp", feature = "azure")),
        allow(dead_code)
    )]
    prefix: Path,
}

/// A store's client as a URL signer (none without a cloud feature).
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
type Signer = Arc<dyn object_store::signer::Signer>;
#[cfg(not(any(feature = "aws", feature = "gcp", feature = "azure")))]
type Signer = std::convert::Infallible;

fn open<I, K, V>(location: &str, options: I) -> Result<Opened, StoreUrlError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: Into<String>,
{
    let invalid = |reason: String| invalid(location, reason);
    let url = url::Url::parse(location).map_err(|e| invalid(e.to_string()))?;
    let bucketed = ["s3", "s3a", "gs", "az", "azure", "abfs", "abfss"].contains(&url.scheme());
    if bucketed && url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(format!(
            "names no bucket: write `{}://my-bucket` (and a /prefix if you want one)",
            url.scheme()
        )));
    }
    let (scheme, prefix) = ObjectStoreScheme::parse(&url).map_err(|_| {
        invalid(format!(
            "unknown scheme `{}:`: a directory, file://, memory://, s3://, gs:// or az://",
            url.scheme()
        ))
    })?;
    // Only the cloud builders take options.
    #[cfg_attr(
        not(any(feature = "aws", feature = "gcp", feature = "azure")),
        allow(unused_variables)
    )]
    let options: Vec<(String, String)> = options
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_ascii_lowercase(), v.into()))
        .collect();
    let (store, signer): (Arc<dyn ObjectStore>, _) = match scheme {
        ObjectStoreScheme::Memory => (Arc::new(InMemory::new()), None),
        #[cfg(feature = "aws")]
        ObjectStoreScheme::AmazonS3 => {
            // A canned ACL is a default header of the client, set before
            // the environment and the options add theirs.
            let mut base = object_store::aws::AmazonS3Builder::new();
            if let Some((_, acl)) = options.iter().find(|(k, _)| k == "acl") {
                base = base.with_client_options(crate::store::s3::canned_acl(acl)?);
            }
            // As `from_env`: variables that are not Unicode are skipped.
            for (key, value) in std::env::vars_os() {
                let (Some(key), Some(value)) = (key.to_str(), value.to_str()) else {
                    continue;
                };
                if let (true, Ok(key)) = (key.starts_with("AWS_"), key.to_ascii_lowercase().parse())
                {
                    base = base.with_config(key, value);
                }
            }
            let builder = with_options(base.with_url(location), &options, |b, k, v| {
                b.with_config(k, v)
            });
            let chosen = crate::store::s3::integrity::chosen_in_env()
                || options
                    .iter()
                    .any(|(k, _)| crate::store::s3::integrity::chosen_by(k));
            let builder = crate::store::s3::integrity::with_default(builder, chosen);
            cloud(builder.build()?)
        }
        #[cfg(feature = "gcp")]
        ObjectStoreScheme::GoogleCloudStorage => {
            let builder = with_options(
                object_store::gcp::GoogleCloudStorageBuilder::from_env().with_url(location),
                &options,
                |b, k, v| b.with_config(k, v),
            );
            cloud(builder.build()?)
        }
        #[cfg(feature = "azure")]
        ObjectStoreScheme::MicrosoftAzure => {
            let builder = with_options(
                object_store::azure::MicrosoftAzureBuilder::from_env().with_url(location),
                &options,
                |b, k, v| b.with_config(k, v),
            );
            cloud(builder.build()?)
        }
        other => {
            return Err(invalid(format!(
                "{other:?} stores are not enabled in this build (cargo features `aws`, `gcp`, `azure`)"
            )));
        }
    };
    let store = if prefix == Path::default() {
        store
    } else {
        Arc::new(PrefixStore::new(store, prefix.clone()))
    };
    Ok(Opened {
        store,
        signer,
        prefix,
    })
}

/// A cloud client, as a store and as a signer.
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
fn cloud<T: ObjectStore + object_store::signer::Signer>(
    client: T,
) -> (Arc<dyn ObjectStore>, Option<Signer>) {
    let client = Arc::new(client);
    (client.clone(), Some(client))
}

/// Applies the options a builder knows (by its config key names) and skips
/// the others, as `object_store`'s `parse_url_opts` does.
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
fn with_options<B, K: std::str::FromStr>(
    builder: B,
    options: &[(String, String)],
    set: impl Fn(B, K, &str) -> B,
) -> B {
    options.iter().fold(builder, |b, (k, v)| match k.parse() {
        Ok(key) => set(b, key, v),
        Err(_) => b,
    })
}
