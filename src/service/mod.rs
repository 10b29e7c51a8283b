//! The tower [`Layer`](tower_layer::Layer) and [`Service`](tower_service::Service)
//! around the receive pipeline.

mod acknowledge;
mod body;
mod capture;
mod future;
mod layer;

pub use acknowledge::Acknowledge;
pub use body::ResponseBody;
pub use capture::Capture;
pub use future::ResponseFuture;
pub use layer::CaptureLayer;

use bytes::Bytes;
use http::{HeaderValue, Response, header};
use http_body_util::Full;

use crate::Rejection;

/// Seconds a sender refused for want of budget is asked to wait.
pub(crate) const RETRY_AFTER: &str = "5";

/// The plain-text answer for a rejection, with the [`Rejection`] in the
/// response extensions.
pub(crate) fn rejection_response(rejection: Rejection) -> Response<Full<Bytes>> {
    let mut response = text_response(rejection.status(), format!("{}\n", rejection.reason()));
    match rejection.kind() {
        crate::RejectionKind::MethodNotAllowed => {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        crate::RejectionKind::Overloaded => {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER));
        }
        _ => {}
    }
    response.extensions_mut().insert(rejection);
    response
}

pub(crate) fn text_response(status: http::StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
