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
//! A path after the bucket becomes a prefix (`PrefixStore`). Options passed
//! explicitly (`aws_endpoint`, `aws_region`, ...) override the environment.
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

use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreScheme};

use crate::ConfigError;

/// Opens the store a URL (or a plain directory path) names; see the
/// [module documentation](self) for the forms and options.
pub fn store_from_url<I, K, V>(
    location: &str,
    options: I,
) -> Result<Arc<dyn ObjectStore>, ConfigError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: Into<String>,
{
    let invalid = |reason: String| ConfigError::InvalidStoreUrl {
        url: location.to_owned(),
        reason,
    };
    if !location.contains("://") {
        std::fs::create_dir_all(location).map_err(|e| invalid(e.to_string()))?;
        let store = LocalFileSystem::new_with_prefix(location).map_err(ConfigError::from)?;
        return Ok(Arc::new(store));
    }
    let url = url::Url::parse(location).map_err(|e| invalid(e.to_string()))?;
    let (scheme, prefix) = ObjectStoreScheme::parse(&url).map_err(|e| invalid(e.to_string()))?;
    // Only the cloud builders take options.
    #[cfg_attr(
        not(any(feature = "aws", feature = "gcp", feature = "azure")),
        allow(unused_variables)
    )]
    let options: Vec<(String, String)> = options
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_ascii_lowercase(), v.into()))
        .collect();
    let store: Arc<dyn ObjectStore> = match scheme {
        ObjectStoreScheme::Local => {
            let dir = url
                .to_file_path()
                .map_err(|()| invalid("not a local path".into()))?;
            std::fs::create_dir_all(&dir).map_err(|e| invalid(e.to_string()))?;
            return Ok(Arc::new(LocalFileSystem::new_with_prefix(dir)?));
        }
        ObjectStoreScheme::Memory => Arc::new(InMemory::new()),
        #[cfg(feature = "aws")]
        ObjectStoreScheme::AmazonS3 => {
            let builder = with_options(
                object_store::aws::AmazonS3Builder::from_env().with_url(location),
                &options,
                |b, k, v| b.with_config(k, v),
            );
            Arc::new(builder.build()?)
        }
        #[cfg(feature = "gcp")]
        ObjectStoreScheme::GoogleCloudStorage => {
            let builder = with_options(
                object_store::gcp::GoogleCloudStorageBuilder::from_env().with_url(location),
                &options,
                |b, k, v| b.with_config(k, v),
            );
            Arc::new(builder.build()?)
        }
        #[cfg(feature = "azure")]
        ObjectStoreScheme::MicrosoftAzure => {
            let builder = with_options(
                object_store::azure::MicrosoftAzureBuilder::from_env().with_url(location),
                &options,
                |b, k, v| b.with_config(k, v),
            );
            Arc::new(builder.build()?)
        }
        other => {
            return Err(invalid(format!(
                "{other:?} stores are not enabled in this build (cargo features `aws`, `gcp`, `azure`)"
            )));
        }
    };
    if prefix == Path::default() {
        Ok(store)
    } else {
        Ok(Arc::new(PrefixStore::new(store, prefix)))
    }
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
