use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use tower_service::Service;

use crate::{Outcome, answer::response};

/// The inner service of the endpoint form ([`CaptureSink::service`](crate::CaptureSink::service)):
/// answers 200 with a one-line plain-text body naming what happened.
///
/// See the [module documentation](super) for an example.
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
        let response = match req.extensions().get::<Outcome>() {
            Some(outcome) => response::acknowledge(outcome),
            None => Response::new(Full::from("ok\n")),
        };
        ready(Ok(response))
    }
}
