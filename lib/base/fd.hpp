#pragma once

#include <unistd.h>
#include <utility>

namespace reprise {

// A move-only owner of a file descriptor; closes it once (close is never retried on EINTR).
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      close();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  ~Fd() { close(); }

  // The descriptor, or -1.
  int get() const { return m_fd; }
  // Whether a descriptor is held.
  bool valid() const { return m_fd >= 0; }
  // Gives up ownership and returns the descriptor.
  int release() { return std::exchange(m_fd, -1); }
  // Closes the descriptor now (no-op when empty).
  void close() {
    if (m_fd >= 0) {
      ::close(m_fd); // never retried: on Linux the descriptor is gone even on EINTR
      m_fd = -1;
    }
  }

private:
  int m_fd = -1; // -1 when empty
};

} // namespace reprise
