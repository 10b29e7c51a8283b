//! The sink: a thin facade over the configuration and the pipeline.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;
use http::HeaderMap;
use object_store::ObjectStore;

use crate::configure::runtime::Config;
use crate::{BoxError, Received, receive};

/// Receives capture callbacks and stores their files.
///
/// Built once with [`CaptureSink::builder`], cheap to clone (an `Arc`
/// inside), and mounted as an endpoint with [`CaptureSink::service`] or in
/// front of a handler with [`CaptureSink::layer`]. Other frameworks call
/// [`CaptureSink::receive`] directly.
///
/// The builder and the tower forms are defined beside what they build (the
/// `builder` and `capture` modules), so that this facade
/// depends on neither.
///
/// See the [crate documentation](crate) for an example.
#[derive(Clone)]
pub struct CaptureSink {
    config: Arc<Config>,
}

impl CaptureSink {
    pub(crate) fn from_config(config: Config) -> Self {
        Self {
            config: Arc::new(config),
        }
    }

    /// The store captures are written to.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.config.destination.store
    }

    /// Body bytes the sink holds right now, across all callbacks: in the
    /// form parser, in files held before their secret, in parts waiting to
    /// be sent or in flight.
    pub fn buffered_bytes(&self) -> u64 {
        self.config.budget.gauge().current() as u64
    }

    /// Waits until the work the sink runs on its own has ended: aborts of
    /// uploads whose request was dropped, and staged captures' copies.
    /// A server calls it at shutdown, after its connections are gone, so
    /// that no multipart upload is left open.
    pub async fn background_done(&self) {
        let tasks = &self.config.destination.tasks;
        tasks.close();
        tasks.wait().await;
        tasks.reopen();
    }

    /// The most [`buffered_bytes`](Self::buffered_bytes) has been since the
    /// sink was built. It never exceeds
    /// `max_buffered_bytes`.
    pub fn peak_buffered_bytes(&self) -> u64 {
        self.config.budget.gauge().peak() as u64
    }

    /// Receives one callback from its headers and body stream, for
    /// frameworks that are not tower-based; the method is not checked
    /// here. The answer to send is [`Received::into_response`], or built
    /// from [`Received::result`]; close the connection when
    /// [`Received::close_connection`] says so, as the built-in adapters do.
    ///
    /// After a rejection, the rest of the body is read and dropped (for at
    /// most the builder's `linger_timeout`) before
    /// this returns, so that a client still sending can read the answer.
    ///
    /// Requires a Tokio runtime: parts of large files are uploaded in tasks.
    pub async fn receive<S, E>(&self, headers: &HeaderMap, body: S) -> Received
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        receive::receive(&self.config, headers, body).await
    }
}

impl fmt::Debug for CaptureSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        f.debug_struct("CaptureSink")
            .field("store", &format_args!("{}", c.destination.store))
            .field("secrets", &c.secrets.fixed)
            .field("mint", &c.secrets.mint)
            .field("resolver", &c.secrets.resolver.is_some())
            .field("layout", &c.layout)
            .field("limits", &c.limits)
            .field("on_existing", &c.on_existing)
            .field("early_file", &c.early_file)
            .finish_non_exhaustive()
    }
}
