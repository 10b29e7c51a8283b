//! The API's request and error bodies.

use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub(super) struct CaptureBody<'a> {
    pub(super) key: &'a str,
    pub(super) url: &'a str,
    pub(super) format: &'a str,
    pub(super) callback_url: &'a str,
    pub(super) callback_secret: &'a str,
}

#[derive(Serialize)]
pub(super) struct BatchBody<'a> {
    pub(super) key: &'a str,
    pub(super) callback_url: &'a str,
    pub(super) callback_secret: &'a str,
    pub(super) format: &'a str,
    pub(super) jobs: Vec<Job<'a>>,
}

#[derive(Serialize)]
pub(super) struct Job<'a> {
    pub(super) url: &'a str,
}

#[derive(Deserialize)]
pub(super) struct ApiError {
    pub(super) error: String,
}
