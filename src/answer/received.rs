//! What receiving one callback gives an adapter: the outcome or the
//! rejection, and what to do with the connection.

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;

use crate::{Outcome, Rejection, answer::response};

/// One received callback, as [`CaptureSink::receive`](crate::CaptureSink::receive)
/// returns it: what became of it, and the signals an adapter needs to
/// answer as the built-in ones do.
///
/// # Example
///
/// An adapter for a framework shotsink has none for:
///
/// ```
/// # use std::sync::Arc;
/// # use object_store::{memory::InMemory, ObjectStore};
/// use bytes::Bytes;
/// use http::HeaderMap;
/// use shotsink::CaptureSink;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let store = Arc::new(InMemory::new());
/// let sink = CaptureSink::builder(store).secret("s3cret").build()?;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("content-type", "multipart/form-data; boundary=B".parse()?);
/// let body = "--B\r\nContent-Disposition: form-data; name=\"callback_secret\"\r\n\r\nguess\r\n--B--\r\n";
/// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))]);
///
/// let received = sink.receive(&headers, chunks).await;
/// assert_eq!(received.status(), 403);
/// assert!(received.result().is_err());
/// // The sink's own answer, to translate into the framework's response:
/// let response = received.into_response();
/// assert_eq!(response.status(), 403);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use]
pub struct Received {
    result: Result<Outcome, Rejection>,
    saturated: bool,
    incomplete: bool,
}

impl Received {
    pub(crate) fn new(
        result: Result<Outcome, Rejection>,
        saturated: bool,
        incomplete: bool,
    ) -> Self {
        Self {
            result,
            saturated,
            incomplete,
        }
    }

    /// A callback refused before it was read (a wrong method).
    #[cfg(feature = "actix")]
    pub(crate) fn refused(rejection: Rejection) -> Self {
        Self::new(Err(rejection), false, false)
    }

    /// What became of the callback: an outcome (answered 200) or a
    /// rejection (nothing was stored).
    pub fn result(&self) -> Result<&Outcome, &Rejection> {
        self.result.as_ref()
    }

    /// The outcome or the rejection, owned.
    pub fn into_result(self) -> Result<Outcome, Rejection> {
        self.result
    }

    /// The HTTP status the sender is answered with.
    pub fn status(&self) -> StatusCode {
        match &self.result {
            Ok(_) => StatusCode::OK,
            Err(rejection) => rejection.status(),
        }
    }

    /// The callback waited for the memory budget: the sink is saturated.
    pub fn saturated(&self) -> bool {
        self.saturated
    }

    /// Whether the answer should close the connection: the sink is
    /// saturated (so that it does not keep idle connections and their
    /// buffers), or the body was not read to its end (the connection cannot
    /// be reused).
    pub fn close_connection(&self) -> bool {
        self.saturated || self.incomplete
    }

    /// The sink's plain-text answer, as the endpoint form gives it: the
    /// status, one line of text, `Allow` or `Retry-After` where they apply,
    /// `Connection: close` when [`close_connection`](Self::close_connection)
    /// says so, and the [`Outcome`] or the [`Rejection`] in the response
    /// extensions.
    pub fn into_response(self) -> Response<Full<Bytes>> {
        let close = self.close_connection();
        let mut response = match self.result {
            Ok(outcome) => {
                let mut response = response::acknowledge(&outcome);
                response.extensions_mut().insert(outcome);
                response
            }
            Err(rejection) => {
                let mut response = response::rejection(&rejection);
                response.extensions_mut().insert(rejection);
                response
            }
        };
        if close {
            response::close(response.headers_mut());
        }
        response
    }

    pub(crate) fn into_parts(self) -> (Result<Outcome, Rejection>, bool) {
        let close = self.close_connection();
        (self.result, close)
    }
}
