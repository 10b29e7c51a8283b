#!/usr/bin/env bash
# The README's picture of renditions: the PNG fixture (half size), its
# `thumb` (full size) and its `card` (half size), made by the library's
# Renderer into docs/renditions.png. Reproducible with:
#   bash scripts/renditions-picture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p shotsink-bench-tools --bin render >/dev/null 2>&1
target/release/render sheet tests/fixtures/capture.png docs/renditions.png
