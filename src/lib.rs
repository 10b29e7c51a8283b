//! Receive screenshot-API capture callbacks and stream them, verified, into
//! any object store.
//!
//! A capture service renders a page, then POSTs the image or PDF to your
//! callback URL as `multipart/form-data` with the fields `callback_secret`,
//! `status`, `token`, `format` and `file`. shotsink is that callback handler
//! as a tower [`Layer`](tower_layer::Layer)/[`Service`](tower_service::Service):
//! it checks the secret in constant time, checks that the file's bytes are
//! the format it claims, and streams it into an [`object_store::ObjectStore`]
//! (S3 and compatibles, GCS, Azure, local disk, memory) with bounded memory.
//! Nothing unverified becomes visible: small files go up as one put once
//! checked, large ones as a multipart upload that is completed only when
//! every check passed and aborted otherwise.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::{Router, routing::post, Extension};
//! use object_store::memory::InMemory;
//! use shotsink::{CaptureSink, Outcome};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(InMemory::new());
//! let sink = CaptureSink::builder(store)
//!     .secret("your_secret_here")
//!     .build()?;
//!
//! // As the endpoint itself:
//! let app: Router = Router::new().route_service("/callback", sink.service());
//!
//! // Or in front of your own handler, which receives the outcome:
//! async fn record_capture(Extension(outcome): Extension<Outcome>) -> &'static str {
//!     match outcome {
//!         Outcome::Stored(capture) => { /* save capture.key for capture.token */ "stored" }
//!         _ => "acknowledged",
//!     }
//! }
//! let app: Router = Router::new().route("/callback", post(record_capture).layer(sink.layer()));
//! # Ok(())
//! # }
//! ```
//!
//! The pipeline can be driven directly, which is how the tests and other
//! frameworks use it:
//!
//! ```
//! # use std::sync::Arc;
//! # use object_store::{memory::InMemory, ObjectStore, ObjectStoreExt};
//! # use shotsink::{CaptureSink, Outcome};
//! use http::{Request, StatusCode};
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(InMemory::new());
//! let sink = CaptureSink::builder(store.clone()).secret("s3cret").build()?;
//!
//! let body = "--B\r\n\
//!     Content-Disposition: form-data; name=\"callback_secret\"\r\n\r\ns3cret\r\n--B\r\n\
//!     Content-Disposition: form-data; name=\"status\"\r\n\r\nOK\r\n--B\r\n\
//!     Content-Disposition: form-data; name=\"token\"\r\n\r\nAbc123\r\n--B\r\n\
//!     Content-Disposition: form-data; name=\"format\"\r\n\r\npdf\r\n--B\r\n\
//!     Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n\
//!     %PDF-1.4 ... %%EOF\r\n--B--\r\n";
//! let request = Request::post("/callback")
//!     .header("content-type", "multipart/form-data; boundary=B")
//!     .body(http_body_util::Full::new(bytes::Bytes::from(body)))?;
//!
//! let response = sink.service().oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//!
//! let today = chrono::Utc::now().format("%Y/%m/%d");
//! let key = format!("screenshots/{today}/Abc123.pdf").into();
//! assert_eq!(store.get(&key).await?.bytes().await?.as_ref(), b"%PDF-1.4 ... %%EOF");
//! # Ok(())
//! # }
//! ```
//!
//! # Answers
//!
//! | outcome | status |
//! |---|---|
//! | stored; a re-delivery kept out by [`OnExisting::KeepFirst`]; a render failure (`status` other than `OK`) acknowledged | 200 |
//! | malformed form, missing field, empty token | 400 |
//! | missing or wrong `callback_secret` | 403 |
//! | not `POST` | 405 |
//! | the client sent nothing for the idle timeout, sent slower than the minimum rate, or did not prove the secret in time | 408 |
//! | already stored and [`OnExisting::Reject`] | 409 |
//! | a size limit exceeded | 413 |
//! | not multipart, or a file that is not the declared / an accepted format | 415 |
//! | the sink failed on its own | 500 |
//! | the object store failed (the sender should retry) | 502 |
//! | the [`SecretResolver`] failed, or the sink had no memory budget free in time (the sender should retry; `Retry-After` is set) | 503 |
//!
//! # Cargo features
//!
//! | feature | enables |
//! |---|---|
//! | `aws` | `object_store`'s S3 client (AWS and S3-compatible providers) |
//! | `gcp` | `object_store`'s Google Cloud Storage client |
//! | `azure` | `object_store`'s Azure Blob Storage client |
//! | `actix` | the actix-web 4 adapter, [`actix`] |
//! | `client` | a typed client for the capture API, [`client`] |
//! | `test-util` | callback builders and a local capture service, [`testing`] |
//! | `metrics` | metrics through the `metrics` facade (below) |
//! | `notify` | signed notifications to your app (Standard Webhooks), [`notify`] |
//!
//! `LocalFileSystem` and `InMemory` are always available.
//!
//! # Metrics
//!
//! With the `metrics` feature the sink reports through the
//! [`metrics`](https://docs.rs/metrics) facade, to whatever exporter the
//! application installs (the `shotsink` server, crate `shotsink-server`, serves Prometheus text on
//! `/metrics`):
//!
#![doc = include_str!("../docs/metrics.md")]
#![warn(
    clippy::all,
    clippy::dbg_macro,
    clippy::todo,
    clippy::empty_enums,
    clippy::enum_glob_use,
    clippy::mem_forget,
    clippy::unused_self,
    clippy::filter_map_next,
    clippy::needless_continue,
    clippy::needless_borrow,
    clippy::match_wildcard_for_single_variants,
    clippy::if_let_mutex,
    clippy::await_holding_lock,
    clippy::imprecise_flops,
    clippy::suboptimal_flops,
    clippy::lossy_float_literal,
    clippy::rest_pat_in_fully_bound_structs,
    clippy::fn_params_excessive_bools,
    clippy::exit,
    clippy::inefficient_to_string,
    clippy::linkedlist,
    clippy::macro_use_imports,
    clippy::option_option,
    clippy::verbose_file_reads,
    clippy::unnested_or_patterns,
    rust_2018_idioms,
    future_incompatible,
    nonstandard_style,
    missing_docs
)]
#![deny(unreachable_pub, unsafe_code)]
#![allow(clippy::type_complexity)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// In the order a callback flows through them; docs/DESIGN.md maps each
// folder. A request comes in through the tower surface (or actix) to the
// sink, is received within its memory and time bounds, its file's type
// proved and its secret verified, the app asked, the capture stored, the
// outcome answered and the app told; `configure` sets all of it up.
#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
mod answer;
pub mod authorize;
pub mod capture;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
pub mod configure;
mod hex;
mod metrics;
#[cfg(feature = "notify")]
#[cfg_attr(docsrs, doc(cfg(feature = "notify")))]
pub mod notify;
mod prove;
mod random;
mod receive;
#[cfg(feature = "renditions")]
#[cfg_attr(docsrs, doc(cfg(feature = "renditions")))]
pub mod rendition;
mod sink;
mod store;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing;
mod verify;

pub use answer::outcome::{ExistingCapture, Outcome, RenderFailure, StoredCapture};
pub use answer::received::Received;
pub use answer::rejection::{Rejection, RejectionKind};
pub use authorize::{Authorization, AuthorizeRequest, Authorizer};
pub use configure::SinkConfigKey;
pub use configure::builder::CaptureSinkBuilder;
pub use configure::error::ConfigError;
pub use configure::policy::{EarlyFile, OnExisting};
pub use prove::format::{Format, UnknownFormat};
pub use sink::CaptureSink;
pub use store::attributes::Disposition;
pub use store::error::StoreUrlError;
pub use store::handle::IntoObjectStore;
pub use store::key::{KeyContext, KeyLayout};
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
pub use store::link::Presigner;
#[cfg(any(feature = "aws", feature = "gcp", feature = "azure"))]
pub use store::open::presigner_from_url;
pub use store::open::{check_store_url, store_from_url};
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub use store::s3;
pub use verify::mint;
pub use verify::secret::{MIN_STRONG_LEN, Secret, SecretResolver, WeakSecret};

/// Describes every metric the sink reports (an exporter's `# HELP` lines,
/// from the table above) and sets each of its series to zero, so that a
/// dashboard sees them from the start rather than from their first event.
/// Call it once, after installing the recorder.
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub fn describe_metrics() {
    metrics::describe();
}

/// A boxed error, as returned by a [`SecretResolver`] and accepted from body
/// streams.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The store types users most often need, re-exported so that a matching
/// `object_store` version is always at hand.
pub use object_store;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
