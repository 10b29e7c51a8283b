#!/usr/bin/env bash
# The usual hand-written handlers, served the usual way, against the same
# S3 server as scripts/bench-e2e.sh: Flask + boto3 under gunicorn (2 sync
# workers, one per core) and Node with express + multer-s3. Installs them
# (PyPI, npm) on first use. Usage: bash scripts/bench-competitors.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
cargo build --release --all-features --examples >/dev/null
bin=target/release/examples
python3 -m pip install --quiet flask boto3 gunicorn
(cd benches/competitors/node && npm install --no-audit --no-fund --loglevel=error >/dev/null)
work=$(mktemp -d -p /dev/shm)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export AWS_ENDPOINT=http://127.0.0.1:9000 AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=shotsink AWS_SECRET_ACCESS_KEY=shotsink-secret \
  SHOTSINK_SECRET=bench-secret SHOTSINK_STORE=s3://captures RUST_LOG=shotsink=warn
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
s3_pid=
fresh_s3() {
  [ -n "$s3_pid" ] && kill "$s3_pid" 2>/dev/null && wait "$s3_pid" 2>/dev/null || true
  rm -rf "$work/s3"
  "$bin/s3_server" "$work/s3" 127.0.0.1:9000 >/dev/null & s3_pid=$!; pids+=("$s3_pid"); wait_port 9000
}
measure() { # label, simulate args...
  local label=$1; shift
  fresh_s3
  "$bin/simulate" -n 100 -c 32 "$@" >/dev/null 2>&1 || true
  printf '%s ' "$label"; "$bin/simulate" "$@" 2>/dev/null | grep -v '^$' | tail -n +3 | tr '\n' ' '; echo
}
fresh_s3
SHOTSINK_ADDR=127.0.0.1:3000 "$bin/axum" >/dev/null 2>&1 & pids+=($!); wait_port 3000
(cd benches/competitors && exec python3 -m gunicorn -w 2 -b 127.0.0.1:3005 flask_app:app >/dev/null 2>&1) & pids+=($!); wait_port 3005
(cd benches/competitors/node && PORT=3006 exec node app.js >/dev/null 2>&1) & pids+=($!); wait_port 3006

echo "# $(date -u +%F) on $(nproc) cores"
for spec in "--format webp" "--format png"; do
  echo; echo "## $spec, n=$n, c=32"
  measure raw -n "$n" -c 32 $spec --raw-put s3://captures
  measure shotsink -n "$n" -c 32 $spec --url http://127.0.0.1:3000/callback --store s3://captures
  measure flask -n "$n" -c 32 $spec --url http://127.0.0.1:3005/callback --store s3://captures
  measure node-multer-s3 -n "$n" -c 32 $spec --url http://127.0.0.1:3006/callback --store s3://captures
done
