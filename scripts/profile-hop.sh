#!/usr/bin/env bash
# Where the sink's CPU goes in the hop, sampled by perf while the load tool
# sends N callbacks (c=32) through the sink (the axum example, release) to
# the in-process-free S3 server, each on its own process:
#   bash scripts/profile-hop.sh [N]     (FORMAT=png for 180 KB, webp for
#   15 KB; INTEGRITY=crc64nvme as in bench-cpu.sh)
# Prints the sink's samples by where they land (kernel, copies, the
# allocator, checksums, the parser, hyper, the S3 client, tokio, shotsink)
# and the 25 hottest symbols. Needs perf (perf_event_paranoid <= 1, or root).
n=${1:-20000}
format=${FORMAT:-png}
source "$(dirname "$0")/bench-common.sh"
start_sink 3000; sink=$sink_pid
fresh_s3
"$bin/load" -n 500 -c 32 --format "$format" --url http://127.0.0.1:3000/callback >/dev/null 2>&1 || true
"$bin/load" -n "$n" -c 32 --format "$format" --url http://127.0.0.1:3000/callback >"$work/out" 2>/dev/null &
load=$!
perf record -q -F 1999 -p "$sink" -o "$work/perf.data" -- sleep 1000000 >/dev/null 2>&1 &
perf=$!
wait "$load" || true
kill -INT "$perf"; wait "$perf" 2>/dev/null || true
echo "# $(date -u +%F), $(nproc) cores, FORMAT=$format INTEGRITY=${INTEGRITY:-signed}, n=$n c=32"
grep '^| ' "$work/out" | tail -1
perf report -i "$work/perf.data" --no-children --sort sym --stdio 2>/dev/null \
  | grep -E '^ +[0-9.]+%' > "$work/syms"
python3 - "$work/syms" <<'PY'
import re, sys
groups = [
    ("kernel (syscalls, TCP, copies to and from sockets)", lambda s: s.startswith("[k]")),
    ("memcpy / memmove", lambda s: re.search(r"memcpy|memmove", s)),
    ("allocator (malloc, free, realloc)", lambda s: re.search(r"malloc|free|realloc|_int_|arena|tcache|cfree", s)),
    ("CRC64 / CRC32 / SHA-256", lambda s: re.search(r"crc|sha2|Sha256|sha256", s, re.I)),
    ("multer (boundary search, field parsing)", lambda s: "multer" in s or "memchr" in s),
    ("hyper / http / h1", lambda s: re.search(r"hyper|http::|httparse|h1", s)),
    ("S3 client (object_store, reqwest, signing)", lambda s: re.search(r"object_store|reqwest|aws|sigv4|hmac", s, re.I)),
    ("tokio (scheduler, I/O driver, timers)", lambda s: "tokio" in s or "mio" in s),
    ("shotsink", lambda s: "shotsink" in s),
    ("bytes", lambda s: "bytes::" in s),
]
totals = {name: 0.0 for name, _ in groups}
other, rows = 0.0, []
for line in open(sys.argv[1]):
    m = re.match(r"\s*([0-9.]+)%\s+(.*)", line)
    if not m:
        continue
    pct, sym = float(m.group(1)), m.group(2).strip()
    rows.append((pct, sym))
    for name, test in groups:
        if test(sym):
            totals[name] += pct
            break
    else:
        other += pct
print("\n| where | share of the sink's samples |\n|---|---|")
for name, _ in groups:
    print(f"| {name} | {totals[name]:.1f} % |")
print(f"| other | {other:.1f} % |")
print("\nhottest symbols:")
for pct, sym in rows[:25]:
    print(f"  {pct:5.2f}%  {sym[:110]}")
PY
