#!/usr/bin/env bash
# Warnings nobody would see otherwise: the library checked (clippy, all
# targets but the test suites, which need their features) with no feature
# and with each feature alone, and the documentation of the library and
# the server built with warnings as errors, and the declared rust-version
# against every dependency's. CI runs it; so can you.
set -euo pipefail
cd "$(dirname "$0")/.."
for features in "" aws gcp azure actix client metrics notify renditions renditions-avif test-util; do
  echo "== cargo clippy -p shotsink --no-default-features --features '$features'"
  cargo clippy --locked --quiet -p shotsink --lib --no-default-features --features "$features" -- -D warnings
done
echo "== cargo doc (warnings are errors)"
# One at a time: the server's binary is named `shotsink` too, and both
# write target/doc/shotsink (together they race on it). The library last,
# so that its documentation is what stays there.
RUSTDOCFLAGS="-D warnings" cargo doc --locked --quiet --no-deps --all-features -p shotsink-server
RUSTDOCFLAGS="-D warnings" cargo doc --locked --quiet --no-deps --all-features -p shotsink
echo "== the declared rust-version (dependencies; clippy's incompatible_msrv checks std items)"
python3 scripts/check-msrv.py
