#pragma once

#include "base/error.hpp"
#include "snapshot/state_layout.hpp" // state_dir_for_snapshot, worker_key_for_snapshot, history_dir

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
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

// Saves `bytes` atomically as the next `<n>.json` of the worker's history dir (n = 1 + the highest
// number there, never overwriting one written concurrently) and returns its path; cannot_write on
// failure or when `worker_id` is empty, ".", ".." or contains '/'.
Result<std::string> keep_history(const std::string& state_dir, const std::string& worker_id,
                                 std::string_view bytes);

// What lstat(2) says about a regular file, to recognise it later without reading it again.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  nlink_t links = 0; // hard links to the inode

  // Same device, inode, size and modification time (the link count may differ).
  bool same_file(const FileIdentity& other) const {
    return device == other.device && inode == other.inode && size == other.size &&
           mtime_ns == other.mtime_ns;
  }
};

// The identity of the regular file at `path` (a symlink is not followed); nullopt for anything
// else or when there is nothing there.
std::optional<FileIdentity> file_identity(const std::string& path);

// As keep_history, but when the file at `source` is still the one that had `source_identity`
// when `bytes` were read from it, and has no other link, the history entry is a hard link to it
// (flushed with its directory) instead of a copy: the snapshot is about to be replaced by a rename,
// so its old inode is the history. Falls back to writing `bytes`.
Result<std::string> keep_history(const std::string& state_dir, const std::string& worker_id,
                                 std::string_view bytes, const std::string& source,
                                 const FileIdentity& source_identity);

// The regular `*.json` files directly in `dir` (no hidden files, no subdirectories such as
// .reprise), as `<dir>/<name>` sorted by name; empty when `dir` is missing or unreadable.
std::vector<std::string> list_snapshot_files(const std::string& dir);

} // namespace reprise
