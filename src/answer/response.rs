//! The one place an outcome or a rejection becomes an HTTP answer: the
//! tower service, [`Received::into_response`](crate::Received::into_response)
//! and the actix adapter all answer through here.

use bytes::Bytes;
use http::header::{ALLOW, CONNECTION, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body_util::Full;

use crate::{Outcome, Rejection, RejectionKind};

/// Seconds a sender refused for want of budget is asked to wait.
const RETRY_AFTER_SECONDS: &str = "5";

/// Refuses every method but `POST`, the capture services' one.
pub(crate) fn check_method(method: &str) -> Result<(), Rejection> {
    if method == Method::POST.as_str() {
        return Ok(());
    }
    Err(Rejection::new(
        RejectionKind::MethodNotAllowed,
        "capture callbacks are sent with POST",
    ))
}

/// The 200 answer for an accepted callback: one line naming what happened.
pub(crate) fn acknowledge(outcome: &Outcome) -> Response<Full<Bytes>> {
    text(StatusCode::OK, format!("{}\n", outcome.summary()))
}

/// The sink's answer to a refused callback: its status, its reason as one
/// line, `Allow` for a wrong method and `Retry-After` for an overloaded
/// or unavailable sink.
pub(crate) fn rejection(rejection: &Rejection) -> Response<Full<Bytes>> {
    let mut response = text(rejection.status(), format!("{}\n", rejection.reason()));
    let headers = response.headers_mut();
    match rejection.kind() {
        RejectionKind::MethodNotAllowed => {
            headers.insert(ALLOW, HeaderValue::from_static("POST"));
        }
        RejectionKind::Overloaded | RejectionKind::Unavailable => {
            headers.insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        _ => {}
    }
    response
}

/// Asks the client to close the connection: the sink is saturated, or the
/// body was not read to its end.
pub(crate) fn close(headers: &mut HeaderMap) {
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
}

fn text(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
