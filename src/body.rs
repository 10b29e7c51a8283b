//! The request body as multer reads it: one chunk per poll, and an idle
//! timeout on the client.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use tokio::time::Sleep;

use crate::BoxError;

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
    /// (with an immediate wake) after each chunk keeps it to one chunk.
    ///
    /// The idle timer runs only while the stream itself is waiting for the
    /// client: time spent waiting on the store (when multer does not poll)
    /// does not count against the client.
    pub(crate) struct BodyReader<S> {
        #[pin]
        inner: S,
        yielded: bool,
        idle_timeout: Duration,
        idle: Option<Pin<Box<Sleep>>>,
        timed_out: bool,
    }
}

impl<S> BodyReader<S> {
    pub(crate) fn new(inner: S, idle_timeout: Duration) -> Self {
        Self {
            inner,
            yielded: false,
            idle_timeout,
            idle: None,
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
        if mem::take(this.yielded) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        match this.inner.poll_next(cx) {
            Poll::Ready(item) => {
                *this.idle = None;
                *this.yielded = matches!(item, Some(Ok(_)));
                Poll::Ready(item.map(|r| r.map_err(Into::into)))
            }
            Poll::Pending => {
                let timeout = *this.idle_timeout;
                let idle = this
                    .idle
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match idle.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        *this.idle = None;
                        *this.timed_out = true;
                        Poll::Ready(Some(Err(Box::new(IdleTimeout(timeout)))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}
