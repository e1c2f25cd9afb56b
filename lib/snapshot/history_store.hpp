#pragma once

#include "base/error.hpp"
#include "base/fd.hpp"
#include "snapshot/history.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// The stored files of a history (history.hpp), shared by keeping, reading, pruning and compacting:
// their names, the index, the zstd frames, the directory scan and the two locks.
namespace reprise::history_store {

using Json = nlohmann::ordered_json;

// A stored file's name parsed: "<n>.json", "<n>.zst" or "<n>.d<b>.zst".
struct StoredName {
  std::uint64_t number = 0;
  VersionStorage storage = VersionStorage::plain;
  std::uint64_t base = 0;
};

// The name parsed; nullopt for anything else (the index, temporary files, which start with '.').
std::optional<StoredName> parse_stored_name(std::string_view name);

// The file name of version `number` stored as `storage` (against `base` for a delta).
std::string stored_name(std::uint64_t number, VersionStorage storage, std::uint64_t base);

// Whether `key` is a plain file name that keeps the history inside the state dir.
bool valid_key(const std::string& key);

// The whole file at `path`; nullopt (errno set) when it cannot be read.
std::optional<std::string> read_whole(const std::string& path);

// The index lines of the history in `dir`, by version number (the last line for a number wins).
std::map<std::uint64_t, Json> read_index(const std::string& dir);

// Appends `line` to the index of the history in `dir`.
Result<void> append_index(const std::string& dir, const Json& line);

// Rewrites the index of the history in `dir` atomically as `lines`.
Result<void> write_index(const std::string& dir, const std::map<std::uint64_t, Json>& lines);

// `bytes` as a checksummed zstd frame, compressed against `prefix` (zstd's raw prefix) when set.
Result<std::string> compress(std::string_view bytes, std::string_view prefix);

// The bytes of `frame`, compressed against `prefix`; invalid_snapshot naming `file` when damaged.
Result<std::string> decompress(std::string_view frame, std::string_view prefix,
                               const std::string& file);

// A history's stored versions as found on disk.
struct Scan {
  std::vector<HistoryVersion> versions; // oldest first, one per number
  std::uint64_t highest = 0;            // also counting index lines of pruned versions
  std::vector<std::string> shadowed;    // files of a number that a plainer file also holds
};

// Lists the history of `key` (no lock needed: every change is a rename or an unlink).
Scan scan(const std::string& state_dir, const std::string& key);

// The version numbered `number` in `scanned`, or null.
const HistoryVersion* find_version(const Scan& scanned, std::uint64_t number);

// The bytes of `version` (a delta's full version read from `scanned`).
Result<std::string> read_stored(const Scan& scanned, const HistoryVersion& version);

// The two history locks of a worker (state_layout.hpp): `append`, held briefly while a version is
// added (its number taken, its index line written); `rewrite`, held while versions are compacted
// or pruned (taken before `append` when both are needed).
enum class HistoryLockKind { append, rewrite };

// Whether acquiring waits for the holder or gives up.
enum class LockWait { block, try_once };

// An exclusive flock on one of a worker's history locks, released on destruction.
class HistoryLock {
public:
  // The lock; with LockWait::try_once, busy when another process holds it.
  static Result<HistoryLock> acquire(const std::string& state_dir, const std::string& key,
                                     HistoryLockKind kind, LockWait wait = LockWait::block);

private:
  explicit HistoryLock(Fd fd) : m_fd(std::move(fd)) {}
  Fd m_fd;
};

// Removes versions `doomed` of `key` and their index lines (keeping the highest number's line, so
// numbers are never reused). The caller holds both locks.
Result<PruneReport> remove_versions(const std::string& state_dir, const std::string& key,
                                    const Scan& scanned, const std::set<std::uint64_t>& doomed);

} // namespace reprise::history_store
