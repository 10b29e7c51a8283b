#!/usr/bin/env bash
# What recording each callback's event costs, over loopback, reproducible
# with this one command:
#   bash scripts/bench-events.sh [N]     (ROUNDS=3 repeats each run)
# Starts the S3 server tool (s3s-fs over a temp dir) and the `hook` tool
# (an app answering 204 to every notification), then the `shotsink` server
# twice on the same store: without `[notify]` (events off), and with it
# (events on: each event written to `.shotsink/events/` before the 200,
# delivered to the hook, its record deleted). The load tool drives each at
# concurrency 32 with the 180 KB PNG sample; every capture is checked in
# the store.
n=${1:-2000}
source "$(dirname "$0")/bench-common.sh"
cargo build --release -p shotsink-server >/dev/null
"$bin/hook" --addr 127.0.0.1:8000 > "$work/hook.out" & hook=$!; pids+=("$hook"); wait_port 8000

cat > "$work/off.toml" <<TOML
listen = "127.0.0.1:3000"
[log]
level = "warn"
TOML
cat > "$work/on.toml" <<TOML
listen = "127.0.0.1:3001"
[log]
level = "warn"
[notify]
url = "http://127.0.0.1:8000/hooks/shotsink"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TOML
start_server() { # config, port; sets $server_pid
  "$bin/shotsink" serve --config "$1" >/dev/null 2>&1 & server_pid=$!; pids+=("$server_pid"); wait_port "$2"
}
start_server "$work/off.toml" 3000; off=$server_pid
start_server "$work/on.toml" 3001; on=$server_pid

echo "# $(date -u +%F) on $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs)"
for spec in "--format png" "--format webp"; do
  echo; echo "## $spec, n=$n, c=32"
  for _ in $(seq 1 "${ROUNDS:-1}"); do
    measure off -n "$n" -c 32 $spec --url http://127.0.0.1:3000/callback --store s3://captures
    measure on -n "$n" -c 32 $spec --url http://127.0.0.1:3001/callback --store s3://captures
  done
done
sleep 2
kill -TERM "$on" "$off"; wait "$on" "$off" 2>/dev/null || true
kill -TERM "$hook"; wait "$hook" 2>/dev/null || true
echo; cat "$work/hook.out"
