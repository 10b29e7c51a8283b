#!/usr/bin/env bash
# Hostile-load benchmark on loopback, reproducible with this one command:
#   bash scripts/bench-hostile.sh [N]        (N valid callbacks per attack, default 300)
# For each attack of the hostile tool (benches/tools/src/hostile/), and a
# baseline without one: a fresh S3 server and a fresh sink (the axum
# example) on a port of its own; the attack opened against the sink, then
# N valid 180 KB PNG callbacks sent through it at concurrency 16; the
# report (the valid callbacks' statuses and latency, what each attacker
# read back and when the sink cut it) and the sink's peak RSS (VmHWM). The
# sink runs with its default limits. Each attack (not the baseline) runs
# for at least hostile's --duration (DURATION, default 40 s): about 6
# minutes.
n=${1:-300}
source "$(dirname "$0")/bench-common.sh"
# 500 attacker connections, the sink's side of them and the store's: raise
# the common default of 1,024 descriptors if allowed.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then ulimit -n 4096 2>/dev/null || true; fi

echo "# $(date -u +%F) on $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs)"
i=0
for a in none stalled-unauth stalled-verified trickle-unauth trickle preamble tiny-segments oversized; do
  port=$((3100 + i)); i=$((i + 1))
  echo; echo "## $a, n=$n"
  fresh_s3
  # The sink with its default limits (start_sink raises the file limit).
  SHOTSINK_ADDR=127.0.0.1:$port "$sink_bin" >/dev/null 2>&1 &
  sink_pid=$!; pids+=("$sink_pid"); wait_port "$port"
  "$bin/hostile" --attack "$a" --url "http://127.0.0.1:$port/callback" -n "$n" --duration "${DURATION:-40}" || echo "hostile exited with $?"
  if kill -0 "$sink_pid" 2>/dev/null; then
    echo "sink peak RSS: $(peak_rss "$sink_pid")"
    kill "$sink_pid" 2>/dev/null || true
    wait "$sink_pid" 2>/dev/null || true
  else
    echo "sink peak RSS: unknown, the sink exited during the run"
  fi
done
