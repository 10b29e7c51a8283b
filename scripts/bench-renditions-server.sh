#!/usr/bin/env bash
# Renditions in the `shotsink` server under a batch, reproducible with:
#   bash scripts/bench-renditions-server.sh [N]
# The S3 server tool (s3s-fs over a temp dir), the `hook` tool (an app
# answering 204), then the server with events on, each run on a fresh
# store: without renditions, with `thumb` and `card` (threads: one per
# core), and with them on one thread. The load tool sends N
# callbacks of the 180 KB PNG sample at concurrency 32; then the script
# waits until the journal has no pending record (every event, and every
# rendition, made and delivered). Reports the callback rate, the time from
# the first callback to the last event delivered, and the server's peak
# RSS and CPU time.
#   FILE=<path>        sends that capture instead (a full page, say)
#   SERVER_BIN=<path>  measures another build of the server
#   BUDGET="32 MiB"    sets renditions.memory_budget
n=${1:-1000}
source "$(dirname "$0")/bench-common.sh"
cargo build --release -p shotsink-server >/dev/null
server_bin=${SERVER_BIN:-$bin/shotsink}
if [ -n "${FILE:-}" ]; then
  send=(--file "$FILE"); what="$(basename "$FILE"), $(stat -c %s "$FILE") bytes"
else
  send=(--format png); what="180 KB PNG (1280 x 800)"
fi
"$bin/hook" --addr 127.0.0.1:8000 > "$work/hook.out" & hook=$!; pids+=("$hook"); wait_port 8000
hz=$(getconf CLK_TCK)
echo "# $(date -u +%F) on $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs); n=$n, c=${C:-32}, $what${BUDGET:+, renditions.memory_budget = $BUDGET}"
for mode in events renditions one-thread; do
  fresh_s3
  cat > "$work/$mode.toml" <<TOML
listen = "127.0.0.1:3000"
[log]
level = "warn"
[notify]
url = "http://127.0.0.1:8000/hooks/shotsink"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TOML
  case $mode in
    renditions) printf '[renditions]\nlist = ["thumb", "card"]\n' >> "$work/$mode.toml" ;;
    one-thread) printf '[renditions]\nlist = ["thumb", "card"]\nthreads = 1\n' >> "$work/$mode.toml" ;;
  esac
  if [ "$mode" != events ] && [ -n "${BUDGET:-}" ]; then
    printf 'memory_budget = "%s"\n' "$BUDGET" >> "$work/$mode.toml"
  fi
  "$server_bin" serve --config "$work/$mode.toml" >/dev/null 2>&1 & server=$!; pids+=("$server"); wait_port 3000
  start=$(date +%s.%N)
  rate=$("$bin/load" -n "$n" -c "${C:-32}" "${send[@]}" --url http://127.0.0.1:3000/callback --store s3://captures 2>/dev/null | grep '^| ' | tail -1 | cut -d'|' -f6 | xargs)
  answered=$(date +%s.%N)
  pending="$work/s3/captures/.shotsink/events/pending"
  for _ in $(seq 1 1200); do
    left=$(find "$pending" -name '*.json' 2>/dev/null | wc -l)
    [ "$left" -eq 0 ] && break
    sleep 0.25
  done
  done_at=$(date +%s.%N)
  cpu=$(awk -v hz="$hz" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$server/stat")
  made=$(find "$work/s3/captures" -name '*.thumb.webp' | wc -l)
  echo "$mode: callbacks $rate/s; answered in $(awk -v a="$start" -v b="$answered" 'BEGIN {printf "%.1f", b - a}') s, every event delivered after $(awk -v a="$start" -v b="$done_at" 'BEGIN {printf "%.1f", b - a}') s (pending left: $left); thumbnails stored: $made; server peak $(peak_rss "$server"), CPU $cpu s"
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
done
kill -TERM "$hook"; wait "$hook" 2>/dev/null || true
cat "$work/hook.out"
