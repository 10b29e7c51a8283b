use std::mem;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyDataStream, Empty, Full};
use tower_service::Service;

use super::{CaptureLayer, OnRejection, ResponseBody, ResponseFuture};
use crate::{BoxError, CaptureSink, Rejection, answer::response};

/// Receives a capture callback, stores its file, then calls the inner
/// service with the [`Outcome`](crate::Outcome) in the request extensions.
///
/// Rejections (bad secret, wrong type, limits, store failures) are answered
/// by `Capture` itself with a plain-text reason (or the answer given to
/// [`on_rejection`](Self::on_rejection)), without calling the inner
/// service; the [`Rejection`] is in the response extensions. The inner
/// service receives the request head with an empty body: the body went into
/// the store. Its response carries the outcome in its extensions too, for
/// outer layers. A callback that had to wait for the sink's memory budget,
/// or whose body was not read to its end, is answered with
/// `Connection: close`.
///
/// See the [module documentation](super) for an example.
#[derive(Clone)]
pub struct Capture<S> {
    inner: S,
    sink: CaptureSink,
    on_rejection: Option<OnRejection>,
}

impl<S> Capture<S> {
    /// Wraps `inner` with the sink.
    pub fn new(inner: S, sink: CaptureSink) -> Self {
        Self::from_parts(inner, sink, None)
    }

    pub(super) fn from_parts(
        inner: S,
        sink: CaptureSink,
        on_rejection: Option<OnRejection>,
    ) -> Self {
        Self {
            inner,
            sink,
            on_rejection,
        }
    }

    /// Answers refused callbacks with `f` instead of the sink's plain-text
    /// answer (a JSON body, say). The sink still puts the [`Rejection`] in
    /// the response extensions and adds `Connection: close` where it must;
    /// the status is `f`'s to choose, [`Rejection::status`] being the
    /// sink's.
    pub fn on_rejection<F>(mut self, f: F) -> Self
    where
        F: Fn(&Rejection) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        self.on_rejection = Some(Arc::new(f));
        self
    }

    /// The sink.
    pub fn sink(&self) -> &CaptureSink {
        &self.sink
    }

    /// A reference to the inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// A mutable reference to the inner service.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Consumes `self`, returning the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl Capture<()> {
    /// A layer that wraps services with the sink; the same as
    /// [`CaptureSink::layer`].
    pub fn layer(sink: CaptureSink) -> CaptureLayer {
        CaptureLayer::new(sink)
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Capture<S>
where
    S: Service<Request<Empty<Bytes>>, Response = Response<ResBody>> + Clone,
    ReqBody: http_body::Body<Data = Bytes> + Send + 'static,
    ReqBody::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let on_rejection = self.on_rejection.clone();
        // The inner service was driven to readiness in `poll_ready`: move that
        // one into the future and keep a fresh clone here.
        let clone = self.inner.clone();
        let inner = mem::replace(&mut self.inner, clone);
        if let Err(rejection) = response::check_method(req.method().as_str()) {
            return ResponseFuture::refused(rejection, inner, on_rejection);
        }
        let sink = self.sink.clone();
        let (parts, body) = req.into_parts();
        let receiving = Box::pin(async move {
            let received = sink
                .receive(&parts.headers, BodyDataStream::new(body))
                .await;
            (parts, received)
        });
        ResponseFuture::receiving(receiving, inner, on_rejection)
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for Capture<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("inner", &self.inner)
            .field("sink", &self.sink)
            .field("on_rejection", &self.on_rejection.is_some())
            .finish()
    }
}
