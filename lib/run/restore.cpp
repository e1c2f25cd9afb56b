#include "run/restore.hpp"

#include "base/atomic_file.hpp"
#include "base/fd.hpp"
#include "base/io.hpp"
#include "base/mapped_file.hpp"
#include "run/process.hpp"
#include "run/waiters.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/history.hpp"
#include "snapshot/snapshot_peek.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <memory>
#include <sys/stat.h>

namespace reprise {

namespace {

// A file's bytes: mapped (so that a write hands them to the kernel to copy file to file, and
// keeping them links the file rather than comparing it), else read.
struct FileText {
  std::unique_ptr<MappedFile> mapped;
  std::string read;

  std::string_view bytes() const {
    return mapped ? std::string_view(mapped->data(), mapped->size()) : std::string_view(read);
  }
};

Result<FileText> file_text(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::not_found, fmt::format("cannot read: {}", std::strerror(errno)), path);
  }
  FileText text;
  if (st.st_size > 0) {
    text.mapped = MappedFile::map(fd, static_cast<std::size_t>(st.st_size), Populate::later);
  }
  if (!text.mapped) {
    auto read = read_to_end(fd.get());
    if (!read) {
      return fail(ErrorCode::not_found, fmt::format("cannot read: {}", std::strerror(errno)), path);
    }
    text.read = std::move(*read);
  }
  return text;
}

// The bytes of kept version `number`: a plain one is the stored file itself (mapped, so restoring
// it is a copy file to file), a compressed one is decompressed.
Result<FileText> version_text(const std::string& state_dir, const std::string& key,
                              std::uint64_t number) {
  for (const HistoryVersion& version : list_history(state_dir, key)) {
    if (version.number == number && version.storage == VersionStorage::plain) {
      auto text = file_text(version.file);
      if (text && (!version.size || *version.size == text->bytes().size())) {
        return text;
      }
      break; // compacted meanwhile, or damaged: read_version says which
    }
  }
  auto bytes = read_version(state_dir, key, number);
  if (!bytes) {
    return std::unexpected(bytes.error());
  }
  FileText text;
  text.read = std::move(*bytes);
  return text;
}

} // namespace

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
  auto restored = version_text(state_dir, key, ref->number);
  if (!restored) {
    return std::unexpected(restored.error());
  }
  auto current = file_text(snapshot_path);
  if (!current) {
    return std::unexpected(current.error());
  }
  const SnapshotPeek peek = peek_snapshot(current->bytes(), snapshot_path);
  KeepInfo keep;
  keep.command = "restore";
  keep.now_ms = ids.now_ms();
  keep.status = peek.written_status;
  keep.task = peek.task;
  keep.restored = ref->number;
  // Kept by a link to the current file (which the rename below replaces): nothing is compressed.
  auto kept = keep_version(snapshot_path, current->bytes(), keep);
  if (!kept) {
    return std::unexpected(kept.error());
  }
  report.kept = current_version_number(state_dir, key) - 1;
  auto file = AtomicFile::open(snapshot_path);
  if (!file) {
    return std::unexpected(file.error());
  }
  file->write(restored->bytes());
  if (auto committed = file->commit(Overwrite::yes, DirectorySync::no); !committed) {
    return std::unexpected(committed.error());
  }
  notify_snapshot_waiters(snapshot_path);
  if (auto flushed = flush_directory(state_dir); !flushed) {
    return std::unexpected(flushed.error());
  }
  report.size = restored->bytes().size();
  return report;
}

} // namespace reprise
