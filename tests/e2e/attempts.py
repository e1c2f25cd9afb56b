#!/usr/bin/env python3
"""End-to-end tests of a worker's attempts as a navigable history: every write keeps the previous
version, revisions (ID@N, ID@-1, ID@attempt:K), `log`, `diff` of versions, `restore`, history kept
plain and compacted by `gc` (also by `gc --auto`, and killed midway), finding workers by prefix,
name (--name on every command) and from a subdirectory, and `list` as a finder. The JSON of log,
restore and gc is checked against docs/schemas/reprise.schema.json.

Writes start no background compaction here (REPRISE_AUTO_GC=off) unless a test asks for it, so
that the history's files are what each test made them.

Real files and real processes: the built reprise, the example child, a scratch state dir per case.

    attempts.py --reprise build/dev/reprise --fixtures fixtures [-k NAME]
"""
import argparse
import glob
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import jsonschema

REPRISE = None
FIXTURES = None
CHILD = None
SCHEMA = None


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Run:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


class Case:
    """A scratch project with .harn/workers holding copies of the demo worker."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="reprise-attempts-")
        self.state = os.path.join(self.root, ".harn", "workers")
        os.makedirs(self.state)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def add_worker(self, key, name=None, status=None, **fields):
        doc = json.load(open(os.path.join(FIXTURES, "demo", "worker_demo.json")))
        doc["id"] = key
        if name is not None:
            doc["name"] = name
        if status is not None:
            doc["status"] = status
        doc.update(fields)
        path = self.path(key)
        with open(path, "w") as f:
            f.write(json.dumps(doc, indent=2))
        return path

    def path(self, key):
        return os.path.join(self.state, key + ".json")

    def read(self, key):
        with open(self.path(key), "rb") as f:
            return f.read()

    def run(self, *args, cwd=None, env=None, ok=None, timeout=60):
        full_env = dict(os.environ)
        full_env.pop("HARN_WORKER_STATE_DIR", None)
        full_env["REPRISE_AUTO_GC"] = "off"
        full_env.update(env or {})
        proc = subprocess.run([REPRISE, *args], cwd=cwd or self.root, env=full_env,
                              capture_output=True, text=True, timeout=timeout)
        run = Run(proc)
        if ok is not None:
            check(run.code == ok, f"reprise {' '.join(args)}: expected exit {ok}, got {run!r}")
        return run

    def history(self, key):
        return sorted(os.listdir(os.path.join(self.state, ".reprise", "history", key)),
                      key=lambda n: int(n.split(".")[0]) if n[0].isdigit() else 10**9)

    def versions(self, key):
        return [n for n in self.history(key) if n[0].isdigit()]

    def data(self, schema, *args, ok=0, env=None):
        """The `data` of a command's JSON envelope, checked against its schema."""
        run = self.run(*args, ok=ok, env=env)
        envelope = json.loads(run.out)
        sub = dict(SCHEMA)
        sub["$ref"] = f"#/$defs/data/{schema}"
        jsonschema.validate(envelope, SCHEMA)
        jsonschema.validate(envelope["data"], sub)
        return envelope["data"]


def child(*flags):
    return ["--", sys.executable, CHILD, *flags]


def start_detached(case, key, *flags, task="Run long"):
    """relaunch --detach with a child that prints ready and waits; returns once it runs."""
    run = case.run("relaunch", key, "--task", task, "--detach", *child("--mode", "hang", *flags),
                   ok=0)
    for _ in range(200):
        listed = json.loads(case.run("show", key, "--json", ok=0).out)["data"][0]
        if listed["status"] == "running":
            return run
        time.sleep(0.05)
    raise Failure(f"{key} never ran: {run!r}")


# --- 1. every write keeps the previous version ---------------------------------------------------

def test_every_write_keeps_history(case):
    case.add_worker("worker_a")
    original = case.read("worker_a")
    case.run("reset", "worker_a", "--task", "Again", "--in-place", ok=0)
    check(case.versions("worker_a") == ["1.json"], f"reset kept {case.versions('worker_a')}")
    check(case.run("show", "worker_a@1", "--json", ok=0).out, "show @1")
    # relaunch with a failing child: the reset version and the running version are kept.
    case.run("relaunch", "worker_a", "--task", "Fail now", *child("--mode", "fail"), ok=1)
    failed = case.read("worker_a")
    check(json.loads(failed)["status"] == "failed", "failed")
    n = len(case.versions("worker_a"))
    check(n == 3, f"reset + relaunch + outcome keep 3 versions, got {case.versions('worker_a')}")
    # cancel of a worker that is not running: refused, nothing written.
    run = case.run("cancel", "worker_a", ok=2)
    check("not running" in run.err and "status=failed" in run.err, run)
    check(case.read("worker_a") == failed, "cancel changed a failed worker")
    check(len(case.versions("worker_a")) == n, "cancel kept a version without writing")
    # --force cancels it, and the real latest_error stays in the history.
    case.run("cancel", "worker_a", "--force", ok=0)
    check(json.loads(case.read("worker_a"))["latest_error"] == "worker cancelled", "forced")
    before = json.loads(case.run("show", "worker_a@-1", "--json", ok=0).out)["data"][0]
    check(before["status"] == "failed" and "exit" in (before.get("latest_error") or ""),
          f"the failed version is kept: {before}")
    # suspend and resume of a live run keep versions too; cancel of a running worker works.
    start_detached(case, "worker_a", "--ready")
    count = len(case.versions("worker_a"))
    case.run("suspend", "worker_a", "--reason", "pause", ok=0)
    check(len(case.versions("worker_a")) == count + 1, "suspend kept a version")
    case.run("resume", "worker_a", ok=0)
    check(len(case.versions("worker_a")) == count + 2, "resume kept a version")
    case.run("cancel", "worker_a", "--kill-after", "1s", ok=0)
    check(len(case.versions("worker_a")) == count + 3, "cancel kept a version")
    wait_unlocked(case, "worker_a")
    # every version reads back as valid JSON
    for number in range(1, len(case.versions("worker_a")) + 1):
        case.run("validate", f"worker_a@{number}", ok=0)
    check(original == read_version(case, "worker_a", 1), "version 1 is the original, byte for byte")


def wait_unlocked(case, key):
    for _ in range(200):
        run = case.run("restore", f"{key}@1")
        if run.code != 75:
            # restore worked: undo it again so the test's history stays as expected
            if run.code == 0:
                case.run("restore", f"{key}@-1", ok=0)
            return
        time.sleep(0.05)
    raise Failure(f"{key} stayed locked")


def read_version(case, key, number):
    """The bytes of a version, through a restore into a scratch copy of the state dir."""
    scratch = tempfile.mkdtemp(prefix="reprise-version-")
    try:
        shutil.copytree(case.state, os.path.join(scratch, "w"), symlinks=True)
        state = os.path.join(scratch, "w")
        run = subprocess.run([REPRISE, "--state-dir", state, "restore", f"{key}@{number}"],
                             capture_output=True, text=True,
                             env=dict(os.environ, REPRISE_AUTO_GC="off"))
        check(run.returncode == 0, f"restore {key}@{number}: {run.stderr}")
        with open(os.path.join(state, key + ".json"), "rb") as f:
            return f.read()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --- 2. revisions ---------------------------------------------------------------------------------

def test_revisions(case):
    case.add_worker("worker_r")
    case.run("relaunch", "worker_r", "--task", "First try", *child("--mode", "fail"), ok=1)
    case.run("relaunch", "worker_r", "--task", "Second try", *child(), ok=0)
    versions = case.versions("worker_r")
    check(len(versions) == 4, f"two relaunches keep 4 versions: {versions}")
    first = json.loads(case.run("show", "worker_r@1", "--json", ok=0).out)["data"][0]
    check(first["task"] == "Summarise the incident report in three bullet points.", first)
    check(first["path"].endswith("worker_r.json@1"), first["path"])
    prev = json.loads(case.run("show", "worker_r@-1", "--json", ok=0).out)["data"][0]
    # the running version as harn's loader reads it (no live run owns it any more)
    check(prev["status"] == "interrupted" and prev["task"] == "Second try", prev)
    attempt = json.loads(case.run("show", "worker_r@attempt:1", "--json", ok=0).out)["data"][0]
    check(attempt["task"] == "First try" and attempt["status"] == "interrupted", attempt)
    current = json.loads(case.run("show", "worker_r@5", "--json", ok=0).out)["data"][0]
    check(current["status"] == "completed", current)
    case.run("validate", "worker_r@2", "worker_r@-2", ok=0)
    plan = case.run("reset", "worker_r@attempt:2", "--task", "Third", "--dry-run", "--json", ok=0)
    check(json.loads(plan.out), plan)
    run = case.run("reset", "worker_r@1", "--task", "x", "--in-place", ok=2)
    check("restore" in run.err, run)
    run = case.run("show", "worker_r@9", ok=66)
    check("not kept" in run.err, run)
    case.run("show", "worker_r@attempt:7", ok=66)


# --- 3. log ---------------------------------------------------------------------------------------

def test_log(case):
    case.add_worker("worker_l")
    case.run("reset", "worker_l", "--task", "Reset first", "--in-place", ok=0)
    case.run("relaunch", "worker_l", "--task", "Go", *child("--mode", "fail"), ok=1)
    case.run("relaunch", "worker_l", "--task", "Go again", *child("--mode", "crash"), ok=1)
    text = case.run("log", "worker_l", ok=0).out
    lines = text.splitlines()
    check(lines[0].startswith("version 6 (current)"), text)
    check("attempt 2 ended" in lines[0], text)
    check(any(l.startswith("attempt 2 ") and "SIGSEGV" in l for l in lines), text)
    check(any(l.startswith("attempt 1 ") and "exit 3" in l for l in lines), text)
    check("running -> failed" in text, text)
    check("logs " in text and "/.reprise/logs/worker_l/1.out" in text, text)
    entries = json.loads(case.run("log", "worker_l", "--json", ok=0).out)["data"]
    kinds = [e["kind"] for e in entries]
    check(kinds.count("version") == 6 and kinds.count("attempt") == 2, kinds)
    attempts = {e["attempt"]: e for e in entries if e["kind"] == "attempt"}
    check(attempts[1]["exit"] == {"code": 3} and attempts[1]["status"] == "failed", attempts[1])
    check(attempts[2]["exit"]["signal_name"] == "SIGSEGV", attempts[2])
    check(attempts[1]["duration_ms"] >= 0 and attempts[1]["log_err"].endswith("1.err"), attempts)
    versions = {e["version"]: e for e in entries if e["kind"] == "version"}
    check(versions[2]["written_by"] == "reset", versions[2])
    check(versions[3]["written_by"] == "relaunch" and versions[3]["attempt"] == 1, versions[3])
    check(versions[4]["written_by"] == "finish" and versions[4]["status"] == "failed", versions[4])
    check(versions[6]["current"] and versions[6]["size"] == len(case.read("worker_l")), versions)
    patch = case.run("log", "worker_l", "--patch", ok=0).out
    check("/status" in patch and "failed" in patch, patch)
    # by name
    named = case.run("log", "--name", "demo-researcher", ok=0).out
    check(named == text, "log --name")
    case.data("log", "log", "worker_l", "--json")


# --- 4. diff of versions and workers --------------------------------------------------------------

def test_diff(case):
    case.add_worker("worker_d")
    case.add_worker("worker_e", task="Something else entirely")
    case.run("reset", "worker_d", "--task", "New task", "--in-place", ok=0)
    run = case.run("diff", "worker_d", ok=1)
    check("New task" in run.out, run)
    run = case.run("diff", "worker_d@1", "worker_d", "--format", "json", ok=1)
    check(json.loads(run.out), run)
    case.run("diff", "worker_d@2", "worker_d", ok=0)
    run = case.run("diff", "worker_d", "worker_e", ok=1)
    check("Something else entirely" in run.out, run)
    # paths still work
    case.run("diff", case.path("worker_d"), case.path("worker_d"), ok=0)
    run = case.run("diff", "worker_e", ok=66)
    check("no version before" in run.err, run)


# --- 5. restore -----------------------------------------------------------------------------------

def test_restore(case):
    case.add_worker("worker_s")
    original = case.read("worker_s")
    os.chmod(case.path("worker_s"), 0o600)
    case.run("reset", "worker_s", "--task", "Changed", "--in-place", ok=0)
    changed = case.read("worker_s")
    data = case.data("restore", "restore", "worker_s@1", "--json")
    check(data["restored"] == 1 and data["version"] == 3 and data["replaced"] == 2, data)
    check(case.read("worker_s") == original, "restore is byte-exact")
    check(os.stat(case.path("worker_s")).st_mode & 0o777 == 0o600, "mode kept")
    def modes():
        for name in case.versions("worker_s"):
            mode = os.stat(os.path.join(case.state, ".reprise/history/worker_s", name)).st_mode
            check(mode & 0o777 == 0o600, f"history of a 0600 snapshot is 0600: {name} {oct(mode)}")
    modes()
    case.run("gc", ok=0)
    check(all(v.endswith(".zst") for v in case.versions("worker_s")), case.versions("worker_s"))
    modes()
    # undo the undo
    case.run("restore", "worker_s@-1", ok=0)
    check(case.read("worker_s") == changed, "restore of the restore")
    run = case.run("restore", "worker_s", ok=2)
    check("needs a version" in run.err, run)
    # refused while running (75), and nothing changed
    start_detached(case, "worker_s")
    running = case.read("worker_s")
    run = case.run("restore", "worker_s@1", ok=75)
    check(case.read("worker_s") == running, "a refused restore wrote")
    case.run("cancel", "worker_s", "--kill-after", "1s", ok=0)


# --- 6. history kept plain, compacted by gc; ten cycles; gc --auto; gc killed midway -------------

def test_ten_cycles_byte_exact_and_gc(case):
    case.add_worker("worker_t")
    seen = [case.read("worker_t")]
    for cycle in range(10):
        case.run("reset", "worker_t", "--task", f"Cycle {cycle}", "--in-place", ok=0)
        seen.append(case.read("worker_t"))
        mode = "fail" if cycle % 2 else "ok"
        case.run("relaunch", "worker_t", "--task", f"Run {cycle}", *child("--mode", mode),
                 ok=1 if mode == "fail" else 0)
        # the running version is not observable from here: take it from the history
        seen.append(None)
        seen.append(case.read("worker_t"))
    versions = case.versions("worker_t")
    check(len(versions) == len(seen) - 1, f"{len(versions)} versions for {len(seen)} states")
    check(all(v.endswith(".json") for v in versions), f"kept plain: {versions}")

    def byte_exact(when):
        for number, expected in enumerate(seen, start=1):
            if expected is None or number > len(versions):
                continue
            check(read_version(case, "worker_t", number) == expected,
                  f"version {number} byte-exact {when}")

    byte_exact("before compaction")
    data = case.data("gc", "gc", "worker_t", "--json")
    check(data["compacted"] == len(versions) and data["versions"] == 0, data)
    versions = case.versions("worker_t")
    check(all(v.endswith(".zst") for v in versions), versions)
    check(any(".d" in v for v in versions), f"deltas: {versions}")
    stored = sum(os.path.getsize(os.path.join(case.state, ".reprise/history/worker_t", v))
                 for v in versions)
    check(stored < len(seen[0]) * 3, f"history {stored} B for {len(versions)} versions")
    byte_exact("after compaction")
    # prune: keep 3; versions below are gone, with a clear error, and log still works
    run = case.run("gc", "--keep", "3", ok=0)
    check("removed" in run.out, run)
    left = case.versions("worker_t")
    check(len(left) <= 4, f"after gc --keep 3: {left}")
    run = case.run("show", "worker_t@2", ok=66)
    check("pruned" in run.err, run)
    log = json.loads(case.run("log", "worker_t", "--json", ok=0).out)["data"]
    check([e for e in log if e["kind"] == "version" and e["current"]], log)
    check(len([e for e in log if e["kind"] == "attempt"]) <= 3, "attempts pruned")
    logs = glob.glob(os.path.join(case.state, ".reprise/logs/worker_t/*.out"))
    check(len(logs) <= 3, logs)
    case.run("diff", "worker_t", ok=1)
    # numbers go on after pruning
    case.run("reset", "worker_t", "--task", "After gc", "--in-place", ok=0)
    check(case.versions("worker_t")[-1].startswith(str(len(seen))), case.versions("worker_t"))
    run = case.run("gc", "--older-than", "0s", ok=0)
    check("removed" in run.out, run)


def test_old_plain_history_reads(case):
    case.add_worker("worker_o")
    hist = os.path.join(case.state, ".reprise/history/worker_o")
    os.makedirs(hist)
    shutil.copy(case.path("worker_o"), os.path.join(hist, "1.json"))
    case.run("reset", "worker_o", "--task", "New", "--in-place", ok=0)
    check(case.versions("worker_o") == ["1.json", "2.json"], case.versions("worker_o"))
    case.run("show", "worker_o@1", ok=0)
    case.run("diff", "worker_o@1", "worker_o@2", ok=0)
    case.run("gc", ok=0)
    check(case.versions("worker_o") == ["1.zst", "2.d1.zst"], case.versions("worker_o"))
    case.run("diff", "worker_o@1", "worker_o@2", ok=0)


# --- 7. finding workers ---------------------------------------------------------------------------

def big_worker(case, key, megabytes):
    """A worker whose transcript is `megabytes` MB of varied text (compaction takes a while)."""
    doc = json.load(open(os.path.join(FIXTURES, "demo", "worker_demo.json")))
    doc["id"] = key
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    rng = __import__("random").Random(7)
    text = " ".join(rng.choice(words) + str(rng.randrange(10000))
                    for _ in range(megabytes * 100000))
    doc.setdefault("transcript", {})["notes"] = text
    with open(case.path(key), "w") as f:
        f.write(json.dumps(doc, indent=2))


def test_auto_compaction(case):
    case.add_worker("worker_w")
    # At most k_plain_versions_max (2) plain versions: nothing starts.
    for n in range(2):
        case.run("reset", "worker_w", "--task", f"Task {n}", "--in-place", ok=0,
                 env={"REPRISE_AUTO_GC": "wait"})
    check(case.versions("worker_w") == ["1.json", "2.json"], case.versions("worker_w"))
    # The third: the write compacts them (waited for here, so the files can be looked at).
    case.run("reset", "worker_w", "--task", "Task 2", "--in-place", ok=0,
             env={"REPRISE_AUTO_GC": "wait"})
    check(case.versions("worker_w") == ["1.zst", "2.d1.zst", "3.d1.zst"], case.versions("worker_w"))
    # Detached (the default): the command returns, the compaction follows in the background.
    for n in range(3, 6):
        case.run("reset", "worker_w", "--task", f"Task {n}", "--in-place", ok=0, env={
            "REPRISE_AUTO_GC": ""})
    for _ in range(600):
        if all(v.endswith(".zst") for v in case.versions("worker_w")):
            break
        time.sleep(0.05)
    check(all(v.endswith(".zst") for v in case.versions("worker_w")), case.versions("worker_w"))
    check(len(case.versions("worker_w")) == 6, case.versions("worker_w"))
    check(json.loads(read_version(case, "worker_w", 6))["task"] == "Task 4", "version 6")


def test_gc_killed_midway(case):
    """SIGKILL a gc at random moments: no version is ever lost or damaged, the next gc finishes."""
    big_worker(case, "worker_k", 2)
    rng = __import__("random").Random(11)
    expected = {}  # version number -> bytes

    def add_versions(count):
        for _ in range(count):
            number = len(expected) + 1
            expected[number] = case.read("worker_k")
            case.run("reset", "worker_k", "--task", f"Version {number + 1}", "--in-place", ok=0)

    def history_dir():
        return os.path.join(case.state, ".reprise/history/worker_k")

    def check_all(when):
        names = case.versions("worker_k")
        numbers = sorted({int(n.split(".")[0]) for n in names})
        check(numbers == sorted(expected), f"{when}: versions {names}")
        for number in sorted(expected):
            check(read_version(case, "worker_k", number) == expected[number],
                  f"{when}: version {number} byte-exact")

    add_versions(3)
    started = time.monotonic()
    case.run("gc", ok=0)
    took = time.monotonic() - started
    add_versions(3)
    for round_ in range(30):
        # Something to compact in most rounds, and never more than the 50 versions a write keeps.
        if all(v.endswith(".zst") for v in case.versions("worker_k")) and len(expected) < 40:
            add_versions(2)
        env = dict(os.environ, REPRISE_AUTO_GC="off")
        gc = subprocess.Popen([REPRISE, "--state-dir", case.state, "gc"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, took * 1.5))
        gc.send_signal(signal.SIGKILL)
        gc.wait()
        if round_ % 10 == 9:
            check_all(f"after kill {round_}")
    case.run("gc", ok=0)
    check(all(v.endswith(".zst") for v in case.versions("worker_k")), case.versions("worker_k"))
    leftovers = [n for n in os.listdir(history_dir()) if n.startswith(".")]
    check(not leftovers, f"temporary files left: {leftovers}")
    check_all("after the last gc")


def test_name_on_every_command(case):
    case.add_worker("worker_n1", name="alpha")
    case.add_worker("worker_n2", name="twin")
    case.add_worker("worker_n3", name="twin")
    original = case.read("worker_n1")
    case.run("validate", "--name", "alpha", ok=0)
    case.run("reset", "worker_n1", "--task", "Named", "--in-place", ok=0)
    diff = case.run("diff", "--name", "alpha", ok=1)
    check("Named" in diff.out, diff)
    case.run("diff", "--name", "alpha", "@1", "@2", ok=1)
    data = case.data("restore", "restore", "--name", "alpha", "@1", "--json")
    check(data["target"].endswith("worker_n1.json") and data["restored"] == 1, data)
    check(case.read("worker_n1") == original, "restore --name")
    case.data("gc", "gc", "--name", "alpha", "--json")
    check(all(v.endswith(".zst") for v in case.versions("worker_n1")), case.versions("worker_n1"))
    case.run("relaunch", "--name", "alpha", "--task", "Run by name", *child(), ok=0)
    waited = json.loads(case.run("wait", "--name", "alpha", "--json", "--timeout", "5s", ok=0).out)
    check(waited["data"][0]["worker_id"] == "worker_n1", waited)
    # ambiguous: a usage error listing the candidates, nothing changed
    before = case.read("worker_n2")
    for args in (["cancel", "--name", "twin"], ["suspend", "--name", "twin", "--reason", "x"],
                 ["gc", "--name", "twin"], ["restore", "--name", "twin", "@1"]):
        run = case.run(*args, ok=2)
        check("worker_n2" in run.err and "worker_n3" in run.err, run)
    check(case.read("worker_n2") == before, "an ambiguous name changed a worker")
    # none: not found (66)
    for args in (["cancel", "--name", "nobody"], ["validate", "--name", "nobody"],
                 ["relaunch", "--name", "nobody", "--task", "x", *child()],
                 ["diff", "--name", "nobody"]):
        run = case.run(*args, ok=66)
        check("no worker named 'nobody'" in run.err, run)
    # both a TARGET and --name
    run = case.run("cancel", "worker_n1", "--name", "alpha", ok=2)
    check("not both" in run.err, run)


def test_prefix_name_walk_up(case):
    case.add_worker("worker_019dda5c-ad40-710a-ab2c-3d4e5f6a7b8c", name="alpha")
    case.add_worker("worker_019dda5d-97a0-720a-ab2c-3d4e5f6a7b8c", name="beta")
    case.add_worker("worker_019dda61-4120-750a-ab2c-3d4e5f6a7b8c", name="beta")
    run = case.run("show", "019dda5c", "--json", ok=0)
    check(json.loads(run.out)["data"][0]["name"] == "alpha", run)
    case.run("show", "worker_019dda5d", ok=0)
    run = case.run("show", "019dda", ok=2)
    check("ambiguous" in run.err and "worker_019dda5c-ad40-710a-ab2c-3d4e5f6a7b8c" in run.err
          and "worker_019dda61" in run.err, run)
    case.run("relaunch", "019dda5", "--task", "x", *child(), ok=2)
    case.run("show", "--name", "alpha", ok=0)
    run = case.run("show", "--name", "beta", ok=2)
    check("2 workers are named 'beta'" in run.err, run)
    case.run("show", "--name", "gamma", ok=66)
    # from a subdirectory, like git
    sub = os.path.join(case.root, "src", "deep")
    os.makedirs(sub)
    run = case.run("show", "019dda5c", cwd=sub, ok=0)
    check("alpha" in run.out, run)
    run = case.run("list", "--ids", cwd=sub, ok=0)
    check(len(run.out.split()) == 3, run)
    # still overridden by --state-dir and HARN_WORKER_STATE_DIR
    elsewhere = tempfile.mkdtemp(prefix="reprise-other-")
    try:
        case.run("show", "019dda5c", cwd=sub, env={"HARN_WORKER_STATE_DIR": elsewhere}, ok=66)
        case.run("--state-dir", elsewhere, "show", "019dda5c", cwd=sub, ok=66)
    finally:
        shutil.rmtree(elsewhere)


# --- 8. list as a finder --------------------------------------------------------------------------

def test_list_finder(case):
    case.add_worker("worker_1", name="build-alpha", status="failed",
                    started_at="019ddad4-9c60-7111-a131-415161718190")
    case.add_worker("worker_2", name="build-beta", status="completed",
                    started_at="019ddad5-9c60-7111-a131-415161718190")
    case.add_worker("worker_3", name="review", status="failed",
                    started_at="019ddad6-9c60-7111-a131-415161718190")
    run = case.run("list", "--status", "faild", ok=2)
    check("faild" in run.err, run)
    case.run("list", "--mode", "nonsense", ok=2)
    run = case.run("list", "--name", "build-*", "--ids", ok=0)
    check(run.out.split() == ["worker_1", "worker_2"], run)
    run = case.run("list", "--sort", "name", "--no-headers", ok=0)
    names = [line.split()[1] for line in run.out.splitlines()]
    check(names == ["build-alpha", "build-beta", "review"], run)
    run = case.run("list", "--sort", "-started", "--ids", ok=0)
    check(run.out.split() == ["worker_3", "worker_2", "worker_1"], run)
    case.run("list", "--sort", "colour", ok=2)
    started = 0x019ddad6 << 16 | 0x9c60  # worker_3; the others started 65.5 s apart before it
    run = case.run("--now", str(started + 1000), "list", "--since", "100s", "--ids", ok=0)
    check(run.out.split() == ["worker_2", "worker_3"], run)
    # nothing on a pipe; one line on a terminal
    run = case.run("list", "--status", "running", ok=0)
    check(run.out == "", run)
    out = run_on_terminal([REPRISE, "--state-dir", case.state, "list", "--status", "running"])
    check("no workers match" in out, out)


def run_on_terminal(argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            break
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    return out.decode(errors="replace")


TESTS = [v for k, v in sorted(globals().items()) if k.startswith("test_")]


def main():
    global REPRISE, FIXTURES, CHILD
    parser = argparse.ArgumentParser()
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("-k", default="")
    args = parser.parse_args()
    REPRISE = os.path.abspath(args.reprise)
    FIXTURES = os.path.abspath(args.fixtures)
    CHILD = os.path.join(FIXTURES, "children", "example_child.py")
    global SCHEMA
    with open(os.path.join(os.path.dirname(FIXTURES), "docs", "schemas",
                           "reprise.schema.json")) as f:
        SCHEMA = json.load(f)
    failed = 0
    for test in TESTS:
        if args.k not in test.__name__:
            continue
        case = Case()
        started = time.monotonic()
        try:
            test(case)
            print(f"ok   {test.__name__} ({time.monotonic() - started:.1f} s)")
        except Exception:
            failed += 1
            print(f"FAIL {test.__name__}")
            traceback.print_exc()
            # stop any detached child the test left behind
            subprocess.run([REPRISE, "--state-dir", case.state, "list", "--ids"],
                           capture_output=True)
        finally:
            case.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
