//! Arbitrary and mutated multipart bodies through the whole pipeline into an
//! in-memory store, held to the invariants in `tests/it/common/invariants.rs`.
//!
//! The first input byte picks the configuration (part size, hold bound,
//! early-file policy, overwrite policy); the rest is the request body, sent
//! with the boundary `B`. Seeds (`fuzz/seeds.sh`) are valid callbacks built
//! from the sample captures. Findings go to `tests/fuzz-regressions/`,
//! which `tests/it/regressions.rs` replays in `cargo test`.
#![no_main]

#[path = "../../tests/it/common/invariants.rs"]
mod invariants;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&config, body)) = data.split_first() else {
        return;
    };
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(invariants::check_input(
            config,
            Bytes::copy_from_slice(body),
        ));
    if let Err(broken) = result {
        panic!("{broken}");
    }
});
