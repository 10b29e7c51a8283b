#!/usr/bin/env bash
# How often an event is delivered twice when the server is killed with
# SIGKILL in the middle of deliveries, reproducible with this one command:
#   bash scripts/measure-duplicates.sh [RUNS]
# Runs the crash test whose receiver (the README's Flask receiver with the
# official standardwebhooks package) is up all along, RUNS times: each run
# kills the server four times at random points under load (4 senders),
# then runs it once more, and checks that every capture answered 200 was
# heard of. Needs moto's Python environment (scripts/moto.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
bash scripts/moto.sh >/dev/null
export TEST_PYTHON=$PWD/.moto/python
total_events=0 total_dups=0 total_answered=0
for i in $(seq 1 "$runs"); do
  line=$(cargo test --quiet --all-features --test it -- \
      server::events::every_200_is_heard_of_through_kill_9_in_the_middle_of_deliveries \
      --exact --nocapture 2>&1 | grep '^crash test (receiver up)')
  echo "run $i: $line"
  answered=$(sed -E 's/.* ([0-9]+) answered 200.*/\1/' <<<"$line")
  events=$(sed -E 's/.* ([0-9]+) events received.*/\1/' <<<"$line")
  dups=$(sed -E 's/.* ([0-9]+) duplicates by id.*/\1/' <<<"$line")
  total_answered=$((total_answered + answered)) total_events=$((total_events + events)) total_dups=$((total_dups + dups))
done
echo "over $runs runs ($((runs * 4)) kills): $total_answered answered 200, $total_events events received, $total_dups duplicates ($(awk "BEGIN {printf \"%.2f\", 100 * $total_dups / $total_events}")% of events, $(awk "BEGIN {printf \"%.2f\", $total_dups / ($runs * 4)}") per kill)"
