#include "wait.hpp"

#include "fd.hpp"
#include "process.hpp"
#include "snapshot_peek.hpp"
#include "state_dir.hpp"
#include "worker_lock.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <poll.h>
#include <sys/inotify.h>

namespace reprise {

namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t k_watch_mask = IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_CREATE;

// An inotify instance that removes its watches before it is closed. Closing one that still has
// watches made the kernel wait for its mark reaper (an SRCU grace period: 4-16 ms, in jiffies, on
// the development machine) on every wait's exit; with the watches removed first the close took
// microseconds in most runs (docs/benchmarks.md).
class Inotify {
public:
  Inotify() : m_fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) {}
  Inotify(const Inotify&) = delete;
  Inotify& operator=(const Inotify&) = delete;
  ~Inotify() {
    for (const int wd : m_watches) {
      ::inotify_rm_watch(m_fd.get(), wd);
    }
  }

  // The descriptor; invalid when inotify_init1 failed.
  const Fd& fd() const { return m_fd; }
  // Watches `dir` for `mask`; the watch descriptor, or -1.
  int add_watch(const std::string& dir, std::uint32_t mask) {
    const int wd = ::inotify_add_watch(m_fd.get(), dir.c_str(), mask);
    if (wd >= 0 && std::find(m_watches.begin(), m_watches.end(), wd) == m_watches.end()) {
      m_watches.push_back(wd);
    }
    return wd;
  }

private:
  Fd m_fd;
  std::vector<int> m_watches; // each watch descriptor once
};

// A worker being waited for.
struct Pending {
  WaitResult result;
  std::string state_dir;
  std::string file_name;
  Fd owner_pidfd; // the live owner's pidfd while the worker runs
};

std::string file_name_of(const std::string& path) {
  return fs::path(path).filename().string();
}

// Looks at the snapshot once: settles it, or arms the owner's pidfd and leaves it pending.
void observe(Pending& pending, FollowTriggers follow) {
  const SnapshotPeek peek = peek_snapshot_file(pending.result.snapshot_path);
  WaitResult& result = pending.result;
  pending.owner_pidfd.close();
  if (peek.state != PeekState::ok) {
    result.error = peek.error;
    result.status = peek.state == PeekState::invalid ? "invalid" : "unreadable";
    result.settled = true;
    return;
  }
  result.error.reset();
  result.latest_error = peek.latest_error;
  const std::string& status = peek.written_status;
  if (status == "running") {
    // Check the owner, then open its pidfd, then check again: a pidfd opened on a reused pid
    // would wait on a stranger.
    if (auto owner = live_owner(pending.state_dir, result.worker_id)) {
      Fd pidfd = open_pidfd(owner->pid);
      if (pidfd.valid() && process_alive(owner->pid, owner->start_time)) {
        pending.owner_pidfd = std::move(pidfd);
        result.status = status;
        result.owner_gone = false;
        result.settled = false;
        return;
      }
    }
    result.status = "interrupted";
    result.owner_gone = true;
    result.settled = true;
    return;
  }
  result.owner_gone = false;
  result.status = status.empty() ? peek.status : status;
  result.settled = !(status == "awaiting" && follow == FollowTriggers::yes);
}

} // namespace

bool status_is_success(const std::string& status) {
  return status == "completed" || status == "awaiting" || status == "suspended" ||
         status == "stopped";
}

Result<WaitOutcome> wait_for_workers(const std::vector<std::string>& paths, FollowTriggers follow,
                                     WaitFor mode,
                                     std::optional<std::chrono::milliseconds> timeout) {
  const std::int64_t deadline = timeout ? monotonic_ms() + timeout->count() : 0;
  Inotify inotify;
  if (!inotify.fd().valid()) {
    return fail(ErrorCode::failed, fmt::format("inotify_init1: {}", std::strerror(errno)));
  }
  std::vector<Pending> pending(paths.size());
  std::map<int, std::string> watched; // watch descriptor → state dir
  for (std::size_t i = 0; i < paths.size(); ++i) {
    Pending& p = pending[i];
    p.result.snapshot_path = paths[i];
    p.file_name = file_name_of(paths[i]);
    p.result.worker_id = p.file_name.ends_with(".json")
                             ? p.file_name.substr(0, p.file_name.size() - 5)
                             : p.file_name;
    p.state_dir = state_dir_for_snapshot(paths[i]);
    // Watch before the first look, so an outcome written in between still wakes us.
    const int wd = inotify.add_watch(p.state_dir, k_watch_mask);
    if (wd >= 0) {
      watched[wd] = p.state_dir;
    }
    observe(p, follow);
  }

  const auto done = [&] {
    std::size_t settled = 0;
    for (const Pending& p : pending) {
      settled += p.result.settled ? 1 : 0;
    }
    return mode == WaitFor::any ? settled > 0 : settled == pending.size();
  };

  WaitOutcome outcome;
  while (!done()) {
    std::vector<pollfd> fds{{inotify.fd().get(), POLLIN, 0}};
    std::vector<std::size_t> owners; // index into pending for fds[1..]
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (!pending[i].result.settled && pending[i].owner_pidfd.valid()) {
        fds.push_back({pending[i].owner_pidfd.get(), POLLIN, 0});
        owners.push_back(i);
      }
    }
    int wait_ms = -1;
    if (timeout) {
      const std::int64_t left = deadline - monotonic_ms();
      if (left <= 0) {
        outcome.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<std::int64_t>(left, INT_MAX));
    }
    const int rc = ::poll(fds.data(), fds.size(), wait_ms);
    if (rc < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorCode::failed, fmt::format("poll: {}", std::strerror(errno)));
    }
    std::vector<bool> look(pending.size(), false);
    for (std::size_t k = 0; k < owners.size(); ++k) {
      if (fds[k + 1].revents != 0) {
        look[owners[k]] = true; // the owner ended: an outcome, or an interrupted run
      }
    }
    if (fds[0].revents != 0) {
      alignas(inotify_event) char buffer[16 * 1024];
      for (;;) {
        const ssize_t n = read_some(inotify.fd().get(), buffer, sizeof buffer);
        if (n <= 0) {
          break;
        }
        for (ssize_t offset = 0; offset < n;) {
          const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
          const std::string name = event->len > 0 ? std::string(event->name) : std::string();
          const auto dir = watched.find(event->wd);
          for (std::size_t i = 0; i < pending.size(); ++i) {
            if ((event->mask & IN_Q_OVERFLOW) != 0 ||
                (dir != watched.end() && dir->second == pending[i].state_dir &&
                 name == pending[i].file_name)) {
              look[i] = true;
            }
          }
          offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
      }
    }
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (look[i] && !pending[i].result.settled) {
        observe(pending[i], follow);
      }
    }
  }
  for (Pending& p : pending) {
    outcome.results.push_back(std::move(p.result));
  }
  return outcome;
}

} // namespace reprise
