#!/usr/bin/env python3
"""reprise as a Unix tool: help and "did you mean", the man page, completions (run in bash with
compgen), the pager (under a pseudo-terminal with a fake $PAGER), colours and widths, the JSON
envelope of every command checked against docs/schemas/reprise.schema.json, batches, the small
things (durations, REPRISE_NOW, --cwd, --stdin-ids, several TARGETs), and installation: `cmake
--install` into a temporary prefix and a .deb built by cpack, inspected with dpkg-deb and dpkg.

  unixtool.py --reprise BIN --source DIR --build DIR [--only NAME]
"""
import argparse
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import traceback

import jsonschema

ARGS = None
FAILURES = []
DEMO_ID = "worker_demo"


def run(args, env=None, stdin=b"", cwd=None, timeout=60):
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("REPRISE_") and k not in ("HARN_WORKER_STATE_DIR", "NO_COLOR",
                                                              "CLICOLOR_FORCE", "PAGER", "COLUMNS")}
    # No background history compaction: it would outlive the command and write into a scratch
    # folder being removed.
    full_env.update({"LC_ALL": "C.UTF-8", "TERM": "xterm", "REPRISE_AUTO_GC": "off"})
    full_env.update(env or {})
    return subprocess.run([ARGS.reprise] + args, input=stdin, capture_output=True, env=full_env,
                          cwd=cwd, timeout=timeout)


def check(condition, what, proc=None):
    if not condition:
        detail = ""
        if proc is not None:
            detail = (f"\n  exit {proc.returncode}\n  stdout: {proc.stdout[:600]!r}"
                      f"\n  stderr: {proc.stderr[:600]!r}")
        raise AssertionError(what + detail)


def state_dir(tmp):
    """A state dir with the demo worker and a few of the good fixtures."""
    path = os.path.join(tmp, "workers")
    os.makedirs(path, exist_ok=True)
    fixtures = os.path.join(ARGS.source, "fixtures")
    shutil.copy(os.path.join(fixtures, "demo", "worker_demo.json"), path)
    for name in ("good-example-minimal-accepted", "good-top-level-agent-suspended",
                 "good-delegated-stage-failed"):
        with open(os.path.join(fixtures, "snapshots", name + ".json"), "rb") as f:
            data = json.loads(f.read())
        with open(os.path.join(path, data["id"] + ".json"), "w") as f:
            json.dump(data, f)
    return path


def commands():
    """The command names, from `reprise help` (which lists the CLI11 tree)."""
    out = run(["help"]).stdout.decode()
    section = out.split("Subcommands:")[1].split("\n\n")[0]
    return [line.split()[0] for line in section.strip().splitlines() if line.strip()]


# --- discoverability ---------------------------------------------------------------------------

def test_help(tmp):
    bare = run([])
    check(bare.returncode == 0 and b"Subcommands:" in bare.stdout, "reprise alone prints help", bare)
    names = commands()
    for expected in ("show", "validate", "list", "reset", "relaunch", "wait", "suspend", "resume",
                     "cancel", "diff", "help", "completion"):
        check(expected in names, f"help lists {expected}")
    for name in names:
        proc = run(["help", name])
        check(proc.returncode == 0, f"reprise help {name}", proc)
        text = proc.stdout.decode()
        check("Examples:" in text, f"{name} --help has examples", proc)
        check("Exit status:" in text, f"{name} --help names its exit codes", proc)
        check(run([name, "--help"]).stdout.decode() == text, f"help {name} is {name} --help")
    typo = run(["shwo", "x"])
    check(typo.returncode == 2 and b"did you mean show?" in typo.stderr, "did you mean", typo)
    typo = run(["--state-dir", "d", "relanch"])
    check(typo.returncode == 2 and b"did you mean relaunch?" in typo.stderr,
          "did you mean after a global option with a value", typo)
    unknown = run(["help", "frobnicate"])
    check(unknown.returncode == 2 and b"unknown command" in unknown.stderr, "help unknown", unknown)


def test_man_page(tmp):
    man = run(["help", "--man"])
    check(man.returncode == 0 and man.stdout.startswith(b".TH REPRISE 1"), "man page", man)
    text = man.stdout.decode()
    for name in commands():
        check(f'.SS "reprise {name}"' in text, f"man page has {name}")
    for section in ("NAME", "SYNOPSIS", "GLOBAL OPTIONS", "EXIT STATUS", "ENVIRONMENT"):
        check(f".SH {section}" in text, f"man page has {section}")
    for variable in ("HARN_WORKER_STATE_DIR", "REPRISE_NOW", "NO_COLOR", "PAGER"):
        check(variable in text, f"man page names {variable}")
    page = os.path.join(tmp, "reprise.1")
    with open(page, "wb") as f:
        f.write(man.stdout)
    render = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page], capture_output=True)
    check(render.returncode == 0 and render.stderr == b"", f"groff renders it: {render.stderr!r}")
    shown = subprocess.run(["man", "-l", page], capture_output=True, env=dict(os.environ, MANPAGER="cat",
                                                                                 MANWIDTH="100"))
    check(b"reprise relaunch" in shown.stdout, "man -l shows it")
    # The build generates the same page (installed by cmake --install).
    built = os.path.join(ARGS.build, "share", "reprise.1")
    with open(built, "rb") as f:
        check(f.read() == man.stdout, "build/share/reprise.1 is `reprise help --man`")


# --- completion --------------------------------------------------------------------------------

def compgen(script, words, cword=None):
    """COMPREPLY of the bash completion for `words` (the last one being completed)."""
    cword = len(words) - 1 if cword is None else cword
    line = " ".join(words)
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    program = (f"source '{script}'\nCOMP_WORDS=({quoted}); COMP_CWORD={cword}; COMP_LINE='{line}'; "
               f"COMP_POINT=${{#COMP_LINE}}\n_reprise\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    env = dict(os.environ, PATH=os.path.dirname(ARGS.reprise) + ":" + os.environ["PATH"])
    proc = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, env=env)
    check(proc.returncode == 0, f"bash completion ran for {words}", proc)
    return [line for line in proc.stdout.decode().splitlines() if line]


def test_completion(tmp):
    states = state_dir(tmp)
    for shell in ("bash", "zsh", "fish"):
        proc = run(["completion", shell])
        check(proc.returncode == 0 and proc.stdout, f"completion {shell}", proc)
        path = os.path.join(tmp, "reprise." + shell)
        with open(path, "wb") as f:
            f.write(proc.stdout)
        if shell == "bash":
            bash_script = path
            syntax = subprocess.run(["bash", "-n", path], capture_output=True)
            check(syntax.returncode == 0, f"bash -n: {syntax.stderr!r}")
        if shell == "zsh":
            syntax = subprocess.run(["zsh", "-n", path], capture_output=True)
            check(syntax.returncode == 0, f"zsh -n: {syntax.stderr!r}")
            # compinit takes the script's #compdef line: the function is registered for reprise.
            registered = subprocess.run(
                ["zsh", "-f", "-c", f"autoload -U compinit; compinit -u -D; source {path}; "
                 "print -r -- ${_comps[reprise]}"], capture_output=True, cwd=tmp)
            check(registered.stdout.strip() == b"_reprise", f"zsh registers _reprise: {registered!r}")
        if shell == "fish":
            syntax = subprocess.run(["fish", "-n", path], capture_output=True)
            check(syntax.returncode == 0, f"fish -n: {syntax.stderr!r}")
            fish_script = path
    check(run(["completion", "tcsh"]).returncode == 2, "unknown shell is a usage error")
    reprise = os.path.basename(ARGS.reprise)
    got = compgen(bash_script, [reprise, "re"])
    check(set(got) == {"reset", "relaunch", "restore", "resume"}, f"commands complete: {got}")
    got = compgen(bash_script, [reprise, "show", "--j"])
    check(got == ["--json"], f"options complete: {got}")
    got = compgen(bash_script, [reprise, "--state-dir", states, "show", "worker_"])
    ids = {"worker_demo", "worker_minimal", "worker_019dda61-4120-750a-ab2c-3d4e5f6a7b8c",
           "worker_019dda5e-8200-730a-ab2c-3d4e5f6a7b8c"}
    check(ids <= set(got), f"worker ids from the state dir complete: {got}")
    got = compgen(bash_script, [reprise, "--state-dir", states, "cancel", "worker_d"])
    check("worker_demo" in got, f"ids complete for cancel: {got}")
    got = compgen(bash_script, [reprise, "help", "rel"])
    check(got == ["relaunch"], f"help completes commands: {got}")
    got = compgen(bash_script, [reprise, "completion", ""])
    check(set(got) == {"bash", "zsh", "fish"}, f"completion completes shells: {got}")
    got = compgen(bash_script, [reprise, "--color", "x", "sh"])
    check(got == ["show"], f"a global option's value is skipped: {got}")
    # fish answers `complete -C` as it would on Tab.
    env = dict(os.environ, PATH=os.path.dirname(ARGS.reprise) + os.pathsep + os.environ["PATH"])

    def fish_complete(line):
        proc = subprocess.run(["fish", "-c", f"source {fish_script}; complete -C '{line}'"],
                              capture_output=True, env=env)
        return [row.split(b"\t")[0].decode() for row in proc.stdout.splitlines()]
    got = fish_complete(f"{reprise} re")
    check(set(got) == {"reset", "relaunch", "restore", "resume"}, f"fish: commands complete: {got}")
    got = fish_complete(f"{reprise} show --j")
    check(got == ["--json"], f"fish: options complete: {got}")


# --- terminal manners --------------------------------------------------------------------------

def run_on_tty(args, env):
    """Runs reprise with standard output on a pseudo-terminal; returns (exit, terminal output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(ARGS.reprise, [ARGS.reprise] + args, env)
    output = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


def test_pager(tmp):
    states = state_dir(tmp)
    paged = os.path.join(tmp, "paged")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPRISE_")}
    env.update({"PAGER": f"cat > '{paged}'", "TERM": "xterm", "LC_ALL": "C.UTF-8"})
    env.pop("NO_COLOR", None)
    code, _ = run_on_tty(["--state-dir", states, "show", DEMO_ID], env)
    check(code == 0, f"show on a tty exits 0 (got {code})")
    with open(paged, "rb") as f:
        text = f.read()
    check(b"worker_demo" in text, f"show went through $PAGER: {text[:200]!r}")
    os.remove(paged)
    code, out = run_on_tty(["--state-dir", states, "show", DEMO_ID, "--no-pager"], env)
    check(code == 0 and not os.path.exists(paged) and b"worker_demo" in out, "--no-pager")
    code, out = run_on_tty(["--state-dir", states, "show", DEMO_ID], dict(env, TERM="dumb"))
    check(not os.path.exists(paged) and b"worker_demo" in out, "TERM=dumb: no pager")
    a = os.path.join(ARGS.source, "fixtures", "diff", "attempts-a.json")
    b = os.path.join(ARGS.source, "fixtures", "diff", "attempts-b.json")
    code, _ = run_on_tty(["diff", a, b], env)
    check(code == 1 and os.path.exists(paged), f"diff goes through $PAGER (exit {code})")
    os.remove(paged)
    # On a pipe there is no pager.
    proc = run(["--state-dir", states, "show", DEMO_ID], env={"PAGER": f"cat > '{paged}'"})
    check(proc.returncode == 0 and b"worker_demo" in proc.stdout and not os.path.exists(paged),
          "no pager on a pipe", proc)


def test_color_and_width(tmp):
    states = state_dir(tmp)
    esc = b"\x1b["
    check(esc not in run(["--state-dir", states, "list"]).stdout, "no colour on a pipe")
    check(esc in run(["--state-dir", states, "list"], env={"CLICOLOR_FORCE": "1"}).stdout,
          "CLICOLOR_FORCE colours a pipe")
    check(esc not in run(["--state-dir", states, "list"],
                         env={"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}).stdout, "NO_COLOR wins")
    check(esc not in run(["--state-dir", states, "list"], env={"CLICOLOR_FORCE": "0"}).stdout,
          "CLICOLOR_FORCE=0 is off")
    check(esc in run(["--state-dir", states, "--color", "always", "list"],
                     env={"NO_COLOR": "1"}).stdout, "--color always beats NO_COLOR")
    # Display width: CJK and emoji take two columns and still align; control characters escaped.
    with open(os.path.join(states, "worker_demo.json")) as f:
        data = json.load(f)
    data["task"] = "要約してください 📋 report"
    data["latest_error"] = "boom \x1b[31mred\x1b[0m \x07bell"
    with open(os.path.join(states, "worker_demo.json"), "w") as f:
        json.dump(data, f)
    proc = run(["--state-dir", states, "list"])
    lines = proc.stdout.decode().splitlines()
    check(b"\x1b" not in proc.stdout and b"\x07" not in proc.stdout, "list escapes control chars",
          proc)
    check("\\x1b[31mred" in proc.stdout.decode(), "escape is visible", proc)
    header = lines[0]
    started = header.index("STARTED")
    import unicodedata

    def width(text):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c)
                   else 1 for c in text)
    for line in lines[1:]:
        # Every row's STARTED column begins at the same display column as the header's.
        prefix = line[:len(line)]
        cols = 0
        for i, c in enumerate(prefix):
            if cols == started:
                check(line[i - 2:i] == "  ", f"column aligned in {line!r}")
                break
            cols += width(c)
    demo_line = next(line for line in lines if line.startswith("worker_demo"))
    check("要約してください 📋 report" in demo_line, f"CJK kept: {demo_line}")
    show = run(["--state-dir", states, "show", DEMO_ID])
    check(b"\x1b[31m" not in show.stdout and b"\x07" not in show.stdout,
          "show escapes control chars", show)
    # Tables fit the terminal width.
    narrow = run(["--state-dir", states, "list"], env={"COLUMNS": "100"})
    for line in narrow.stdout.decode().splitlines():
        check(width(line) <= 100 or True, "")
    widths = [width(line) for line in narrow.stdout.decode().splitlines()]
    check(max(widths) <= 100, f"table fits 100 columns: {max(widths)}", narrow)


# --- the JSON envelope -------------------------------------------------------------------------

def load_schema():
    with open(os.path.join(ARGS.source, "docs", "schemas", "reprise.schema.json")) as f:
        return json.load(f)


def check_envelope(proc, data_def, ok=True, what=""):
    schema = load_schema()
    stream = proc.stdout if ok else proc.stderr
    other = proc.stderr if ok else proc.stdout
    check(other == b"" or (ok and not other.strip().startswith(b"{")),
          f"{what}: nothing JSON on the other stream", proc)
    try:
        envelope = json.loads(stream)
    except ValueError:
        check(False, f"{what}: one JSON document on {'stdout' if ok else 'stderr'}", proc)
    jsonschema.validate(envelope, schema)
    check(envelope["ok"] is ok, f"{what}: ok is {ok}", proc)
    if data_def and envelope["data"] is not None:
        sub = dict(schema)
        sub["$ref"] = f"#/$defs/data/{data_def}"
        jsonschema.validate(envelope["data"], sub)
    return envelope


def test_json(tmp):
    states = state_dir(tmp)
    base = ["--state-dir", states, "--now", "1777496400000", "--seed", "7"]
    fixtures = os.path.join(ARGS.source, "fixtures")
    child = ["--", sys.executable, os.path.join(fixtures, "children", "example_child.py")]
    env = run(base + ["show", DEMO_ID, "--json"])
    envelope = check_envelope(env, "show", what="show")
    check(envelope["data"][0]["id"] == DEMO_ID, "show data")
    two = check_envelope(run(base + ["show", DEMO_ID, "worker_minimal", "--json"]), "show",
                         what="show two")
    check(len(two["data"]) == 2, "show with two TARGETs")
    missing = run(base + ["show", "nope", "--json"])
    err = check_envelope(missing, "show", ok=False, what="show missing")
    check(missing.returncode == 66 and err["error"]["code"] == "not_found", "not_found", missing)
    check_envelope(run(base + ["validate", DEMO_ID, "--json"]), "validate", what="validate")
    bad = run(base + ["validate", os.path.join(fixtures, "snapshots", "bad-empty.json"), "--json"])
    check(bad.returncode == 65, "validate invalid exits 65", bad)
    check_envelope(bad, "validate", what="validate invalid (a finding)")
    check_envelope(run(base + ["list", "--json"]), "list", what="list")
    jsonl = run(base + ["list", "--jsonl"])
    rows = [json.loads(line) for line in jsonl.stdout.decode().splitlines()]
    check(len(rows) == 4 and all("file" in row for row in rows), "list --jsonl rows", jsonl)
    check_envelope(run(base + ["reset", DEMO_ID, "--task", "Again", "--dry-run", "--json"]), "reset",
                   what="reset --dry-run")
    check_envelope(run(base + ["reset", DEMO_ID, "worker_minimal", "--task", "Again", "--dry-run",
                               "--json"]), "reset", what="reset two")
    out = os.path.join(tmp, "next.json")
    check_envelope(run(base + ["reset", DEMO_ID, "--task", "Again", "-o", out, "--json"]), "reset",
                   what="reset -o")
    usage = run(base + ["reset", DEMO_ID, "--json"])
    err = check_envelope(usage, None, ok=False, what="reset without --task")
    check(err["error"]["code"] == "usage" and usage.returncode == 2, "usage code", usage)
    diff_a = os.path.join(fixtures, "diff", "attempts-a.json")
    diff_b = os.path.join(fixtures, "diff", "attempts-b.json")
    diff = run(["diff", diff_a, diff_b, "--json"])
    check(diff.returncode == 1, "diff different exits 1", diff)
    check_envelope(diff, "diff", what="diff --json")
    check_envelope(run(["diff", diff_a, diff_b, "--format", "json", "--first-divergence"]), "diff",
                   what="diff --first-divergence")
    relaunch = run(base + ["relaunch", DEMO_ID, "--task", "Count these four words", "--json"]
                   + child, timeout=120)
    check(relaunch.returncode == 0, "relaunch completed", relaunch)
    check_envelope(relaunch, "relaunch", what="relaunch")
    not_found = run(base + ["relaunch", DEMO_ID, "--task", "x", "--json", "--",
                            "no-such-command-here"])
    err = check_envelope(not_found, "relaunch", ok=False, what="relaunch command not found")
    check(not_found.returncode == 127 and err["error"]["code"] == "command_not_found",
          "relaunch errors go to stderr only", not_found)
    check_envelope(run(base + ["wait", DEMO_ID, "--json", "--timeout", "5s"]), "wait", what="wait")
    suspended = "worker_019dda61-4120-750a-ab2c-3d4e5f6a7b8c"
    resume = run(base + ["resume", suspended, "--input", "Go on", "--json"] + child, timeout=120)
    check_envelope(resume, "lifecycle", ok=resume.returncode in (0, 1), what="resume")
    cancel = run(base + ["cancel", DEMO_ID, "--json"])
    check_envelope(cancel, "lifecycle", ok=cancel.returncode == 0, what="cancel")
    suspend = run(base + ["suspend", DEMO_ID, "--reason", "r", "--json"])
    check(suspend.returncode == 2, "suspending a cancelled worker is refused", suspend)
    check_envelope(suspend, "lifecycle", ok=False, what="suspend refused")
    typo = run(["shwo", "--json"])
    err = check_envelope(typo, None, ok=False, what="unknown command with --json")
    check("did you mean show" in err["error"]["message"], "did you mean in JSON")
    # Every command has --json (help and completion print text by nature).
    for name in commands():
        if name not in ("help", "completion"):
            check("--json" in run([name, "--help"]).stdout.decode(), f"{name} has --json")


# --- batches -----------------------------------------------------------------------------------

def test_batch(tmp):
    states = state_dir(tmp)
    fixtures = os.path.join(ARGS.source, "fixtures")
    for n in range(3):
        with open(os.path.join(states, "worker_demo.json")) as f:
            data = json.load(f)
        data["id"] = f"worker_batch{n}"
        with open(os.path.join(states, f"worker_batch{n}.json"), "w") as f:
            json.dump(data, f)
    child = [sys.executable, os.path.join(fixtures, "children", "example_child.py")]
    ids = b"worker_batch0\0worker_batch1\0worker_batch2\0"
    proc = run(["--state-dir", states, "relaunch", "--stdin-ids", "--task", "Count these four words",
                "-j", "2", "--"] + child + ["--mode", "fail"], stdin=ids, timeout=120)
    check(proc.returncode == 1, "a failed batch exits 1", proc)
    out = proc.stdout.decode()
    check(out.count("worker_batch") >= 3 and "log:" in out and "error:" in out,
          "each row with error excerpt and log path", proc)
    check(b"3 of 3 ran" in proc.stderr and b"3 failed" in proc.stderr, "totals", proc)
    check(b"\r" not in proc.stderr, "no progress line on a pipe", proc)
    jsonl = run(["--state-dir", states, "relaunch", "worker_batch0", "worker_batch1", "--task", "Count these four words",
                 "-j", "2", "--jsonl", "--"] + child, timeout=120)
    rows = [json.loads(line) for line in jsonl.stdout.decode().splitlines()]
    check(jsonl.returncode == 0 and len(rows) == 2, "relaunch --jsonl rows", jsonl)
    listed = run(["--state-dir", states, "list", "--ids", "-0"])
    check(listed.stdout.count(b"\0") == 7, "list --ids -0", listed)


# --- small things ------------------------------------------------------------------------------

def test_small_things(tmp):
    states = state_dir(tmp)
    bad_now = run(["--state-dir", states, "reset", DEMO_ID, "--task", "x"],
                  env={"REPRISE_NOW": "abc"})
    check(bad_now.returncode == 2 and b"REPRISE_NOW" in bad_now.stderr or b"--now" in bad_now.stderr,
          "REPRISE_NOW=abc is a usage error", bad_now)
    check(bad_now.returncode == 2, "REPRISE_NOW=abc exits 2", bad_now)
    via_env = run(["show", DEMO_ID], env={"HARN_WORKER_STATE_DIR": states})
    check(via_env.returncode == 0, "HARN_WORKER_STATE_DIR through the parser", via_env)
    for duration in ("1h30m", "1d", "2m30s"):
        proc = run(["--state-dir", states, "wait", DEMO_ID, "--timeout", duration])
        check(proc.returncode in (0, 1), f"--timeout {duration} accepted", proc)
    check(run(["--state-dir", states, "wait", DEMO_ID, "--timeout", "1h30"]).returncode == 2,
          "1h30 refused")
    # --cwd: a worker recorded on another machine.
    with open(os.path.join(states, "worker_demo.json")) as f:
        data = json.load(f)
    data["execution"]["cwd"] = "/nonexistent/ci/checkout"
    with open(os.path.join(states, "worker_demo.json"), "w") as f:
        json.dump(data, f)
    child = ["--", sys.executable, os.path.join(ARGS.source, "fixtures", "children",
                                                 "example_child.py")]
    elsewhere = run(["--state-dir", states, "relaunch", DEMO_ID, "--task", "Count these four words"]
                    + child)
    check(elsewhere.returncode == 66 and b"--cwd" in elsewhere.stderr, "a hint about --cwd",
          elsewhere)
    here = run(["--state-dir", states, "relaunch", DEMO_ID, "--task", "Count these four words",
                "--cwd", tmp] + child, timeout=120)
    check(here.returncode == 0, "--cwd runs it here", here)
    # REPRISE_COMMAND through the parser.
    env_cmd = run(["--state-dir", states, "relaunch", DEMO_ID, "--task", "Count these four words",
                   "--cwd", tmp],
                  env={"REPRISE_COMMAND": f"{sys.executable} {ARGS.source}/fixtures/children/example_child.py"},
                  timeout=120)
    check(env_cmd.returncode == 0, "REPRISE_COMMAND", env_cmd)


# --- installation ------------------------------------------------------------------------------

INSTALLED = [
    "bin/reprise",
    "share/man/man1/reprise.1",
    "share/bash-completion/completions/reprise",
    "share/zsh/vendor-completions/_reprise",
    "share/fish/vendor_completions.d/reprise.fish",
    "share/doc/reprise/README.md",
    "share/doc/reprise/manual.md",
]


def test_install(tmp):
    prefix = os.path.join(tmp, "prefix")
    proc = subprocess.run(["cmake", "--install", ARGS.build, "--prefix", prefix, "--strip"],
                          capture_output=True)
    check(proc.returncode == 0, "cmake --install", proc)
    found = sorted(os.path.relpath(os.path.join(root, name), prefix)
                   for root, _, names in os.walk(prefix) for name in names)
    check(found == sorted(INSTALLED), f"installed files: {found}")
    binary = os.path.join(prefix, "bin", "reprise")
    check(os.access(binary, os.X_OK), "bin/reprise is executable")
    kind = subprocess.run(["file", "-b", binary], capture_output=True).stdout.decode()
    check("not stripped" not in kind and "stripped" in kind, f"stripped: {kind}")
    version = subprocess.run([binary, "--version"], capture_output=True)
    check(version.returncode == 0 and version.stdout.startswith(b"reprise "), "runs", version)
    with open(os.path.join(prefix, "share/man/man1/reprise.1"), "rb") as f:
        check(f.read() == subprocess.run([binary, "help", "--man"], capture_output=True).stdout,
              "installed man page matches the installed binary")
    for shell, path in (("bash", "share/bash-completion/completions/reprise"),
                        ("zsh", "share/zsh/vendor-completions/_reprise"),
                        ("fish", "share/fish/vendor_completions.d/reprise.fish")):
        with open(os.path.join(prefix, path), "rb") as f:
            check(f.read() == subprocess.run([binary, "completion", shell],
                                             capture_output=True).stdout, f"installed {shell}")


def test_deb(tmp):
    out = os.path.join(tmp, "deb")
    proc = subprocess.run(["cpack", "--config", os.path.join(ARGS.build, "CPackConfig.cmake"),
                           "-B", out], capture_output=True, cwd=tmp)
    check(proc.returncode == 0, "cpack", proc)
    debs = [name for name in os.listdir(out) if name.endswith(".deb")]
    check(len(debs) == 1, f"one .deb: {debs}")
    deb = os.path.join(out, debs[0])
    listing = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True).stdout.decode()
    for path in INSTALLED:
        check(f"./usr/{path}" in listing, f"the .deb has /usr/{path}:\n{listing}")
    info = subprocess.run(["dpkg", "-I", deb], capture_output=True).stdout.decode()
    depends = re.search(r"^ Depends: (.*)$", info, re.M)
    check(depends is not None, f"Depends: in\n{info}")
    needed = subprocess.run(["ldd", ARGS.reprise], capture_output=True).stdout.decode()
    for lib, package in (("libfmt", "libfmt9"), ("libsimdjson", "libsimdjson14"),
                         ("libutf8proc", "libutf8proc2"), ("libuuid", "libuuid1"),
                         ("libstdc++", "libstdc++6"), ("libc.so", "libc6")):
        if lib in needed:
            check(package in depends.group(1), f"Depends names {package}: {depends.group(1)}")
    check("Package: reprise" in info and "Architecture: amd64" in info, f"control:\n{info}")
    # The package's binary is stripped and runs.
    extract = os.path.join(tmp, "extract")
    subprocess.run(["dpkg-deb", "-x", deb, extract], check=True)
    binary = os.path.join(extract, "usr", "bin", "reprise")
    kind = subprocess.run(["file", "-b", binary], capture_output=True).stdout.decode()
    check("not stripped" not in kind, f"the packaged binary is stripped: {kind}")
    check(subprocess.run([binary, "--version"], capture_output=True).returncode == 0, "runs")


TESTS = [test_help, test_man_page, test_completion, test_pager, test_color_and_width, test_json,
         test_batch, test_small_things, test_install, test_deb]


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--build", required=True)
    parser.add_argument("--only")
    parser.add_argument("--skip-install", action="store_true",
                        help="leave out cmake --install and cpack (the sanitizer build)")
    ARGS = parser.parse_args()
    ARGS.reprise = os.path.abspath(ARGS.reprise)
    ARGS.source = os.path.abspath(ARGS.source)
    ARGS.build = os.path.abspath(ARGS.build)
    for test in TESTS:
        if ARGS.only and ARGS.only not in test.__name__:
            continue
        if ARGS.skip_install and test in (test_install, test_deb):
            print(f"skip {test.__name__} (--skip-install)")
            continue
        with tempfile.TemporaryDirectory(prefix="reprise-unixtool.") as tmp:
            try:
                test(tmp)
                print(f"ok   {test.__name__}")
            except Exception:  # noqa: BLE001 - report every failure, then fail
                FAILURES.append(test.__name__)
                print(f"FAIL {test.__name__}")
                traceback.print_exc(file=sys.stdout)
    if FAILURES:
        print(f"{len(FAILURES)} failed: {', '.join(FAILURES)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
