#!/usr/bin/env bash
# Where the CPU goes, per callback and per process, reproducible with:
#   bash scripts/bench-cpu.sh [N]        (ROUNDS=2 repeats each mode;
#   INTEGRITY=crc64nvme for unsigned payloads with a CRC64NVME checksum)
# For the 15 KB and 180 KB samples at concurrency 32: the raw puts, the sink
# and the naive handler, each on a fresh S3 server after a warm-up. The CPU
# time (user + system, from /proc/<pid>/stat) of the load tool, the handler
# and the S3 server over the measured run, divided by the callbacks sent.
# On a machine whose cores all three processes share, the rate is about
# 2 cores / the total, so the ratio of the totals bounds the ratio of rates.
n=${1:-3000}
source "$(dirname "$0")/bench-common.sh"
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
per() { awk -v t="$1" -v n="$n" -v hz="$hz" 'BEGIN {printf "%.3f", t / hz * 1000 / n}'; }

start_sink 3000; sink=$sink_pid
"$bin/naive" --addr 127.0.0.1:3001 >/dev/null 2>&1 & naive=$!; pids+=("$naive"); wait_port 3001

echo "# $(date -u +%F) on $(nproc) cores, INTEGRITY=${INTEGRITY:-signed}; CPU ms per callback (load tool / handler / S3 server / total)"
for spec in "--format webp" "--format png"; do
  echo; echo "## $spec, n=$n, c=32"
  for _ in $(seq 1 "${ROUNDS:-2}"); do
    for mode in raw sink naive; do
      case $mode in
        raw) target=; args=(--raw-put s3://captures --no-check) ;;
        sink) target=$sink; args=(--url http://127.0.0.1:3000/callback) ;;
        naive) target=$naive; args=(--url http://127.0.0.1:3001/callback) ;;
      esac
      fresh_s3
      "$bin/load" -n 200 -c 32 $spec "${args[@]}" >/dev/null 2>&1 || true
      s0=$(ticks "$s3_pid"); h0=0; [ -n "$target" ] && h0=$(ticks "$target")
      "$bin/load" -n "$n" -c 32 $spec "${args[@]}" >"$work/out" 2>/dev/null &
      load=$!
      # The load tool's own ticks, read just before it exits.
      l=0; while kill -0 "$load" 2>/dev/null; do l=$(ticks "$load" 2>/dev/null || echo "$l"); sleep 0.05; done
      wait "$load" || true
      s=$(( $(ticks "$s3_pid") - s0 )); h=0; [ -n "$target" ] && h=$(( $(ticks "$target") - h0 ))
      rate=$(grep '^| ' "$work/out" | tail -1 | cut -d'|' -f6 | xargs)
      echo "$mode: $rate/s | load $(per "$l") | handler $(per "$h") | s3 $(per "$s") | total $(per $((l + h + s)))"
    done
  done
done
