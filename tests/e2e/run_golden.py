#!/usr/bin/env python3
"""End-to-end golden tests: run the built reprise for every case in fixtures/golden/ and compare
stdout, stderr, exit code (and files left behind) with the expectations stored beside the case.

A case directory holds:
  cmd      one argument per line (after `reprise`); {fixtures} and {tmp} are substituted
  files/   optional, copied into the scratch dir ({tmp}, also the working directory) first
  prepare  optional executable run in {tmp} before the command; exit 77 skips the case
  stdin    optional standard input
  env      optional KEY=VALUE lines added to the environment
  stdout, stderr, exit   expectations (a missing stdout/stderr file means "empty")
  after/   optional files expected in {tmp} afterwards, compared byte for byte; an expected
           history entry `.reprise/history/<key>/<n>.json` matches the stored `<n>.zst` (a full zstd
           frame, decompressed through libzstd) as well as a plain file

Outputs are normalised before comparison: the absolute scratch and fixtures paths become {tmp} and
{fixtures}. `--update` rewrites the expectations from the current output (review the diff!).
A failing case keeps its scratch dir and says where it is.
"""
import argparse
import ctypes
import ctypes.util
import difflib
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def read_history_entry(path):
    """The bytes of history entry `<n>.json`, or of `<n>.zst` beside it (a full frame)."""
    plain = read(path)
    if plain is not None:
        return plain
    frame = read(path[: -len(".json")] + ".zst")
    if frame is None:
        return None
    zstd = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
    zstd.ZSTD_getFrameContentSize.restype = ctypes.c_ulonglong
    zstd.ZSTD_decompress.restype = ctypes.c_size_t
    size = zstd.ZSTD_getFrameContentSize(frame, ctypes.c_size_t(len(frame)))
    out = ctypes.create_string_buffer(max(size, 1))
    n = zstd.ZSTD_decompress(out, ctypes.c_size_t(size), frame, ctypes.c_size_t(len(frame)))
    return out.raw[:n] if n == size else None


def read(path, default=None):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default


def normalise(data, tmp, fixtures):
    text = data.decode("utf-8", errors="replace")
    for real, placeholder in ((tmp, "{tmp}"), (fixtures, "{fixtures}")):
        text = text.replace(os.path.realpath(real), placeholder).replace(real, placeholder)
    return text


def show_diff(name, expected, actual):
    lines = difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                 f"expected {name}", f"actual {name}")
    sys.stdout.write("".join(list(lines)[:60]))


def run_case(case_dir, reprise, fixtures, update, scratch_root):
    name = os.path.basename(case_dir)
    tmp = tempfile.mkdtemp(prefix=name + ".", dir=scratch_root)
    files = os.path.join(case_dir, "files")
    if os.path.isdir(files):
        shutil.copytree(files, tmp, dirs_exist_ok=True, symlinks=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("REPRISE_") and k not in ("HARN_WORKER_STATE_DIR", "COLUMNS",
                                                          "CLICOLOR_FORCE", "PAGER")}
    # No background history compaction: it would outlive the case and write into its scratch folder.
    env.update({"NO_COLOR": "1", "TZ": "UTC", "LC_ALL": "C.UTF-8", "REPRISE_AUTO_GC": "off"})
    extra = read(os.path.join(case_dir, "env"), b"").decode()
    for line in extra.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            env[key] = value.replace("{tmp}", tmp).replace("{fixtures}", fixtures)
    prepare = os.path.join(case_dir, "prepare")
    if os.path.exists(prepare):
        proc = subprocess.run([prepare], cwd=tmp, env=env, capture_output=True, text=True)
        code = proc.returncode
        if code == SKIP:
            # The prepare script says why on its output (e.g. root reads a chmod 000 file).
            reason = (proc.stdout + proc.stderr).strip().splitlines()
            print(f"SKIP {name}: {reason[-1] if reason else 'prepare exited 77'}")
            shutil.rmtree(tmp, ignore_errors=True)
            return "skipped"
        if code != 0:
            sys.stdout.write(proc.stdout + proc.stderr)
            print(f"FAIL {name}: prepare exited {code} (scratch kept: {tmp})")
            return "failed"
    args = read(os.path.join(case_dir, "cmd"), b"").decode().splitlines()
    args = [a.replace("{tmp}", tmp).replace("{fixtures}", fixtures) for a in args]
    stdin = read(os.path.join(case_dir, "stdin"), b"")
    try:
        proc = subprocess.run([reprise] + args, cwd=tmp, env=env, input=stdin,
                              capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        print(f"FAIL {name}: timed out (scratch kept: {tmp})")
        return "failed"
    actual = {
        "stdout": normalise(proc.stdout, tmp, fixtures),
        "stderr": normalise(proc.stderr, tmp, fixtures),
        "exit": f"{proc.returncode}\n",
    }
    if update:
        for key, value in actual.items():
            path = os.path.join(case_dir, key)
            if key != "exit" and value == "":
                if os.path.exists(path):
                    os.remove(path)
                continue
            with open(path, "w", encoding="utf-8") as f:
                f.write(value)
        shutil.rmtree(tmp, ignore_errors=True)
        return "updated"
    ok = True
    for key, value in actual.items():
        expected = read(os.path.join(case_dir, key), b"").decode("utf-8", errors="replace")
        if expected != value:
            if ok:
                print(f"FAIL {name}: {' '.join(args)}")
            ok = False
            show_diff(key, expected, value)
    after = os.path.join(case_dir, "after")
    if os.path.isdir(after):
        for root, _, names in os.walk(after):
            for file_name in names:
                rel = os.path.relpath(os.path.join(root, file_name), after)
                want = read(os.path.join(root, file_name))
                in_history = "/.reprise/history/" in "/" + rel and rel.endswith(".json")
                got = (read_history_entry if in_history else read)(os.path.join(tmp, rel))
                got = None if got is None else normalise(got, tmp, fixtures).encode()
                if got != want:
                    if ok:
                        print(f"FAIL {name}: {' '.join(args)}")
                    ok = False
                    print(f"  file {rel} differs from after/{rel}")
    if ok:
        shutil.rmtree(tmp, ignore_errors=True)
        return "passed"
    print(f"  scratch kept: {tmp}")
    return "failed"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    reprise = os.path.abspath(args.reprise)
    fixtures = os.path.abspath(args.fixtures)
    golden = os.path.join(fixtures, "golden")
    cases = sorted(d for d in os.listdir(golden)
                   if os.path.isdir(os.path.join(golden, d)) and args.filter in d) \
        if os.path.isdir(golden) else []
    scratch_root = tempfile.mkdtemp(prefix="reprise-golden.")
    counts = {"passed": 0, "failed": 0, "skipped": 0, "updated": 0}
    for case in cases:
        counts[run_case(os.path.join(golden, case), reprise, fixtures, args.update,
                        scratch_root)] += 1
    if counts["failed"] == 0:
        shutil.rmtree(scratch_root, ignore_errors=True)
    if args.update:
        print(f"updated {counts['updated']} cases")
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    if not args.update and counts["passed"] == 0 and counts["failed"] == 0:
        print("no golden case ran", file=sys.stderr)
        return 1
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
