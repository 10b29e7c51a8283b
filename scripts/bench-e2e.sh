#!/usr/bin/env bash
# End-to-end benchmark on loopback, reproducible with this one command:
#   bash scripts/bench-e2e.sh [N]        (ROUNDS=3 repeats each throughput run)
# Starts the S3 server tool (s3s-fs over a temp dir), the axum example
# (the sink) and the naive baseline, both storing into that server, then
# drives each with the load tool at concurrency 32, beside raw
# object_store puts of the same files into the same server. Then the memory
# runs: one 1 GiB upload and a burst of 5,000 concurrent 180 KB callbacks,
# each against a fresh sink process whose peak RSS (VmHWM) is read from /proc;
# and a 256 MiB upload beside one raw multipart put of the same size.
n=${1:-2000}
source "$(dirname "$0")/bench-common.sh"
fresh_s3
start_sink 3000; sink=$sink_pid
"$bin/naive" --addr 127.0.0.1:3001 >/dev/null 2>&1 & pids+=($!); wait_port 3001

echo "# $(date -u +%F) on $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs)"
for spec in "--format webp" "--format png" "--size 8388608"; do
  count=$n; [ "$spec" = "--size 8388608" ] && count=$((n / 20))
  echo; echo "## $spec, n=$count, c=32"
  for _ in $(seq 1 "${ROUNDS:-1}"); do
    measure raw -n "$count" -c 32 $spec --raw-put s3://captures
    measure sink -n "$count" -c 32 $spec --url http://127.0.0.1:3000/callback --store s3://captures
    measure naive -n "$count" -c 32 $spec --url http://127.0.0.1:3001/callback
  done
done
echo; echo "sink peak RSS over the runs above: $(peak_rss "$sink")"

echo; echo "## 256 MiB: one callback through the sink, one raw multipart put (3 runs each)"
for _ in 1 2 3; do
  measure raw -n 1 -c 1 --size 268435456 --raw-put s3://captures
  measure sink -n 1 -c 1 --size 268435456 --url http://127.0.0.1:3000/callback
done

echo; echo "## memory: one 1 GiB upload into a fresh sink"
fresh_s3
start_sink 3002; fresh=$sink_pid
"$bin/load" -n 1 -c 1 --size 1073741824 --url http://127.0.0.1:3002/callback --store s3://captures 2>/dev/null | grep -v '^$' | tail -n +3
echo "sink peak RSS: $(peak_rss "$fresh")"

echo; echo "## memory: a burst of 5,000 concurrent 180 KB callbacks into a fresh sink"
fresh_s3
start_sink 3003; burst=$sink_pid
"$bin/load" -n 5000 -c 5000 --format png --url http://127.0.0.1:3003/callback --store s3://captures 2>/dev/null | grep -v '^$' | tail -n +3
echo "sink peak RSS: $(peak_rss "$burst")"

echo; echo "## memory: the same burst into the naive baseline"
fresh_s3
"$bin/naive" --addr 127.0.0.1:3004 >/dev/null 2>&1 & naive_burst=$!; pids+=("$naive_burst"); wait_port 3004
"$bin/load" -n 5000 -c 5000 --format png --url http://127.0.0.1:3004/callback --store s3://captures 2>/dev/null | grep -v '^$' | tail -n +3
echo "naive peak RSS: $(peak_rss "$naive_burst")"
