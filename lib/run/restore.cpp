#include "run/restore.hpp"

#include "base/atomic_file.hpp"
#include "base/fd.hpp"
#include "base/io.hpp"
#include "run/process.hpp"
#include "run/waiters.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/history.hpp"
#include "snapshot/snapshot_peek.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>

namespace reprise {

Result<RestoreReport> restore_version(const std::string& snapshot_path, std::string_view revision,
                                      IdSource& ids) {
  const std::string state_dir = state_dir_for_snapshot(snapshot_path);
  const std::string key = worker_key_for_snapshot(snapshot_path);
  // The worker lock: a run in progress would write its outcome over the restored version.
  auto lock = WorkerLock::acquire(state_dir, key);
  if (!lock) {
    return std::unexpected(lock.error());
  }
  auto edit = SnapshotEditLock::acquire(state_dir, key);
  if (!edit) {
    return std::unexpected(edit.error());
  }
  // The version restored and the one the replaced version is kept against often share their full
  // version: decompress it once.
  VersionCacheScope cache;
  auto ref = resolve_revision(snapshot_path, revision);
  if (!ref) {
    return std::unexpected(ref.error());
  }
  RestoreReport report;
  report.restored = ref->number;
  if (!ref->in_history) {
    if (ref->file == snapshot_path) {
      return report; // already the current version
    }
    return fail(ErrorCode::usage,
                fmt::format("@{} is a run's own copy ({}), not a version of the snapshot", revision,
                            ref->file));
  }
  auto bytes = read_revision(snapshot_path, *ref);
  if (!bytes) {
    return std::unexpected(bytes.error());
  }
  Fd fd(::open(snapshot_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return fail(ErrorCode::not_found, fmt::format("cannot read: {}", std::strerror(errno)),
                snapshot_path);
  }
  auto current = read_to_end(fd.get());
  if (!current) {
    return fail(ErrorCode::not_found, fmt::format("cannot read: {}", std::strerror(errno)),
                snapshot_path);
  }
  const SnapshotPeek peek = peek_snapshot(*current, snapshot_path);
  KeepInfo keep;
  keep.command = "restore";
  keep.now_ms = ids.now_ms();
  keep.status = peek.written_status;
  keep.task = peek.task;
  keep.restored = ref->number;
  auto kept = keep_version(snapshot_path, *current, keep);
  if (!kept) {
    return std::unexpected(kept.error());
  }
  report.kept = current_version_number(state_dir, key) - 1;
  auto file = AtomicFile::open(snapshot_path);
  if (!file) {
    return std::unexpected(file.error());
  }
  file->write(*bytes);
  if (auto committed = file->commit(Overwrite::yes, DirectorySync::no); !committed) {
    return std::unexpected(committed.error());
  }
  notify_snapshot_waiters(snapshot_path);
  if (auto flushed = flush_directory(state_dir); !flushed) {
    return std::unexpected(flushed.error());
  }
  report.size = bytes->size();
  return report;
}

} // namespace reprise
