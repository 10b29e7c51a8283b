#!/usr/bin/env python3
"""The declared rust-version, checked without the old toolchain (this
machine has one): every crate the library and the server depend on
(normal dependencies, all features) declares a rust-version no newer than
ours, and both crates declare the same. The standard library items we use
are checked by clippy's `incompatible_msrv` lint, which reads the same
field and runs with -D warnings in CI.
usage: python3 scripts/check-msrv.py   (exit 1 on a newer dependency)"""
import json, subprocess, sys

meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked", "--all-features"],
    check=True, capture_output=True, text=True).stdout)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}

def version(text):
    return tuple(int(x) for x in (text.split(".") + ["0", "0"])[:3])

roots = [p for p in meta["packages"] if p["name"] in ("shotsink", "shotsink-server")]
declared = {p["name"]: p["rust_version"] for p in roots}
if len(set(declared.values())) != 1:
    sys.exit(f"the crates declare different rust-versions: {declared}")
ours = version(roots[0]["rust_version"])
seen, todo, newer = set(), [p["id"] for p in roots], []
while todo:
    node = nodes[todo.pop()]
    for dep in node["deps"]:
        if not any(k["kind"] is None for k in dep["dep_kinds"]):
            continue  # dev and build dependencies do not reach users
        if dep["pkg"] in seen:
            continue
        seen.add(dep["pkg"])
        todo.append(dep["pkg"])
        p = packages[dep["pkg"]]
        if p.get("rust_version") and version(p["rust_version"]) > ours:
            newer.append(f'{p["name"]} {p["version"]} needs {p["rust_version"]}')
print(f"rust-version {roots[0]['rust_version']}: {len(seen)} dependencies checked")
for line in newer:
    print("  newer:", line)
sys.exit(1 if newer else 0)
