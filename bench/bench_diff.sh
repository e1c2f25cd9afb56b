#!/usr/bin/env bash
# Times `reprise diff` against jsondiffpatch and `diff <(jq -S . A) <(jq -S . B)` on generated
# pairs of harn-shaped snapshots that differ by one message inserted mid-transcript, one message
# changed, one artifact added and the status. Prints time, peak memory and changes reported
# ("jdp diff()" is jsondiffpatch's library call alone, "jdp CLI" its command-line tool, which also
# formats the delta; both report the same delta; jq + diff counts hunks).
#
#   bench/bench_diff.sh [REPRISE]        (default build/release/reprise)
#   SIZES="25 150" JSONDIFFPATCH_MAX_MB=150 bench/bench_diff.sh build/release/reprise
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
reprise=${1:-$root/build/release/reprise}
sizes=${SIZES:-25 150}
jdp_max=${JSONDIFFPATCH_MAX_MB:-150}
out=$root/bench/out/diff
mkdir -p "$out"

if [ ! -d "$here/node_modules/jsondiffpatch" ]; then
  npm install --no-save --silent --no-audit --no-fund --prefix "$here" jsondiffpatch >/dev/null
fi

# Runs a command, printing "<seconds> <peak MiB>" to fd 3 and the command's stdout to stdout.
measure() {
  local status=0
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" || status=$?
  read -r seconds kib < <(tail -n 1 "$out/time.txt")
  echo "$seconds $((kib / 1024))" >&3
  return "$status"
}

printf '%-6s %-14s %9s %10s %9s\n' "MiB" "tool" "seconds" "peak MiB" "changes"
for size in $sizes; do
  a=$out/a-$size.json
  b=$out/b-$size.json
  if [ ! -f "$a" ] || [ ! -f "$b" ]; then
    python3 "$here/gen_diff_pair.py" --size-mb "$size" --out-a "$a" --out-b "$b" 2>/dev/null
  fi
  together=$(( ($(stat -c %s "$a") + $(stat -c %s "$b")) / 1048576 ))

  changes=$( { measure "$reprise" -v diff "$a" "$b" --format json >"$out/reprise.json" || true; } 3>"$out/m.txt"
             python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["differences"])' "$out/reprise.json")
  read -r s m <"$out/m.txt"
  printf '%-6s %-14s %9s %10s %9s\n' "$size" "reprise" "$s" "$m" "$changes"

  { measure bash -c 'diff <(jq -S . "$1") <(jq -S . "$2") >"$3" || true' _ "$a" "$b" "$out/jq.diff"; } 3>"$out/m.txt"
  read -r s m <"$out/m.txt"
  printf '%-6s %-14s %9s %10s %9s\n' "$size" "jq -S + diff" "$s" "$m" "$(grep -c '^[0-9]' "$out/jq.diff")"

  if [ "$size" -le "$jdp_max" ]; then
    changes=$( { measure node --max-old-space-size=8192 "$here/jsondiffpatch_count.mjs" "$a" "$b"; } 3>"$out/m.txt")
    read -r s m <"$out/m.txt"
    printf '%-6s %-14s %9s %10s %9s\n' "$size" "jdp diff()" "$s" "$m" "$changes"
    # The command-line tool a user runs: the same diff, then its console formatter.
    { measure timeout "${JSONDIFFPATCH_TIMEOUT:-900}" node --max-old-space-size=8192 \
        "$here/node_modules/jsondiffpatch/bin/jsondiffpatch.js" "$a" "$b" >/dev/null || true; } 3>"$out/m.txt"
    read -r s m <"$out/m.txt"
    printf '%-6s %-14s %9s %10s %9s\n' "$size" "jdp CLI" "$s" "$m" "$changes"
  fi
  echo "($size MiB pair: A+B = $together MiB on disk)"
done
