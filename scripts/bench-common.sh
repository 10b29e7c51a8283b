# Shared by the benchmark scripts (sourced, not run): builds the sink (the
# axum example) and the benchmark tools (the shotsink-bench-tools crate,
# benches/tools), sets the S3 environment, and provides the helpers below.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --features aws --example axum >/dev/null
cargo build --release -p shotsink-bench-tools >/dev/null
# The tools: naive, s3-server, load, hostile; the sink: $sink_bin (SINK_BIN=<path>
# measures another build of it, for side-by-side runs).
bin=target/release
sink_bin=${SINK_BIN:-target/release/examples/axum}
work=$(mktemp -d -p /dev/shm)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export AWS_ENDPOINT=http://127.0.0.1:9000 AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=shotsink AWS_SECRET_ACCESS_KEY=shotsink-secret \
  SHOTSINK_SECRET=bench-secret-4f9c2a7e SHOTSINK_STORE=s3://captures RUST_LOG=shotsink=warn
# INTEGRITY=crc64nvme: every process's S3 client sends unsigned payloads
# with a CRC64NVME checksum, as the sink does by default over HTTPS to AWS,
# R2 and Scaleway (the loopback server is plain HTTP, where the default is
# SigV4's signed payload).
if [ "${INTEGRITY:-signed}" = crc64nvme ]; then
  export AWS_UNSIGNED_PAYLOAD=true AWS_CHECKSUM_ALGORITHM=crc64nvme
fi

wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
start_sink() { # port; sets $sink_pid
  SHOTSINK_ADDR=127.0.0.1:$1 SHOTSINK_MAX_FILE_SIZE=2147483648 "$sink_bin" >/dev/null 2>&1 &
  sink_pid=$!; pids+=("$sink_pid"); wait_port "$1"
}
peak_rss() { awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$1/status"; }

# s3s-fs slows down as its bucket directory fills, so every measured run
# gets a fresh server and directory, after a warm-up run of its own.
s3_pid=
fresh_s3() {
  [ -n "$s3_pid" ] && kill "$s3_pid" 2>/dev/null && wait "$s3_pid" 2>/dev/null || true
  rm -rf "$work/s3"
  "$bin/s3-server" "$work/s3" 127.0.0.1:9000 >/dev/null & s3_pid=$!; pids+=("$s3_pid"); wait_port 9000
}
measure() { # label, load tool args...
  local label=$1; shift
  fresh_s3
  "$bin/load" -n 200 -c 32 "$@" >/dev/null 2>&1 || true
  printf '%s ' "$label"; "$bin/load" "$@" 2>/dev/null | grep -v '^$' | tail -n +3 | tr '\n' ' '; echo
}
