#include "base/input_file.hpp"

#include "base/byte_size.hpp"
#include "base/io.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

namespace reprise {
namespace {

std::atomic<std::uint64_t> g_max_input_size{k_default_max_input_size};

const char* kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) {
    return "a FIFO";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "a special file";
}

Error not_regular(mode_t mode, const std::string& path) {
  return Error::not_found(
      fmt::format("not a regular file ({}); reprise reads only regular files", kind_of(mode)),
      path);
}

// `size`: the file's, or 0 for a stream that went on past the limit.
Error too_large(std::uint64_t size, const std::string& name) {
  const std::string limit = format_bytes(max_input_size());
  return Error::not_found(size == 0 ? fmt::format("more than the {} limit (--max-size)", limit)
                                    : fmt::format("is {}, larger than the {} limit (--max-size)",
                                                  format_bytes(size), limit),
                          name);
}

} // namespace

void set_max_input_size(std::uint64_t bytes) {
  g_max_input_size.store(bytes);
}

std::uint64_t max_input_size() {
  return g_max_input_size.load();
}

Result<InputFile> open_input_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  Fd fd(retry_on_eintr(
      [&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY); }));
  if (!fd.valid()) {
    const int error = errno;
    struct stat info {};
    if (error == ENXIO && ::stat(path.c_str(), &info) == 0) { // a socket cannot be opened at all
      return std::unexpected(not_regular(info.st_mode, path));
    }
    return std::unexpected(Error::not_found(
        error == ENOENT ? std::string("no such file") : std::string(std::strerror(error)), path));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return std::unexpected(
        Error::not_found(fmt::format("cannot read: {}", std::strerror(errno)), path));
  }
  if (S_ISDIR(info.st_mode)) {
    return std::unexpected(Error::not_found("is a directory, not a snapshot file", path));
  }
  if (!S_ISREG(info.st_mode)) {
    return std::unexpected(not_regular(info.st_mode, path));
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size > max_input_size()) {
    return std::unexpected(too_large(size, path));
  }
  // Regular files never block; clearing the flag keeps later reads plain all the same.
  if (const int flags = ::fcntl(fd.get(), F_GETFL); flags >= 0) {
    ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  }
  return InputFile{std::move(fd), size};
}

Result<void> read_input_stream(int fd, const std::string& name, std::string& out) {
  char buffer[1 << 16];
  const std::uint64_t limit = max_input_size();
  for (;;) {
    const ssize_t n = read_some(fd, buffer, sizeof buffer);
    if (n < 0) {
      return std::unexpected(
          Error::not_found(fmt::format("cannot read: {}", std::strerror(errno)), name));
    }
    if (n == 0) {
      return {};
    }
    if (out.size() + static_cast<std::uint64_t>(n) > limit) {
      return std::unexpected(too_large(0, name));
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

} // namespace reprise
