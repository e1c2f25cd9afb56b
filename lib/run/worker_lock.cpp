#include "run/worker_lock.hpp"

#include "base/input_file.hpp"
#include "base/io.hpp"
#include "run/process.hpp"
#include "snapshot/state_layout.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace reprise {

namespace {

constexpr int k_owner_read_attempts = 20;
constexpr auto k_owner_read_pause = std::chrono::milliseconds(5);

// The worker's lock file (`edit`: its edit lock), created with its directory when missing.
Result<Fd> open_lock_file(const std::string& state_dir, const std::string& worker_id, bool edit) {
  if (!valid_worker_id(worker_id)) {
    return fail(ErrorCode::usage, fmt::format("invalid worker id '{}'", worker_id));
  }
  if (auto made = make_private_dir(locks_dir(state_dir)); !made) {
    return std::unexpected(made.error());
  }
  return open_private_file(edit ? edit_lock_path(state_dir, worker_id)
                                : worker_lock_path(state_dir, worker_id),
                           O_RDWR | O_CREAT);
}

int flock_retrying(int fd, int operation) {
  return retry_on_eintr([&] { return ::flock(fd, operation); });
}

// Parses "<pid> <start time>" from the lock file at `path`.
std::optional<LockOwner> read_owner(const std::string& path) {
  auto input = open_input_file(path);
  if (!input) {
    return std::nullopt;
  }
  auto text = read_to_end(input->fd.get());
  if (!text || text->empty()) {
    return std::nullopt;
  }
  LockOwner owner;
  char* end = nullptr;
  owner.pid = static_cast<pid_t>(std::strtol(text->c_str(), &end, 10));
  owner.start_time = std::strtoull(end, nullptr, 10);
  if (owner.pid <= 0) {
    return std::nullopt;
  }
  return owner;
}

void write_owner(int fd, pid_t pid) {
  const std::string line = fmt::format("{} {}\n", pid, process_start_time(pid).value_or(0));
  if (::ftruncate(fd, 0) == 0) {
    // pwrite at 0: the descriptor's offset is shared with a forked process.
    retry_on_eintr([&] { return ::pwrite(fd, line.data(), line.size(), 0); });
  }
}

// The snapshot at `snapshot_path`, loaded once `lock` is held (or the lock's error).
template <typename Lock>
Result<LockedSnapshot<Lock>> load_under(Result<Lock> lock, const std::string& snapshot_path,
                                        HarnRules rules) {
  if (!lock) {
    return std::unexpected(lock.error());
  }
  auto snapshot = load_snapshot_file(snapshot_path, FileAccess::read, rules);
  if (!snapshot) {
    return std::unexpected(snapshot.error());
  }
  return LockedSnapshot<Lock>{std::move(*lock), std::move(*snapshot)};
}

} // namespace

bool valid_worker_id(const std::string& worker_id) {
  return !worker_id.empty() && worker_id != "." && worker_id != ".." &&
         worker_id.find('/') == std::string::npos && worker_id.find('\0') == std::string::npos;
}

Result<WorkerLock> WorkerLock::acquire(const std::string& state_dir, const std::string& worker_id) {
  auto fd = open_lock_file(state_dir, worker_id, false);
  if (!fd) {
    return std::unexpected(fd.error());
  }
  const std::string path = worker_lock_path(state_dir, worker_id);
  // A run's owner writes its outcome and then unlocks, and a waiter may relaunch in between; an
  // empty owner line means "just taken" or "being released". So try again for a moment (about
  // 100 ms) before saying busy.
  std::optional<LockOwner> owner;
  bool locked = false;
  for (int i = 0; i < k_owner_read_attempts; ++i) {
    if (flock_retrying(fd->get(), LOCK_EX | LOCK_NB) == 0) {
      locked = true;
      break;
    }
    if (errno != EWOULDBLOCK) {
      return fail(ErrorCode::cannot_write, fmt::format("cannot lock: {}", std::strerror(errno)),
                  path);
    }
    if (auto named = read_owner(path)) {
      owner = named;
    }
    std::this_thread::sleep_for(k_owner_read_pause);
  }
  if (!locked) {
    const std::string holder =
        owner ? fmt::format("reprise pid {}", owner->pid) : std::string("another reprise");
    return fail(ErrorCode::busy,
                fmt::format("worker {} is busy: locked by {} ({})", worker_id, holder, path));
  }
  write_owner(fd->get(), ::getpid());
  return WorkerLock(path, std::move(*fd));
}

WorkerLock& WorkerLock::operator=(WorkerLock&& other) noexcept {
  if (this != &other) {
    release();
    m_path = std::move(other.m_path);
    m_fd = std::move(other.m_fd);
  }
  return *this;
}

WorkerLock::~WorkerLock() {
  release();
}

void WorkerLock::release() noexcept {
  if (m_fd.valid()) {
    // Clear the owner before unlocking so no one reads a stale pid as a live holder.
    [[maybe_unused]] const int rc = ::ftruncate(m_fd.get(), 0);
    m_fd.close();
  }
}

void WorkerLock::claim_for_this_process() {
  if (m_fd.valid()) {
    write_owner(m_fd.get(), ::getpid());
  }
}

void WorkerLock::hand_over() noexcept {
  m_fd.close();
}

std::optional<LockOwner> live_owner(const std::string& state_dir, const std::string& worker_id) {
  if (!valid_worker_id(worker_id)) {
    return std::nullopt;
  }
  auto owner = read_owner(worker_lock_path(state_dir, worker_id));
  if (!owner || !process_alive(owner->pid, owner->start_time)) {
    return std::nullopt;
  }
  return owner;
}

Result<SnapshotEditLock> SnapshotEditLock::acquire(const std::string& state_dir,
                                                   const std::string& worker_id) {
  auto fd = open_lock_file(state_dir, worker_id, true);
  if (!fd) {
    return std::unexpected(fd.error());
  }
  if (flock_retrying(fd->get(), LOCK_EX) != 0) {
    return fail(ErrorCode::cannot_write, fmt::format("cannot lock: {}", std::strerror(errno)));
  }
  return SnapshotEditLock(std::move(*fd));
}

Result<WorkerLock> lock_snapshot(const std::string& snapshot_path) {
  return WorkerLock::acquire(state_dir_for_snapshot(snapshot_path),
                             worker_key_for_snapshot(snapshot_path));
}

Result<LockedSnapshot<WorkerLock>> lock_and_load(const std::string& snapshot_path,
                                                 HarnRules rules) {
  return load_under(lock_snapshot(snapshot_path), snapshot_path, rules);
}

Result<LockedSnapshot<SnapshotEditLock>> edit_and_load(const std::string& snapshot_path,
                                                       HarnRules rules) {
  return load_under(SnapshotEditLock::acquire(state_dir_for_snapshot(snapshot_path),
                                              worker_key_for_snapshot(snapshot_path)),
                    snapshot_path, rules);
}

} // namespace reprise
