use tower_layer::Layer;

use super::Capture;
use crate::CaptureSink;

/// Applies [`Capture`] to a service: the sink stores the callback, then the
/// inner service is called with the [`Outcome`](crate::Outcome) in the
/// request extensions.
///
/// See the [crate documentation](crate) for an example.
#[derive(Debug, Clone)]
#[must_use]
pub struct CaptureLayer {
    sink: CaptureSink,
}

impl CaptureLayer {
    /// Creates a layer from a sink; the same as [`CaptureSink::layer`].
    pub fn new(sink: CaptureSink) -> Self {
        Self { sink }
    }
}

impl<S> Layer<S> for CaptureLayer {
    type Service = Capture<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Capture::new(self.sink.clone(), inner)
    }
}
