//! A local capture service: the capture API on a loopback port, posting
//! real callbacks to the `callback_url` it is given.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::{BoxError, Format};

mod builder;
mod handle;

pub use builder::LocalCaptureServiceBuilder;
use builder::Settings;
use handle::State;

/// One callback the service posted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Delivery {
    /// The capture's token.
    pub token: String,
    /// The page URL of the job.
    pub url: String,
    /// The requested format.
    pub format: Format,
    /// Whether the render "succeeded" (`status=OK` with a file).
    pub rendered: bool,
    /// The file sent, if any.
    pub file: Option<Bytes>,
    /// 1, or 2 for a repeated delivery.
    pub attempt: u8,
    /// The callback's answer, or `None` if it could not be delivered.
    pub status: Option<u16>,
}

/// A capture API on a loopback port that answers like the real one and,
/// for each job, posts a callback carrying a real file to the job's
/// `callback_url` with its `callback_secret`. Stops when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let service = shotsink::testing::LocalCaptureService::builder().fail_every(10).start().await.unwrap();
/// // point a `CaptureClient` at `service.base_url()`, then:
/// service.wait_idle(std::time::Duration::from_secs(5)).await.unwrap();
/// assert!(service.deliveries().is_empty());
/// # }
/// ```
#[derive(Debug)]
pub struct LocalCaptureService {
    addr: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

impl LocalCaptureService {
    async fn start(settings: Settings) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::new(settings));
        let accept = tokio::spawn(handle::accept(listener, state.clone()));
        Ok(Self {
            addr,
            state,
            accept,
        })
    }

    /// Starts configuring a service.
    pub fn builder() -> LocalCaptureServiceBuilder {
        LocalCaptureServiceBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, the base URL for a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every callback posted so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state.deliveries().clone()
    }

    /// Waits until every accepted job's callbacks were delivered.
    pub async fn wait_idle(&self, timeout: Duration) -> Result<(), BoxError> {
        tokio::time::timeout(timeout, async {
            loop {
                let idle = self.state.idle.notified();
                if self.state.in_flight.load(Ordering::SeqCst) == 0 {
                    return;
                }
                idle.await;
            }
        })
        .await
        .map_err(|_| "callbacks still in flight".into())
    }
}

impl Drop for LocalCaptureService {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
