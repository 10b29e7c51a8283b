use std::mem;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::{BodyDataStream, Empty};
use tower_service::Service;

use super::{ResponseBody, ResponseFuture};
use crate::BoxError;
use crate::{CaptureSink, Rejection, RejectionKind};

/// Receives a capture callback, stores its file, then calls the inner
/// service with the [`Outcome`](crate::Outcome) in the request extensions.
///
/// Rejections (bad secret, wrong type, limits, store failures) are answered
/// by `Capture` itself with a plain-text reason, without calling the inner
/// service. The inner service receives the request head with an empty body:
/// the body went into the store. A callback that had to wait for the
/// sink's memory budget ([`max_buffered_bytes`](crate::CaptureSinkBuilder::max_buffered_bytes))
/// is answered with `Connection: close`, so that a saturated sink lets
/// connections go rather than keep them idle with their buffers.
///
/// Built by [`CaptureSink::service`] (the endpoint form, with
/// [`Acknowledge`](super::Acknowledge) inside) or [`CaptureSink::layer`].
/// See the [crate documentation](crate) for an example.
#[derive(Debug, Clone)]
pub struct Capture<S> {
    sink: CaptureSink,
    inner: S,
}

impl<S> Capture<S> {
    /// Wraps `inner` with the sink.
    pub fn new(sink: CaptureSink, inner: S) -> Self {
        Self { sink, inner }
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

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Capture<S>
where
    S: Service<Request<Empty<Bytes>>, Response = Response<ResBody>> + Clone,
    ReqBody: http_body::Body<Data = Bytes> + Send + 'static,
    ReqBody::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        if req.method() != Method::POST {
            return ResponseFuture::rejected(Rejection::new(
                RejectionKind::MethodNotAllowed,
                "capture callbacks are sent with POST",
            ));
        }
        // The inner service was driven to readiness in `poll_ready`: move that
        // one into the future and keep a fresh clone here.
        let clone = self.inner.clone();
        let inner = mem::replace(&mut self.inner, clone);
        let sink = self.sink.clone();
        let (parts, body) = req.into_parts();
        ResponseFuture::receiving(
            Box::pin(async move {
                let received = sink
                    .receive_inner(&parts.headers, BodyDataStream::new(body))
                    .await;
                (parts, received)
            }),
            inner,
        )
    }
}
