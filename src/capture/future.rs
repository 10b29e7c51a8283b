use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::request::Parts;
use http::{Request, Response};
use http_body_util::{Empty, Full};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::{OnRejection, ResponseBody};
use crate::{Outcome, Received, Rejection, answer::response};

/// The request head and the callback received.
type Receiving = BoxFuture<'static, (Parts, Received)>;

pin_project! {
    /// Response future of [`Capture`](super::Capture).
    pub struct ResponseFuture<S>
    where
        S: Service<Request<Empty<Bytes>>>,
    {
        #[pin]
        state: State<S>,
        // The inner service that was ready for this request (as tower-http's
        // `AsyncRequireAuthorization` keeps it).
        inner: S,
        on_rejection: Option<OnRejection>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S>
    where
        S: Service<Request<Empty<Bytes>>>,
    {
        // Reading the body into the store.
        Receiving { receiving: Receiving },
        // Accepted: the inner service answers.
        Calling {
            #[pin]
            future: S::Future,
            // Taken into the response's extensions (the request has a clone).
            outcome: Option<Outcome>,
            close: bool,
        },
        // Refused: the sink answers.
        Refused { rejection: Rejection, close: bool },
    }
}

impl<S> ResponseFuture<S>
where
    S: Service<Request<Empty<Bytes>>>,
{
    pub(super) fn receiving(
        receiving: Receiving,
        inner: S,
        on_rejection: Option<OnRejection>,
    ) -> Self {
        Self {
            state: State::Receiving { receiving },
            inner,
            on_rejection,
        }
    }

    pub(super) fn refused(
        rejection: Rejection,
        inner: S,
        on_rejection: Option<OnRejection>,
    ) -> Self {
        Self {
            state: State::Refused {
                rejection,
                close: false,
            },
            inner,
            on_rejection,
        }
    }
}

impl<S, ResBody> Future for ResponseFuture<S>
where
    S: Service<Request<Empty<Bytes>>, Response = Response<ResBody>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, S::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let mut this = self.as_mut().project();
            match this.state.as_mut().project() {
                StateProj::Receiving { receiving } => {
                    let (parts, received) = ready!(receiving.as_mut().poll(cx));
                    let (result, close) = received.into_parts();
                    let next = match result {
                        Ok(outcome) => {
                            let mut request = Request::from_parts(parts, Empty::new());
                            request.extensions_mut().insert(outcome.clone());
                            State::Calling {
                                future: this.inner.call(request),
                                outcome: Some(outcome),
                                close,
                            }
                        }
                        Err(rejection) => State::Refused { rejection, close },
                    };
                    this.state.set(next);
                }
                StateProj::Calling {
                    future,
                    outcome,
                    close,
                } => {
                    let mut response = ready!(future.poll(cx))?;
                    if let Some(outcome) = outcome.take() {
                        response.extensions_mut().insert(outcome);
                    }
                    if *close {
                        response::close(response.headers_mut());
                    }
                    return Poll::Ready(Ok(response.map(ResponseBody::inner)));
                }
                StateProj::Refused { rejection, close } => {
                    let answer: Response<Full<Bytes>> = match this.on_rejection {
                        Some(f) => f(rejection),
                        None => response::rejection(rejection),
                    };
                    let mut answer = answer;
                    answer.extensions_mut().insert(rejection.clone());
                    if *close {
                        response::close(answer.headers_mut());
                    }
                    return Poll::Ready(Ok(answer.map(ResponseBody::answer)));
                }
            }
        }
    }
}
