#!/usr/bin/env bash
# Overhead of `reprise relaunch` over running the same command directly, and 1,000 relaunches of
# small workers with --jobs 2. Usage: bench/bench_relaunch.sh [WORKERS]
set -euo pipefail
cd "$(dirname "$0")/.."
reprise=$(realpath "${REPRISE:-build/dev/reprise}")
workers=${1:-1000}
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
cp fixtures/demo/worker_demo.json "$state/"

echo "== overhead: relaunch of the demo worker running /bin/true vs /bin/true alone"
hyperfine -N --warmup 5 --runs 100 \
  "/bin/true" \
  "$reprise -q --state-dir $state relaunch worker_demo --task bench -- /bin/true"

echo "== $workers relaunches of small workers with --jobs 2"
python3 - "$state" "$workers" <<'PY'
import json, sys
state, n = sys.argv[1], int(sys.argv[2])
doc = json.load(open(f"{state}/worker_demo.json"))
for i in range(n):
    doc["id"] = f"worker_{i:04d}"
    open(f"{state}/worker_{i:04d}.json", "w").write(json.dumps(doc, indent=2))
PY
start=$(date +%s.%N)
(cd "$state" && "$reprise" -q --state-dir "$state" relaunch $(seq -f 'worker_%04g' 0 $((workers - 1))) \
  --jobs 2 --task bench -- /bin/true >/dev/null)
end=$(date +%s.%N)
python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print(f'{n} relaunches with --jobs 2: {t:.2f} s ({t/n*1000:.2f} ms each)')" "$start" "$end" "$workers"
