//! The integration tests, as one test binary: one module per area, all
//! sharing `common`. One binary links the crate and its dependencies once
//! (not once per test file) and lets the modules run in parallel.
//!
//! `cargo test --all-features` runs it; `cargo test --test it
//! --features test-util,aws,azure` runs it alone. `actix` and `roundtrip`
//! also need the features of their names (`actix`, `client`).

mod common;

mod alloc;
mod authorize;
mod backends;
#[cfg(feature = "notify")]
mod events;
mod examples;
mod faults;
mod hostile;
mod http;
mod limits;
mod load;
mod policy;
mod properties;
mod regressions;
#[cfg(feature = "renditions")]
mod renditions;
mod s3;
mod secrets;
mod service;
mod storage;

#[cfg(feature = "actix")]
mod actix;
#[cfg(feature = "client")]
mod roundtrip;
