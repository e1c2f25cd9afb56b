#include "base/atomic_file.hpp"

#include "base/file_bytes.hpp"
#include "base/io.hpp"
#include "base/temp_files.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace reprise {

namespace {

constexpr mode_t k_default_mode = 0644;
// How much is written before its write-back to disk is started.
constexpr std::size_t k_writeback_chunk = std::size_t{8} << 20;

std::unexpected<Error> write_error(const std::string& path, std::string_view what, int error) {
  return fail(ErrorCode::cannot_write, fmt::format("cannot {}: {}", what, std::strerror(error)),
              path);
}

// The directory part of `path` ("." for a bare file name, "/" for a file in the root).
std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return path.substr(0, slash);
}

// The file-name part of `path`.
std::string base_name_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Flushes the directory entry of a rename or link to disk; filesystems that cannot sync a
// directory (EINVAL) are taken at their word.
int sync_directory(const std::string& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return errno;
  }
  if (retry_on_eintr([&] { return ::fsync(fd.get()); }) != 0) {
    return errno == EINVAL ? 0 : errno;
  }
  return 0;
}

} // namespace

Writeback& Writeback::operator=(Writeback&& other) noexcept {
  if (this != &other) {
    wait();
    m_thread = std::move(other.m_thread);
  }
  return *this;
}

void Writeback::start(int fd, off_t offset, off_t length) {
  wait();
  try {
    m_thread = std::thread([=] { ::sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE); });
  } catch (const std::system_error&) {
    ::sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE); // no thread: here, then
  }
}

void Writeback::wait() noexcept {
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

AtomicFile::AtomicFile(std::string path, std::string temp_path, Fd fd)
    : m_path(std::move(path)), m_temp_path(std::move(temp_path)), m_fd(std::move(fd)) {}

Result<AtomicFile> AtomicFile::open(std::string path, std::optional<mode_t> new_mode) {
  if (path.empty() || path.back() == '/') {
    return fail(ErrorCode::cannot_write, "cannot write: not a file name", path);
  }
  mode_t mode = new_mode.value_or(k_default_mode);
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0) {
    if (S_ISDIR(existing.st_mode)) {
      return write_error(path, "write", EISDIR);
    }
    mode = existing.st_mode & 07777;
  }
  const std::string dir = directory_of(path);
  const std::string base = base_name_of(path);
  // What a writer of this file killed earlier left behind (temp_files.hpp).
  remove_stale_temps(dir, base);
  std::string temp = temp_template(dir, base);
  std::vector<char> buffer(temp.begin(), temp.end());
  buffer.push_back('\0');
  Fd fd(::mkostemp(buffer.data(), O_CLOEXEC));
  if (!fd.valid()) {
    return write_error(path, "create a temporary file", errno);
  }
  temp.assign(buffer.data());
  if (::fchmod(fd.get(), mode) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return write_error(path, "set the mode of a temporary file", error);
  }
  register_temp(temp);
  return AtomicFile(std::move(path), std::move(temp), std::move(fd));
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_temp_path(std::exchange(other.m_temp_path, {})),
      m_fd(std::move(other.m_fd)), m_errno(other.m_errno), m_synced(other.m_synced),
      m_unsynced(other.m_unsynced), m_writeback(std::move(other.m_writeback)) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    m_path = std::move(other.m_path);
    m_temp_path = std::exchange(other.m_temp_path, {});
    m_fd = std::move(other.m_fd);
    m_errno = other.m_errno;
    m_synced = other.m_synced;
    m_unsynced = other.m_unsynced;
    m_writeback = std::move(other.m_writeback);
  }
  return *this;
}

AtomicFile::~AtomicFile() {
  discard();
}

void AtomicFile::discard() noexcept {
  m_writeback.wait();
  m_fd.close();
  if (!m_temp_path.empty()) {
    ::unlink(m_temp_path.c_str());
    unregister_temp(m_temp_path);
    m_temp_path.clear();
  }
}

void AtomicFile::write(std::string_view bytes) {
  if (m_errno != 0) {
    return;
  }
  if (!m_fd.valid()) {
    m_errno = EBADF;
    return;
  }
  // In pieces of at most k_writeback_chunk: a whole file handed over at once (a restored version)
  // still has its write-back started as it goes.
  while (!bytes.empty() && m_errno == 0) {
    const std::string_view piece = bytes.substr(0, k_writeback_chunk);
    bytes.remove_prefix(piece.size());
    m_errno = write_through(m_fd.get(), piece);
    m_unsynced += piece.size();
    if (m_errno == 0 && m_unsynced >= k_writeback_chunk) {
      // Start writing this much back now (without waiting), so the flush in commit() has little
      // left to wait for: the disk works while the rest of the file is produced.
      m_writeback.start(m_fd.get(), m_synced, static_cast<off_t>(m_unsynced));
      m_synced += static_cast<off_t>(m_unsynced);
      m_unsynced = 0;
    }
  }
}

Result<void> AtomicFile::commit(Overwrite overwrite, DirectorySync directory_sync) {
  if (m_temp_path.empty()) {
    return fail(ErrorCode::cannot_write, "cannot write: the file was already committed", m_path);
  }
  if (m_errno != 0) {
    const int error = m_errno;
    discard();
    return write_error(m_path, "write", error);
  }
  m_writeback.wait();
  if (retry_on_eintr([&] { return ::fsync(m_fd.get()); }) != 0) {
    const int error = errno;
    discard();
    return write_error(m_path, "flush to disk", error);
  }
  // Some filesystems (NFS) report deferred write errors only at close; EINTR means it is closed.
  if (::close(m_fd.release()) != 0 && errno != EINTR) {
    const int error = errno;
    discard();
    return write_error(m_path, "write", error);
  }
  if (overwrite == Overwrite::yes) {
    if (::rename(m_temp_path.c_str(), m_path.c_str()) != 0) {
      const int error = errno;
      discard();
      return write_error(m_path, "rename into place", error);
    }
  } else {
    // link() fails with EEXIST instead of replacing, which rename() cannot do portably.
    if (::link(m_temp_path.c_str(), m_path.c_str()) != 0) {
      const int error = errno;
      discard();
      return write_error(m_path, error == EEXIST ? "create" : "link into place", error);
    }
    ::unlink(m_temp_path.c_str());
  }
  unregister_temp(m_temp_path);
  m_temp_path.clear();
  if (directory_sync == DirectorySync::no) {
    return {};
  }
  if (const int error = sync_directory(directory_of(m_path)); error != 0) {
    return write_error(m_path, "flush the directory to disk", error);
  }
  return {};
}

Result<void> flush_directory(const std::string& dir) {
  if (const int error = sync_directory(dir); error != 0) {
    return write_error(dir, "flush the directory to disk", error);
  }
  return {};
}

Result<void> write_file_atomically(const std::string& path, std::string_view bytes,
                                   Overwrite overwrite, std::optional<mode_t> new_mode) {
  Result<AtomicFile> file = AtomicFile::open(path, new_mode);
  if (!file) {
    return std::unexpected(std::move(file.error()));
  }
  file->write(bytes);
  return file->commit(overwrite);
}

} // namespace reprise
