//! Re-deliveries and field order: the overwrite policy (overwrite, keep
//! first, reject) and files that arrive before their secret, against the
//! in-process S3 server and `LocalFileSystem`.
//!
//! The overwrite policy and the checks behind it are in `overwrite`; keep
//! first settled by moto's conditional put, when moto runs, in `moto`;
//! files before their secret, staged out of sight, in `staging`. The two
//! backends `overwrite` and `staging` run on are here.

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;

use crate::common::*;

mod moto;
mod overwrite;
mod staging;

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
