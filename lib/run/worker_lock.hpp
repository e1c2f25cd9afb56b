#pragma once

#include "base/error.hpp"
#include "base/fd.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_layout.hpp" // worker_lock_path, edit_lock_path

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace reprise {

// The reprise process that holds a worker's lock: its pid and its start time (clock ticks since
// boot), which together recognise it even after its pid has been reused.
struct LockOwner {
  pid_t pid = -1;
  std::uint64_t start_time = 0;
};

// The per-worker lock that keeps two reprise processes from running one worker at once: an
// exclusive flock on the lock file, which holds the owner's pid and start time. Move-only; the lock
// is released (and the owner line cleared) on destruction. The descriptor is O_CLOEXEC, so a child
// never holds it, but a forked supervisor does.
class WorkerLock {
public:
  // Takes the lock without waiting; busy (exit 75) naming the holder when another reprise has it,
  // cannot_write when the lock file cannot be created.
  static Result<WorkerLock> acquire(const std::string& state_dir, const std::string& worker_id);

  WorkerLock(WorkerLock&&) noexcept = default;
  WorkerLock& operator=(WorkerLock&&) noexcept;
  WorkerLock(const WorkerLock&) = delete;
  WorkerLock& operator=(const WorkerLock&) = delete;
  // Clears the owner line and releases the lock; never throws.
  ~WorkerLock();

  // Records the calling process as the owner (after a fork hands the lock to a supervisor).
  void claim_for_this_process();
  // Closes this process's descriptor without clearing the owner, leaving the lock with a forked
  // process that shares it.
  void hand_over() noexcept;
  // The lock file.
  const std::string& path() const { return m_path; }

private:
  WorkerLock(std::string path, Fd fd) : m_path(std::move(path)), m_fd(std::move(fd)) {}
  void release() noexcept;

  std::string m_path;
  Fd m_fd; // holds the flock; empty once released or handed over
};

// The live reprise process holding the lock of `worker_id`, if any: the owner written in the lock
// file when that process still runs with the same start time. Never takes the lock itself.
std::optional<LockOwner> live_owner(const std::string& state_dir, const std::string& worker_id);

// A short exclusive lock around read-modify-write of one snapshot (`<id>.edit` beside the worker
// lock), taken by everyone who edits a worker's snapshot: the supervisor writing an outcome,
// suspend, resume and cancel. Blocks until available. Move-only.
class SnapshotEditLock {
public:
  // Waits for and takes the edit lock; cannot_write when its file cannot be created.
  static Result<SnapshotEditLock> acquire(const std::string& state_dir,
                                          const std::string& worker_id);

private:
  explicit SnapshotEditLock(Fd fd) : m_fd(std::move(fd)) {}
  Fd m_fd; // the flock goes with the descriptor
};

// A snapshot read while one of its locks is held, so that no other reprise replaces the file
// between this read and the caller's write. The lock lives as long as this object.
template <typename Lock> struct LockedSnapshot {
  Lock lock;
  Snapshot snapshot;
};

// Takes the worker lock of the snapshot at `snapshot_path` (named after its file) without
// waiting: busy (exit 75) naming the holder.
Result<WorkerLock> lock_snapshot(const std::string& snapshot_path);

// The worker lock of the snapshot at `snapshot_path` (as lock_snapshot), then the snapshot loaded
// under it: for whoever starts a run of the worker (relaunch, resume that respawns).
Result<LockedSnapshot<WorkerLock>> lock_and_load(const std::string& snapshot_path,
                                                 HarnRules rules = k_newest_harn_rules);

// The edit lock of the snapshot at `snapshot_path` (waited for), then the snapshot loaded under
// it: for a read-modify-write of a worker that may be running (suspend, resume, cancel).
Result<LockedSnapshot<SnapshotEditLock>> edit_and_load(const std::string& snapshot_path,
                                                       HarnRules rules = k_newest_harn_rules);

// Whether `worker_id` can name a file: non-empty, not "." or "..", no '/' and no NUL.
bool valid_worker_id(const std::string& worker_id);

} // namespace reprise
