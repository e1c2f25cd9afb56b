#pragma once

#include "base/error.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

// `reprise wait`: block while workers run, without polling. A waiter registers a socket in the
// worker's waiters dir (waiters.hpp), which every reprise that writes the snapshot wakes, and
// watches each run's owner (the reprise process holding the worker lock) through a pidfd; an owner
// that dies without writing an outcome, or whose pid now belongs to another process, makes the
// worker `interrupted`, never an endless wait. The state dir is watched with inotify only when
// registering failed or when `awaiting` is waited through (harn, which writes triggers, does not
// notify): an inotify instance makes the process's exit wait 4-16 ms for the kernel.
namespace reprise {

// Whether an `awaiting` (retriggerable) worker counts as settled or is waited through.
enum class FollowTriggers { no, yes };
// Whether wait returns when every worker settled or when the first one did.
enum class WaitFor { all, any };

// One worker as wait last saw it.
struct WaitResult {
  std::string snapshot_path;
  std::string worker_id; // the snapshot's file name without ".json"
  std::string status;    // as written, or "interrupted" for a running worker without a live owner
  std::optional<std::string> latest_error;
  bool owner_gone = false;    // the snapshot says running but no live reprise owns it
  bool settled = false;       // false only when the wait timed out first
  std::optional<Error> error; // the snapshot could not be read or is invalid
};

// What the wait saw.
struct WaitOutcome {
  std::vector<WaitResult> results; // in the order of the targets
  bool timed_out = false;
  bool used_inotify = false; // an inotify instance had to be created (the fallback)
};

// Waits for the snapshots at `paths` as cli.md's `reprise wait` does.
Result<WaitOutcome> wait_for_workers(const std::vector<std::string>& paths, FollowTriggers follow,
                                     WaitFor mode,
                                     std::optional<std::chrono::milliseconds> timeout);

} // namespace reprise
