#!/usr/bin/env python3
"""Baseline for benchmarks: a simplified reset as a ten-line script would do it (send_input,
transcript fork). Usage: reference_reset.py SNAPSHOT OUT TASK"""
import json, os, sys, time, uuid

def uuid7():
    bits = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    return str(uuid.UUID(int=bits & ~(0xF << 76 | 0x3 << 62) | 0x7 << 76 | 0x2 << 62))

src, out, task = sys.argv[1:4]
with open(src, encoding="utf-8") as f:
    w = json.load(f)
w.update(task=task, history=w.get("history", []) + [task], status="running", started_at=uuid7(),
         finished_at=None, awaiting_started_at=None, latest_error=None, latest_payload=None)
if isinstance(w.get("transcript"), dict):
    old = w["transcript"]
    w["transcript"] = dict(old, id=uuid7(), metadata=dict(old.get("metadata") or {},
                                                          parent_transcript_id=str(old.get("id"))))
if w["config"].get("mode") == "workflow":
    w["config"]["options"]["transcript"] = w["transcript"]
with open(out, "w", encoding="utf-8") as f:
    json.dump(w, f, indent=2, ensure_ascii=False)
