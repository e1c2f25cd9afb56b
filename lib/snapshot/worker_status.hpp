#pragma once

#include <optional>
#include <string_view>

// harn's worker status (spec §4.1) as a value: parsing and printing, the one rule that turns a
// written "running" into "interrupted" unless a live reprise owns the run, and the exit code an
// outcome status maps to (cli.md, exit codes). The snapshot keeps the status text itself, since
// harn keeps statuses it does not know verbatim; decisions go through WorkerStatus.
namespace reprise {

enum class WorkerStatus {
  running,
  awaiting, // retriggerable, between cycles
  completed,
  failed,
  cancelled,
  interrupted, // made by the loader only: from "running", or a missing / non-string status
  suspended,   // [N]
  stopped,     // [N] graceful agent_stop
  unknown,     // any other string (harn keeps it verbatim)
};

// The status `text` names; unknown for any other string (case matters, as in harn).
WorkerStatus parse_worker_status(std::string_view text);
// harn's spelling of `status`; "unknown" for unknown (whose own text only the snapshot knows).
std::string_view to_string(WorkerStatus status);

// Whether a persisted status "running" means a live run. harn's loader turns it into
// "interrupted"; only an owner that knows better (a live reprise lock, probed in run/worker_lock)
// says it is live.
enum class Liveness {
  follow_loader, // "running" on disk is an interrupted run (harn's cold load)
  live,          // a live owner runs the worker right now
};

// The status to report for a snapshot whose `status` member is `written` (nullopt when missing or
// not a string): "interrupted" when it is missing, or when it says "running" and `liveness` is
// follow_loader; otherwise `written` verbatim (unknown strings included). The one home of the
// overlay "written running + no live owner → interrupted".
std::string_view effective_status(std::optional<std::string_view> written, Liveness liveness);

// The exit code of a run or wait whose outcome is `status` (cli.md): success for completed,
// awaiting, suspended and stopped, and for running (a detached run that started); failure (1) for
// failed, cancelled, interrupted and unknown statuses.
int exit_code_for(WorkerStatus status);

} // namespace reprise
