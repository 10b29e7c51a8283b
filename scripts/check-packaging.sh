#!/usr/bin/env bash
# The systemd unit checked by systemd-analyze (its ExecStart pointed at the
# binary just built), and the Dockerfile's commands read: CI has no Docker
# engine to build the image, so its `shotsink` commands are checked to
# exist instead. usage: bash scripts/check-packaging.sh [path/to/shotsink]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${1:-target/debug/shotsink}")"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
sed "s|/usr/local/bin/shotsink|$bin|g" packaging/shotsink.service > "$work/shotsink.service"
echo "== systemd-analyze verify packaging/shotsink.service"
# Any finding (an unknown key, a command that is not there) fails.
out="$(systemd-analyze verify "$work/shotsink.service" 2>&1)" || { printf '%s\n' "$out"; exit 1; }
if [ -n "$out" ]; then printf '%s\n' "$out"; exit 1; fi
echo "== the Dockerfile's and the unit's shotsink commands exist"
"$bin" --help | grep -q '^  probe' || { echo "no probe command"; exit 1; }
"$bin" check-config --help >/dev/null
grep -q 'CMD \["/usr/local/bin/shotsink", "probe"\]' packaging/Dockerfile
echo "packaging ok"
