#!/usr/bin/env bash
# Renditions against vipsthumbnail (Debian's libvips-tools) and Pillow
# (PyPI), each on one thread, on the same files, reproducible with:
#   bash scripts/bench-renditions.sh [REPS]
# The inputs are made from the PNG fixture by libvips (stacked ten times,
# scaled 1.5x, cut): a 1920 x 1080 capture and a 1920 x 8000 full page.
# Every tool makes the same rendition: 320 px wide, the aspect kept,
# Lanczos3, lossy WebP at quality 75 (libwebp's default effort, 4).
# Reports ms per rendition (one process, after one warm-up for ours; ten
# files in one vipsthumbnail process; Pillow in one interpreter), the peak
# memory of a process making one rendition, the SSIM of ours and
# Pillow's against vipsthumbnail's (dssim-core), and what reading a
# capture back from the S3 server costs beside making its renditions.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-10}
command -v vipsthumbnail >/dev/null || apt-get install -y libvips-tools >/dev/null
python3 -c 'import PIL' 2>/dev/null || pip install -q pillow
cargo build --release -p shotsink-bench-tools --bin render --bin s3-server >/dev/null 2>&1
render=$PWD/target/release/render
s3_server=$PWD/target/release/s3-server
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
export VIPS_CONCURRENCY=1
fixture=$OLDPWD/tests/fixtures/capture.png
vips arrayjoin "$(for _ in $(seq 10); do printf '%s ' "$fixture"; done)" tall.v --across 1
vips resize tall.v tall15.v 1.5
vips crop tall15.v hd.png 0 0 1920 1080
vips crop tall15.v full.png 0 0 1920 8000
vips crop hd.png tiny.png 0 0 16 16
echo "# $(date -u +%F) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); $(vips --version), Pillow $(python3 -c 'import PIL; print(PIL.__version__)')"
echo "one-time cost of a process's first rendition (a 16 x 16 PNG, --cold): $("$render" peak tiny.png --cold | sed 's/.*peak added \([0-9]*\) bytes.*/\1 bytes added/')"
for f in hd full; do
  echo; echo "## $f.png ($(vipsheader "$f.png" | cut -d: -f2 | xargs), $(stat -c %s "$f.png") bytes)"
  "$render" time "$f.png" --reps "$reps" --out "ours-$f.webp" | sed 's/^/shotsink: /'
  mkdir -p "v-$f"; for i in $(seq "$reps"); do cp "$f.png" "v-$f/$i.png"; done
  start=$(date +%s.%N)
  vipsthumbnail "v-$f"/*.png --size 320x -o '%s.webp[Q=75]'
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v n="$reps" 'BEGIN {printf "vipsthumbnail: %.1f ms per rendition (one process, %d files)\n", (e - s) * 1000 / n, n}'
  cp "v-$f/1.webp" "vips-$f.webp"
  python3 - "$f.png" "$reps" "pil-$f.webp" <<'PY'
import sys, time
from PIL import Image
path, reps, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def one():
    im = Image.open(path)
    im.thumbnail((320, 1 << 20), Image.LANCZOS)
    im.save(out, quality=75)
one()
t = time.perf_counter()
for _ in range(reps):
    one()
print(f"Pillow: {(time.perf_counter() - t) * 1000 / reps:.1f} ms per rendition (thumbnail(), LANCZOS)")
PY
  echo "peak memory, one rendition per process:"
  "$render" peak "$f.png" | sed 's/^/  shotsink: /'
  /usr/bin/time -f "  vipsthumbnail: process peak %M KB" vipsthumbnail "$f.png" --size 320x -o 'one.webp[Q=75]'
  /usr/bin/time -f "  Pillow: process peak %M KB" python3 -c "
from PIL import Image
im = Image.open('$f.png'); im.thumbnail((320, 1 << 20), Image.LANCZOS); im.save('one-pil.webp', quality=75)"
  "$render" ssim "vips-$f.webp" "ours-$f.webp" | sed 's/^/  shotsink /'
  "$render" ssim "vips-$f.webp" "pil-$f.webp" | sed 's/^/  Pillow /'
done
echo; echo "## reading the capture back (s3-server on loopback, s3s-fs in a temporary directory)"
mkdir s3
"$s3_server" "$PWD/s3" 127.0.0.1:9000 >/dev/null 2>&1 & s3=$!
trap 'kill "$s3" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/9000) 2>/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT=http://127.0.0.1:9000 AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=shotsink AWS_SECRET_ACCESS_KEY=shotsink-secret
for f in "$fixture" hd.png full.png; do
  "$render" readback "$f" --store s3://captures --reps "$reps"
done
