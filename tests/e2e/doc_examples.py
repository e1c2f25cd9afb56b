#!/usr/bin/env python3
"""Runs every example of README.md and docs/manual.md: each line of a fenced ```sh block, with bash,
in a prepared directory, in order (a block's lines share that directory, so a `reset --in-place`
shows in the next `show`). The directory holds `.harn/workers/` with the demo worker and every
good fixture under its id, `failed.json`/`replay.json`/`before.json`/`after.json`/`a.json`/`b.json`
(two attempts of one worker), `child.py` and `fixtures/`; PATH has reprise and `my-agent` (the
example child, which ignores its arguments).

A line must exit 0, unless it ends with `# exit N` (then N). A line ending with `# not run: WHY`
is skipped and counted (the test prints them), so what is not run is said in the doc itself.
Blocks fenced as anything but `sh` (output samples, synopses) are not run.

  doc_examples.py --reprise BIN --source DIR
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

DOCS = ["README.md", "docs/manual.md"]
SKIP_SETUP = {"scripts/setup", "scripts/test"}  # the README's first block: the suite itself


def examples(path):
    """(line number, command) for each line of each ```sh block; continuation lines joined."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    out = []
    in_sh = False
    pending = None
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            in_sh = line.strip() == "```sh" if not in_sh else False
            continue
        if not in_sh or not line.strip() or line.lstrip().startswith("#"):
            continue
        if pending is not None:
            pending = (pending[0], pending[1] + "\n" + line)
        else:
            pending = (number, line)
        if not line.endswith("\\"):
            out.append(pending)
            pending = None
    return out


def prepare(tmp, source, reprise):
    workers = os.path.join(tmp, ".harn", "workers")
    os.makedirs(workers)
    fixtures = os.path.join(source, "fixtures")
    shutil.copy(os.path.join(fixtures, "demo", "worker_demo.json"), workers)
    for name in sorted(os.listdir(os.path.join(fixtures, "snapshots"))):
        if name.startswith("good-"):
            with open(os.path.join(fixtures, "snapshots", name), "rb") as f:
                data = json.loads(f.read())
            target = os.path.join(workers, data["id"] + ".json")
            if not os.path.exists(target):
                shutil.copy(os.path.join(fixtures, "snapshots", name), target)
    for name, fixture in (("failed.json", "attempts-a"), ("replay.json", "attempts-b"),
                          ("before.json", "attempts-a"), ("after.json", "attempts-b"),
                          ("a.json", "attempts-a"), ("b.json", "attempts-b")):
        shutil.copy(os.path.join(fixtures, "diff", fixture + ".json"), os.path.join(tmp, name))
    os.symlink(fixtures, os.path.join(tmp, "fixtures"))
    shutil.copy(os.path.join(fixtures, "children", "example_child.py"), os.path.join(tmp, "child.py"))
    bin_dir = os.path.join(tmp, ".bin")
    os.makedirs(bin_dir)
    os.symlink(os.path.abspath(reprise), os.path.join(bin_dir, "reprise"))
    with open(os.path.join(bin_dir, "my-agent"), "w") as f:
        # A stand-in for the user's agent: it ignores its arguments (--snapshot {snapshot}, …).
        f.write(f"#!/bin/sh\nexec {sys.executable} {fixtures}/children/example_child.py\n")
    os.chmod(os.path.join(bin_dir, "my-agent"), 0o755)
    return bin_dir


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    failures = 0
    ran = 0
    skipped = []
    for doc in DOCS:
        path = os.path.join(args.source, doc)
        with tempfile.TemporaryDirectory(prefix="reprise-doc.") as tmp:
            bin_dir = prepare(tmp, args.source, args.reprise)
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith("REPRISE_") and k not in ("HARN_WORKER_STATE_DIR", "PAGER")}
            env.update({"PATH": bin_dir + ":" + os.environ["PATH"], "HOME": tmp, "NO_COLOR": "1",
                        "LC_ALL": "C.UTF-8", "TZ": "UTC",
                        # no background history compaction writing into a folder being removed
                        "REPRISE_AUTO_GC": "off"})
            for number, command in examples(path):
                if command.strip() in SKIP_SETUP or command.split("#")[0].strip() in SKIP_SETUP:
                    skipped.append(f"{doc}:{number}: {command.strip()} (setup, or the suite itself)")
                    continue
                not_run = re.search(r"#\s*not run:\s*(.*)$", command)
                if not_run:
                    skipped.append(f"{doc}:{number}: {not_run.group(1)}")
                    continue
                expected = re.search(r"#\s*exit\s+(\d+)\s*$", command)
                want = int(expected.group(1)) if expected else 0
                proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=tmp, env=env,
                                      capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
                ran += 1
                if proc.returncode != want:
                    failures += 1
                    print(f"FAIL {doc}:{number}: exit {proc.returncode}, expected {want}\n"
                          f"  $ {command}\n  stdout: {proc.stdout.decode()[-800:]}\n"
                          f"  stderr: {proc.stderr.decode()[-800:]}")
    for line in skipped:
        print(f"not run: {line}")
    print(f"{ran} examples run, {failures} failed, {len(skipped)} not run")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
