#!/usr/bin/env bash
# Writes the seed corpus: valid callbacks built from the sample captures, in
# both field orders and under every configuration byte the target reads.
set -euo pipefail
cd "$(dirname "$0")"
out=corpus/callback
mkdir -p "$out"
fixtures=../tests/fixtures
for f in capture.png:png capture.jpg:jpg capture.webp:webp capture.avif:avif capture.pdf:pdf not-an-image.html:png; do
  file=${f%%:*}; format=${f##*:}
  for order in fields-first file-first; do
    for config in 0 5 10 15; do
      {
        printf "\\x$(printf %02x "$config")"
        field() { printf -- '--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' "$1" "$2"; }
        filepart() { printf -- '--B\r\nContent-Disposition: form-data; name="file"; filename="c"\r\n\r\n'; cat "$fixtures/$file"; printf '\r\n'; }
        if [ "$order" = file-first ]; then filepart; fi
        field callback_secret fuzz-secret
        field status OK
        field token "Tok${config}x${order}"
        field format "$format"
        if [ "$order" = fields-first ]; then filepart; fi
        printf -- '--B--\r\n'
      } > "$out/${file}-${order}-${config}"
    done
  done
done
ls "$out" | wc -l
