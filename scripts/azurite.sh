#!/usr/bin/env bash
# Starts Azurite (the Azure Storage emulator, npm package `azurite`) on
# 127.0.0.1:10000 with a `captures` container, for the backend suite's
# Azure run. Installs it under .azurite/ on first use. Prints the endpoint;
# `export TEST_AZURITE=http://127.0.0.1:10000` makes `cargo test` run
# (and require) the Azure backend.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.azurite
mkdir -p "$dir"
if [ ! -x "$dir/node_modules/.bin/azurite-blob" ] || [ ! -d "$dir/node_modules/@azure/storage-blob" ]; then
  [ -f "$dir/package.json" ] || echo '{"name":"shotsink-azurite","private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error azurite@3 @azure/storage-blob@12 >/dev/null)
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null; then
  rm -rf "$dir/data"
  nohup "$dir/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort 10000 \
    --location "$dir/data" --skipApiVersionCheck --disableTelemetry --silent >"$dir/azurite.log" 2>&1 &
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null && break
    sleep 0.2
  done
fi
# Azurite's well-known development account and key.
(cd "$dir" && node -e '
const { BlobServiceClient } = require("@azure/storage-blob");
const conn = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
  "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
  "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";
BlobServiceClient.fromConnectionString(conn).getContainerClient("captures").createIfNotExists()
  .then(() => console.log("azurite: http://127.0.0.1:10000 (container captures)"))
  .catch((e) => { console.error(e.message); process.exit(1); });
')
