#!/usr/bin/env bash
# The usual hand-written handlers, served the usual way, against the same
# S3 server as scripts/bench-e2e.sh: Flask + boto3 under gunicorn (2 sync
# workers, one per core) and Node with express + multer-s3. Installs them
# (PyPI, npm) on first use. Usage: bash scripts/bench-competitors.sh [N]
n=${1:-1000}
source "$(dirname "$0")/bench-common.sh"
python3 -m pip install --quiet flask boto3 gunicorn
(cd benches/competitors/node && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fresh_s3
start_sink 3000
(cd benches/competitors && exec python3 -m gunicorn -w 2 -b 127.0.0.1:3005 flask_app:app >/dev/null 2>&1) & pids+=($!); wait_port 3005
(cd benches/competitors/node && PORT=3006 exec node app.js >/dev/null 2>&1) & pids+=($!); wait_port 3006

echo "# $(date -u +%F) on $(nproc) cores"
for spec in "--format webp" "--format png"; do
  echo; echo "## $spec, n=$n, c=32"
  measure raw -n "$n" -c 32 $spec --raw-put s3://captures
  measure shotsink -n "$n" -c 32 $spec --url http://127.0.0.1:3000/callback --store s3://captures
  measure flask -n "$n" -c 32 $spec --url http://127.0.0.1:3005/callback --store s3://captures
  measure node-multer-s3 -n "$n" -c 32 $spec --url http://127.0.0.1:3006/callback --store s3://captures
done
