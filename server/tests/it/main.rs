//! The `shotsink` binary's tests, as one test binary: the process run as
//! its users run it (`server`), with the library suite's helpers
//! (`common`, the same files).

#[path = "../../../tests/it/common/mod.rs"]
#[allow(unused_imports)]
mod common;
mod server;
