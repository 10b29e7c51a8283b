//! Re-deliveries and field order: the overwrite policy (overwrite, keep
//! first, reject) and files that arrive before their secret, against the
//! in-process S3 server and `LocalFileSystem`.
//!
//! The overwrite policy and the checks behind it are in `overwrite`; files
//! before their secret, staged out of sight, in `staging`. The backends
//! both run on are here.

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;

use crate::common::*;

mod overwrite;
mod staging;

const MIB: usize = 1024 * 1024;

struct Backend {
    name: &'static str,
    store: Arc<dyn ObjectStore>,
    _server: Option<S3Server>,
    _dir: Option<tempfile::TempDir>,
}

async fn backends() -> Vec<Backend> {
    let server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    vec![
        Backend {
            name: "S3",
            store: server.store(),
            _server: Some(server),
            _dir: None,
        },
        Backend {
            name: "LocalFileSystem",
            store: Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()),
            _server: None,
            _dir: Some(dir),
        },
    ]
}
