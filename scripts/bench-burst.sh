#!/usr/bin/env bash
# The burst curve: N concurrent 180 KB callbacks (every one open at once)
# into a fresh sink (the axum example, default limits) for each N, with the
# rate, the answers' statuses and the sink's peak RSS (VmHWM);
# then what one more connection costs beyond the memory budget, from the
# two largest bursts. Reproducible with:
#   bash scripts/bench-burst.sh [N ...]     (default: 1000 5000 10000 15000)
source "$(dirname "$0")/bench-common.sh"
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(1000 5000 10000 15000)
echo "# $(date -u +%F) on $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs); INTEGRITY=${INTEGRITY:-signed}"
echo "| concurrent | per second | p99 ms | statuses | sink peak RSS |"
echo "|---|---|---|---|---|"
port=3100
declare -A rss
for c in "${sizes[@]}"; do
  fresh_s3
  start_sink "$port"; sink=$sink_pid
  row=$("$bin/load" -n "$c" -c "$c" --format png --url "http://127.0.0.1:$port/callback" 2>/dev/null | grep '^| callbacks' | tail -1)
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$sink/status")
  rss[$c]=$peak
  rate=$(echo "$row" | cut -d'|' -f6 | xargs); p99=$(echo "$row" | cut -d'|' -f10 | xargs); statuses=$(echo "$row" | cut -d'|' -f11 | xargs)
  printf '| %s | %s | %s | %s | %.1f MiB |\n' "$c" "$rate" "$p99" "$statuses" "$(echo "$peak / 1024" | bc -l)"
  kill "$sink"; wait "$sink" 2>/dev/null || true
  port=$((port + 1))
done
if [ ${#sizes[@]} -ge 2 ]; then
  a=${sizes[-2]}; b=${sizes[-1]}
  echo
  echo "one more connection beyond the budget: $(( (rss[$b] - rss[$a]) * 1024 / (b - a) )) bytes (peak RSS from $a to $b concurrent)"
fi
