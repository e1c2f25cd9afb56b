#!/bin/sh
# Times `reprise reset` (send_input with a transcript fork, written with -o) on generated workflow
# snapshots of 10, 50 and 150 MiB against the baselines: the Python and jq reference resets and a
# plain `cp`. Prints wall time (best of N runs), peak RSS, and the ratios the targets are about:
# reprise vs Python (target >= 10x faster at 150 MiB), reprise vs cp (target within 5x), and peak
# RSS / file size (target <= 2.5).
# Usage: bench/bench_reset.sh [path/to/reprise] [sizes in MiB...]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
reprise=${1:-$here/build/release/reprise}
[ $# -gt 0 ] && shift
sizes=${*:-10 50 150}
runs=${RUNS:-3}
dir=$(mktemp -d "${TMPDIR:-/tmp}/reprise-bench-reset.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

# best_of N CMD...: prints "seconds peak_kb" of the fastest of N runs (peak = max over the runs).
best_of() {
  n=$1
  shift
  best=
  peak=0
  i=0
  while [ "$i" -lt "$n" ]; do
    # Wall time in ns around the run (/usr/bin/time rounds to 10 ms, too coarse for cp); the
    # 1-2 ms that /usr/bin/time itself adds is the same for every tool.
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$dir/time" "$@" >/dev/null 2>"$dir/stderr" || {
      cat "$dir/stderr" >&2
      return 1
    }
    end=$(date +%s%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    read -r m <"$dir/time"
    best=$(awk -v a="${best:-$t}" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    peak=$(awk -v a="$peak" -v b="$m" 'BEGIN { print (b > a) ? b : a }')
    i=$((i + 1))
  done
  echo "$best $peak"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else printf "n/a" }'; }

echo "reprise: $reprise ($("$reprise" --version))"
echo "runs per measurement: $runs (Python and jq: 1); simdjson DOM with run-time kernel dispatch"
printf '%-6s %-10s %9s %10s\n' "MiB" "tool" "seconds" "peak MB"
for size in $sizes; do
  snap="$dir/snap-$size.json"
  python3 "$here/bench/gen_snapshot.py" --size-mb "$size" --out "$snap" --seed 1
  # Every tool starts from a file that is on disk and in the page cache, not one still being
  # written back (which would slow whichever tool ran first).
  sync "$snap"
  bytes=$(wc -c <"$snap")
  set -- $(best_of "$runs" "$reprise" --now 1777485641000 --seed 7 reset "$snap" \
    --task "Next task" --transcript-mode fork -o "$dir/out-reprise.json")
  r_t=$1 r_m=$2
  set -- $(best_of "$runs" cp "$snap" "$dir/out-cp.json")
  c_t=$1 c_m=$2
  set -- $(best_of 1 python3 "$here/bench/reference_reset.py" "$snap" "$dir/out-py.json" \
    "Next task")
  p_t=$1 p_m=$2
  set -- $(best_of 1 sh -c 'jq --indent 2 --arg task "Next task" \
    --arg started_at 019dda66-7528-75d7-844c-3cd7f43c661c \
    --arg transcript_id 019dda66-7528-75d7-844c-3cd8aeed901f \
    -f "$1" "$2" > "$3"' sh "$here/bench/reference_reset.jq" "$snap" "$dir/out-jq.json")
  j_t=$1 j_m=$2
  for row in "reprise $r_t $r_m" "cp $c_t $c_m" "python $p_t $p_m" "jq $j_t $j_m"; do
    set -- $row
    printf '%-6s %-10s %9s %10s\n' "$size" "$1" "$2" "$(awk -v k="$3" 'BEGIN { printf "%.0f", k / 1024 }')"
  done
  printf '%-6s ratios: python/reprise %sx, jq/reprise %sx, reprise/cp %sx, peak RSS/file %s\n' \
    "$size" "$(ratio "$p_t" "$r_t")" "$(ratio "$j_t" "$r_t")" "$(ratio "$r_t" "$c_t")" \
    "$(awk -v m="$r_m" -v b="$bytes" 'BEGIN { printf "%.2f", m * 1024 / b }')"
  rm -f "$snap" "$dir"/out-*.json
done
