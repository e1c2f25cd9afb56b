#pragma once

#include "base/error.hpp"
#include "base/fd.hpp"
#include "snapshot/state_layout.hpp" // waiters_dir

#include <string>

// The waiter registry: how `reprise wait` learns that a worker's snapshot changed without inotify.
// A waiter binds a datagram socket in `<state_dir>/.reprise/waiters/<worker_id>/`; every reprise
// process that renames a snapshot into place then sends each socket there one byte. inotify stays
// the fallback for writers that are not reprise: closing an inotify instance that had watches makes
// the process's exit wait for the kernel's mark reaper (4-16 ms), longer than the rest of a wait.
namespace reprise {

// One waiter's socket in a worker's waiters dir, named `<pid>-<n>`. Move-only; the socket file is
// removed on destruction, so a waiter that returns leaves nothing behind (one that is killed leaves
// a file that the next notify_waiters removes).
class WaiterRegistration {
public:
  // Creates the waiters dir of `worker_id` and binds a non-blocking socket there (through
  // /proc/self/fd when the path is too long for a socket address); failed when that cannot be done.
  static Result<WaiterRegistration> open(const std::string& state_dir,
                                         const std::string& worker_id);

  WaiterRegistration(WaiterRegistration&& other) noexcept = default;
  WaiterRegistration& operator=(WaiterRegistration&& other) noexcept;
  WaiterRegistration(const WaiterRegistration&) = delete;
  WaiterRegistration& operator=(const WaiterRegistration&) = delete;
  // Removes the socket file; never throws.
  ~WaiterRegistration();

  // The socket: readable once a writer notified this waiter.
  int fd() const { return m_socket.get(); }
  // Reads every queued wake-up, so that the next poll sleeps until the next write.
  void drain() const;
  // The socket file's name in the waiters dir.
  const std::string& name() const { return m_name; }

private:
  WaiterRegistration(Fd dir, std::string name, Fd socket)
      : m_dir(std::move(dir)), m_name(std::move(name)), m_socket(std::move(socket)) {}
  // Unlinks the socket file and closes the descriptors.
  void release() noexcept;

  Fd m_dir;           // the waiters dir (O_PATH), for unlinking and for long paths
  std::string m_name; // the socket file's name in it
  Fd m_socket;        // bound, non-blocking
};

// Wakes every waiter registered for `worker_id` in `state_dir`: one datagram each, never blocking.
// A socket whose waiter is gone is removed. Call it after a snapshot was renamed into place; when
// no one waits it costs one failed open.
void notify_waiters(const std::string& state_dir, const std::string& worker_id);

// notify_waiters for the worker whose snapshot is at `snapshot_path` (state dir and worker key as
// state_dir_for_snapshot and worker_key_for_snapshot name them).
void notify_snapshot_waiters(const std::string& snapshot_path);

} // namespace reprise
