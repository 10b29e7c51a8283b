#!/usr/bin/env bash
# The Python side of the tests: starts moto's S3 server (PyPI
# `moto[server]`) on 127.0.0.1:5000 with a `captures` bucket, for the
# backend suite's moto run (a second S3 implementation, independent of the
# in-process one), and provides the official Standard Webhooks package and
# Flask for the notification tests. Uses python3 itself if it has them all
# (moto 5.1 or later); otherwise installs them into a virtual environment
# under .moto/ on first use (outside the system Python, which PEP 668 may
# close to pip). Writes .moto/python, which runs that interpreter. Prints
# the endpoint; `export TEST_MOTO=http://127.0.0.1:5000
# TEST_PYTHON=$PWD/.moto/python` makes `cargo test` run (and require)
# the moto backend and the Python receivers. moto keeps everything in
# memory: stopping it (`kill "$(cat .moto/moto.pid)"`) empties the bucket.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$PWD/.moto"
port=5000
spec=('moto[server]>=5.1,<6' 'standardwebhooks>=1.0,<2' 'flask>=3,<4' 'jsonschema>=4.18,<5')
mkdir -p "$dir"

# Whether this python runs moto's server, at a version in `spec`.
usable() {
  "$@" - 2>/dev/null <<'EOF'
import moto, moto.server, flask_cors, flask, standardwebhooks, jsonschema
major, minor = (int(p) for p in moto.__version__.split(".")[:2])
raise SystemExit(0 if major == 5 and minor >= 1 else 1)
EOF
}

py=()
for candidate in "$dir/venv/bin/python" python3; do
  if command -v "$candidate" >/dev/null && usable "$candidate"; then
    py=("$candidate")
    break
  fi
done
if [ "${#py[@]}" -eq 0 ] && [ -d "$dir/lib" ] && usable env PYTHONPATH="$dir/lib" python3; then
  py=(env PYTHONPATH="$dir/lib" python3)
fi
if [ "${#py[@]}" -eq 0 ]; then
  if python3 -m venv "$dir/venv" >/dev/null 2>&1; then
    "$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check "${spec[@]}"
    py=("$dir/venv/bin/python")
  else
    # No venv module (Debian without python3-venv): a plain target
    # directory, which PEP 668 leaves open.
    rm -rf "$dir/venv"
    python3 -m pip install --quiet --disable-pip-version-check --target "$dir/lib" "${spec[@]}"
    py=(env PYTHONPATH="$dir/lib" python3)
  fi
  usable "${py[@]}" || { echo "moto: ${spec[*]} did not install" >&2; exit 1; }
fi
# The interpreter, for the tests that run Python receivers.
printf '#!/bin/sh\nexec %s "$@"\n' "$(printf '%q ' "${py[@]}")" >"$dir/python"
chmod +x "$dir/python"

if ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
  nohup "${py[@]}" -m moto.server --host 127.0.0.1 --port "$port" >"$dir/moto.log" 2>&1 &
  echo $! >"$dir/moto.pid"
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.2
  done
fi

# moto checks no credentials. Creating the bucket again is harmless: us-east-1
# answers 200, or 409 BucketAlreadyOwnedByYou.
"${py[@]}" - "$port" <<'EOF'
import sys, urllib.error, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/captures"
try:
    urllib.request.urlopen(urllib.request.Request(url, method="PUT"), timeout=10)
except urllib.error.HTTPError as e:
    if e.code != 409 or b"BucketAlreadyOwnedByYou" not in e.read():
        sys.exit(f"moto: creating the bucket: {e}")
except OSError as e:
    sys.exit(f"moto: not answering on {url} (see .moto/moto.log): {e}")
urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10)
print(f"moto: http://127.0.0.1:{sys.argv[1]} (bucket captures)")
EOF
