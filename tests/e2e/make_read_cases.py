#!/usr/bin/env python3
"""Writes the `cmd` (and files/, stdin, prepare) of the read-* golden cases: validate of every
snapshot fixture, show, and list of a state dir. Expectations are then produced with
`run_golden.py --update --filter read-` and must be reviewed by eye before committing.
"""
import json
import os
import shutil
import stat
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "fixtures")
SNAPSHOTS = os.path.join(FIXTURES, "snapshots")
GOLDEN = os.path.join(FIXTURES, "golden")
NOW = "1777485641000"

UNREADABLE_PREPARE = """#!/bin/sh
# Makes one snapshot unreadable. Where permissions do not stop reads (root, as in CI containers)
# the case cannot test anything: exit 77 tells the runner to skip it.
chmod 000 "$1"
if cat "$1" >/dev/null 2>&1; then
  echo "chmod 000 does not stop this user from reading (root?)"
  exit 77
fi
"""


def case(name, args, files=None, stdin=None, prepare=None):
    path = os.path.join(GOLDEN, "read-" + name)
    if os.path.isdir(os.path.join(path, "files")):
        shutil.rmtree(os.path.join(path, "files"))
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "cmd"), "w") as f:
        f.write("\n".join(args) + "\n")
    for rel, source in (files or {}).items():
        target = os.path.join(path, "files", rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if source is None:
            os.makedirs(target, exist_ok=True)
            with open(os.path.join(target, "README"), "w") as f:
                f.write("a directory named like a snapshot\n")
        else:
            shutil.copyfile(os.path.join(SNAPSHOTS, source), target)
    if stdin is not None:
        shutil.copyfile(os.path.join(SNAPSHOTS, stdin), os.path.join(path, "stdin"))
    if prepare is not None:
        with open(os.path.join(path, "prepare"), "w") as f:
            f.write(prepare)
        os.chmod(os.path.join(path, "prepare"), 0o755)


def snapshot_id(name):
    with open(os.path.join(SNAPSHOTS, name), encoding="utf-8") as f:
        return json.load(f)["id"]


def main():
    names = sorted(n for n in os.listdir(SNAPSHOTS) if n.endswith(".json"))
    for name in names:
        case("validate-" + name[:-len(".json")], ["validate", "{fixtures}/snapshots/" + name])
    case("validate-several-json", ["validate", "--json", "{fixtures}/snapshots/good-workflow-running.json",
                                   "{fixtures}/snapshots/bad-artifact-float-priority.json",
                                   "{fixtures}/snapshots/good-example-minimal-accepted.json"])
    case("validate-missing-beats-invalid", ["validate", "{fixtures}/snapshots/bad-empty.json",
                                            "{tmp}/no-such-snapshot.json",
                                            "{fixtures}/snapshots/good-stage-completed.json"])
    case("validate-missing", ["validate", "{tmp}/no-such-snapshot.json"])
    case("validate-directory", ["validate", "{tmp}/dir.json"], files={"dir.json": None})
    case("validate-stdin", ["validate", "-"], stdin="good-history-non-strings.json")
    case("validate-unreadable", ["validate", "locked.json"],
         files={"locked.json": "good-stage-completed.json"},
         prepare=UNREADABLE_PREPARE.replace('"$1"', "locked.json"))

    for name in ["good-example-workflow-completed-after-send-input", "good-top-level-agent-suspended",
                 "good-context-policy-artifacts", "good-example-minimal-accepted",
                 "good-sub-agent-awaiting-retriggerable", "good-delegated-stage-failed",
                 "good-history-non-strings", "good-legacy-transcript-policy"]:
        case("show-" + name[len("good-"):], ["show", "{fixtures}/snapshots/" + name + ".json"])
    for name in ["good-example-sub-agent-failed-after-reset", "good-top-level-agent-suspended"]:
        case("show-json-" + name[len("good-"):], ["show", "--json", "{fixtures}/snapshots/" + name + ".json"])
    workflow = "good-example-workflow-completed-after-send-input.json"
    case("show-by-id", ["show", snapshot_id(workflow)],
         files={".harn/workers/" + snapshot_id(workflow) + ".json": workflow})
    case("show-missing", ["show", "worker_019dda65-0000-7000-8000-000000000000"])
    case("show-directory", ["show", "{tmp}/dir.json"], files={"dir.json": None})
    case("show-invalid", ["show", "{fixtures}/snapshots/bad-execution-env-number.json"])
    case("show-invalid-json", ["show", "--json", "{fixtures}/snapshots/bad-syntax-missing-comma-transcript.json"])
    case("show-stdin", ["show", "-"], stdin="good-sub-agent-stopped.json")

    state = {}
    for name in ["good-workflow-running.json", "good-stage-completed.json", "good-delegated-stage-failed.json",
                 "good-sub-agent-cancelled.json", "good-top-level-agent-suspended.json",
                 "good-sub-agent-awaiting-retriggerable.json", "good-status-unknown.json",
                 "good-example-sub-agent-failed-after-reset.json"]:
        state[".harn/workers/" + snapshot_id(name) + ".json"] = name
    state[".harn/workers/worker_broken.json"] = "bad-truncated-mid-transcript.json"
    state[".harn/workers/.reprise/history/x/1.json"] = "good-stage-completed.json"
    base = ["--now", NOW, "list"]
    case("list-table", base, files=state)
    case("list-status", base + ["--status", "failed", "--status", "cancelled"], files=state)
    case("list-status-invalid", base + ["--status", "invalid"], files=state)
    case("list-mode", base + ["--mode", "sub_agent"], files=state)
    case("list-json", base + ["--json", "--status", "suspended", "--status", "invalid"], files=state)
    case("list-jsonl", base + ["--jsonl"], files=state)
    case("list-ids", base + ["--ids"], files=state)
    case("list-dir-argument", ["--now", NOW, "list", "{tmp}/elsewhere"],
         files={"elsewhere/" + k.split("/")[-1]: v for k, v in list(state.items())[:3]})
    case("list-state-dir-env", ["--now", NOW, "--state-dir", "{tmp}/sd", "list", "--ids"],
         files={"sd/" + k.split("/")[-1]: v for k, v in list(state.items())[3:5]})
    case("list-missing-dir", ["list", "{tmp}/no-such-dir"])
    case("list-empty-dir", ["list", "{tmp}/empty"], files={"empty/keep.txt": "good-stage-completed.json"})
    unreadable = dict(list(state.items())[:2])
    first = list(unreadable)[0]
    case("list-unreadable", base, files=unreadable,
         prepare=UNREADABLE_PREPARE.replace('"$1"', first))
    case("list-directory-entry", base, files={**dict(list(state.items())[:1]), ".harn/workers/odd.json": None})
    return 0


if __name__ == "__main__":
    sys.exit(main())
