#include "base/io.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fmt/format.h>
#include <unistd.h>

namespace reprise {

ssize_t read_some(int fd, void* buffer, std::size_t size) {
  return retry_on_eintr([&] { return ::read(fd, buffer, size); });
}

ssize_t read_full(int fd, char* buffer, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = read_some(fd, buffer + done, size - done);
    if (n < 0) {
      return -1;
    }
    if (n == 0) {
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

int read_append(int fd, std::string& out) {
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = read_some(fd, buffer, sizeof buffer);
    if (n < 0) {
      return errno;
    }
    if (n == 0) {
      return 0;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

Result<std::string> read_to_end(int fd) {
  std::string out;
  if (const int error = read_append(fd, out); error != 0) {
    return fail(ErrorCode::not_found, fmt::format("read: {}", std::strerror(error)));
  }
  return out;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = retry_on_eintr([&] { return ::write(fd, bytes.data(), bytes.size()); });
    if (n < 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

int poll_retrying(std::span<pollfd> fds, int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
  int wait_ms = timeout_ms;
  for (;;) {
    const int rc = ::poll(fds.data(), fds.size(), wait_ms);
    if (rc >= 0 || errno != EINTR) {
      return rc;
    }
    if (timeout_ms >= 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      wait_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
    }
  }
}

} // namespace reprise
