#!/usr/bin/env python3
"""Load: `list` and `wait` over 10,000 workers; 100 `wait`s on one running worker that then
finishes (each returns the worker's exit code); 200 relaunches through `--jobs 8` while another
process lists and resets other workers of the same state dir. Nothing may fail and no update may
be lost. Timings are printed, never asserted (docs/reliability.md records them).

    load.py --reprise build/dev/reprise --fixtures fixtures [-k NAME]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

REPRISE = None
FIXTURES = None


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Case:
    """A scratch state dir."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="reprise-load-")
        self.state = os.path.join(self.root, "workers")
        os.makedirs(self.state)
        self.env = dict(os.environ, HARN_WORKER_STATE_DIR=self.state)
        for name in ("REPRISE_MAX_SIZE", "NO_COLOR", "PAGER", "REPRISE_COMMAND"):
            self.env.pop(name, None)
        with open(os.path.join(FIXTURES, "demo", "worker_demo.json")) as f:
            self.template = json.load(f)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def add_workers(self, keys, **fields):
        for key in keys:
            doc = dict(self.template, id=key, **fields)
            with open(os.path.join(self.state, key + ".json"), "w") as f:
                json.dump(doc, f, indent=2)

    def run(self, *args, timeout=120, stdin=None):
        return subprocess.run([REPRISE, *args], cwd=self.root, env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=timeout)

    def start(self, *args):
        return subprocess.Popen([REPRISE, *args], cwd=self.root, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def script(self, name, body):
        path = os.path.join(self.root, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(path, 0o755)
        return path

    def snapshot(self, key):
        with open(os.path.join(self.state, key + ".json")) as f:
            return json.load(f)


def timed(what, function):
    start = time.monotonic()
    result = function()
    print(f"     {what}: {time.monotonic() - start:.2f}s")
    return result


def test_list_and_wait_over_10000_workers(case):
    keys = [f"worker_load_{i:05d}" for i in range(10_000)]
    case.add_workers(keys, status="completed")
    listed = timed("list --json over 10,000", lambda: case.run("list", "--json"))
    check(listed.returncode == 0, f"list: {listed.returncode} {listed.stderr}")
    rows = json.loads(listed.stdout)["data"]
    check(len(rows) == 10_000 and all(r["state"] == "ok" and r["status"] == "completed"
                                      for r in rows), f"10,000 completed rows, got {len(rows)}")
    ids = timed("list --ids over 10,000", lambda: case.run("list", "--ids"))
    check(ids.stdout.split() == keys, "list --ids gives every id in order")
    waited = timed("wait on 10,000 settled", lambda: case.run("wait", *keys, "--timeout", "60s"))
    check(waited.returncode == 0 and len(waited.stdout.splitlines()) == 10_000,
          f"wait on 10,000 completed workers: exit 0, a line each: {waited.returncode} "
          f"{waited.stderr[:500]}")
    case.add_workers([keys[7_777]], status="failed")
    waited = case.run("wait", *keys, "--json", "--timeout", "60s")
    check(waited.returncode == 1, f"one failed worker of 10,000: wait exits 1: {waited.returncode}")
    statuses = {r["worker_id"]: r["status"] for r in json.loads(waited.stdout)["data"]}
    check(statuses[keys[7_777]] == "failed" and list(statuses.values()).count("completed") == 9_999,
          "wait --json reports each worker's status")


def hundred_waits(case, key, mode, expected):
    ready = os.path.join(case.root, f"ready-{mode}")
    go = os.path.join(case.root, f"go-{mode}")
    exit_code = "0" if mode == "ok" else "3"
    child = case.script(f"child-{mode}.sh",
                        f'touch {ready}\nwhile [ ! -e {go} ]; do sleep 0.02; done\n'
                        f"printf '{{}}' > \"$REPRISE_RESULT\"\nexit {exit_code}\n")
    relaunch = case.start("relaunch", key, "--task", f"Wait for me ({mode})", "--", child)
    deadline = time.monotonic() + 60
    while not os.path.exists(ready):
        check(time.monotonic() < deadline and relaunch.poll() is None,
              f"the child of relaunch starts: {relaunch.poll()}")
        time.sleep(0.02)
    waits = [case.start("wait", key, "--timeout", "120s") for _ in range(100)]
    # The waits register (a socket each) while the worker runs; then it finishes.
    waiters = os.path.join(case.state, ".reprise", "waiters", key)
    deadline = time.monotonic() + 60
    while len(os.listdir(waiters) if os.path.isdir(waiters) else []) < 100:
        still = [w.poll() for w in waits if w.poll() is not None]
        check(not still, f"a wait returned while the worker runs: {still}")
        check(time.monotonic() < deadline, "100 waits registered")
        time.sleep(0.02)
    open(go, "w").close()
    relaunch.communicate(timeout=60)
    check(relaunch.returncode == expected, f"relaunch exits {expected}: {relaunch.returncode}")
    codes = []
    for wait in waits:
        out, err = wait.communicate(timeout=120)
        codes.append(wait.returncode)
        check(wait.returncode == expected, f"wait exits {expected}: {wait.returncode} {out} {err}")
    check(os.listdir(waiters) == [], f"every wait removed its socket: {os.listdir(waiters)}")


def test_hundred_waits_on_one_worker(case):
    key = "worker_waited"
    case.add_workers([key], status="completed")
    timed("100 waits, the worker completes", lambda: hundred_waits(case, key, "ok", 0))
    timed("100 waits, the worker fails", lambda: hundred_waits(case, key, "fail", 1))


def test_relaunches_with_jobs_while_others_reset(case):
    batch = [f"worker_batch_{i:03d}" for i in range(200)]
    others = [f"worker_other_{i:02d}" for i in range(10)]
    case.add_workers(batch + others, status="completed")
    child = case.script("child.sh", "printf '{\"payload\": {\"ok\": true}}' > \"$REPRISE_RESULT\"\n")
    done = threading.Event()
    resets = {key: [] for key in others}
    problems = []

    def meddle():
        n = 0
        while not done.is_set():
            key = others[n % len(others)]
            task = f"Reset {n}"
            run = case.run("reset", key, "--task", task, "--in-place")
            if run.returncode != 0:
                problems.append(f"reset {key}: {run.returncode} {run.stderr}")
            else:
                resets[key].append(task)
            listed = case.run("list", "--ids")
            if listed.returncode != 0 or len(listed.stdout.split()) != len(batch) + len(others):
                problems.append(f"list: {listed.returncode} {listed.stderr}")
            n += 1

    meddler = threading.Thread(target=meddle)
    meddler.start()
    try:
        relaunched = timed("200 relaunches with --jobs 8, resets and lists beside",
                           lambda: case.run("relaunch", "--stdin-ids", "--task", "Batch", "-j", "8",
                                            "--jsonl", "--", child, stdin="\n".join(batch) + "\n",
                                            timeout=170))
    finally:
        done.set()
        meddler.join()
    check(relaunched.returncode == 0, f"relaunch of 200: {relaunched.returncode} "
                                      f"{relaunched.stderr[-2000:]}")
    rows = [json.loads(line) for line in relaunched.stdout.splitlines() if line.strip()]
    check(len(rows) == 200, f"a row per relaunched worker: {len(rows)}")
    check(not problems, f"the concurrent lists and resets all worked: {problems[:5]}")
    for key in batch:
        doc = case.snapshot(key)
        check(doc["status"] == "completed" and doc["task"] == "Batch" and
              doc.get("latest_payload") == {"ok": True}, f"{key} was relaunched and completed")
    count = sum(len(tasks) for tasks in resets.values())
    check(count > 0, "the other process reset workers meanwhile")
    for key, tasks in resets.items():
        if not tasks:
            continue
        check(case.snapshot(key)["task"] == tasks[-1], f"{key}: the last reset is what is on disk")
        log = json.loads(case.run("log", key, "--json").stdout)["data"]
        versions = [e for e in log if e["kind"] == "version"]
        check(len(versions) == len(tasks) + 1,
              f"{key}: a version per reset plus the first: {len(versions)} for {len(tasks)}")
    print(f"     {count} resets and as many lists beside the batch")


TESTS = [test_list_and_wait_over_10000_workers, test_hundred_waits_on_one_worker,
         test_relaunches_with_jobs_while_others_reset]


def main():
    global REPRISE, FIXTURES
    # No background compaction of history: it would outlive a case and write temporaries into
    # a folder being checked or removed.
    os.environ["REPRISE_AUTO_GC"] = "off"
    parser = argparse.ArgumentParser()
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("-k", dest="only")
    args = parser.parse_args()
    REPRISE = os.path.abspath(args.reprise)
    FIXTURES = os.path.abspath(args.fixtures)
    failures = []
    for test in TESTS:
        if args.only and args.only not in test.__name__:
            continue
        case = Case()
        start = time.monotonic()
        try:
            test(case)
            print(f"ok   {test.__name__} ({time.monotonic() - start:.1f}s)")
            case.close()
        except Exception:  # noqa: BLE001 - report every failure, then fail
            failures.append(test.__name__)
            print(f"FAIL {test.__name__} (kept {case.root})")
            traceback.print_exc(file=sys.stdout)
    if failures:
        print(f"{len(failures)} failed: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
