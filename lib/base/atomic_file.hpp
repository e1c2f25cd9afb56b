#pragma once

#include "base/error.hpp"
#include "base/fd.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <thread>

namespace reprise {

// Whether AtomicFile::commit may replace an existing target.
enum class Overwrite {
  yes, // rename over the target (the usual case)
  no,  // fail when the target exists, atomically (for numbered files such as history entries)
};

// Whether AtomicFile::commit flushes the directory after the rename. The contents are flushed
// before the rename either way, so a reader never sees half a file; the directory flush only makes
// the rename itself survive a crash.
enum class DirectorySync {
  yes, // the usual case
  no,  // the caller flushes this directory later, or losing the rename in a crash is harmless
};

// Write-back of ranges of a file, started on a second thread: with delayed allocation, queueing
// pages for the disk includes allocating their blocks, work the writer need not wait for.
class Writeback {
public:
  Writeback() = default;
  Writeback(Writeback&& other) noexcept = default;
  Writeback& operator=(Writeback&& other) noexcept;
  Writeback(const Writeback&) = delete;
  Writeback& operator=(const Writeback&) = delete;
  ~Writeback() { wait(); }

  // Starts write-back of `length` bytes of `fd` at `offset` (after the previous one has ended);
  // `fd` must stay open until wait().
  void start(int fd, off_t offset, off_t length);
  // Waits for the last start() to finish.
  void wait() noexcept;

private:
  std::thread m_thread;
};

// A file written to a temporary in the target's directory and moved into place by commit(), so
// readers see the old content or the new, never a mix. Move-only; an uncommitted file is removed.
class AtomicFile {
public:
  // Creates the temporary file for `path` (mode of the existing target, else `new_mode`, else
  // 0644); cannot_write naming `path` when the directory is missing or not writable.
  static Result<AtomicFile> open(std::string path, std::optional<mode_t> new_mode = std::nullopt);

  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  // Removes the temporary file unless commit() moved it into place; never throws.
  ~AtomicFile();

  // Appends `bytes` (looping on partial writes and EINTR); the first error is kept for commit().
  void write(std::string_view bytes);
  // Flushes the file to disk, moves it onto the target and (unless told not to) flushes the
  // directory; reports the first error of write() or of these steps as cannot_write naming the
  // target. Callable once.
  Result<void> commit(Overwrite overwrite = Overwrite::yes,
                      DirectorySync directory_sync = DirectorySync::yes);

  // The target path.
  const std::string& path() const { return m_path; }
  // The temporary file's path; empty once committed or moved from.
  const std::string& temp_path() const { return m_temp_path; }

private:
  AtomicFile(std::string path, std::string temp_path, Fd fd);
  // Closes and unlinks the temporary file if it is still there.
  void discard() noexcept;

  std::string m_path;         // the target
  std::string m_temp_path;    // empty once committed, discarded or moved from
  Fd m_fd;                    // the temporary file, open for writing until commit()
  int m_errno = 0;            // the first write error, 0 while none
  off_t m_synced = 0;         // bytes whose write-back has been started
  std::size_t m_unsynced = 0; // bytes written since then
  Writeback m_writeback;      // waited for before m_fd is flushed or closed
};

// Flushes the entries of directory `dir` (e.g. a new link or rename in it) to disk; cannot_write
// naming `dir` on failure. Filesystems that cannot flush a directory are taken at their word.
Result<void> flush_directory(const std::string& dir);

// Writes `bytes` to `path` through an AtomicFile: the file has the old content or all of the new.
Result<void> write_file_atomically(const std::string& path, std::string_view bytes,
                                   Overwrite overwrite = Overwrite::yes,
                                   std::optional<mode_t> new_mode = std::nullopt);

} // namespace reprise
