#!/usr/bin/env python3
"""Crash consistency: reprise is killed with SIGKILL at random points of its writes, and whatever
the moment, the snapshot is whole (the old version or the new one, byte for byte), the history
reads back, and the next command works and leaves no temporary file.

Three places are shot at:

- `reset --in-place` of a ~20 MB snapshot, so that most kills land while the file is written;
- `relaunch` of a short child, killed around the start and the end of the child (the lock, the
  ledger, the reset snapshot, the outcome);
- the supervisor's final write, on a 5 MB snapshot, killed just after the child has ended.

Each round starts from the same bytes in the same directory, so the versions a finished command
writes (with `--now` and `--seed`) are known in advance and every survivor is compared with them.

    crash.py --reprise build/dev/reprise --fixtures fixtures [--kills N] [--seed S]
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPRISE = None
FIXTURES = None
NOW = "1777485641000"


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def temps_in(directory):
    found = []
    for folder, _, files in os.walk(directory):
        found += [os.path.join(folder, n) for n in files if ".tmp." in n]
    return found


class Arena:
    """One state dir, rebuilt from the same bytes before each shot (same path, so the absolute
    paths reprise records are the same from round to round)."""

    def __init__(self, root, key, megabytes):
        self.root = root
        self.state = os.path.join(root, "workers")
        self.key = key
        with open(os.path.join(FIXTURES, "demo", "worker_demo.json")) as f:
            doc = json.load(f)
        doc["id"] = key
        # Bulk a reset never looks at, as transcripts and artifact text are in real snapshots;
        # varied lines so that compression and copying take a realistic time.
        doc["unknown_bulk"] = [f"{i:08d} " + "lorem ipsum dolor sit amet " * 36
                               for i in range(megabytes * 1000)]
        self.original = json.dumps(doc, indent=2).encode()
        self.env = dict(os.environ, HARN_WORKER_STATE_DIR=self.state)
        for name in ("REPRISE_MAX_SIZE", "NO_COLOR", "PAGER", "REPRISE_COMMAND"):
            self.env.pop(name, None)

    @property
    def path(self):
        return os.path.join(self.state, self.key + ".json")

    def rebuild(self):
        shutil.rmtree(self.state, ignore_errors=True)
        os.makedirs(self.state)
        with open(self.path, "wb") as f:
            f.write(self.original)

    def read(self):
        with open(self.path, "rb") as f:
            return f.read()

    def run(self, *args, timeout=60, env=None):
        return subprocess.run([REPRISE, *args], env=env or self.env, cwd=self.root,
                              capture_output=True, text=True, timeout=timeout)

    def start(self, *args, env=None):
        return subprocess.Popen([REPRISE, *args], env=env or self.env, cwd=self.root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

    def check_history(self, context):
        """`log --json` works and every version it lists reads back with `show KEY@N`."""
        log = self.run("log", self.key, "--json")
        check(log.returncode == 0, f"{context}: log fails: {log.returncode} {log.stderr}")
        entries = [e for e in json.loads(log.stdout)["data"] if e["kind"] == "version"]
        versions = [e["version"] for e in entries]
        check(versions, f"{context}: log lists no version")
        # The current version is the snapshot itself, whose bytes the caller compares.
        for number in [e["version"] for e in entries if not e["current"]]:
            shown = self.run("show", f"{self.key}@{number}", "--json")
            check(shown.returncode == 0, f"{context}: version {number} of {versions} does not read "
                                         f"back: {shown.returncode} {shown.stderr}")
        return versions


def kill_at(proc, delay):
    """SIGKILLs `proc` after `delay` seconds; True when the kill landed before it ended."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(min(0.002, max(0.0, deadline - time.monotonic())))
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    return proc.wait(timeout=30) == -signal.SIGKILL


def wait_for_group(pgid, timeout=20):
    """Waits until no process of the group `pgid` (the killed reprise's child) is left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)
    os.killpg(pgid, signal.SIGKILL)


def timed(arena, args, env=None):
    """Runs one uninterrupted command from the rebuilt state: its duration and the bytes written."""
    arena.rebuild()
    start = time.monotonic()
    run = arena.run(*args, env=env)
    elapsed = time.monotonic() - start
    check(run.returncode == 0, f"reference run {args}: {run.returncode} {run.stderr}")
    return elapsed, arena.read()


def is_json(data):
    try:
        json.loads(data)
        return True
    except ValueError:
        return False


def shoot_reset(root, kills, rng):
    arena = Arena(os.path.join(root, "reset"), "worker_crash_reset", megabytes=20)
    args = ["--now", NOW, "--seed", "7", "reset", arena.key, "--task", "Again", "--in-place"]
    first, new = timed(arena, args)
    second, again = timed(arena, args)
    check(new == again, "reset --in-place with --now and --seed is reproducible")
    allowed = {"old": arena.original, "new": new}
    # The faster of the two runs: on a loaded machine most shots still land before the end.
    duration = min(first, second)
    return shoot(arena, args, kills, Delays(rng, 0.0, duration), allowed,
                 ["reset", arena.key, "--task", "Next", "--in-place"], "reset --in-place",
                 arena.env, duration)


def child_script(root, sleep):
    """A short child that copies the reset snapshot it was given (so a reference run shows the
    version relaunch writes before the child), writes a result and, last, marks its end."""
    path = os.path.join(root, f"child-{sleep}.sh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                '[ -n "$CRASH_COPY" ] && cp "$REPRISE_SNAPSHOT" "$CRASH_COPY"\n'
                f"sleep {sleep}\n"
                'printf \'{"payload": {"answer": 42}}\' > "$REPRISE_RESULT"\n'
                'touch "$CRASH_DONE"\n')
    os.chmod(path, 0o755)
    return path


def shoot_relaunch(root, kills, rng, name, megabytes, sleep, after_child):
    arena = Arena(os.path.join(root, name.split()[0]), "worker_crash_run", megabytes=megabytes)
    os.makedirs(arena.root, exist_ok=True)
    child = child_script(arena.root, sleep)
    args = ["--now", NOW, "--seed", "7", "relaunch", arena.key, "--task", "Again", "--", child]
    copy = os.path.join(arena.root, "running.json")
    done = os.path.join(arena.root, "child-done")
    env = dict(arena.env, CRASH_COPY=copy, CRASH_DONE=done)
    first, final = timed(arena, args, env)
    with open(copy, "rb") as f:
        running = f.read()
    second, again = timed(arena, args, env)
    check(final == again, f"{name}: relaunch with --now and --seed is reproducible")
    allowed = {"old": arena.original, "reset (running)": running, "final": final}
    next_args = ["relaunch", arena.key, "--task", "Next", "--", child]
    duration = min(first, second)
    quiet = dict(env, CRASH_COPY="")
    if not after_child:
        # Shots spread over the whole run: the lock, the ledger, the reset write, the child, the
        # outcome.
        return shoot(arena, args, kills, Delays(rng, 0.0, duration), allowed, next_args,
                     name, quiet, duration)
    # Shots after the child's end, over the time the supervisor then takes (its final write).
    tails = []
    for _ in range(2):
        arena.rebuild()
        proc = arena.start(*args, env=env)
        wait_for_file(done)
        ended = time.monotonic()
        proc.wait(timeout=60)
        tails.append(time.monotonic() - ended)
    delays = Delays(rng, 0.0, min(tails), start_at=done)
    return shoot(arena, args, kills, delays, allowed, next_args, name, quiet, duration)


def wait_for_file(path, timeout=60):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        check(time.monotonic() < deadline, f"{path} appears")
        time.sleep(0.001)


class Delays:
    """Delays drawn uniformly from [lo, hi], counted from the start or from `start_at` appearing.

    `hi` starts as the reference runs' time and comes down to the shortest run a missed shot saw:
    reference runs on a busy machine can be slower than the shots that follow, and delays longer
    than the run would miss every time."""

    def __init__(self, rng, lo, hi, start_at=None):
        self.rng, self.lo, self.hi, self.start_at = rng, lo, hi, start_at

    def draw(self):
        return self.rng.uniform(self.lo, self.hi)

    def observe(self, ran):
        """A shot missed: the process ended `ran` seconds after the moment delays count from."""
        self.hi = max(self.lo, min(self.hi, ran))

    def prepare(self):
        if self.start_at and os.path.exists(self.start_at):
            os.unlink(self.start_at)

    def begin(self, proc):
        """Waits for the moment the delay counts from (False: the process ended first)."""
        if not self.start_at:
            return True
        while not os.path.exists(self.start_at):
            if proc.poll() is not None:
                return False
            time.sleep(0.0005)
        return True


def shoot(arena, args, kills, delays, allowed, next_args, name, env, duration):
    """Kills `args` at moments drawn from `delays` until `kills` shots landed; checks every
    survivor against the versions in `allowed`, then runs `next_args`."""
    landed = attempts = 0
    outcomes = {}
    started = time.monotonic()
    while landed < kills:
        attempts += 1
        check(attempts < kills * 6, f"{name}: only {landed} of {attempts} kills landed")
        arena.rebuild()
        delays.prepare()
        proc = arena.start(*args, env=env)
        if not delays.begin(proc):
            proc.wait(timeout=60)
            continue
        began = time.monotonic()
        if not kill_at(proc, delays.draw()):
            proc.wait(timeout=60)
            delays.observe(time.monotonic() - began)
            continue
        landed += 1
        context = f"{name}, kill {landed}"
        # The child has its own process group (id: its pid, in the run ledger); it outlives the
        # supervisor killed here and holds nothing, but it must end before the snapshot is read.
        for pid in child_pids(arena):
            wait_for_group(pid)
        now = arena.read()
        matches = [label for label, data in allowed.items() if data == now]
        check(matches, f"{context}: the snapshot is none of {list(allowed)} "
                       f"({len(now)} bytes; valid JSON: {is_json(now)})")
        outcomes[matches[0]] = outcomes.get(matches[0], 0) + 1
        arena.check_history(context)
        after = arena.run(*next_args, env=env)
        check(after.returncode == 0, f"{context}: the next command {next_args} fails: "
                                     f"{after.returncode} {after.stderr}")
        left = temps_in(arena.state)
        check(not left, f"{context}: temporaries left after the next command: {left}")
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{count} {label}" for label, count in sorted(outcomes.items()))
    print(f"ok   {name}: {landed} kills landed of {attempts} shots in {elapsed:.0f}s "
          f"(one uninterrupted run {duration * 1000:.0f} ms, shots within "
          f"{delays.hi * 1000:.0f} ms); snapshot found {summary}")
    return landed


def child_pids(arena):
    ledger = os.path.join(arena.state, ".reprise", "runs", arena.key + ".jsonl")
    if not os.path.exists(ledger):
        return []
    pids = []
    with open(ledger) as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut by the kill; the ledger reader skips it too
            if isinstance(record.get("child_pid"), int) and record["child_pid"] > 0:
                pids.append(record["child_pid"])
    return pids


def main():
    global REPRISE, FIXTURES
    # No background compaction of history: it would outlive a case and write temporaries into
    # a folder being checked or removed.
    os.environ["REPRISE_AUTO_GC"] = "off"
    parser = argparse.ArgumentParser()
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--kills", type=int, default=300, help="kills in all (at least)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    REPRISE = os.path.abspath(args.reprise)
    FIXTURES = os.path.abspath(args.fixtures)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed} (--seed {seed} replays these kill times)")
    # A SIGKILL tests the process, not the disk: fsync changes nothing about what it leaves, and on
    # a memory filesystem it costs nothing, so hundreds of 20 MB writes fit in the time budget.
    shm = "/dev/shm"
    memory = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) and \
        shutil.disk_usage(shm).free > 1 << 30 else None
    root = tempfile.mkdtemp(prefix="reprise-crash-", dir=memory)
    started = time.monotonic()
    try:
        resets = args.kills // 3
        relaunches = args.kills * 2 // 5
        total = shoot_reset(root, resets, rng)
        total += shoot_relaunch(root, relaunches, rng, "relaunch bookkeeping", 1, 0.05, False)
        total += shoot_relaunch(root, args.kills - resets - relaunches, rng, "final write", 5,
                                0.02, True)
    except Failure as failure:
        print(f"FAIL {failure} (kept {root})")
        return 1
    print(f"{total} SIGKILLs, every survivor whole, in {time.monotonic() - started:.0f}s")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
