#!/usr/bin/env bash
# Where a burst's CPU goes: N callbacks of 180 KB (default 5,000) at each
# concurrency (default 32 200 1000 5000), each into a fresh sink (the axum
# example, default limits) and a fresh S3 server, with the rate, the CPU
# time each of the three processes spent (sink and S3 server from
# /proc/<pid>/stat, the load tool from /usr/bin/time) and the sink's peak
# RSS. Reproducible with:
#   bash scripts/bench-concurrency.sh [N]    (CS="32 5000" to choose)
source "$(dirname "$0")/bench-common.sh"
n=${1:-5000}
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # clock ticks
tick=$(getconf CLK_TCK)
echo "# $(date -u +%F) on $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs); INTEGRITY=${INTEGRITY:-signed}; n=$n"
echo "| concurrency | callbacks/s | statuses | sink CPU | S3 server CPU | load tool CPU | sink peak RSS |"
echo "|---|---|---|---|---|---|---|"
port=3400
for c in ${CS:-32 200 1000 5000}; do
  fresh_s3
  start_sink "$port"; sink=$sink_pid
  sink_before=$(cpu "$sink"); s3_before=$(cpu "$s3_pid")
  row=$(/usr/bin/time -f "%U %S" -o "$work/time" "$bin/load" -n "$n" -c "$c" --format png \
    --url "http://127.0.0.1:$port/callback" 2>/dev/null | grep '^| callbacks' | tail -1)
  sink_cpu=$(( $(cpu "$sink") - sink_before )); s3_cpu=$(( $(cpu "$s3_pid") - s3_before ))
  load_cpu=$(awk '{printf "%.2f", $1 + $2}' "$work/time")
  rate=$(echo "$row" | cut -d'|' -f6 | xargs); statuses=$(echo "$row" | cut -d'|' -f11 | xargs)
  printf '| %s | %s | %s | %.2f s | %.2f s | %s s | %s |\n' "$c" "$rate" "$statuses" \
    "$(echo "$sink_cpu / $tick" | bc -l)" "$(echo "$s3_cpu / $tick" | bc -l)" "$load_cpu" "$(peak_rss "$sink")"
  kill "$sink"; wait "$sink" 2>/dev/null || true
  port=$((port + 1))
done
