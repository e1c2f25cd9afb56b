#pragma once

#include "error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace reprise {

// The state dir of cli.md "Targets": `flag` when non-empty, else a non-empty
// $HARN_WORKER_STATE_DIR, else ".harn/workers".
std::string resolve_state_dir(const std::string& flag);

// Where a TARGET argument points.
struct Target {
  std::string path;           // the snapshot file; empty when is_stdin
  std::string worker_id_hint; // the id named or the file name without ".json"; empty for stdin
  bool is_stdin = false;      // TARGET was "-"
};

// Resolves a TARGET: "-" is standard input; text containing '/' or ending in ".json" is a path;
// anything else is a worker id looked up as `<state_dir>/<id>.json`.
Target resolve_target(std::string_view target, const std::string& state_dir);

// The directory whose `.reprise/history` keeps the history of the snapshot at `snapshot_path`:
// the snapshot's own directory ("." for a bare file name).
std::string state_dir_for_snapshot(const std::string& snapshot_path);

// `<state_dir>/.reprise/history/<worker_id>`, where earlier versions of a snapshot are kept.
std::string history_dir(const std::string& state_dir, const std::string& worker_id);

// Saves `bytes` atomically as the next `<n>.json` of the worker's history dir (n = 1 + the highest
// number there, never overwriting one written concurrently) and returns its path; cannot_write on
// failure or when `worker_id` is empty, ".", ".." or contains '/'.
Result<std::string> keep_history(const std::string& state_dir, const std::string& worker_id,
                                 std::string_view bytes);

// The regular `*.json` files directly in `dir` (no hidden files, no subdirectories such as
// .reprise), as `<dir>/<name>` sorted by name; empty when `dir` is missing or unreadable.
std::vector<std::string> list_snapshot_files(const std::string& dir);

} // namespace reprise
