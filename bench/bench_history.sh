#!/usr/bin/env bash
# What the history costs: ten reset + relaunch cycles of a transcript-heavy snapshot (~136 MB),
# then `reprise gc` (which compresses the versions the writes kept plain) and the history's size on
# disk as a share of the file's; `reset --in-place` (which keeps a version) against `reset -o`; and
# the time to restore every version against the time of a reset of the same file.
#
# The cycles run as a user would (each write may start `reprise gc --auto` in the background); the
# timed commands run with REPRISE_AUTO_GC=off, so that no compaction started by one timed run
# competes with the next: what is timed is the command itself, which never waits for compaction.
#
# Each cycle is `reset --in-place --task ...` then `relaunch --task ... -- CHILD`, the child failing
# on odd cycles (exit 3) and succeeding without a result file on even ones, so every cycle keeps
# three versions (the one reset replaces, the one relaunch replaces, the running one the outcome
# replaces): 30 versions in all. Every restore is checked byte for byte against the version as it
# was written.
#
# Usage: bench/bench_history.sh [path/to/reprise] [size in MiB (default 130, i.e. ~136 MB)]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
reprise=$(realpath "${1:-$here/build/dev/reprise}")
size=${2:-130}
cycles=${CYCLES:-10}
dir=$(mktemp -d "${TMPDIR:-/tmp}/reprise-bench-history.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
state="$dir/state"
mkdir -p "$state" "$dir/seen"

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

echo "reprise: $reprise ($("$reprise" --version))"
python3 "$here/bench/gen_snapshot.py" --size-mb "$size" --shape transcript --seed 1 \
  --out "$state/worker_bench.json"
file_size=$(stat -c %s "$state/worker_bench.json")
echo "snapshot: $file_size bytes ($(awk -v s="$file_size" 'BEGIN { printf "%.1f", s / 1e6 }') MB)"
cat >"$dir/child.sh" <<'EOF'
#!/bin/sh
# fails on odd attempts, succeeds (without a result file) on even ones
[ $((REPRISE_ATTEMPT % 2)) -eq 0 ]
EOF
chmod +x "$dir/child.sh"

# Every state the file goes through, to check each restore against (the running version is
# never seen from outside: it is read back from the history as written by relaunch).
n=1
cp "$state/worker_bench.json" "$dir/seen/$n"
cycle_start=$(now)
for i in $(seq 1 "$cycles"); do
  "$reprise" -q --state-dir "$state" reset worker_bench --task "Cycle $i: try again" --in-place
  n=$((n + 1))
  cp "$state/worker_bench.json" "$dir/seen/$n"
  "$reprise" -q --state-dir "$state" relaunch worker_bench --task "Run $i" -- "$dir/child.sh" \
    >/dev/null 2>&1 || true
  n=$((n + 2)) # the running version, then the outcome
  cp "$state/worker_bench.json" "$dir/seen/$n"
done
cycle_end=$(now)
hist="$state/.reprise/history/worker_bench"
export REPRISE_AUTO_GC=off
gc_start=$(now)
"$reprise" --state-dir "$state" gc worker_bench
gc_end=$(now)
echo "reprise gc (waits for a background compaction still running, then compresses what is left):" \
  "$(secs "$gc_start" "$gc_end") s"
versions=$(find "$hist" -name '[0-9]*' | wc -l)
hist_bytes=$(find "$hist" -name '[0-9]*' -printf '%s\n' | awk '{ s += $1 } END { print s }')
echo "$cycles cycles in $(secs "$cycle_start" "$cycle_end") s: $versions versions kept," \
  "$hist_bytes bytes of history =" \
  "$(awk -v h="$hist_bytes" -v f="$file_size" 'BEGIN { printf "%.1f", 100 * h / f }')% of the file" \
  "(uncompressed it would be $(awk -v v="$versions" -v f="$file_size" 'BEGIN { printf "%.0f", v * f / 1e6 }') MB)"
ls -l "$hist" | awk 'NR > 1 { print "  " $NF "\t" $5 }' | sort -t. -k1,1n | head -40

# The reference: a reset of the same file (to a file, and in place with its history copy).
best_reset=
for run in 1 2 3; do
  cp "$state/worker_bench.json" "$dir/reset-src.json"
  t0=$(now)
  "$reprise" -q reset "$dir/reset-src.json" --task "Timed" -o "$dir/reset-out.json"
  t1=$(now)
  t=$(secs "$t0" "$t1")
  best_reset=$(awk -v a="${best_reset:-$t}" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
done
best_inplace=
for run in 1 2 3; do
  rm -rf "$dir/inplace" && mkdir "$dir/inplace" && cp "$state/worker_bench.json" "$dir/inplace/w.json"
  sync
  t0=$(now)
  "$reprise" -q --state-dir "$dir/inplace" reset w --task "Timed" --in-place
  t1=$(now)
  t=$(secs "$t0" "$t1")
  best_inplace=$(awk -v a="${best_inplace:-$t}" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
done
echo "reset -o FILE: best of 3 ${best_reset} s; reset --in-place (keeps a version): ${best_inplace} s" \
  "($(awk -v a="$best_inplace" -v b="$best_reset" 'BEGIN { printf "%.2f", a / b }')x)"

# Restore every version into a copy of the state dir, timed, and compared byte for byte; each
# version best of 3, as the resets above, so that one run slowed by the machine does not decide.
worst=0
worst_version=0
total=0
mismatches=0
for v in $(seq 1 "$versions"); do
  best=
  for run in 1 2 3; do
    rm -rf "$dir/r" && cp -a "$state" "$dir/r"
    sync
    t0=$(now)
    "$reprise" -q --state-dir "$dir/r" restore "worker_bench@$v" >/dev/null
    t1=$(now)
    t=$(secs "$t0" "$t1")
    best=$(awk -v a="${best:-$t}" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    if [ -f "$dir/seen/$v" ] && ! cmp -s "$dir/seen/$v" "$dir/r/worker_bench.json"; then
      echo "version $v: restored bytes differ" >&2
      mismatches=$((mismatches + 1))
    fi
  done
  total=$(awk -v a="$total" -v b="$best" 'BEGIN { print a + b }')
  if awk -v a="$best" -v b="$worst" 'BEGIN { exit !(a > b) }'; then
    worst=$best
    worst_version=$v
  fi
  printf '  restore @%-3s %s s (best of 3)\n' "$v" "$best"
done
echo "restore of each of $versions versions (best of 3 each): mean $(awk -v t="$total" -v n="$versions" 'BEGIN { printf "%.3f", t / n }') s," \
  "worst ${worst} s (@$worst_version); byte mismatches: $mismatches"
echo "restore worst / reset --in-place: $(awk -v a="$worst" -v b="$best_inplace" 'BEGIN { printf "%.2f", a / b }')x;" \
  "mean / reset --in-place: $(awk -v t="$total" -v n="$versions" -v b="$best_inplace" 'BEGIN { printf "%.2f", t / n / b }')x;" \
  "restore worst / reset -o: $(awk -v a="$worst" -v b="$best_reset" 'BEGIN { printf "%.2f", a / b }')x"

# A version not compressed yet (kept by the last write, before any gc): restoring it is a copy.
rm -rf "$dir/r" && cp -a "$state" "$dir/r"
"$reprise" -q --state-dir "$dir/r" reset worker_bench --task "Kept plain" --in-place
plain=$((versions + 1))
best_plain=
for run in 1 2 3; do
  sync
  t0=$(now)
  "$reprise" -q --state-dir "$dir/r" restore "worker_bench@$plain" >/dev/null
  t1=$(now)
  t=$(secs "$t0" "$t1")
  best_plain=$(awk -v a="${best_plain:-$t}" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
  if ! cmp -s "$state/worker_bench.json" "$dir/r/worker_bench.json"; then
    echo "plain version $plain: restored bytes differ" >&2
    mismatches=$((mismatches + 1))
  fi
  "$reprise" -q --state-dir "$dir/r" restore "worker_bench@-1" >/dev/null # back, for the next run
  plain=$((plain + 2))
done
echo "restore of a plain version (a copy): best of 3 ${best_plain} s" \
  "($(awk -v a="$best_plain" -v b="$best_inplace" 'BEGIN { printf "%.2f", a / b }')x reset --in-place)"
[ "$mismatches" -eq 0 ]
