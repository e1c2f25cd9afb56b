#!/bin/sh
# Times `reprise list` on a state dir of N generated small snapshots (default 10,000).
# Usage: bench/bench_list.sh [path/to/reprise] [N]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
reprise=${1:-$here/build/release/reprise}
count=${2:-10000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/reprise-bench-list.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

python3 - "$here/fixtures/snapshots/good-sub-agent-stopped.json" "$dir" "$count" <<'PY'
import json, sys
template, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(template, encoding="utf-8") as f:
    doc = json.load(f)
statuses = ["completed", "failed", "awaiting", "cancelled", "running", "suspended"]
base_ms = 1777485000000
for i in range(count):
    ms = base_ms + i * 1000
    hex_ms = f"{ms:012x}"  # a UUIDv7: 48-bit ms, version 7, variant bits, a counter
    wid = f"worker_{hex_ms[:8]}-{hex_ms[8:]}-7{i % 4096:03x}-a{i % 4096:03x}-{i:012x}"
    doc["id"] = wid
    doc["status"] = statuses[i % len(statuses)]
    doc["task"] = f"Task number {i}"
    doc["latest_error"] = "Runtime error: exit 1" if doc["status"] == "failed" else None
    with open(f"{out}/{wid}.json", "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
PY
printf 'state dir: %s snapshots, %s\n' "$count" "$(du -sh "$dir" | cut -f1)"
"$reprise" list "$dir" --ids | wc -l | sed 's/^/listed: /'
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 2 --runs 10 \
    "$reprise list $dir >/dev/null" \
    "$reprise list $dir --json >/dev/null" \
    "$reprise list $dir --status failed --ids >/dev/null"
else
  for i in 1 2 3; do /usr/bin/time -f "list: %es %MKB" "$reprise" list "$dir" >/dev/null; done
fi
