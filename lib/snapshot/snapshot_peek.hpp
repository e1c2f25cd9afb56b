#pragma once

#include "base/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// A quick look at a snapshot file for `list`: the top level is scanned for member spans and only
// the few small members a listing shows are decoded, so a state dir of thousands of snapshots (or
// one of 150 MB) lists at close to the speed of reading the files. The check is shallow: a file is
// invalid here when its top level cannot be read (syntax, not an object), when it has no valid
// config mode or no execution; `validate` runs harn's full loader.
namespace reprise {

// How far the quick look got.
enum class PeekState { ok, invalid, unreadable };

// The top-level members `list` shows, after harn's load defaults and repairs.
struct SnapshotPeek {
  std::string path;
  PeekState state = PeekState::ok;
  Error error;                // why the file is invalid or unreadable; unused when ok
  std::string id;             // "" when missing or not a string (as harn reads it)
  std::string name;           // "worker" when missing
  std::string mode;           // top-level mode; "workflow" when missing
  std::string config_mode;    // config.mode ("" unless ok)
  std::string status;         // after harn's repair: "running" or missing → "interrupted"
  std::string written_status; // as written; "" when missing or not a string
  std::string task;
  std::string created_at;
  std::string started_at;
  std::optional<std::string> latest_error;
};

// Peeks at the snapshot `text` read from `path`; never fails (problems set `state` and `error`).
SnapshotPeek peek_snapshot(std::string_view text, const std::string& path);

// Reads `path` and peeks at it; a missing, unreadable or non-regular file comes back unreadable.
SnapshotPeek peek_snapshot_file(const std::string& path);

// Peeks at every non-hidden `*.json` entry of `dir` in name order (entries that are not regular
// files come back unreadable); not_found when `dir` cannot be opened.
Result<std::vector<SnapshotPeek>> peek_state_dir(const std::string& dir);

} // namespace reprise
