use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use tower_service::Service;

use super::text_response;
use crate::Outcome;

/// The inner service of the endpoint form ([`CaptureSink::service`](crate::CaptureSink::service)):
/// answers 200 with a one-line plain-text body naming what happened.
#[derive(Debug, Clone, Copy, Default)]
pub struct Acknowledge;

impl<B> Service<Request<B>> for Acknowledge {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let text = req
            .extensions()
            .get::<Outcome>()
            .map_or_else(|| "ok\n".to_owned(), Outcome::message);
        ready(Ok(text_response(StatusCode::OK, text)))
    }
}
