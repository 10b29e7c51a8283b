//! Configuration shared by the examples, read from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SHOTSINK_STORE` | where captures go: a directory, or a URL (`file:///abs/dir`, `memory://`, `s3://bucket`, `gs://bucket`, `az://container`) | `./captures` |
//! | `SHOTSINK_ADDR` | address to listen on | `127.0.0.1:3000` |
//! | `SHOTSINK_SECRET` | callback secret; several separated by commas | generated and printed |
//! | `SHOTSINK_MAX_FILE_SIZE` | largest file accepted, in bytes | the sink's default (64 MiB) |
//! | `SHOTSINK_MAX_BUFFERED` | bytes all callbacks may hold together | the sink's default |
//! | `SHOTSINK_READ_BUFFER` | cap on each connection's HTTP/1 read buffer, in bytes | 16384 |
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

/// Serves `app` on `listener` with each connection's HTTP/1 read buffer
/// capped at `SHOTSINK_READ_BUFFER` bytes (default 16 KiB).
///
/// hyper grows a connection's read buffer (up to about 400 KiB) while a body
/// streams in, and keeps it for the connection's life. With thousands of
/// keep-alive connections from a burst of callbacks, those buffers, not the
/// sink, are what fill memory: measured with 5,000 concurrent 180 KB
/// callbacks, the process peaked at 198 MiB with an 8 KiB cap, 243 MiB with
/// 16 KiB and 392 MiB without; the smaller cap cost throughput on small
/// files (`docs/BENCHMARKS.md`).
pub async fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> Result<(), BoxError> {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;

    let read_buffer = match std::env::var("SHOTSINK_READ_BUFFER") {
        Ok(v) => v.parse()?,
        Err(_) => 16 * 1024,
    };
    let service = TowerToHyperService::new(app);
    loop {
        let (socket, _) = listener.accept().await?;
        let service = service.clone();
        tokio::spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder.http1().max_buf_size(read_buffer);
            if let Err(error) = builder
                .serve_connection(TokioIo::new(socket), service)
                .await
            {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

/// The whole `main` of an axum-served example: settings from the
/// environment, the app built around the sink, served with `serve`.
pub async fn main_with(app: impl FnOnce(CaptureSink) -> axum::Router) -> Result<(), BoxError> {
    init_tracing();
    let settings = Settings::from_env()?;
    let listener = tokio::net::TcpListener::bind(settings.addr).await?;
    settings.announce(listener.local_addr()?);
    serve(listener, app(settings.sink()?)).await
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
