#!/usr/bin/env python3
"""Faults of the machine under a write: a full disk (a file size limit, and a tiny tmpfs when
running as root), a read-only state dir, too few file descriptors, a clock that went backwards.
Whatever fails, reprise says so in one line with the documented exit code and the snapshot stays
byte for byte as it was, with no temporary file left beside it.

Real files and real processes: the built reprise, the example child, a scratch state dir per case.

    faults.py --reprise build/dev/reprise --fixtures fixtures [-k NAME]
"""
import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback

REPRISE = None
FIXTURES = None
SKIP_FD_LIMITS = False  # --skip-fd-limits
CHILD = None
# docs/manual.md, "Exit codes": an output that cannot be written.
CANNOT_WRITE = 73


class Failure(Exception):
    pass


class Skip(Exception):
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
        return f"exit {self.code}\n--- stdout\n{self.out[:2000]}\n--- stderr\n{self.err[:2000]}"


class Case:
    """A scratch state dir holding copies of the demo worker."""

    def __init__(self, root=None):
        self.root = root or tempfile.mkdtemp(prefix="reprise-faults-")
        self.state = os.path.join(self.root, "workers")
        os.makedirs(self.state, exist_ok=True)
        self.cleanups = []

    def close(self, keep=False):
        for cleanup in reversed(self.cleanups):
            cleanup()
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def add_worker(self, key, bulk_kb=0, **fields):
        with open(os.path.join(FIXTURES, "demo", "worker_demo.json")) as f:
            doc = json.load(f)
        doc["id"] = key
        doc.update(fields)
        if bulk_kb:
            doc["unknown_bulk"] = [f"{i:06d} " + "x" * 1000 for i in range(bulk_kb)]
        with open(self.path(key), "w") as f:
            f.write(json.dumps(doc, indent=2))
        return self.path(key)

    def path(self, key):
        return os.path.join(self.state, key + ".json")

    def read(self, key):
        with open(self.path(key), "rb") as f:
            return f.read()

    def run(self, *args, preexec=None, timeout=60):
        env = dict(os.environ, HARN_WORKER_STATE_DIR=self.state)
        for name in ("REPRISE_MAX_SIZE", "NO_COLOR", "PAGER", "REPRISE_COMMAND"):
            env.pop(name, None)
        proc = subprocess.run([REPRISE, *args], cwd=self.root, env=env, capture_output=True,
                              text=True, timeout=timeout, preexec_fn=preexec)
        return Run(proc)


def child(*flags):
    return ["--", sys.executable, CHILD, *flags]


def temps_in(directory):
    found = []
    for folder, _, files in os.walk(directory):
        found += [os.path.join(folder, n) for n in files if ".tmp." in n]
    return found


def refused_cleanly(case, run, key, before, what, codes=(CANNOT_WRITE,)):
    """The command failed with one of `codes`, said why in one line, and left the snapshot as it
    was with no temporary beside it."""
    lines = run.err.strip().splitlines()
    check(run.code in codes, f"{what}: expected exit {codes}, got {run!r}")
    check(len(lines) == 1 and lines[0].startswith("reprise: error: ") and "internal" not in lines[0],
          f"{what}: one clear line on standard error: {run!r}")
    check(case.read(key) == before, f"{what}: the snapshot is byte-identical")
    check(temps_in(case.state) == [], f"{what}: no temporary left: {temps_in(case.state)}")


def ran_partly(case, run, key, before, what):
    """A relaunch that failed after writing its reset snapshot: one clear line, the worker failed
    or interrupted (never left looking live), and the original version in the history."""
    lines = run.err.strip().splitlines()
    check(run.code in (1, CANNOT_WRITE), f"{what}: exit 1 or {CANNOT_WRITE}: {run!r}")
    check(len(lines) == 1 and lines[0].startswith("reprise: error: ") and "internal" not in lines[0],
          f"{what}: one clear line on standard error: {run!r}")
    shown = json.loads(case.run("show", key, "--json").out)["data"][0]
    check(shown["status"] in ("failed", "interrupted"), f"{what}: the worker is {shown['status']}")
    check(temps_in(case.state) == [], f"{what}: no temporary left: {temps_in(case.state)}")
    log = json.loads(case.run("log", key, "--json").out)["data"]
    for version in [e["version"] for e in log if e["kind"] == "version" and not e["current"]]:
        case.run("restore", f"{key}@{version}")
        if case.read(key) == before:
            return
    raise Failure(f"{what}: the original snapshot is not in the history")


def writers(key, out):
    """Every command that writes a worker's snapshot or an output file."""
    return {
        "reset --in-place": ["reset", key, "--task", "Again", "--in-place"],
        "reset -o": ["reset", key, "--task", "Again", "-o", out],
        "relaunch": ["relaunch", key, "--task", "Again", *child()],
    }


# --- disk full -----------------------------------------------------------------------------------

def limit_file_size(limit):
    def apply():
        # A write past the limit then fails with EFBIG instead of killing the writer.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_disk_full_file_size_limit(case):
    key = "worker_full"
    case.add_worker(key, bulk_kb=300)
    before = case.read(key)
    out = os.path.join(case.root, "next.json")
    for what, args in writers(key, out).items():
        # Half the snapshot: the first write of a copy of it fails part-way.
        run = case.run(*args, preexec=limit_file_size(len(before) // 2))
        refused_cleanly(case, run, key, before, f"{what} with a file size limit")
        check(not os.path.exists(out), f"{what}: no partial -o file")
    # With room again, the same commands work.
    case.run("reset", key, "--task", "Again", "--in-place")
    check(case.read(key) != before, "with room again reset --in-place writes")


def test_disk_full_tmpfs(case):
    if os.geteuid() != 0:
        raise Skip("needs root to mount a tmpfs")
    mount = os.path.join(case.root, "tiny")
    os.makedirs(mount)
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount],
                          capture_output=True, text=True)
    if made.returncode != 0:
        raise Skip(f"mount -t tmpfs is not allowed here: {made.stderr.strip()}")
    case.cleanups.append(lambda: subprocess.run(["umount", "-l", mount], check=False))
    tiny = Case(mount)
    key = "worker_tmpfs"
    # 600 kB fits once in the 1 MiB tmpfs, not twice: the copy being written runs out of space.
    tiny.add_worker(key, bulk_kb=600)
    before = tiny.read(key)
    for what, args in writers(key, os.path.join(mount, "next.json")).items():
        run = tiny.run(*args)
        refused_cleanly(tiny, run, key, before, f"{what} on a full tmpfs")


# --- read-only state dir -------------------------------------------------------------------------

def test_read_only_state_dir(case):
    key = "worker_ro"
    case.add_worker(key)
    case.run("relaunch", key, "--task", "First", *child())  # .reprise/ exists, as it usually does
    before = case.read(key)
    if os.geteuid() == 0:
        # Modes do not stop root: a read-only bind mount does.
        made = subprocess.run(["mount", "--bind", case.state, case.state], capture_output=True,
                              text=True)
        if made.returncode != 0:
            raise Skip(f"root ignores modes and bind mounts are not allowed: {made.stderr.strip()}")
        case.cleanups.append(lambda: subprocess.run(["umount", "-l", case.state], check=False))
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", case.state],
                                 capture_output=True, text=True)
        if remount.returncode != 0:
            raise Skip(f"cannot remount read-only: {remount.stderr.strip()}")
    else:
        for folder, dirs, _ in os.walk(case.state):
            for name in dirs:
                os.chmod(os.path.join(folder, name), 0o555)
        os.chmod(case.state, 0o555)

        def restore_modes():
            os.chmod(case.state, 0o755)
            for folder, dirs, _ in os.walk(case.state):
                for name in dirs:
                    os.chmod(os.path.join(folder, name), 0o700)
        case.cleanups.append(restore_modes)
    for what, args in writers(key, os.path.join(case.state, "next.json")).items():
        run = case.run(*args)
        refused_cleanly(case, run, key, before, f"{what} in a read-only state dir")
    # Reading still works.
    shown = case.run("show", key)
    check(shown.code == 0, f"show works in a read-only state dir: {shown!r}")


# --- too few file descriptors --------------------------------------------------------------------

def test_too_few_file_descriptors(case):
    key = "worker_fds"
    case.add_worker(key, bulk_kb=100)
    before = case.read(key)
    out = os.path.join(case.root, "next.json")
    refused = 0
    # From "cannot even open the snapshot" to "enough": every limit either works or fails cleanly.
    if SKIP_FD_LIMITS:
        print("skip test_too_few_file_descriptors (--skip-fd-limits: the sanitizers need "
              "descriptors of their own and report false errors without them)")
        return
    for limit in range(4, 24):
        def apply(limit=limit):
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
        for what, args in writers(key, out).items():
            if what == "relaunch" and limit > 12:
                continue  # enough: it works, and each run costs a child
            run = case.run(*args, preexec=apply)
            if run.code == 0:
                check(temps_in(case.state) == [], f"{what} with {limit} fds: no temporary left")
                with open(case.path(key), "wb") as f:
                    f.write(before)
                continue
            refused += 1
            if what == "relaunch" and case.read(key) != before:
                # The run got past its reset (the previous version went to the history first):
                # the worker is failed, or reads as interrupted when even the outcome could not be
                # written, and the original comes back from the history.
                ran_partly(case, run, key, before, f"{what} with RLIMIT_NOFILE {limit}")
                continue
            # Running out of descriptors: the snapshot or an output cannot be opened (66, 73).
            refused_cleanly(case, run, key, before, f"{what} with RLIMIT_NOFILE {limit}",
                            codes=(66, CANNOT_WRITE))
    check(refused > 0, "some limit was too small for some command")


# --- the clock went backwards --------------------------------------------------------------------

def test_clock_backwards(case):
    key = "worker_clock"
    case.add_worker(key)
    # 2001, long before the demo worker's ids and timestamps (2026).
    early = "1000000000000"
    run = case.run("--now", early, "reset", key, "--task", "Earlier", "--in-place")
    check(run.code == 0, f"reset under a clock that went backwards works: {run!r}")
    after = json.loads(case.read(key))
    check(after["task"] == "Earlier", "the reset was written")
    run = case.run("--now", early, "relaunch", key, "--task", "Earlier still", *child())
    check(run.code == 0, f"relaunch under a clock that went backwards works: {run!r}")
    log = case.run("log", key, "--json")
    check(log.code == 0, f"log works with versions written 'before' the first: {log!r}")
    versions = [e["version"] for e in json.loads(log.out)["data"] if e["kind"] == "version"]
    check(versions == sorted(versions, reverse=True) and len(versions) >= 3,
          f"versions stay numbered in the order they were written: {versions}")
    for number in versions:
        shown = case.run("show", f"{key}@{number}")
        check(shown.code == 0, f"version {number} reads back: {shown!r}")
    # Versions written "after" the clock are not older than a day: gc keeps them all.
    gc = case.run("--now", early, "gc", "--older-than", "1d")
    check(gc.code == 0, f"gc with timestamps in the future of the clock: {gc!r}")
    log = case.run("log", key, "--json")
    kept = [e["version"] for e in json.loads(log.out)["data"] if e["kind"] == "version"]
    check(kept == versions, f"gc under a clock that went backwards keeps every version: {kept}")


TESTS = [test_disk_full_file_size_limit, test_disk_full_tmpfs, test_read_only_state_dir,
         test_too_few_file_descriptors, test_clock_backwards]


def main():
    global REPRISE, FIXTURES, CHILD, SKIP_FD_LIMITS
    # No background compaction of history: it would outlive a case and write temporaries into
    # a folder being checked or removed.
    os.environ["REPRISE_AUTO_GC"] = "off"
    parser = argparse.ArgumentParser()
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("-k", dest="only")
    parser.add_argument("--skip-fd-limits", action="store_true",
                        help="leave out the descriptor limits (the sanitizer build)")
    args = parser.parse_args()
    SKIP_FD_LIMITS = args.skip_fd_limits
    REPRISE = os.path.abspath(args.reprise)
    FIXTURES = os.path.abspath(args.fixtures)
    CHILD = os.path.join(FIXTURES, "children", "example_child.py")
    failures = []
    for test in TESTS:
        if args.only and args.only not in test.__name__:
            continue
        case = Case()
        try:
            test(case)
            print(f"ok   {test.__name__}")
        except Skip as reason:
            print(f"skip {test.__name__}: {reason}")
        except Exception:  # noqa: BLE001 - report every failure, then fail
            failures.append(test.__name__)
            print(f"FAIL {test.__name__} (kept {case.root})")
            traceback.print_exc(file=sys.stdout)
            case.close(keep=True)
            continue
        case.close()
    if failures:
        print(f"{len(failures)} failed: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
