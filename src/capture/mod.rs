//! The tower middleware: [`Capture`] receives a callback, stores its file,
//! then calls the inner service with the [`Outcome`](crate::Outcome).
//!
//! Built by [`CaptureSink::service`] (the endpoint form, with
//! [`Acknowledge`] inside, which answers the sender itself) or
//! [`CaptureSink::layer`] / [`Capture::layer`] (the middleware form, in
//! front of your handler). Rejections (a wrong secret, a wrong type, a
//! limit, a store failure) are answered by `Capture` itself, with the
//! [`Rejection`] in the response extensions; the answer
//! can be replaced with [`Capture::on_rejection`].
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//!
//! use http::{Request, Response, StatusCode};
//! use http_body_util::Full;
//! use object_store::memory::InMemory;
//! use shotsink::capture::Capture;
//! use shotsink::{CaptureSink, Outcome};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(InMemory::new());
//! let sink = CaptureSink::builder(store).secret("s3cret").build()?;
//!
//! // Your handler sees only accepted callbacks, with their outcome.
//! let handler = service_fn(|req: Request<_>| async move {
//!     let text = match req.extensions().get::<Outcome>() {
//!         Some(Outcome::Stored(capture)) => format!("recorded {}", capture.key),
//!         Some(Outcome::AlreadyStored(_)) => "already recorded".to_owned(),
//!         Some(Outcome::RenderFailed(_)) | None => "nothing to record".to_owned(),
//!     };
//!     Ok::<_, std::convert::Infallible>(Response::new(Full::<bytes::Bytes>::from(text)))
//! });
//! let service = ServiceBuilder::new()
//!     .layer(Capture::layer(sink).on_rejection(|rejection| {
//!         // A JSON answer instead of the plain-text one.
//!         let body = format!("{{\"error\":\"{}\"}}", rejection.reason());
//!         let mut response = Response::new(Full::<bytes::Bytes>::from(body));
//!         *response.status_mut() = rejection.status();
//!         response
//!     }))
//!     .service(handler);
//!
//! let request = Request::get("/callback").body(Full::<bytes::Bytes>::default())?;
//! let response = service.oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
//! # Ok(())
//! # }
//! ```

mod acknowledge;
mod body;
mod future;
mod layer;
mod service;

use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use http_body_util::Full;

pub use acknowledge::Acknowledge;
pub use body::ResponseBody;
pub use future::ResponseFuture;
pub use layer::CaptureLayer;
pub use service::Capture;

use crate::{CaptureSink, Rejection};

/// A replacement for the sink's answer to a refused callback.
type OnRejection = Arc<dyn Fn(&Rejection) -> Response<Full<Bytes>> + Send + Sync>;

impl CaptureSink {
    /// The endpoint form: a service that answers the sender itself (200
    /// with a one-line plain-text body, or the rejection), with the
    /// outcome or the rejection in the response extensions.
    pub fn service(&self) -> Capture<Acknowledge> {
        Capture::new(Acknowledge, self.clone())
    }

    /// The middleware form: stores, then calls the inner service with the
    /// [`Outcome`](crate::Outcome) in the request extensions.
    pub fn layer(&self) -> CaptureLayer {
        CaptureLayer::new(self.clone())
    }
}
