#!/usr/bin/env python3
"""A replay never widens what a worker may do: over every good snapshot fixture (as it is, and with
a policy, an environment and a working directory filled in) and every reset entry, transcript mode
and artifact mode, `carry_policy.policy`, `execution.env` and `execution.cwd` come out of `reset`
exactly as they went in, wherever they appear in the snapshot; no reset option names a change to
them, so `reset --dry-run --json` must list none either.

    no_widening.py --reprise build/dev/reprise --fixtures fixtures
"""
import argparse
import copy
import glob
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPRISE = None
# The members that decide what a worker may do (its capability policy, its environment, where it
# runs), by the name of their parent member.
GUARDED = {"carry_policy": ("policy",), "execution": ("env", "cwd")}
ENTRIES = {"task": ["--task", "Try again"], "trigger": ["--trigger", '{"retry": true}']}
TRANSCRIPT_MODES = [None, "inherit", "fork", "reset", "compact"]
ARTIFACT_MODES = [None, "inherit", "none"]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def escape(segment):
    return segment.replace("~", "~0").replace("/", "~1")


def guarded_members(value, pointer=""):
    """(pointer, value) of every guarded member present anywhere in `value`."""
    found = []
    if isinstance(value, dict):
        for key, member in value.items():
            here = f"{pointer}/{escape(key)}"
            if key in GUARDED and isinstance(member, dict):
                for name in GUARDED[key]:
                    if name in member:
                        found.append((f"{here}/{escape(name)}", member[name]))
            found += guarded_members(member, here)
    elif isinstance(value, list):
        for index, member in enumerate(value):
            found += guarded_members(member, f"{pointer}/{index}")
    return found


def resolve(document, pointer):
    value = document
    for segment in pointer.split("/")[1:]:
        segment = segment.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list):
            value = value[int(segment)]
        elif isinstance(value, dict) and segment in value:
            value = value[segment]
        else:
            return KeyError
    return value


def filled_in(document):
    """The fixture with something to widen: a policy, an environment, a working directory."""
    out = copy.deepcopy(document)
    if isinstance(out.get("carry_policy"), dict):
        out["carry_policy"]["policy"] = {"allow": ["read"], "deny": ["network", "write"]}
    execution = out.get("execution")
    if isinstance(execution, dict):
        execution["env"] = {"TOKEN_SCOPE": "read-only", "PATH": "/usr/bin"}
        execution["cwd"] = "/srv/sandbox"
    return out


def run(*args):
    return subprocess.run([REPRISE, "--now", "1777485641000", "--seed", "7", *args],
                          capture_output=True, text=True, timeout=30)


def covers(change, pointer):
    return pointer == change or pointer.startswith(change + "/") or change.startswith(pointer + "/")


def check_snapshot(path, label):
    with open(path) as f:
        before = json.load(f)
    guarded = guarded_members(before)
    combinations = 0
    for (entry, entry_args), transcript, artifact in itertools.product(
            ENTRIES.items(), TRANSCRIPT_MODES, ARTIFACT_MODES):
        options = list(entry_args)
        if transcript:
            options += ["--transcript-mode", transcript]
        if artifact:
            options += ["--artifact-mode", artifact]
        what = f"{label}: reset {' '.join(options)}"
        reset = run("reset", path, *options)
        if reset.returncode == 2 and entry == "trigger":
            continue  # not retriggerable or not awaiting: refused, nothing written
        check(reset.returncode == 0, f"{what}: exit {reset.returncode}: {reset.stderr}")
        after = json.loads(reset.stdout)
        plan = run("reset", path, *options, "--dry-run", "--json")
        check(plan.returncode == 0, f"{what} --dry-run --json: {plan.stderr}")
        changes = [c["pointer"] for p in json.loads(plan.stdout)["data"] for c in p["changes"]]
        for pointer, value in guarded:
            check(resolve(after, pointer) == value,
                  f"{what}: {pointer} went from {json.dumps(value)} to "
                  f"{json.dumps(resolve(after, pointer)) if resolve(after, pointer) is not KeyError else 'absent'}")
            named = [c for c in changes if covers(c, pointer) and c != ""]
            check(not named, f"{what}: the plan lists a change of {pointer}: {named}")
        # Nothing guarded appears that was not there before.
        for pointer, value in guarded_members(after):
            check(resolve(before, pointer) == value,
                  f"{what}: {pointer} = {json.dumps(value)} was added by the reset")
        combinations += 1
    return combinations


def main():
    global REPRISE
    # No background compaction of history: it would outlive a case and write temporaries into
    # a folder being checked or removed.
    os.environ["REPRISE_AUTO_GC"] = "off"
    parser = argparse.ArgumentParser()
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--fixtures", required=True)
    args = parser.parse_args()
    REPRISE = os.path.abspath(args.reprise)
    fixtures = sorted(glob.glob(os.path.join(args.fixtures, "snapshots", "good-*.json")))
    check(fixtures, "no good-*.json fixtures found")
    scratch = tempfile.mkdtemp(prefix="reprise-no-widening-")
    total = 0
    try:
        for path in fixtures:
            name = os.path.basename(path)
            total += check_snapshot(path, name)
            with open(path) as f:
                document = json.load(f)
            filled = os.path.join(scratch, name)
            with open(filled, "w") as f:
                json.dump(filled_in(document), f, indent=2)
            check(guarded_members(filled_in(document)) or not guarded_members(document),
                  f"{name}: the filled-in copy has guarded members")
            total += check_snapshot(filled, name + " (policy, env and cwd filled in)")
    except Failure as failure:
        print(f"FAIL {failure}")
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"ok   {len(fixtures)} fixtures x 2, {total} resets: policy, env and cwd never changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
