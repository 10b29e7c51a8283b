use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::header::CONNECTION;
use http::request::Parts;
use http::{HeaderValue, Request, Response};
use http_body_util::Empty;
use pin_project_lite::pin_project;
use tower_service::Service;

use super::{ResponseBody, rejection_response};
use crate::pipeline::Received;
use crate::{Outcome, Rejection};

pin_project! {
    /// Response future of [`Capture`](super::Capture).
    pub struct ResponseFuture<S, F> {
        #[pin]
        state: State<S, F>,
        // The callback waited for the memory budget: ask the client to
        // close the connection, so that it does not stay open, idle, with
        // the HTTP server's buffers, while the sink is saturated. Also set
        // when the body was not read to its end.
        close: bool,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, F> {
        Receiving {
            receiving: BoxFuture<'static, (Parts, Received)>,
            inner: Option<S>,
        },
        Calling {
            #[pin]
            future: F,
        },
        Rejected {
            rejection: Option<Rejection>,
        },
    }
}

impl<S, F> ResponseFuture<S, F> {
    pub(crate) fn receiving(receiving: BoxFuture<'static, (Parts, Received)>, inner: S) -> Self {
        Self {
            state: State::Receiving {
                receiving,
                inner: Some(inner),
            },
            close: false,
        }
    }

    pub(crate) fn rejected(rejection: Rejection) -> Self {
        Self {
            state: State::Rejected {
                rejection: Some(rejection),
            },
            close: false,
        }
    }
}

impl<S, F, ResBody, E> Future for ResponseFuture<S, F>
where
    S: Service<Request<Empty<Bytes>>, Response = Response<ResBody>, Error = E, Future = F>,
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let mut this = self.as_mut().project();
            match this.state.as_mut().project() {
                StateProj::Receiving { receiving, inner } => {
                    let (
                        parts,
                        Received {
                            outcome,
                            saturated,
                            close,
                        },
                    ) = ready!(receiving.as_mut().poll(cx));
                    *this.close = saturated || close;
                    if let Outcome::Rejected(rejection) = outcome {
                        this.state.set(State::Rejected {
                            rejection: Some(rejection),
                        });
                        continue;
                    }
                    let mut inner = inner.take().expect("inner service taken once");
                    let mut request = Request::from_parts(parts, Empty::new());
                    request.extensions_mut().insert(outcome);
                    let future = inner.call(request);
                    this.state.set(State::Calling { future });
                }
                StateProj::Calling { future } => {
                    let mut response = ready!(future.poll(cx))?;
                    if *this.close {
                        close(response.headers_mut());
                    }
                    return Poll::Ready(Ok(response.map(ResponseBody::inner)));
                }
                StateProj::Rejected { rejection } => {
                    let rejection = rejection.take().expect("future polled after completion");
                    let mut response = rejection_response(rejection);
                    if *this.close {
                        close(response.headers_mut());
                    }
                    return Poll::Ready(Ok(response.map(ResponseBody::rejection)));
                }
            }
        }
    }
}

fn close(headers: &mut http::HeaderMap) {
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
}
