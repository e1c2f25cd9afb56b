#include "run/wait.hpp"

#include "base/fd.hpp"
#include "base/io.hpp"
#include "run/process.hpp"
#include "run/waiters.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/snapshot_peek.hpp"
#include "snapshot/state_dir.hpp"
#include "snapshot/worker_status.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <poll.h>
#include <set>
#include <sys/inotify.h>

namespace reprise {

namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t k_watch_mask = IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_CREATE;

// A worker being waited for.
struct Pending {
  WaitResult result;
  std::string state_dir;
  std::string file_name;
  Fd owner_pidfd;                             // the live owner's pidfd while the worker runs
  std::optional<WaiterRegistration> registry; // empty when registration failed
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
  if (parse_worker_status(peek.written_status) == WorkerStatus::running) {
    // Check the owner, then open its pidfd, then check again: a pidfd opened on a reused pid
    // would wait on a stranger.
    if (auto owner = live_owner(pending.state_dir, result.worker_id)) {
      Fd pidfd = open_pidfd(owner->pid);
      if (pidfd.valid() && process_alive(owner->pid, owner->start_time)) {
        pending.owner_pidfd = std::move(pidfd);
        result.status = effective_status(peek.written_status, Liveness::live);
        result.owner_gone = false;
        result.settled = false;
        return;
      }
    }
    result.status = peek.status; // the loader's view: interrupted
    result.owner_gone = true;
    result.settled = true;
    return;
  }
  result.owner_gone = false;
  result.status = peek.status;
  result.settled = !(parse_worker_status(peek.status) == WorkerStatus::awaiting &&
                     follow == FollowTriggers::yes);
}

// Whether a worker still pending can be woken only through inotify: one waited through `awaiting`
// (a trigger may be written by harn, which does not notify waiters), or one without a registry
// socket.
bool needs_inotify(const Pending& pending) {
  return !pending.result.settled &&
         (!pending.registry ||
          parse_worker_status(pending.result.status) == WorkerStatus::awaiting);
}

// Reads every queued inotify event and marks the workers whose snapshot it names (all of them when
// the queue overflowed).
void read_inotify_events(int fd, const std::map<int, std::string>& watched,
                         const std::vector<Pending>& pending, std::vector<bool>& look) {
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = read_some(fd, buffer, sizeof buffer);
    if (n <= 0) {
      return;
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

} // namespace

Result<WaitOutcome> wait_for_workers(const std::vector<std::string>& paths, FollowTriggers follow,
                                     WaitFor mode,
                                     std::optional<std::chrono::milliseconds> timeout) {
  const std::int64_t deadline = timeout ? monotonic_ms() + timeout->count() : 0;
  std::vector<Pending> pending(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    Pending& p = pending[i];
    p.result.snapshot_path = paths[i];
    p.file_name = file_name_of(paths[i]);
    p.result.worker_id = p.file_name.ends_with(".json")
                             ? p.file_name.substr(0, p.file_name.size() - 5)
                             : p.file_name;
    p.state_dir = state_dir_for_snapshot(paths[i]);
    // Register before the first look, so an outcome written in between still wakes us.
    if (auto registered = WaiterRegistration::open(p.state_dir, p.result.worker_id)) {
      p.registry.emplace(std::move(*registered));
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
  // The fallback, created only when a worker needs it: the last close of an inotify instance that
  // had watches waits for the kernel's mark reaper (an SRCU grace period, 4-16 ms), even when the
  // watches were removed first, and that delay is part of every such wait's exit.
  Fd inotify;
  std::set<std::string> armed_dirs;   // state dirs a watch was asked for (even if it failed)
  std::map<int, std::string> watched; // watch descriptor → state dir
  while (!done()) {
    // Watch the state dirs that some worker now needs watched, then look at those workers again:
    // their snapshot may have changed before the watch existed.
    std::set<std::string> newly_armed;
    for (const Pending& p : pending) {
      if (!needs_inotify(p) || armed_dirs.contains(p.state_dir)) {
        continue;
      }
      if (!inotify.valid()) {
        inotify = Fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        outcome.used_inotify = true;
        if (!inotify.valid()) {
          return fail(ErrorCode::failed, fmt::format("inotify_init1: {}", std::strerror(errno)));
        }
      }
      if (const int wd = ::inotify_add_watch(inotify.get(), p.state_dir.c_str(), k_watch_mask);
          wd >= 0) {
        watched[wd] = p.state_dir;
      }
      armed_dirs.insert(p.state_dir);
      newly_armed.insert(p.state_dir);
    }
    if (!newly_armed.empty()) {
      for (Pending& p : pending) {
        if (!p.result.settled && newly_armed.contains(p.state_dir)) {
          observe(p, follow);
        }
      }
      continue;
    }

    std::vector<pollfd> fds;
    enum class Source { watches, registry, owner };
    std::vector<std::pair<Source, std::size_t>> sources; // what fds[k] is, for which worker
    if (inotify.valid()) {
      fds.push_back({inotify.get(), POLLIN, 0});
      sources.emplace_back(Source::watches, 0);
    }
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (pending[i].result.settled) {
        continue;
      }
      if (pending[i].registry) {
        fds.push_back({pending[i].registry->fd(), POLLIN, 0});
        sources.emplace_back(Source::registry, i);
      }
      if (pending[i].owner_pidfd.valid()) {
        fds.push_back({pending[i].owner_pidfd.get(), POLLIN, 0});
        sources.emplace_back(Source::owner, i);
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
    const int rc = poll_retrying(fds, wait_ms);
    if (rc < 0) {
      return fail(ErrorCode::failed, fmt::format("poll: {}", std::strerror(errno)));
    }
    std::vector<bool> look(pending.size(), false);
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) {
        continue;
      }
      const auto [source, i] = sources[k];
      switch (source) {
      case Source::registry:
        // Every queued wake-up goes: the snapshot is read after this, so none of them is lost.
        pending[i].registry->drain();
        look[i] = true;
        break;
      case Source::owner:
        look[i] = true; // the owner ended: an outcome, or an interrupted run
        break;
      case Source::watches:
        read_inotify_events(inotify.get(), watched, pending, look);
        break;
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
