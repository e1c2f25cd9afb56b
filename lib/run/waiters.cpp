#include "run/waiters.hpp"

#include "base/io.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/state_layout.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <optional>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace reprise {

namespace {

// Names tried before registration gives up: a name is taken only by a socket that a killed waiter
// with our pid left behind.
constexpr int k_bind_attempts = 8;

// Numbers the sockets of this process, so several targets (even of one worker) never share a name.
std::atomic<std::uint64_t> g_next_socket{0};

// The address of socket file `name` in `dir`: the whole path when it fits in sun_path (with its
// terminating NUL), else the same file reached through the open directory `dir_fd` as
// /proc/self/fd/<dir_fd>/<name>; nullopt when neither fits.
std::optional<std::pair<sockaddr_un, socklen_t>> socket_address(const std::string& dir, int dir_fd,
                                                                std::string_view name) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string path = fmt::format("{}/{}", dir, name);
  if (path.size() >= sizeof address.sun_path) {
    path = fmt::format("/proc/self/fd/{}/{}", dir_fd, name);
    if (path.size() >= sizeof address.sun_path) {
      return std::nullopt;
    }
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return std::pair{address,
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1)};
}

const sockaddr* as_sockaddr(const sockaddr_un& address) {
  return reinterpret_cast<const sockaddr*>(&address);
}

} // namespace

Result<WaiterRegistration> WaiterRegistration::open(const std::string& state_dir,
                                                    const std::string& worker_id) {
  if (!valid_worker_id(worker_id)) {
    return fail(ErrorCode::usage, fmt::format("invalid worker id '{}'", worker_id));
  }
  const std::string dir = waiters_dir(state_dir, worker_id);
  if (auto made = make_private_dir(dir); !made) {
    return std::unexpected(made.error());
  }
  Fd dir_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir_fd.valid()) {
    return fail(ErrorCode::cannot_write,
                fmt::format("cannot open the waiters dir: {}", std::strerror(errno)), dir);
  }
  Fd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!socket.valid()) {
    return fail(ErrorCode::failed, fmt::format("socket: {}", std::strerror(errno)));
  }
  for (int attempt = 0; attempt < k_bind_attempts; ++attempt) {
    std::string name = fmt::format("{}-{}", ::getpid(), g_next_socket.fetch_add(1));
    const auto address = socket_address(dir, dir_fd.get(), name);
    if (!address) {
      return fail(ErrorCode::cannot_write, "the waiters dir's path is too long for a socket", dir);
    }
    if (::bind(socket.get(), as_sockaddr(address->first), address->second) == 0) {
      return WaiterRegistration(std::move(dir_fd), std::move(name), std::move(socket));
    }
    if (errno != EADDRINUSE) {
      break;
    }
  }
  return fail(ErrorCode::cannot_write,
              fmt::format("cannot bind a waiter: {}", std::strerror(errno)), dir);
}

WaiterRegistration& WaiterRegistration::operator=(WaiterRegistration&& other) noexcept {
  if (this != &other) {
    release();
    m_dir = std::move(other.m_dir);
    m_name = std::move(other.m_name);
    m_socket = std::move(other.m_socket);
  }
  return *this;
}

WaiterRegistration::~WaiterRegistration() {
  release();
}

void WaiterRegistration::release() noexcept {
  if (m_dir.valid()) {
    // The file first: a notifier that still finds it gets ECONNREFUSED or ENOENT, both harmless.
    ::unlinkat(m_dir.get(), m_name.c_str(), 0);
  }
  m_socket.close();
  m_dir.close();
}

void WaiterRegistration::drain() const {
  char bytes[64];
  for (;;) {
    if (retry_on_eintr([&] { return ::recv(m_socket.get(), bytes, sizeof bytes, MSG_DONTWAIT); }) <
        0) {
      return; // EAGAIN: nothing more queued
    }
  }
}

void notify_waiters(const std::string& state_dir, const std::string& worker_id) {
  if (!valid_worker_id(worker_id)) {
    return;
  }
  const std::string dir = waiters_dir(state_dir, worker_id);
  // Never through a link: its target's sockets are not this worker's waiters.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0) {
    return; // no one ever waited on this worker here
  }
  const std::unique_ptr<DIR, int (*)(DIR*)> listing(::fdopendir(dir_fd), &::closedir);
  if (!listing) {
    ::close(dir_fd);
    return;
  }
  Fd sender;
  while (const dirent* entry = ::readdir(listing.get())) {
    const std::string_view name(entry->d_name);
    if (name == "." || name == ".." || (entry->d_type != DT_SOCK && entry->d_type != DT_UNKNOWN)) {
      continue;
    }
    const auto address = socket_address(dir, dir_fd, name);
    if (!address) {
      continue;
    }
    if (!sender.valid()) {
      sender = Fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      if (!sender.valid()) {
        return;
      }
    }
    const char wake = 1;
    const ssize_t sent = retry_on_eintr([&] {
      return ::sendto(sender.get(), &wake, 1, MSG_DONTWAIT | MSG_NOSIGNAL,
                      as_sockaddr(address->first), address->second);
    });
    // ECONNREFUSED: the socket's waiter is gone (killed before it could remove it). EAGAIN: the
    // waiter has wake-ups queued already. ENOENT: it just left; the file is not unlinked then,
    // since without /proc the long-path form would also say ENOENT for a live waiter.
    if (sent < 0 && errno == ECONNREFUSED) {
      ::unlinkat(dir_fd, entry->d_name, 0);
    }
  }
}

void notify_snapshot_waiters(const std::string& snapshot_path) {
  notify_waiters(state_dir_for_snapshot(snapshot_path), worker_key_for_snapshot(snapshot_path));
}

} // namespace reprise
