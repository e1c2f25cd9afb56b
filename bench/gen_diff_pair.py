#!/usr/bin/env python3
"""Writes a pair of harn-shaped snapshots for the diff benchmark (deterministic for a seed).

A is gen_snapshot.py's snapshot; B is A with exactly four differences: one message inserted in the
middle of the top-level transcript, one other message changed, one artifact added, and the status.

    gen_diff_pair.py --size-mb 25 --out-a a.json --out-b b.json [--seed 1]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_snapshot  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, required=True, help="approximate size of A in MiB")
    parser.add_argument("--out-a", required=True)
    parser.add_argument("--out-b", required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    a = gen_snapshot.build(int(args.size_mb * 1024 * 1024), args.seed, "workflow")
    with open(args.out_a, "w", encoding="utf-8") as out:
        json.dump(a, out, indent=2, ensure_ascii=False)

    # B shares A's values except along the edited paths (A's transcript object is also referenced
    # from latest_payload, which must stay as it is).
    b = dict(a)
    transcript = dict(a["transcript"])
    messages = list(transcript["messages"])
    middle = len(messages) // 2
    messages.insert(middle, {"role": "user",
                             "content": "Before you go on: re-run the failing test with -v."})
    changed = middle + len(messages) // 4
    messages[changed] = dict(messages[changed], content="(edited) " + str(messages[changed]["content"]))
    transcript["messages"] = messages
    b["transcript"] = transcript
    b["artifacts"] = a["artifacts"] + [{
        "_type": "artifact", "id": "artifact_019ddb00-0000-7000-8000-00000000beef",
        "kind": "test_result", "title": "re-run with -v", "text": "1 failed: test_retry_budget",
        "data": None, "source": "verify", "created_at": "1777489999", "freshness": "fresh",
        "priority": 100, "lineage": [], "relevance": None, "estimated_tokens": 8,
        "stage": "verify", "metadata": {}}]
    b["status"] = "failed"
    with open(args.out_b, "w", encoding="utf-8") as out:
        json.dump(b, out, indent=2, ensure_ascii=False)
    sizes = [os.path.getsize(p) / 1048576 for p in (args.out_a, args.out_b)]
    print(f"{args.out_a}: {sizes[0]:.1f} MiB, {args.out_b}: {sizes[1]:.1f} MiB, "
          f"{len(a['transcript']['messages'])} messages; inserted at {middle}, changed {changed}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
