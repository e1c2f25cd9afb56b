#include "base/file_bytes.hpp"

#include "base/io.hpp"

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <unistd.h>
#include <vector>

namespace reprise {

namespace {

// Below this, one write() from memory costs less than asking the kernel to copy.
constexpr std::size_t k_min_copy = std::size_t{1} << 20;

struct Registered {
  std::string_view bytes;
  int fd;
};

std::mutex g_mutex;
std::vector<Registered> g_registered; // guarded by g_mutex

// Copies `size` bytes at `range` to `out_fd` with copy_file_range; how many were copied (the
// caller writes the rest from memory, e.g. when the kernel cannot copy between these files).
std::size_t copy_range(FileRange range, int out_fd, std::size_t size) {
  std::size_t done = 0;
  loff_t offset = range.offset;
  while (done < size) {
    const ssize_t n = retry_on_eintr(
        [&] { return ::copy_file_range(range.fd, &offset, out_fd, nullptr, size - done, 0); });
    if (n <= 0) {
      break; // EXDEV, EINVAL (a pipe), EBADF (O_APPEND), ENOSYS...: the rest goes through memory
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

} // namespace

void register_file_bytes(std::string_view bytes, int fd) {
  const std::lock_guard lock(g_mutex);
  g_registered.push_back({bytes, fd});
}

void unregister_file_bytes(const char* data) {
  const std::lock_guard lock(g_mutex);
  std::erase_if(g_registered, [&](const Registered& r) { return r.bytes.data() == data; });
}

std::optional<FileRange> file_range_of(std::string_view bytes) {
  const std::lock_guard lock(g_mutex);
  for (const Registered& r : g_registered) {
    const char* begin = r.bytes.data();
    const char* end = begin + r.bytes.size();
    if (bytes.data() >= begin && bytes.data() + bytes.size() <= end) {
      return FileRange{r.fd, static_cast<off_t>(bytes.data() - begin),
                       static_cast<std::size_t>(end - bytes.data())};
    }
  }
  return std::nullopt;
}

int write_through(int out_fd, std::string_view bytes) {
  if (bytes.size() >= k_min_copy) {
    if (const auto range = file_range_of(bytes)) {
      bytes.remove_prefix(copy_range(*range, out_fd, bytes.size()));
    }
  }
  return write_all(out_fd, bytes) ? 0 : errno;
}

} // namespace reprise
