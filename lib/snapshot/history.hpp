#pragma once

#include "base/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The history of a snapshot: every version a reprise command replaced, kept under
// `<state dir>/.reprise/history/<key>/` (state_layout.hpp) and numbered 1, 2, … from the oldest;
// numbers are never reused, also after pruning. The current snapshot file is the version after the
// highest kept number.
//
// Versions are stored as zstd frames (checksummed, byte-exact on the way back): a full frame
// (`<n>.zst`) every k_full_every versions, the versions in between as deltas (`<n>.d<b>.zst`)
// compressed with the full version b as zstd's raw prefix, so a version that shares most of its
// bytes with b (a transcript carried from one attempt to the next) costs little, and reading any
// version decompresses at most two frames. Plain `<n>.json` files written by older reprise are
// read as they are. `index.jsonl` records, for each kept version, when it was replaced, by which
// command, and the attempt the replacing version started.
namespace reprise {

// Versions between two full frames (a delta's chain is never longer than one).
inline constexpr std::uint64_t k_full_every = 16;
// The versions a worker's history keeps unless told otherwise (`reprise gc --keep`); each keep
// prunes beyond it, so a state dir stays bounded.
inline constexpr std::size_t k_default_history_keep = 50;

// How a version is stored.
enum class VersionStorage { plain, full, delta };

// What a write that replaces a version records about itself.
struct KeepInfo {
  std::string command;        // the command writing the next version: "reset", "relaunch", …
  int attempt = 0;            // the attempt the next version starts (relaunch, resume) or ends
                              // (finish); 0 for none
  std::string status;         // the status of the version being kept (as written in it)
  std::string task;           // its task
  std::uint64_t restored = 0; // restore: the version the next one is a copy of
  std::int64_t now_ms = 0;    // when (Unix ms)
  std::size_t keep = k_default_history_keep; // retention applied after keeping; 0: none
};

// One kept version.
struct HistoryVersion {
  std::uint64_t number = 0;
  std::string file; // the stored file
  VersionStorage storage = VersionStorage::plain;
  std::uint64_t base = 0;                  // the full version a delta refers to
  std::uint64_t stored_bytes = 0;          // on disk
  std::optional<std::uint64_t> size;       // the version's own size, when recorded
  std::optional<std::int64_t> replaced_ms; // when a reprise command replaced it
  std::string replaced_by;                 // that command
  int attempt = 0;                         // the attempt the replacing version started or ended
  std::string status;                      // the version's status and task, when recorded
  std::string task;
  std::uint64_t restored = 0;     // the replacing version restored this earlier one
  std::int64_t file_mtime_ms = 0; // the stored file's modification time
};

// The kept versions of `key`, oldest first; empty when there are none.
std::vector<HistoryVersion> list_history(const std::string& state_dir, const std::string& key);

// Keeps `bytes`, the version of the snapshot at `snapshot_path` that is about to be replaced, as
// the worker's next history version (with the snapshot's file mode), records `info` for it, and
// prunes to `info.keep` versions. Returns the stored file's path; cannot_write on failure.
Result<std::string> keep_version(const std::string& snapshot_path, std::string_view bytes,
                                 const KeepInfo& info);

// As keep_version, for a worker keyed `key` in `state_dir` (file mode `mode`).
Result<std::string> keep_version_in(const std::string& state_dir, const std::string& key,
                                    std::string_view bytes, const KeepInfo& info,
                                    unsigned mode = 0644);

// The bytes of version `number`: not_found when it is not kept, invalid_snapshot when the stored
// file is damaged.
Result<std::string> read_version(const std::string& state_dir, const std::string& key,
                                 std::uint64_t number);

// What prune_history removed.
struct PruneReport {
  std::size_t versions = 0; // versions removed
  std::uint64_t bytes = 0;  // bytes freed
};

// Removes the versions of `key` beyond the newest `keep` (when set) and those replaced before
// `cutoff_ms` (when set); a full version that a kept delta needs stays. Rewrites the index.
Result<PruneReport> prune_history(const std::string& state_dir, const std::string& key,
                                  std::optional<std::size_t> keep,
                                  std::optional<std::int64_t> cutoff_ms);

// The number the current snapshot file has as a version: one more than the highest number kept
// (or ever kept).
std::uint64_t current_version_number(const std::string& state_dir, const std::string& key);

// A version named by a revision (what follows '@' in a TARGET).
struct RevisionRef {
  std::uint64_t number = 0; // the version's number (the current file's: see above)
  bool in_history = false;  // read from the history, else from `file`
  std::string file;         // the snapshot (current) or a run's own copy of it
};

// Resolves `revision` for the snapshot at `snapshot_path`: "" or the current number → the current
// file; "N" → version N (not_found naming the kept range when it was pruned or never kept); "-N" →
// N versions before the current; "attempt:K" → the version attempt K started from (the running
// snapshot that relaunch or resume wrote for it; for a worker that does not persist its state, the
// run's own copy under runs/). A malformed revision is a usage error.
Result<RevisionRef> resolve_revision(const std::string& snapshot_path, std::string_view revision);

// The bytes of a resolved revision.
Result<std::string> read_revision(const std::string& snapshot_path, const RevisionRef& ref);

// While one lives (on this thread), the full versions the history decompresses are kept in memory,
// so a command that reads a version and then keeps another (restore) decompresses their shared
// full version once. Not for long-lived processes: it holds whole versions.
class VersionCacheScope {
public:
  VersionCacheScope();
  VersionCacheScope(const VersionCacheScope&) = delete;
  VersionCacheScope& operator=(const VersionCacheScope&) = delete;
  ~VersionCacheScope();

private:
  VersionCacheScope* m_outer;
};

// The stored form as a word: "plain", "full" or "delta".
const char* storage_name(VersionStorage storage);

} // namespace reprise
