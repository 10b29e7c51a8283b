#!/usr/bin/env bash
# The soak (not in CI): the server binary under the capture service's
# traffic mix for a long while, its memory, file descriptors, threads and
# live tasks sampled every 10 s, then plotted.
#   bash scripts/soak.sh [DURATION]     (default 30m; 2m to try it)
# First the peak: the soak tool in closed loop (c=32) for 30 s against a
# fresh server; then, against another fresh server, the soak proper at
# half that rate, open loop: valid callbacks of 15 KB, 180 KB and 8 MiB
# (retried on 5xx, each acknowledged one looked up in the store at its
# size, then deleted), 5 % wrong secrets, 16 strangers trickling their
# bodies, and an S3 server that fails 1 % of writes (--fail-every 100,
# before the real store). Writes docs/soak-<DURATION>.csv and .png and
# prints the tool's summary; fails if an acknowledged capture is missing,
# a valid callback was never acknowledged, or an upload was left open.
duration=${1:-30m}
source "$(dirname "$0")/bench-common.sh"
cargo build --release -p shotsink-server >/dev/null
server=target/release/shotsink
s3_dir="$work/soak-s3"
"$bin/s3-server" --fail-every 100 "$s3_dir" 127.0.0.1:9000 >"$work/s3.log" 2>&1 & s3=$!; pids+=("$s3"); wait_port 9000

start_server() { # port admin-port; sets $server_pid
  SHOTSINK_LISTEN=127.0.0.1:$1 SHOTSINK_ADMIN_LISTEN=127.0.0.1:$2 SHOTSINK_LOG__LEVEL=warn \
    "$server" serve >"$work/server-$1.log" 2>&1 &
  server_pid=$!; pids+=("$server_pid"); wait_port "$1"; wait_port "$2"
}

echo "# $(date -u +%F) on $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs); INTEGRITY=${INTEGRITY:-signed}"
start_server 3800 3801; calibrated=$server_pid
peak=$("$bin/soak" --url http://127.0.0.1:3800/callback --store s3://captures --duration 30s -c 32 --tricklers 0 \
  | sed -n 's/.*s (\([0-9.]*\)\/s).*/\1/p')
kill "$calibrated"; wait "$calibrated" 2>/dev/null || true
rate=$(echo "$peak / 2" | bc -l)
printf 'peak (closed loop, c=32, 30 s): %.1f callbacks/s; the soak runs at %.1f/s for %s\n' "$peak" "$rate" "$duration"

start_server 3810 3811
csv="docs/soak-$duration.csv"
status=0
"$bin/soak" --url http://127.0.0.1:3810/callback --store s3://captures --duration "$duration" --rate "$rate" \
  --pid "$server_pid" --metrics http://127.0.0.1:3811/metrics --csv "$csv" || status=$?
sleep 2
open_uploads=$(find "$s3_dir" -name '.upload*' | wc -l)
echo "uploads left open in the store: $open_uploads"
kill "$s3"; wait "$s3" 2>/dev/null || true
echo "store: $(grep '^injected' "$work/s3.log") over both runs; the server's S3 client retried them (object_store's retries), its log names $(grep -c 'injected by the benchmark' "$work/server-3810.log" || true) it could not get past"
echo "server peak RSS: $(peak_rss "$server_pid")"
warm=$(python3 -c "import re,sys; d='$duration'; m={'s':1,'m':60,'h':3600}; print(int(re.match(r'(\d+)([smh])', d).group(1))*m[d[-1]]/5)")
python3 scripts/plot-soak.py "$csv" "docs/soak-$duration.png" "$warm" \
  "shotsink serve $(date -u +%F): $duration at $(printf '%.0f' "$rate")/s, 15 KB 180 KB 8 MiB, 5% wrong secrets, 16 tricklers, 1% store failures"
echo "plot: docs/soak-$duration.png"
[ "$open_uploads" -eq 0 ] && [ "$status" -eq 0 ]
