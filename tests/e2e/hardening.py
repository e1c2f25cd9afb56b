#!/usr/bin/env python3
"""End-to-end regression tests for what an attacker or a flaky machine found: links planted under
.reprise/, a .reprise/ that is not the user's own, modes of the files reprise creates, special files
given as snapshots or made by a child, the input size limit, duplicate keys, standard output that
cannot be written, temporary files left by killed writers, an ignored SIGHUP, and terminal escapes
from a snapshot's text.

Real files and real processes: the built reprise, the example child, a scratch state dir per case.

    hardening.py --reprise build/dev/reprise --fixtures fixtures [-k NAME]
"""
import argparse
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import shutil
import time
import traceback

REPRISE = None
FIXTURES = None
CHILD = None


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Run:
    def __init__(self, proc, elapsed):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.elapsed = elapsed

    def __repr__(self):
        return (f"exit {self.code}\n--- stdout\n{(self.out or '')[:2000]}"
                f"\n--- stderr\n{(self.err or '')[:2000]}")


class Case:
    """A scratch state dir holding copies of the demo worker."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="reprise-hardening-")
        self.state = os.path.join(self.root, "workers")
        os.makedirs(self.state)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def add_worker(self, key, **fields):
        with open(os.path.join(FIXTURES, "demo", "worker_demo.json")) as f:
            doc = json.load(f)
        doc["id"] = key
        doc.update(fields)
        with open(self.path(key), "w") as f:
            f.write(json.dumps(doc, indent=2))
        return self.path(key)

    def path(self, key):
        return os.path.join(self.state, key + ".json")

    def dot(self, *parts):
        return os.path.join(self.state, ".reprise", *parts)

    def run(self, *args, ok=None, timeout=30, stdout=None, preexec=None, binary=False):
        env = dict(os.environ)
        env["HARN_WORKER_STATE_DIR"] = self.state
        for name in ("REPRISE_MAX_SIZE", "NO_COLOR", "PAGER"):
            env.pop(name, None)
        start = time.monotonic()
        proc = subprocess.run([REPRISE, *args], cwd=self.root, env=env, timeout=timeout,
                              stdout=stdout if stdout is not None else subprocess.PIPE,
                              stderr=subprocess.PIPE, text=not binary, preexec_fn=preexec)
        run = Run(proc, time.monotonic() - start)
        if ok is not None:
            check(run.code == ok, f"reprise {' '.join(args)}: expected exit {ok}, got {run!r}")
        return run


def child(*flags):
    return ["--", sys.executable, CHILD, *flags]


def temps_in(directory):
    return [n for n in os.listdir(directory) if ".tmp." in n]


# --- 1. links planted under .reprise/ and a .reprise/ that is not ours ---------------------------

def test_planted_links_are_not_followed(case):
    key = "worker_links"
    case.add_worker(key)
    # A first run creates .reprise/ (0700) and its folders.
    case.run("relaunch", key, "--task", "First", *child(), ok=0)
    check(stat.S_IMODE(os.stat(case.dot()).st_mode) == 0o700, ".reprise/ is created 0700")
    victim = os.path.join(case.root, "victim.txt")
    def next_log():
        with open(case.dot("runs", key + ".jsonl")) as f:
            attempts = [json.loads(line)["attempt"] for line in f if line.strip()]
        return case.dot("logs", key, f"{max(attempts) + 1}.out")

    # The ledger last: without it the attempts are numbered from 1 again.
    for planted in (case.dot("locks", key + ".lock"), case.dot("locks", key + ".edit"), None,
                    case.dot("runs", key + ".jsonl")):
        planted = planted or next_log()
        with open(victim, "w") as f:
            f.write("precious\n")
        if os.path.lexists(planted):
            os.unlink(planted)
        os.makedirs(os.path.dirname(planted), exist_ok=True)
        os.symlink(victim, planted)
        run = case.run("relaunch", key, "--task", "Again", *child())
        with open(victim) as f:
            check(f.read() == "precious\n", f"a link at {planted} made reprise write the victim: "
                                            f"{run!r}")
        check(os.path.islink(planted), f"the link at {planted} is left as it is")
        if not planted.endswith(".jsonl"):
            # The ledger is bookkeeping written beside a run; the locks and logs come first.
            check(run.code != 0 and "symbolic link" in run.err,
                  f"a link at {planted} is refused with a clear error: {run!r}")
        os.unlink(planted)
    # A linked waiters dir: its target's files are never deleted.
    elsewhere = os.path.join(case.root, "elsewhere")
    os.makedirs(elsewhere)
    keep = os.path.join(elsewhere, "keep-me")
    open(keep, "w").close()
    waiters = case.dot("waiters", key)
    shutil.rmtree(waiters, ignore_errors=True)
    os.makedirs(os.path.dirname(waiters), exist_ok=True)
    os.symlink(elsewhere, waiters)
    case.run("relaunch", key, "--task", "Waited", *child())
    case.run("wait", key, "--timeout", "2s")
    check(os.path.exists(keep), "a linked waiters dir's files stay")


def test_untrusted_reprise_dir_is_refused(case):
    key = "worker_trust"
    case.add_worker(key)
    os.makedirs(case.dot())
    os.chmod(case.dot(), 0o777)
    run = case.run("relaunch", key, "--task", "X", *child())
    check(run.code == 73 and "writable by others" in run.err and ".reprise" in run.err,
          f"a world-writable .reprise is refused (73): {run!r}")
    os.chmod(case.dot(), 0o700)
    if os.geteuid() == 0:
        os.chown(case.dot(), 65534, 65534)
        run = case.run("relaunch", key, "--task", "X", *child())
        check(run.code == 73 and "owned by another user" in run.err,
              f"a .reprise owned by another user is refused (73): {run!r}")
        os.chown(case.dot(), 0, 0)
    os.rmdir(case.dot())
    os.symlink(os.path.join(case.root), case.dot())
    run = case.run("relaunch", key, "--task", "X", *child())
    check(run.code == 73 and "not a directory" in run.err,
          f"a .reprise that is a link is refused (73): {run!r}")


# --- 2. modes ------------------------------------------------------------------------------------

def test_private_modes(case):
    key = "worker_modes"
    case.add_worker(key)
    os.chmod(case.path(key), 0o600)
    case.run("relaunch", key, "--task", "Modes", *child(), ok=0)
    for path in (case.dot("runs", key + ".jsonl"), case.dot("logs", key, "1.out"),
                 case.dot("logs", key, "1.err"), case.dot("locks", key + ".lock")):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        check(mode == 0o600, f"{path} is 0600 (holds argv, output), got {oct(mode)}")
    for folder in ("runs", "logs", "locks"):
        mode = stat.S_IMODE(os.stat(case.dot(folder)).st_mode)
        check(mode == 0o700, f".reprise/{folder} is 0700, got {oct(mode)}")
    check(stat.S_IMODE(os.stat(case.path(key)).st_mode) == 0o600, "the snapshot keeps its mode")


# --- 3. special files and the size limit ---------------------------------------------------------

def test_special_files(case):
    run = case.run("validate", "/dev/zero", timeout=10)
    check(run.code == 66 and "not a regular file (a character device)" in run.err,
          f"validate /dev/zero: 66, named: {run!r}")
    case.add_worker("worker_ok")
    os.symlink("/dev/zero", os.path.join(case.state, "zero.json"))
    os.mkfifo(os.path.join(case.state, "fifo.json"))
    run = case.run("list", "--json", timeout=10)
    check(run.code == 0, f"list over a FIFO and a link to /dev/zero finishes: {run!r}")
    rows = {os.path.basename(r["file"]): r for r in json.loads(run.out)["data"]}
    check(rows["worker_ok.json"]["state"] == "ok", f"the good worker is listed: {rows}")
    check(rows["fifo.json"]["state"] == "unreadable" and
          rows["zero.json"]["state"] == "unreadable", f"special files are unreadable rows: {rows}")
    run = case.run("relaunch", "fifo", "--task", "X", *child(), timeout=10)
    check(run.code == 66 and "FIFO" in run.err, f"relaunch of a FIFO: 66 at once: {run!r}")
    check(not os.path.exists(case.dot("locks", "fifo.lock")) or
          case.run("relaunch", "worker_ok", "--task", "Y", *child()).code == 0,
          "nothing stays locked")


def test_result_file_made_special_by_the_child(case):
    key = "worker_result_fifo"
    case.add_worker(key)
    script = os.path.join(case.root, "fifo_child.sh")
    with open(script, "w") as f:
        f.write('#!/bin/sh\nrm -f "$REPRISE_RESULT"\nmkfifo "$REPRISE_RESULT"\nexit 0\n')
    os.chmod(script, 0o755)
    run = case.run("relaunch", key, "--task", "Fifo", "--", script, timeout=20)
    check(run.code == 1, f"a result FIFO fails the attempt instead of hanging: {run!r}")
    shown = json.loads(case.run("show", key, "--json", ok=0).out)["data"][0]
    check(shown["status"] == "failed" and "FIFO" in (shown.get("latest_error") or ""),
          f"the worker is failed, not left running: {shown}")
    with open(script, "w") as f:
        f.write('#!/bin/sh\nrm -f "$REPRISE_RESULT"\nln -s /dev/zero "$REPRISE_RESULT"\nexit 0\n')
    run = case.run("relaunch", key, "--task", "Zero", "--", script, timeout=20)
    check(run.code == 1, f"a result linked to /dev/zero fails the attempt: {run!r}")


def test_size_limit(case):
    big = os.path.join(case.root, "sparse.json")
    with open(big, "w") as f:
        f.truncate(3 << 30)  # 3 GiB, sparse: costs nothing on disk
    run = case.run("validate", big, timeout=10)
    check(run.code == 66 and "larger than the 2.0 GiB limit (--max-size)" in run.err,
          f"a 3 GiB file is refused before it is read: {run!r}")
    check(run.elapsed < 5, f"refused at once, took {run.elapsed:.1f} s")
    path = case.add_worker("worker_small")
    size = os.path.getsize(path)
    run = case.run("--max-size", str(size - 1), "validate", path)
    check(run.code == 66 and "--max-size" in run.err, f"--max-size below the file: {run!r}")
    case.run("--max-size", "1M", "validate", path, ok=0)
    run = case.run("--max-size", "lots", "validate", path)
    check(run.code == 2 and "invalid size 'lots'" in run.err, f"a bad size is a usage error: {run!r}")
    env_run = subprocess.run([REPRISE, "validate", path], capture_output=True, text=True,
                             env={**os.environ, "REPRISE_MAX_SIZE": "10"})
    check(env_run.returncode == 66, f"REPRISE_MAX_SIZE applies: {env_run.stderr}")


# --- 4. reset --in-place takes the locks ---------------------------------------------------------

def test_reset_in_place_respects_runs_and_other_resets(case):
    key = "worker_busy"
    case.add_worker(key)
    case.run("relaunch", key, "--task", "Long", "--detach", *child("--mode", "hang"), ok=0)
    run = case.run("reset", key, "--task", "Sneaky", "--in-place")
    check(run.code == 75, f"reset --in-place of a running worker: busy (75): {run!r}")
    case.run("cancel", key, ok=0)
    for _ in range(200):
        if json.loads(case.run("show", key, "--json", ok=0).out)["data"][0]["status"] != "running":
            break
        time.sleep(0.05)
    shown = json.loads(case.run("show", key, "--json", ok=0).out)["data"][0]
    check(shown["task"] != "Sneaky", f"the reset never reached the snapshot: {shown['task']}")

    # Racing resets: each one either writes (and keeps the version it replaced) or is refused.
    other = "worker_race"
    case.add_worker(other)
    env = dict(os.environ, HARN_WORKER_STATE_DIR=case.state)
    successes = 0
    for round_ in range(5):
        procs = [subprocess.Popen([REPRISE, "reset", other, "--task", f"T{round_}-{i}",
                                   "--in-place"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for i in range(4)]
        codes = [p.wait(timeout=30) for p in procs]
        check(all(c in (0, 75) for c in codes) and 0 in codes, f"codes: {codes}")
        winners = [f"T{round_}-{i}" for i, c in enumerate(codes) if c == 0]
        successes += len(winners)
        task = json.loads(case.run("show", other, "--json", ok=0).out)["data"][0]["task"]
        check(task in winners, f"the snapshot holds a reset that reported success: {task} {winners}")
    history = case.dot("history", other)
    numbers = {name.split(".")[0] for name in os.listdir(history) if name[0].isdigit()}
    check(len(numbers) == successes, f"one kept version per reset that wrote: {len(numbers)} "
                                     f"versions, {successes} successes")


# --- 5. duplicate keys ---------------------------------------------------------------------------

def test_duplicate_keys_warned(case):
    path = case.add_worker("worker_dup")
    with open(path) as f:
        text = f.read()
    text = text.replace('"execution": {', '"execution": {"cwd": "/first", ', 1)
    check('"/first"' in text, "the fixture has an execution object")
    with open(path, "w") as f:
        f.write(text)
    run = case.run("validate", path)
    check("duplicate key" in run.out and "/execution/cwd" in run.out,
          f"validate warns about the duplicate cwd: {run!r}")


# --- 6. standard output that cannot be written ---------------------------------------------------

def test_output_errors(case):
    path = case.add_worker("worker_out")
    other = case.add_worker("worker_out2")
    with open("/dev/full", "w") as full:
        for args in (["show", "worker_out", "--json"], ["list"], ["validate", path],
                     ["validate", "--json", path, other], ["reset", path, "--task", "T", "--dry-run"],
                     ["diff", path, other]):
            run = case.run(*args, stdout=full)
            check(run.code == 73 and "cannot write standard output" in run.err
                  and "internal" not in run.err,
                  f"{' '.join(args)} > /dev/full: exit 73 with a clear line: {run!r}")


# --- 7. temporary files of killed writers --------------------------------------------------------

def big_worker(case, key, megabytes=60):
    with open(os.path.join(FIXTURES, "demo", "worker_demo.json")) as f:
        doc = json.load(f)
    doc["id"] = key
    doc["unknown_bulk"] = ["x" * 1000] * (megabytes * 1000)
    with open(case.path(key), "w") as f:
        json.dump(doc, f)


def test_signals_remove_temporaries(case):
    key = "worker_big"
    big_worker(case, key)
    env = dict(os.environ, HARN_WORKER_STATE_DIR=case.state)
    interrupted = 0
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3):
        proc = subprocess.Popen([REPRISE, "reset", key, "--task", "Again", "--in-place"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        interrupted += code == -signal.SIGINT
        check(temps_in(case.state) == [], f"no temporary left after SIGINT at {delay}s "
                                          f"(exit {code}): {temps_in(case.state)}")
    check(interrupted > 0, "at least one reset was interrupted mid-way")


def test_stale_temporaries_found_and_removed(case):
    key = "worker_stale"
    case.add_worker(key)
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = socket.gethostname()
    stale = os.path.join(case.state, f".{key}.json.tmp.{dead.pid}@{host}.Ab12Cd")
    with open(stale, "w") as f:
        f.write("x" * 5000)
    live = os.path.join(case.state, f".{key}.json.tmp.{os.getpid()}@{host}.Zz99Yy")
    open(live, "w").close()
    run = case.run("list", ok=0)
    check("temporary file" in run.err and "left by killed writers" in run.err,
          f"list mentions the stale temporary: {run!r}")
    case.run("validate", case.path(key), ok=0)
    case.run("reset", key, "--task", "Clean", "--in-place", ok=0)
    check(not os.path.exists(stale), "the next writer removed the stale temporary")
    check(os.path.exists(live), "a live writer's temporary stays")
    # gc removes those of every file, also where no write comes again.
    other_stale = os.path.join(case.state, f".worker_gone.json.tmp.{dead.pid}@{host}.Qw12Er")
    with open(other_stale, "w") as f:
        f.write("y" * 300)
    gc = json.loads(case.run("gc", "--json", ok=0).out)["data"]
    check(gc["temporaries"] == 1 and gc["temporary_bytes"] == 300, f"gc removed it: {gc}")
    check(not os.path.exists(other_stale) and os.path.exists(live), "gc spares the live one")


# --- 8. processes --------------------------------------------------------------------------------

def test_ignored_sighup_stays_ignored(case):
    key = "worker_nohup"
    case.add_worker(key)
    env = dict(os.environ, HARN_WORKER_STATE_DIR=case.state)
    ready = os.path.join(case.root, "ready")

    def ignore_hup():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    script = os.path.join(case.root, "slow_child.sh")
    with open(script, "w") as f:
        f.write(f'#!/bin/sh\ntouch {ready}\nsleep 1\nexit 0\n')
    os.chmod(script, 0o755)
    proc = subprocess.Popen([REPRISE, "relaunch", key, "--task", "Nohup", "--", script], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=ignore_hup)
    for _ in range(200):
        if os.path.exists(ready):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGHUP)
    out, err = proc.communicate(timeout=20)
    check(proc.returncode == 0, f"under nohup a SIGHUP does not cancel: {proc.returncode} {err}")
    shown = json.loads(case.run("show", key, "--json", ok=0).out)["data"][0]
    check(shown["status"] == "completed", f"the worker completed: {shown['status']}")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not alive: its parent (here, nobody but init) has yet to reap it.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_group_ends_with_the_child(case):
    key = "worker_group"
    case.add_worker(key)
    run = case.run("relaunch", key, "--task", "Helpers", *child("--ready", "--grandchild"), ok=0)
    grandchild = int(run.out.split("ready ", 1)[1].split()[1])
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    check(not alive(grandchild), f"the grandchild {grandchild} ended with its attempt")
    run = case.run("relaunch", key, "--task", "Kept", "--keep-group",
                   *child("--ready", "--grandchild"), ok=0)
    grandchild = int(run.out.split("ready ", 1)[1].split()[1])
    try:
        check(alive(grandchild), "--keep-group leaves the grandchild running")
    finally:
        if alive(grandchild):
            os.kill(grandchild, signal.SIGKILL)


def test_killed_supervisor_ends_the_group(case):
    key = "worker_orphan"
    case.add_worker(key)
    env = dict(os.environ, HARN_WORKER_STATE_DIR=case.state)
    proc = subprocess.Popen([REPRISE, "relaunch", key, "--task", "Orphaned",
                             *child("--ready", "--grandchild", "--mode", "hang")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids = [int(p) for p in proc.stdout.readline().split()[1:]]
    check(len(pids) == 2 and all(alive(p) for p in pids), f"child and grandchild run: {pids}")
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        check(not any(alive(p) for p in pids),
              f"the child and grandchild {pids} end with their SIGKILLed supervisor")
    finally:
        for pid in pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    waited = case.run("wait", key, "--timeout", "5s", "--json")
    status = json.loads(waited.out)["data"][0]["status"]
    check(status == "interrupted", f"wait reports the worker interrupted: {waited!r}")


# --- 9. terminal escapes -------------------------------------------------------------------------

def test_terminal_escapes(case):
    osc52 = "\x1b]52;c;cHduZWQ=\x07"
    title = "\x1b]0;owned\x07"
    path = case.add_worker("worker_esc", task="Fix " + osc52, name="n" + title)
    other = case.add_worker("worker_esc2", task="Other", **{"k\x1b[31m": 1})
    for args in (["show", "worker_esc"], ["list"], ["diff", path, other],
                 ["validate", path, other], ["log", "worker_esc"]):
        run = case.run(*args, binary=True)
        check(b"\x1b" not in run.out and b"\x07" not in run.out and b"\x1b" not in run.err,
              f"{' '.join(args)}: no raw escape reaches the terminal: {run!r}")
    run = case.run("show", "worker_esc", binary=True)
    check(b"\\x1b]52" in run.out, f"the escape is shown, escaped: {run!r}")


TESTS = [test_planted_links_are_not_followed, test_untrusted_reprise_dir_is_refused,
         test_private_modes, test_special_files, test_result_file_made_special_by_the_child,
         test_size_limit, test_reset_in_place_respects_runs_and_other_resets,
         test_duplicate_keys_warned, test_output_errors,
         test_signals_remove_temporaries, test_stale_temporaries_found_and_removed,
         test_ignored_sighup_stays_ignored, test_group_ends_with_the_child,
         test_killed_supervisor_ends_the_group, test_terminal_escapes]


def main():
    global REPRISE, FIXTURES, CHILD
    parser = argparse.ArgumentParser()
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("-k", dest="only")
    args = parser.parse_args()
    REPRISE = os.path.abspath(args.reprise)
    FIXTURES = os.path.abspath(args.fixtures)
    CHILD = os.path.join(FIXTURES, "children", "example_child.py")
    # No background compaction of history: it would outlive its case and write into a scratch
    # folder being removed.
    os.environ["REPRISE_AUTO_GC"] = "off"
    failures = []
    for test in TESTS:
        if args.only and args.only not in test.__name__:
            continue
        case = Case()
        try:
            test(case)
            print(f"ok   {test.__name__}")
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
