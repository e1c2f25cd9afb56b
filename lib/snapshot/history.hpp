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
// highest kept number. `index.jsonl` records, for each kept version, when it was replaced, by which
// command, and the attempt the replacing version started.
//
// Keep first, compress later (as git writes loose objects and packs them in `gc --auto`). Every
// reprise writer replaces a snapshot by renaming a new file over it, so the replaced file is never
// written again: a write keeps it by a hard link, `<n>.json` (the file's own mode, O(1) for any
// size), falling back to a copy where no link can be made or the file no longer holds the bytes
// the command read. Compaction (compact_history; `reprise gc`, and `reprise gc --auto` that the CLI
// starts detached once a worker's plain versions pass k_plain_versions_max or k_plain_bytes_max)
// turns plain versions into zstd frames (checksummed, byte-exact on the way back): a full frame
// (`<n>.zst`) every k_full_every versions, the versions in between as deltas (`<n>.d<b>.zst`)
// compressed with the full version b as zstd's raw prefix, so a version that shares most of its
// bytes with b (a transcript carried from one attempt to the next) costs little, and reading any
// version decompresses at most two frames. A frame is checked by decompressing it before it is
// renamed into place, and the plain file is removed only after; a reader finds a version under its
// old or its new file, never neither.
//
// Two locks per worker (state_layout.hpp): adding a version takes the short `append` lock, never
// the `rewrite` lock that compaction and pruning hold for their whole run, so a write never waits
// for a compaction; readers take none.
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

// Keeps the version of the snapshot at `snapshot_path` that is about to be replaced (by a rename),
// whose bytes are `bytes`, as the worker's next history version, plain: a hard link to the file
// while it holds exactly `bytes`, else a copy of them with the snapshot's file mode. Records `info`
// for it and prunes to `info.keep` versions (unless a compaction holds the history, which then
// prunes). Returns the stored file's path; cannot_write on failure.
Result<std::string> keep_version(const std::string& snapshot_path, std::string_view bytes,
                                 const KeepInfo& info);

// As keep_version, for a worker keyed `key` in `state_dir`: linked from `source` when set and
// holding `bytes`, else written with file mode `mode`.
Result<std::string> keep_version_in(const std::string& state_dir, const std::string& key,
                                    std::string_view bytes, const KeepInfo& info,
                                    unsigned mode = 0644, const std::string& source = {});

// A worker's history.
struct HistoryKey {
  std::string state_dir;
  std::string key;
};

// The histories this process added a version to since the last call, each once (for the CLI, which
// starts their compaction when due).
std::vector<HistoryKey> take_kept_histories();

// Plain versions a worker's history holds before a write asks for compaction (compaction_due).
inline constexpr std::size_t k_plain_versions_max = 2;
// Bytes of plain versions a worker's history holds before a write asks for compaction.
inline constexpr std::uint64_t k_plain_bytes_max = std::uint64_t{64} << 20;

// Whether the plain versions of `key` are more than k_plain_versions_max or k_plain_bytes_max.
bool compaction_due(const std::string& state_dir, const std::string& key);

// What compact_history did.
struct CompactReport {
  std::size_t versions = 0;       // plain versions compacted
  std::uint64_t plain_bytes = 0;  // their size before
  std::uint64_t stored_bytes = 0; // the frames that replaced them
};

// Compresses every plain version of `key` into a full or delta frame (as described above), under
// the worker's rewrite lock (waiting for another compaction or pruning). Crash-safe at every step:
// each frame is written to a temporary file, flushed, checked by decompressing it, renamed into
// place, and only then is the plain file removed; leftovers of an interrupted run are cleared.
// A plain version whose file no longer has its recorded size is left as it is (reading it says
// it is damaged). cannot_write when a frame cannot be written.
Result<CompactReport> compact_history(const std::string& state_dir, const std::string& key);

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
// `cutoff_ms` (when set); a full version that a kept delta needs stays. Rewrites the index. Waits
// for a compaction of the same history to finish.
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

// The stored form as a word: "plain", "full" or "delta".
const char* storage_name(VersionStorage storage);

} // namespace reprise
