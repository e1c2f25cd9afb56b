#!/usr/bin/env python3
"""Property test for `reprise diff --format patch|merge`.

For many generated pairs (A = a JSON fixture, B = A after random edits) it checks that:
  * the exit status is 0 exactly when A and B are equal JSON values, 1 otherwise;
  * applying the `--keep-volatile` JSON Patch to A with the RFC 6902 applier below yields B;
  * applying the `--keep-volatile` Merge Patch to A with the RFC 7396 applier below yields B,
    unless reprise warned that B holds a null the merge patch cannot express;
  * without --keep-volatile the patch still applies, and its result differs from B only in
    volatile fields (reprise diff of the two reports no difference).
The appliers are written here from the RFCs, independently of reprise. Standard library only.

    patch_property.py --reprise build/dev/reprise --fixtures fixtures [--iterations 300] [--seed 1]
"""
import argparse
import copy
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

# --- RFC 6901 / 6902 ---------------------------------------------------------------------------


class PatchError(Exception):
    pass


def parse_pointer(pointer):
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError("pointer %r does not start with /" % pointer)
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def array_index(container, token, allow_end):
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError("bad array index %r" % token)
    index = int(token)
    limit = len(container) if allow_end else len(container) - 1
    if index > limit:
        raise PatchError("array index %d out of range (length %d)" % (index, len(container)))
    return index


def resolve_parent(doc, tokens):
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise PatchError("missing member %r" % token)
            node = node[token]
        elif isinstance(node, list):
            node = node[array_index(node, token, False)]
        else:
            raise PatchError("cannot descend into a scalar at %r" % token)
    return node


def get_value(doc, pointer):
    tokens = parse_pointer(pointer)
    if not tokens:
        return doc
    parent = resolve_parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError("missing member %r" % last)
        return parent[last]
    if isinstance(parent, list):
        return parent[array_index(parent, last, False)]
    raise PatchError("scalar parent")


def apply_op(doc, op):
    kind = op.get("op")
    if "path" not in op:
        raise PatchError("operation without path: %r" % op)
    tokens = parse_pointer(op["path"])
    if kind in ("add", "replace", "test") and "value" not in op:
        raise PatchError("%s without value" % kind)
    if kind == "test":
        if not json_equal(get_value(doc, op["path"]), op["value"]):
            raise PatchError("test failed at %s" % op["path"])
        return doc
    if kind in ("move", "copy"):
        value = copy.deepcopy(get_value(doc, op["from"]))
        if kind == "move":
            doc = apply_op(doc, {"op": "remove", "path": op["from"]})
        return apply_op(doc, {"op": "add", "path": op["path"], "value": value})
    if not tokens:
        if kind == "remove":
            raise PatchError("cannot remove the root")
        return copy.deepcopy(op["value"])
    parent = resolve_parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if kind == "add":
            parent[last] = copy.deepcopy(op["value"])
        elif kind in ("remove", "replace"):
            if last not in parent:
                raise PatchError("%s of a missing member %s" % (kind, op["path"]))
            if kind == "remove":
                del parent[last]
            else:
                parent[last] = copy.deepcopy(op["value"])
        else:
            raise PatchError("unknown op %r" % kind)
    elif isinstance(parent, list):
        if kind == "add":
            parent.insert(array_index(parent, last, True), copy.deepcopy(op["value"]))
        elif kind == "remove":
            del parent[array_index(parent, last, False)]
        elif kind == "replace":
            parent[array_index(parent, last, False)] = copy.deepcopy(op["value"])
        else:
            raise PatchError("unknown op %r" % kind)
    else:
        raise PatchError("parent of %s is a scalar" % op["path"])
    return doc


def apply_json_patch(doc, patch):
    if not isinstance(patch, list):
        raise PatchError("a JSON Patch is an array")
    doc = copy.deepcopy(doc)
    for op in patch:
        doc = apply_op(doc, op)
    return doc


# --- RFC 7396 ----------------------------------------------------------------------------------


def apply_merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    else:
        target = copy.deepcopy(target)
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = apply_merge_patch(target.get(key), value)
    return target


# --- JSON value equality (bool is not a number; 1 == 1.0) ----------------------------------------


def json_equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return a == b


# --- random edits --------------------------------------------------------------------------------

KEYS = ("status", "note", "a/b", "c~d", "~1", "", "λ", "x", "id", "messages", "0")


def random_scalar(rng):
    return rng.choice([None, True, False, 0, -7, 3.25, "text", 2 ** 64 - 1, 2 ** 63 + 1, 1e300, "", "multi\nline \"q\"",
                       "ünï ✓", rng.randint(0, 10 ** 6), "v%d" % rng.randint(0, 99)])


def random_value(rng, depth=0):
    roll = rng.random()
    if depth > 2 or roll < 0.5:
        return random_scalar(rng)
    if roll < 0.75:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def containers(doc):
    """Every object and array in `doc` (including doc), as a list."""
    out = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list)):
            out.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    return out


def message_lists(doc):
    found = []
    for node in containers(doc):
        if isinstance(node, dict) and isinstance(node.get("messages"), list):
            found.append(node["messages"])
        if isinstance(node, dict) and isinstance(node.get("events"), list):
            found.append(node["events"])
    return found


def edit(doc, rng):
    """Applies one random edit to `doc` in place (or returns a replacement root)."""
    lists = message_lists(doc)
    if lists and rng.random() < 0.35:
        seq = rng.choice(lists)
        roll = rng.random()
        if roll < 0.4 or not seq:
            item = copy.deepcopy(rng.choice(seq)) if seq else {"role": "user", "content": "hi"}
            if isinstance(item, dict):
                item["content" if "content" in item else "text"] = "inserted %d" % rng.randint(0, 999)
                if "id" in item:
                    item["id"] = "019dda99-%04x-7000-8000-000000000000" % rng.randint(0, 65535)
            seq.insert(rng.randint(0, len(seq)), item)
        elif roll < 0.7:
            del seq[rng.randrange(len(seq))]
        else:
            item = seq[rng.randrange(len(seq))]
            if isinstance(item, dict):
                item["content" if "content" in item else "text"] = "changed %d" % rng.randint(0, 999)
        return doc
    nodes = containers(doc)
    if not nodes:
        return random_value(rng)
    node = rng.choice(nodes)
    roll = rng.random()
    if isinstance(node, dict):
        if roll < 0.3 and node:
            del node[rng.choice(list(node))]
        elif roll < 0.55:
            node[rng.choice(KEYS)] = random_value(rng)
        elif roll < 0.85 and node:
            node[rng.choice(list(node))] = random_value(rng)
        else:
            items = list(node.items())
            rng.shuffle(items)
            node.clear()
            node.update(items)
    else:
        if roll < 0.3 and node:
            del node[rng.randrange(len(node))]
        elif roll < 0.6:
            node.insert(rng.randint(0, len(node)), random_value(rng))
        elif roll < 0.85 and node:
            node[rng.randrange(len(node))] = random_value(rng)
        elif len(node) > 1:
            i, j = rng.randrange(len(node)), rng.randrange(len(node))
            node[i], node[j] = node[j], node[i]
    return doc


# --- the property --------------------------------------------------------------------------------


def run(reprise, args):
    return subprocess.run([reprise, "diff"] + args, capture_output=True, env=dict(os.environ, NO_COLOR="1"))


def dump(path, value, rng):
    with open(path, "w", encoding="utf-8") as f:
        if rng.random() < 0.5:
            json.dump(value, f, indent=2, ensure_ascii=rng.random() < 0.5)
        else:
            json.dump(value, f, separators=(",", ":"), ensure_ascii=False)


def bases(fixtures):
    out = []
    for path in sorted(glob.glob(os.path.join(fixtures, "diff", "*.json")) +
                       glob.glob(os.path.join(fixtures, "snapshots", "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                out.append((os.path.basename(path), json.load(f)))
        except ValueError:
            continue  # fixtures with syntax errors are not bases
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reprise", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    docs = bases(args.fixtures)
    if not docs:
        print("no fixtures found under", args.fixtures)
        return 1
    failures = 0
    merge_checked = merge_skipped = 0
    with tempfile.TemporaryDirectory(prefix="patch-property-") as scratch:
        path_a = os.path.join(scratch, "a.json")
        path_b = os.path.join(scratch, "b.json")
        path_p = os.path.join(scratch, "patched.json")
        for iteration in range(args.iterations):
            name, base = rng.choice(docs)
            a = copy.deepcopy(base)
            b = copy.deepcopy(base)
            for _ in range(rng.randint(0, 5)):
                b = edit(b, rng)
            dump(path_a, a, rng)
            dump(path_b, b, rng)
            where = "iteration %d (base %s, seed %d)" % (iteration, name, args.seed)

            def failed(message):
                nonlocal failures
                failures += 1
                print("FAIL %s: %s" % (where, message))
                if os.environ.get("PATCH_PROPERTY_VERBOSE"):
                    print("A:", json.dumps(a)[:400], "\nB:", json.dumps(b)[:400])
                with open(os.path.join(scratch, "fail-%d-b.json" % iteration), "w") as f:
                    json.dump(b, f, indent=2)

            patch = run(args.reprise, [path_a, path_b, "--format", "patch", "--keep-volatile"])
            expected_exit = 0 if json_equal(a, b) else 1
            if patch.returncode != expected_exit:
                failed("exit %d, expected %d: %s" % (patch.returncode, expected_exit,
                                                     patch.stderr.decode(errors="replace")))
                continue
            try:
                result = apply_json_patch(a, json.loads(patch.stdout))
            except (PatchError, ValueError) as e:
                failed("patch does not apply: %s" % e)
                continue
            if not json_equal(result, b):
                failed("patch applied to A does not give B")
                continue

            merge = run(args.reprise, [path_a, path_b, "--format", "merge", "--keep-volatile"])
            if merge.returncode != expected_exit:
                failed("merge exit %d" % merge.returncode)
                continue
            if b"cannot express null" in merge.stderr:
                merge_skipped += 1
            else:
                merge_checked += 1
                if not json_equal(apply_merge_patch(a, json.loads(merge.stdout)), b):
                    failed("merge patch applied to A does not give B")
                    continue

            if iteration % 4 == 0:
                loose = run(args.reprise, [path_a, path_b, "--format", "patch"])
                try:
                    patched = apply_json_patch(a, json.loads(loose.stdout))
                except (PatchError, ValueError) as e:
                    failed("default patch does not apply: %s" % e)
                    continue
                with open(path_p, "w", encoding="utf-8") as f:
                    json.dump(patched, f)
                again = run(args.reprise, [path_p, path_b])
                if again.returncode != 0:
                    failed("default patch leaves non-volatile differences:\n%s" %
                           again.stdout.decode(errors="replace"))
    print("%d iterations, %d failures; merge checked %d, skipped %d (null not expressible)" %
          (args.iterations, failures, merge_checked, merge_skipped))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
