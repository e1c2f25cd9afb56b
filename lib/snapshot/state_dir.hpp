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

// The state dir of cli.md "Targets": `flag` when non-empty, else `environment` (the value of
// $HARN_WORKER_STATE_DIR, which the caller reads: lib/ reads no environment) when non-empty, else
// ".harn/workers".
std::string resolve_state_dir(const std::string& flag, const std::string& environment = {});

// The state dir when no flag names one: `env_value` ($HARN_WORKER_STATE_DIR, read by the caller)
// when non-empty, else the nearest `.harn/workers` directory found walking up from `cwd` (as git
// finds `.git`): ".harn/workers" when it is in `cwd` itself, else its absolute path; else
// ".harn/workers". `flag` (--state-dir) wins when non-empty. Pure but for looking at directories.
std::string find_state_dir(const std::string& flag, const std::string& env_value,
                           const std::string& cwd);

// Where a TARGET argument points.
struct Target {
  std::string path;           // the snapshot file; empty when is_stdin
  std::string worker_id_hint; // the id named or the file name without ".json"; empty for stdin
  bool is_stdin = false;      // TARGET was "-"
  std::string revision;       // what followed '@' (history.hpp's revisions); empty: the current
  // A worker inside a harn session bundle ("FILE#ID", session_bundle.hpp): `path` is the bundle,
  // `bundle_worker` the id (empty: the bundle's only worker), `state_dir` where it would live.
  bool in_bundle = false;
  std::string bundle_worker;
  std::string state_dir;
};

// Splits "ID@REV" into ID and REV when REV reads as a revision: N, -N, or attempt:K. Anything else
// (no '@', or an '@' that is part of a name) comes back whole with an empty revision.
std::pair<std::string_view, std::string_view> split_revision(std::string_view text);

// Resolves a TARGET as git resolves a commit: "FILE#ID" is worker ID inside the session bundle
// FILE (no revisions there); "-" is standard input; text containing '/' or
// ending in ".json" is a path; an id whose file exists is that file; else a unique prefix of the
// file names in `state_dir` (without ".json"), or of the part after "worker_", names that worker.
// Any of these may end in "@REV". Ambiguous prefixes are a usage error listing the candidates; an
// id that matches nothing resolves to `<state_dir>/<id>.json` (so reading it says not found).
Result<Target> find_target(std::string_view text, const std::string& state_dir);

// Resolves a TARGET: "-" is standard input; text containing '/' or ending in ".json" is a path;
// anything else is a worker id looked up as `<state_dir>/<id>.json`.
Target resolve_target(std::string_view target, const std::string& state_dir);

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

// The regular `*.json` files directly in `dir` (no hidden files, no subdirectories such as
// .reprise), as `<dir>/<name>` sorted by name; empty when `dir` is missing or unreadable.
std::vector<std::string> list_snapshot_files(const std::string& dir);

} // namespace reprise
