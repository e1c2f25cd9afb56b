#!/usr/bin/env python3
"""Writes a large, realistic harn worker snapshot for benchmarks (deterministic for a seed).

The size is dominated by a long transcript (user/assistant/tool messages and the events that mirror
them) and many artifacts. Like harn, the finished transcript appears three times (top level, the
run payload, and - one exchange shorter - the workflow's carried `options.transcript`), and the
artifacts twice (top level and payload) plus the input artifacts in `config.artifacts`.

    gen_snapshot.py --size-mb 100 --out big.json [--seed 1] [--variant workflow|stage|sub_agent]
                    [--shape mixed|transcript]

--shape transcript makes ~95% of the bytes transcript (a long-running agent's worker) instead of
the default mix of ~70% transcript and ~30% artifacts.
"""

import argparse
import json
import math
import random
import sys

WORDS = (
    "the a an of to in for on with by from and or but not is are was be been this that these "
    "worker snapshot transcript artifact policy carry reset replay stage workflow node graph run "
    "test build compile link error warning failure success retry timeout budget token context "
    "file directory path module function class method struct field value option flag config "
    "parse serialize validate check compare merge diff patch apply commit branch rebase review "
    "latency throughput memory cache buffer queue lock thread process signal child parent status "
    "user assistant tool result summary plan evidence finding question answer decision next step "
    "refactor rename extract inline cleanup deprecate migrate upgrade pin vendor release deploy "
    "naïve café résumé façade — “quoted” ‘single’ λ-calculus 数据 ✓"
).split()
TOOLS = ("read_file", "run_command", "search_code", "write_file", "list_dir", "apply_patch")
KINDS = (
    ("summary", 60), ("plan", 80), ("workspace_file", 70), ("diff", 90), ("test_result", 100),
    ("command_result", 50), ("verification_result", 100), ("research_finding", 40), ("note", 40),
)
FRESHNESS = ("fresh", "recent", "stale", "live", None)
STAGES = ("plan", "act", "verify", "review")


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.ms = 1777485641000  # 2026-04-29, the era of the spec examples

    def uuid7(self, step_ms=37):
        self.ms += self.rng.randint(1, step_ms)
        rand_a = self.rng.getrandbits(12)
        rand_b = self.rng.getrandbits(62) | (0b10 << 62)
        return "%08x-%04x-7%03x-%04x-%012x" % (
            self.ms >> 16, self.ms & 0xFFFF, rand_a, rand_b >> 48, rand_b & 0xFFFFFFFFFFFF)

    def sentence(self):
        words = [self.rng.choice(WORDS) for _ in range(self.rng.randint(4, 22))]
        return " ".join(words).capitalize() + self.rng.choice((".", ".", ".", "?", "!", ":"))

    def prose(self, lo, hi):
        text = " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))
        if self.rng.random() < 0.3:
            text += "\n\n- " + "\n- ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))
        return text

    def code(self, lines):
        out = []
        for i in range(lines):
            name = self.rng.choice(WORDS).strip("“”‘’—") or "x"
            out.append(self.rng.choice((
                f'    if (value_{i} != nullptr) {{ return "{name}\\n"; }}',
                f"\tlog(\"{name}: %d\", {i});  // tab-indented, with a backslash \\",
                f"-   old_{name}({i});",
                f"+   new_{name}({i}, /*retry=*/true);",
                f"{i:5d} | {self.sentence()}",
            )))
        return "\n".join(out)

    def tool_output(self):
        if self.rng.random() < 0.5:
            return self.code(self.rng.randint(3, 120))
        return json.dumps({"exit_code": self.rng.choice((0, 0, 0, 1)),
                           "stdout": self.prose(1, 8), "stderr": ""}, ensure_ascii=False)

    def event(self, kind, role, visibility, text, metadata=None):
        event = {"id": self.uuid7(), "kind": kind, "role": role, "visibility": visibility,
                 "text": text, "blocks": [{"type": "text", "text": text, "visibility": visibility}]}
        if metadata:
            event["metadata"] = metadata
        return event

    def exchange(self, index):
        """One user turn: the question, a few tool calls with results, the answer."""
        messages, events = [], []
        task = self.sentence()
        content = task + (" " + self.prose(1, 3) if self.rng.random() < 0.6 else "")
        messages.append({"role": "user", "content": content})
        events.append(self.event("message", "user", "public", content))
        for _ in range(self.rng.randint(0, 4)):
            call_id = f"call_{index}_{self.rng.getrandbits(40):010x}"
            tool = self.rng.choice(TOOLS)
            arguments = json.dumps({"path": f"src/{self.rng.choice(WORDS)}.cpp",
                                    "query": self.sentence()}, ensure_ascii=False)
            thought = self.prose(1, 3)
            messages.append({"role": "assistant", "content": thought, "tool_calls": [
                {"id": call_id, "type": "function",
                 "function": {"name": tool, "arguments": arguments}}]})
            events.append(self.event("message", "assistant", "public", thought))
            output = self.tool_output()
            messages.append({"role": "tool", "tool_call_id": call_id, "name": tool,
                             "content": output})
            events.append(self.event("tool_result", "tool_result", "internal", output,
                                     {"tool_name": tool, "tool_call_id": call_id}))
        answer = self.prose(2, 30)
        messages.append({"role": "assistant", "content": answer})
        events.append(self.event("message", "assistant", "public", answer))
        return task, messages, events

    def artifact(self, earlier_ids):
        kind, priority = self.rng.choice(KINDS)
        text = self.code(self.rng.randint(5, 200)) if kind in (
            "workspace_file", "diff") else self.prose(1, 40)
        stage = self.rng.choice(STAGES)
        created_at = self.rng.choice((str(self.ms // 1000), self.uuid7(), "2026-04-29T18:%02d:%02dZ"
                                      % (self.rng.randint(0, 59), self.rng.randint(0, 59))))
        lineage = self.rng.sample(earlier_ids, min(len(earlier_ids), self.rng.randint(0, 3)))
        return {
            "_type": "artifact",
            "id": "artifact_" + self.uuid7(),
            "kind": kind,
            "title": f"stage {stage} {kind}",
            "text": text,
            "data": {"visible_text": text[:200], "status": "done"},
            "source": stage,
            "created_at": created_at,
            "freshness": self.rng.choice(FRESHNESS),
            "priority": priority if self.rng.random() < 0.8 else self.rng.randint(0, 100),
            "lineage": lineage,
            "relevance": round(self.rng.random(), 3),
            "estimated_tokens": math.ceil(len(text) / 4),
            "stage": stage,
            "metadata": {"input_artifact_ids": lineage, "node_kind": "stage"},
        }


def encoded_size(value, depth):
    """Bytes of `value` pretty-printed at `depth` levels of nesting, as json.dump writes it."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return len(text.encode()) + text.count("\n") * 2 * depth + 2 * depth + 2


def transcript(gen, messages, events, parent=None):
    result = {"_type": "transcript", "version": 2, "id": gen.uuid7(), "messages": messages,
              "events": events, "assets": []}
    if parent:
        result["metadata"] = {"parent_transcript_id": parent}
    return result


def node(node_id, worker_id):
    policy = {k: None for k in ("provider", "model", "model_tier", "temperature", "max_tokens",
                                "max_iterations", "max_nudges", "nudge", "tool_examples",
                                "stop_after_successful_tools", "require_successful_tools",
                                "turn_policy", "tool_format")}
    policy.update(provider="mock", native_tool_fallback="allow")
    return {"id": node_id, "kind": "stage", "mode": "llm", "prompt": None, "system": None,
            "task_label": None, "done_sentinel": None, "tools": list(TOOLS),
            "model_policy": policy, "context_policy": default_context_policy(),
            "retry_policy": {"max_attempts": 0, "verify": False, "repair": False,
                             "backoff_ms": None, "backoff_multiplier": None},
            "output_contract": {"input_kinds": [], "output_kinds": ["summary"], "min_inputs": None,
                                "max_inputs": None, "require_transcript": False, "schema": None},
            "verify": None, "exit_when_verified": False,
            "metadata": {"worker_session_id": f"worker_session_{worker_id}_{node_id}"}}


def default_context_policy():
    return {"max_artifacts": None, "max_tokens": None, "reserve_tokens": None, "include_kinds": [],
            "exclude_kinds": [], "prioritize_kinds": [], "pinned_ids": [], "include_stages": [],
            "prefer_recent": False, "prefer_fresh": False, "render": None}


def build(size_bytes, seed, variant, shape="mixed"):
    gen = Gen(seed)
    worker_id = "worker_" + gen.uuid7()
    created_at = gen.uuid7()
    # ~70% transcript, ~30% artifacts, counting every copy (a sub-agent's config has none).
    transcript_copies = 2 if variant == "sub_agent" else 3
    messages, events, tasks, last_exchange_start = [], [], [], (0, 0)
    transcript_share = 0.95 if shape == "transcript" else 0.7
    transcript_budget, used = size_bytes * transcript_share, 0
    while used < transcript_budget or len(tasks) < 2:
        last_exchange_start = len(messages), len(events)
        task, new_messages, new_events = gen.exchange(len(tasks))
        tasks.append(task)
        messages += new_messages
        events += new_events
        used += transcript_copies * (sum(encoded_size(m, 4) for m in new_messages) +
                                     sum(encoded_size(e, 4) for e in new_events))
    artifacts, artifact_budget, used = [], size_bytes * (1 - transcript_share), 0
    while used < artifact_budget or len(artifacts) < 4:
        artifacts.append(gen.artifact([a["id"] for a in artifacts[-20:]]))
        used += (2 if variant == "sub_agent" else 2.2) * encoded_size(artifacts[-1], 2)
    total_tokens = sum(a["estimated_tokens"] for a in artifacts)

    previous = transcript(gen, messages[:last_exchange_start[0]], events[:last_exchange_start[1]])
    finished = transcript(gen, messages, events, parent=previous["id"])
    inputs = artifacts[: len(artifacts) // 5]
    run_id, run_path = gen.uuid7(), None
    started_at = gen.uuid7(step_ms=60_000)
    finished_at = gen.uuid7(step_ms=600_000)
    name = {"workflow": "flow-worker", "stage": "stage-worker", "sub_agent": "sub-agent"}[variant]

    if variant == "workflow":
        run_path = f".harn-runs/{run_id}.json"
        graph_id = "workflow_" + gen.uuid7()
        config = {"mode": "workflow", "graph": {
            "_type": "workflow_graph", "id": graph_id, "name": "bench-flow", "version": 1,
            "entry": "plan", "nodes": {s: node(s, worker_id) for s in STAGES},
            "edges": [{"from": a, "to": b, "branch": None, "label": None}
                      for a, b in zip(STAGES, STAGES[1:])],
            "metadata": {}, "audit_log": []},
            "artifacts": inputs,
            "options": {"max_steps": 8, "parent_worker_id": worker_id, "resume_path": run_path,
                        "transcript": previous}}
        payload = {"status": "completed", "run": {
            "_type": "run_record", "id": run_id, "workflow_id": graph_id,
            "workflow_name": "bench-flow", "task": tasks[-1], "status": "completed",
            "started_at": started_at, "finished_at": finished_at, "parent_run_id": None,
            "root_run_id": run_id, "metadata": {"parent_worker_id": worker_id, "delegated": True},
            "persisted_path": run_path}, "artifacts": artifacts, "transcript": finished,
            "path": run_path}
    elif variant == "stage":
        config = {"mode": "stage", "node": node("act", worker_id), "artifacts": inputs,
                  "transcript": previous}
        payload = {"status": "completed", "mode": "stage", "task": tasks[-1],
                   "result": messages[-1]["content"], "artifacts": artifacts,
                   "transcript": finished, "execution": {"cwd": None, "worktree": None}}
        run_id = None
    else:
        session = "sub_agent_session_" + gen.uuid7()
        config = {"mode": "sub_agent", "spec": {
            "name": name, "task": tasks[-1], "system": "You are a careful engineer.",
            "options": {"provider": "mock", "model": "mock-large", "tools": list(TOOLS),
                        "session_id": session},
            "returns_schema": None, "session_id": session, "parent_session_id": None,
            "reminder_propagation": [], "workspace_anchor": None}}
        payload = {"ok": True, "summary": messages[-1]["content"][:400], "artifacts": artifacts,
                   "evidence_added": len(artifacts), "tokens_used": total_tokens,
                   "budget_exceeded": False, "data": None, "error": None, "session_id": session,
                   "transcript": finished}
        run_id = None

    context_policy = default_context_policy()
    context_policy.update(max_tokens=total_tokens // 3, reserve_tokens=1000,
                          prioritize_kinds=["plan", "test_result"],
                          pinned_ids=[artifacts[1]["id"], artifacts[-2]["id"]],
                          exclude_kinds=["note"], prefer_recent=True, prefer_fresh=True)
    return {
        "_type": "worker_snapshot", "id": worker_id, "name": name, "task": tasks[-1],
        "status": "completed", "created_at": created_at, "started_at": started_at,
        "finished_at": finished_at, "awaiting_started_at": None, "mode": variant,
        "history": tasks, "config": config,
        "request": {"task": tasks[0], "system": None, "payload": None, "research_questions": [],
                    "action_items": [], "workflow_stages": [], "verification_steps": []},
        "latest_payload": payload, "latest_error": None, "transcript": finished,
        "artifacts": artifacts, "parent_worker_id": None, "parent_stage_id": None,
        "child_run_id": run_id, "child_run_path": run_path,
        "carry_policy": {"artifact_mode": "inherit", "transcript_mode": "fork",
                         "context_policy": context_policy, "resume_workflow": True,
                         "persist_state": True, "retriggerable": False, "policy": None},
        "execution": {"cwd": None, "env": {}, "worktree": None},
        "snapshot_path": f".harn/workers/{worker_id}.json",
        "audit": {"session_id": "session_" + gen.uuid7(), "parent_session_id": None,
                  "run_id": run_id, "worker_id": worker_id, "execution_kind": variant,
                  "mutation_scope": "read_only", "approval_policy": None},
        "suspension": None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, required=True, help="approximate size in MiB")
    parser.add_argument("--out", required=True, help="output file")
    parser.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    parser.add_argument("--variant", choices=("workflow", "stage", "sub_agent"),
                        default="workflow")
    parser.add_argument("--shape", choices=("mixed", "transcript"), default="mixed",
                        help="mixed (default): ~70%% transcript; transcript: ~95%%")
    args = parser.parse_args()
    snapshot = build(int(args.size_mb * 1024 * 1024), args.seed, args.variant, args.shape)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(snapshot, out, indent=2, ensure_ascii=False)  # serde: no trailing newline
    with open(args.out, "rb") as written:
        size = written.seek(0, 2)
    print(f"{args.out}: {size / 1048576:.1f} MiB, {len(snapshot['transcript']['messages'])} "
          f"messages, {len(snapshot['artifacts'])} artifacts", file=sys.stderr)


if __name__ == "__main__":
    main()
