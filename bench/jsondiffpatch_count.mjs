// Diffs two JSON files with jsondiffpatch (default options) and prints the number of changes in
// its delta: one per added, removed, modified or moved value.
import { readFileSync } from "node:fs";
import { create } from "jsondiffpatch";

const [a, b] = process.argv.slice(2).map((path) => JSON.parse(readFileSync(path, "utf8")));
const delta = create().diff(a, b);

function count(node) {
  if (node === undefined) {
    return 0;
  }
  if (Array.isArray(node)) {
    return 1; // [new], [old, new], [old, 0, 0], ["", to, 3], text diff
  }
  let total = 0;
  for (const [key, value] of Object.entries(node)) {
    if (key !== "_t") {
      total += count(value);
    }
  }
  return total;
}

console.log(count(delta));
