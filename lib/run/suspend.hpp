#pragma once

#include "base/error.hpp"
#include "base/uuid7.hpp"
#include "reset/resume_rules.hpp"
#include "run/relaunch.hpp"

#include <optional>
#include <string>

// suspend, resume and cancel of a worker (spec §4.3, §4.4, close_agent), with harn's preconditions
// and HARN-SUS messages. The snapshot is edited under the worker's edit lock; the run's process
// group (from the run ledger) is stopped, continued or terminated.
namespace reprise {

// What suspend, resume or cancel did.
struct LifecycleReport {
  std::string worker_id;
  std::string status;                     // the status written (or found, when nothing changed)
  bool changed = false;                   // false: already in that state, nothing written
  bool signalled = false;                 // the run's process group was signalled
  std::optional<RelaunchReport> relaunch; // resume of a worker whose process is gone
};

// harn's suspend_agent: a running worker with a live run becomes `suspended` with a suspension
// record and its process group is stopped (SIGSTOP); already suspended → unchanged; anything else
// → HARN-SUS-001 (usage error). The snapshot is read with `rules` (--harn).
Result<LifecycleReport> suspend_worker(const std::string& snapshot_path, const std::string& reason,
                                       const std::string& initiator, HarnRules rules,
                                       IdSource& ids);

// harn's close_agent: status cancelled, finished_at, latest_error "worker cancelled", awaiting
// fields and suspension cleared; a live run's process group gets SIGTERM (and SIGCONT, and
// SIGKILL after `kill_after` if it is still there). A worker that is not running (no live run and
// a status other than running, suspended, awaiting or pending) is left as it is (a usage error)
// unless `force`. The version replaced is kept in the history. The snapshot is read with `rules`.
Result<LifecycleReport> cancel_worker(const std::string& snapshot_path,
                                      std::chrono::milliseconds kill_after, bool force,
                                      HarnRules rules, IdSource& ids);

// harn's resume_agent on a suspended worker: the resume rules (spec §4.4 step 6) are written and
// the paused process group continued (SIGCONT) when its run is still there; otherwise the worker
// is relaunched with `settings` (which then needs a command). Not suspended → HARN-SUS-003,
// cancelled → HARN-SUS-010, blank input → HARN-SUS-009 (usage errors). The snapshot is read (and
// a relaunch's outcome read back) with `rules`.
Result<LifecycleReport> resume_worker(const std::string& snapshot_path,
                                      const ResumeRequest& request, const RunSettings& settings,
                                      HarnRules rules, IdSource& ids);

// The pid and start time of the child of the worker's current run when it is still alive.
std::optional<std::pair<pid_t, std::uint64_t>> live_child(const std::string& state_dir,
                                                          const std::string& worker_id);

} // namespace reprise
