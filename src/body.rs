//! The request body as multer reads it: bounded bursts, and an idle
//! timeout on the client.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use tokio::time::Sleep;

use crate::BoxError;

/// Bytes handed to multer in one go before the reader yields.
const BURST: usize = 64 * 1024;

/// The error a body yields when the client sent nothing for the idle timeout.
#[derive(Debug)]
pub(crate) struct IdleTimeout(pub(crate) Duration);

impl fmt::Display for IdleTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no body bytes received for {:?}", self.0)
    }
}

impl std::error::Error for IdleTimeout {}

pin_project_lite::pin_project! {
    /// Wraps the body stream for multer.
    ///
    /// multer pulls from its stream until the stream is pending, appending
    /// every chunk to one buffer; over a fast connection that buffer could
    /// grow past the part size before the field is read. Returning pending
    /// (with an immediate wake) once a burst reaches `BURST` bytes keeps it
    /// to about that much, while small chunks still arrive together.
    ///
    /// The idle timer runs only while the stream itself is waiting for the
    /// client: time spent waiting on the store (when multer does not poll)
    /// does not count against the client.
    pub(crate) struct BodyReader<S> {
        #[pin]
        inner: S,
        burst: usize,
        idle_timeout: Duration,
        // Allocated on the first wait, then re-armed in place.
        idle: Option<Pin<Box<Sleep>>>,
        armed: bool,
        timed_out: bool,
    }
}

impl<S> BodyReader<S> {
    pub(crate) fn new(inner: S, idle_timeout: Duration) -> Self {
        Self {
            inner,
            burst: 0,
            idle_timeout,
            idle: None,
            armed: false,
            timed_out: false,
        }
    }
}

impl<S, E> Stream for BodyReader<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if *this.timed_out {
            return Poll::Ready(None);
        }
        if *this.burst >= BURST {
            *this.burst = 0;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        match this.inner.poll_next(cx) {
            Poll::Ready(item) => {
                *this.armed = false;
                if let Some(Ok(chunk)) = &item {
                    *this.burst += chunk.len();
                }
                Poll::Ready(item.map(|r| r.map_err(Into::into)))
            }
            Poll::Pending => {
                *this.burst = 0;
                if !*this.armed {
                    let deadline = tokio::time::Instant::now() + *this.idle_timeout;
                    match this.idle {
                        Some(idle) => idle.as_mut().reset(deadline),
                        None => *this.idle = Some(Box::pin(tokio::time::sleep_until(deadline))),
                    }
                    *this.armed = true;
                }
                let Some(idle) = this.idle.as_mut() else {
                    return Poll::Pending;
                };
                match idle.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        *this.timed_out = true;
                        Poll::Ready(Some(Err(Box::new(IdleTimeout(*this.idle_timeout)))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}
