//! Configuration shared by the examples, read from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SHOTSINK_STORE` | where captures go: a directory, or a URL (`file:///abs/dir`, `memory://`, `s3://bucket`, `gs://bucket`, `az://container`) | `./captures` |
//! | `SHOTSINK_ADDR` | address to listen on | `127.0.0.1:3000` |
//! | `SHOTSINK_SECRET` | callback secret; several separated by commas | generated and printed |
//! | `SHOTSINK_MAX_FILE_SIZE` | largest file accepted, in bytes | the sink's default (64 MiB) |
//! | `SHOTSINK_MAX_BUFFERED` | bytes all callbacks may hold together | the sink's default |
//!
//! Cloud URLs take their credentials and options from the usual variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT`, `AWS_REGION`, `GOOGLE_SERVICE_ACCOUNT`,
//! `AZURE_STORAGE_ACCOUNT_NAME`, ...), as `object_store`'s `from_env` builders do.
#![allow(dead_code)]

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;

use object_store::ObjectStore;
use shotsink::CaptureSink;

pub type BoxError = Box<dyn Error + Send + Sync>;

/// The example's settings.
pub struct Settings {
    pub store: Arc<dyn ObjectStore>,
    pub store_description: String,
    pub addr: SocketAddr,
    pub secrets: Vec<String>,
    /// Whether the secret was generated because none was set.
    pub generated_secret: bool,
    pub max_file_size: Option<u64>,
    pub max_buffered: Option<usize>,
}

impl Settings {
    pub fn from_env() -> Result<Self, BoxError> {
        let location = std::env::var("SHOTSINK_STORE").unwrap_or_else(|_| "./captures".into());
        // Cloud URLs take their options from the usual variables; each
        // builder keeps the keys it knows.
        let options = std::env::vars().filter(|(k, _)| {
            ["AWS_", "GOOGLE_", "AZURE_"]
                .iter()
                .any(|p| k.starts_with(p))
        });
        let store = shotsink::store_from_url(&location, options)?;
        let addr = std::env::var("SHOTSINK_ADDR")
            .unwrap_or_else(|_| "127.0.0.1:3000".into())
            .parse()?;
        let (secrets, generated_secret) = match std::env::var("SHOTSINK_SECRET") {
            Ok(s) if !s.trim().is_empty() => {
                (s.split(',').map(|s| s.trim().to_owned()).collect(), false)
            }
            _ => (vec![generate_secret()?], true),
        };
        let max_file_size = match std::env::var("SHOTSINK_MAX_FILE_SIZE") {
            Ok(v) => Some(v.parse()?),
            Err(_) => None,
        };
        let max_buffered = match std::env::var("SHOTSINK_MAX_BUFFERED") {
            Ok(v) => Some(v.parse()?),
            Err(_) => None,
        };
        Ok(Self {
            store,
            store_description: location,
            addr,
            secrets,
            generated_secret,
            max_file_size,
            max_buffered,
        })
    }
}

impl Settings {
    /// A sink on the configured store with the configured secrets.
    pub fn sink(&self) -> Result<CaptureSink, BoxError> {
        let builder = CaptureSink::builder(self.store.clone()).secrets(&self.secrets);
        let builder = match self.max_file_size {
            Some(bytes) => builder.max_file_size(bytes),
            None => builder,
        };
        let builder = match self.max_buffered {
            Some(bytes) => builder.max_buffered_bytes(bytes),
            None => builder,
        };
        Ok(builder.build()?)
    }

    /// Tells the user where to send callbacks, and how.
    pub fn announce(&self, addr: SocketAddr) {
        println!(
            "shotsink: POST http://{addr}/callback -> {}",
            self.store_description
        );
        if self.generated_secret {
            println!(
                "no SHOTSINK_SECRET set; generated one for this run: {}",
                self.secrets[0]
            );
        }
        println!(
            "send a sample capture:\n\n{}\n",
            sample_curl(addr, &self.secrets[0])
        );
    }
}

/// The whole `main` of an axum-served example: settings from the
/// environment, the app built around the sink, served with `serve`.
pub async fn main_with(app: impl FnOnce(CaptureSink) -> axum::Router) -> Result<(), BoxError> {
    init_tracing();
    let settings = Settings::from_env()?;
    let listener = tokio::net::TcpListener::bind(settings.addr).await?;
    settings.announce(listener.local_addr()?);
    axum::serve(listener, app(settings.sink()?)).await?;
    Ok(())
}

/// Logs through `tracing` at `info` for the sink unless `RUST_LOG` says otherwise.
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "shotsink=info".into()),
        )
        .init();
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
