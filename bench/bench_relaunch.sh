#!/usr/bin/env bash
# Overhead of `reprise relaunch` over running the same command directly (medians of 100 runs), and
# WORKERS relaunches of small workers with --jobs 2 (three batches of fresh workers, each timed).
# Usage: bench/bench_relaunch.sh [WORKERS]
set -euo pipefail
cd "$(dirname "$0")/.."
reprise=$(realpath "${REPRISE:-build/release/reprise}")
workers=${1:-1000}
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
cp fixtures/demo/worker_demo.json "$state/"

echo "== overhead: relaunch of the demo worker running /bin/true vs /bin/true alone"
hyperfine -N --warmup 5 --runs 100 --export-json "$state/overhead.json" \
  "/bin/true" \
  "$reprise -q --state-dir $state relaunch worker_demo --task bench -- /bin/true" >/dev/null
python3 - "$state/overhead.json" <<'PY'
import json, sys
runs = {r["command"].split()[0].rsplit("/", 1)[-1]: r for r in json.load(open(sys.argv[1]))["results"]}
true, relaunch = runs["true"], next(r for k, r in runs.items() if k != "true")
print(f"/bin/true: median {true['median']*1e3:.2f} ms; relaunch: median {relaunch['median']*1e3:.2f} ms "
      f"(mean {relaunch['mean']*1e3:.2f} ± {relaunch['stddev']*1e3:.2f}); "
      f"overhead {(relaunch['median'] - true['median'])*1e3:.2f} ms")
PY

echo "== $workers relaunches of small workers with --jobs 2, three batches"
times=()
for batch in 1 2 3; do
  dir="$state/batch$batch"
  mkdir "$dir"
  python3 - "$dir" "$workers" <<'PY'
import json, sys
dir, n = sys.argv[1], int(sys.argv[2])
doc = json.load(open("fixtures/demo/worker_demo.json"))
for i in range(n):
    doc["id"] = f"worker_{i:04d}"
    open(f"{dir}/worker_{i:04d}.json", "w").write(json.dumps(doc, indent=2))
PY
  sync # the generated files' write-back must not land in the timed batch
  start=$(date +%s.%N)
  (cd "$dir" && "$reprise" -q --state-dir "$dir" relaunch $(seq -f 'worker_%04g' 0 $((workers - 1))) \
    --jobs 2 --task bench -- /bin/true >/dev/null)
  end=$(date +%s.%N)
  times+=("$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end")")
done
python3 -c "
import statistics, sys
n, t = int(sys.argv[1]), sorted(map(float, sys.argv[2:]))
print(f'{n} relaunches with --jobs 2: median {statistics.median(t):.2f} s '
      f'({statistics.median(t) / n * 1000:.2f} ms each); batches ' + ', '.join(f'{x:.2f} s' for x in t))
" "$workers" "${times[@]}"
