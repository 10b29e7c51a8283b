//! The two forms: the endpoint (`sink.service()`), which answers the
//! sender itself, and the middleware (`sink.layer()`, `Capture::new`),
//! which hands the outcome to the handler; what each puts in the
//! extensions, and a rejection answer replaced with `on_rejection`.
//!
//! What each form does with an outcome is in `outcomes`; how each answers
//! a rejection, the sink's answer or `on_rejection`'s, in `rejections`.

use std::convert::Infallible;

use http::Request;

use super::sink;
use crate::common::*;

mod outcomes;
mod rejections;

#[test]
fn the_service_is_clone_send_and_sync_with_an_infallible_error() {
    fn assert_service<S>(_: &S)
    where
        S: tower::Service<Request<axum::body::Body>, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send,
    {
    }
    assert_service(&sink(&memory()).service());
}
