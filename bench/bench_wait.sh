#!/usr/bin/env bash
# Wake-up latency of `reprise wait` after a detached child ends (p50/p99). Usage: bench/bench_wait.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
reprise=${REPRISE:-build/release/reprise}
python3 bench/bench_wait.py "$reprise" "${1:-200}"
