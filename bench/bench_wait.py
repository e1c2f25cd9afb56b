#!/usr/bin/env python3
"""Wake-up latency of `reprise wait` after a detached child finishes.

For each run: relaunch the demo worker with --detach and a child that sleeps, then records the
monotonic time just before it exits; start `reprise wait`; the latency is the time from the child's
last instant (wall clock, ns) to the waiter's exit (it includes the supervisor writing the outcome).
Prints p50/p99 and the deciles.
Usage: bench/bench_wait.py REPRISE [RUNS]
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# The child's last act is `date` writing the wall clock in ns: no interpreter teardown to hide in.
CHILD = ["sh", "-c", 'sleep 0.15; exec date +%s%N > "$BENCH_END"']


def main():
    reprise = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    state = tempfile.mkdtemp(prefix="reprise-bench-wait-")
    try:
        shutil.copy(os.path.join(root, "fixtures/demo/worker_demo.json"), state)
        end_file = os.path.join(state, "end")
        env = dict(os.environ, BENCH_END=end_file)
        latencies = []
        for _ in range(runs):
            subprocess.run([reprise, "-q", "--state-dir", state, "relaunch", "worker_demo",
                            "--task", "bench", "--detach", "--", *CHILD],
                           check=True, env=env, stdout=subprocess.DEVNULL)
            waiter = subprocess.Popen([reprise, "--state-dir", state, "wait", "worker_demo"],
                                      stdout=subprocess.DEVNULL)
            waiter.wait()
            woke = time.time_ns()
            with open(end_file) as f:
                ended = int(f.read())
            latencies.append((woke - ended) / 1e6)
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"wait wake-up latency over {runs} runs: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
              f"(min {latencies[0]:.2f}, max {latencies[-1]:.2f})")
        # The spread shows whether delays come in steps (kernel work timed in jiffies).
        deciles = [latencies[min(len(latencies) - 1, len(latencies) * k // 10)] for k in range(1, 10)]
        print("deciles (ms): " + " ".join(f"{d:.1f}" for d in deciles))
    finally:
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
