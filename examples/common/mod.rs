//! Configuration shared by the examples, read from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SHOTSINK_STORE` | where captures go: a directory, or a URL (`file:///abs/dir`, `memory://`, `s3://bucket`, `gs://bucket`, `az://container`) | `./captures` |
//! | `SHOTSINK_ADDR` | address to listen on | `127.0.0.1:3000` |
//! | `SHOTSINK_SECRET` | callback secret; several separated by commas | generated and printed |
//!
//! Cloud URLs take their credentials and options from the usual variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT`, `AWS_REGION`, `GOOGLE_SERVICE_ACCOUNT`,
//! `AZURE_STORAGE_ACCOUNT_NAME`, ...), as `object_store`'s `from_env` builders do.
#![allow(dead_code)]

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;

pub type BoxError = Box<dyn Error + Send + Sync>;

/// The example's settings.
pub struct Settings {
    pub store: Arc<dyn ObjectStore>,
    pub store_description: String,
    pub addr: SocketAddr,
    pub secrets: Vec<String>,
    /// Whether the secret was generated because none was set.
    pub generated_secret: bool,
}

impl Settings {
    pub fn from_env() -> Result<Self, BoxError> {
        let location = std::env::var("SHOTSINK_STORE").unwrap_or_else(|_| "./captures".into());
        let store = store_from_location(&location)?;
        let addr = std::env::var("SHOTSINK_ADDR")
            .unwrap_or_else(|_| "127.0.0.1:3000".into())
            .parse()?;
        let (secrets, generated_secret) = match std::env::var("SHOTSINK_SECRET") {
            Ok(s) if !s.trim().is_empty() => {
                (s.split(',').map(|s| s.trim().to_owned()).collect(), false)
            }
            _ => (vec![generate_secret()?], true),
        };
        Ok(Self {
            store,
            store_description: location,
            addr,
            secrets,
            generated_secret,
        })
    }
}

/// A directory path (created if missing), or an `object_store` URL with
/// options from the environment.
pub fn store_from_location(location: &str) -> Result<Arc<dyn ObjectStore>, BoxError> {
    if !location.contains("://") {
        std::fs::create_dir_all(location)?;
        return Ok(Arc::new(LocalFileSystem::new_with_prefix(location)?));
    }
    let url = url::Url::parse(location)?;
    // `from_env` for every provider: each builder keeps the keys it knows
    // (`aws_*`, `google_*`, `azure_*`) and ignores the others.
    let options = std::env::vars()
        .filter(|(k, _)| {
            ["AWS_", "GOOGLE_", "AZURE_"]
                .iter()
                .any(|p| k.starts_with(p))
        })
        .map(|(k, v)| (k.to_ascii_lowercase(), v));
    let (store, prefix) = object_store::parse_url_opts(&url, options)?;
    let store: Arc<dyn ObjectStore> = Arc::from(store);
    if prefix == Path::default() {
        Ok(store)
    } else {
        Ok(Arc::new(PrefixStore::new(store, prefix)))
    }
}

/// 32 random alphanumeric characters from the operating system's generator.
pub fn generate_secret() -> Result<String, BoxError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    // 256 % 62 leaves a slight bias; irrelevant for a 190-bit demo secret.
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// A `curl` command that sends one of the repository's sample captures.
pub fn sample_curl(addr: SocketAddr, secret: &str) -> String {
    format!(
        "curl -sS http://{addr}/callback \\\n  \
         -F callback_secret={secret} -F status=OK -F token=demo$(date +%s) -F format=png \\\n  \
         -F file=@tests/fixtures/capture.png"
    )
}
