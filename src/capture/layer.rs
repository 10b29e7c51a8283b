use bytes::Bytes;
use http::Response;
use http_body_util::Full;
use tower_layer::Layer;

use super::{Capture, OnRejection};
use crate::{CaptureSink, Rejection};

/// Applies [`Capture`] to a service: the sink stores the callback, then the
/// inner service is called with the [`Outcome`](crate::Outcome) in the
/// request extensions.
///
/// See the [module documentation](super) for an example.
#[derive(Clone)]
#[must_use]
pub struct CaptureLayer {
    sink: CaptureSink,
    on_rejection: Option<OnRejection>,
}

impl CaptureLayer {
    /// Creates a layer from a sink; the same as [`CaptureSink::layer`] and
    /// [`Capture::layer`].
    pub fn new(sink: CaptureSink) -> Self {
        Self {
            sink,
            on_rejection: None,
        }
    }

    /// Answers refused callbacks with `f` instead of the sink's plain-text
    /// answer; see [`Capture::on_rejection`].
    pub fn on_rejection<F>(mut self, f: F) -> Self
    where
        F: Fn(&Rejection) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        self.on_rejection = Some(std::sync::Arc::new(f));
        self
    }
}

impl<S> Layer<S> for CaptureLayer {
    type Service = Capture<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Capture::from_parts(inner, self.sink.clone(), self.on_rejection.clone())
    }
}

impl std::fmt::Debug for CaptureLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureLayer")
            .field("sink", &self.sink)
            .field("on_rejection", &self.on_rejection.is_some())
            .finish()
    }
}
