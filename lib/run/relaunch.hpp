#pragma once

#include "base/error.hpp"
#include "base/uuid7.hpp"
#include "reset/reset.hpp"
#include "run/completion.hpp"
#include "run/process.hpp"
#include "run/supervisor.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/state_dir.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

// `reprise relaunch` as a library call: lock the worker, reset it, persist the running snapshot
// (keeping the previous one in history), run the child attached or under a detached supervisor,
// and write the outcome back (spec §3.6). Also used by resume to respawn a suspended worker.
namespace reprise {

// Whether relaunch waits for the child or leaves it to a detached supervisor.
enum class Detach { no, yes };

// How to run the child: the command and the limits.
struct RunSettings {
  std::vector<std::string> command;                 // before {placeholder} substitution
  std::optional<std::chrono::milliseconds> timeout; // --timeout
  std::chrono::milliseconds kill_after{5000};       // --kill-after
  Detach detach = Detach::no;
  Tee tee = Tee::to_caller;
  int caller_out = 1;
  int caller_err = 2;
  int signal_fd = -1;             // SignalGuard::fd() of an attached run; -1: none
  std::optional<std::string> cwd; // --cwd: run there instead of the snapshot's execution.cwd
  bool keep_group = false;        // --keep-group: SuperviseRequest::keep_group
  std::string harn_program;       // harn's executable as the caller found it on PATH (absolute);
                                  // empty: not there (see command_for_run)
};

// What happened.
struct RelaunchReport {
  std::string worker_id;
  std::string snapshot_path; // where the running snapshot and the outcome were written
  int attempt = 0;
  std::string status;       // status written back (for --detach: "running")
  std::string latest_error; // empty on success
  std::optional<ExitStatus> exit;
  bool timed_out = false;
  int forwarded_signal = 0;
  std::optional<Error> spawn_error; // command not found (127) / cannot execute (126)
  pid_t child_pid = -1;
  pid_t supervisor_pid = -1;
  std::string log_out;
  std::string log_err;
  std::int64_t duration_ms = 0;
};

// A worker that is locked and whose running snapshot is ready to be written.
struct PreparedRun {
  WorkerLock lock;
  std::string state_dir;     // where .reprise/ lives (the snapshot's directory)
  std::string worker_id;     // the lock's name
  std::string snapshot_path; // where the running snapshot goes
  std::string task;          // the task of this run
  TranscriptMode transcript_mode = TranscriptMode::inherit; // compact applies after success
  std::string cwd;                                          // execution.cwd
  std::vector<std::pair<std::string, std::string>> env;     // execution.env
  std::string command = "relaunch"; // what the history records as the writer of the run
  std::string previous_status;      // the status and task of the version the run replaces
  std::string previous_task;        // (recorded with it in the history)
  bool own_copy =
      false; // the run writes its own copy under runs/ (persist_state false): no history
  HarnRules rules = k_newest_harn_rules; // the loader rules the outcome is read back with
  std::string mode = "workflow";         // the worker's top-level `mode` (see command_for_run)
};

// The top-level `mode` of a worker that harn's own entry point resumes (`harn run --resume`).
inline constexpr std::string_view k_top_level_agent_mode = "top_level_agent";

// The argv (before placeholder substitution) of a run of a worker whose top-level `mode` is
// `mode`: settings.command when there is one; else, for a top_level_agent worker when harn was
// found (settings.harn_program), harn's own entry point `<harn> run --resume {snapshot} --json`
// (its NDJSON events on standard output); else a usage error saying why there is no command.
Result<std::vector<std::string>> command_for_run(const RunSettings& settings,
                                                 std::string_view mode);

// The first executable `harn` in `path_list` (PATH syntax, as the caller read it from its
// environment), made absolute; nullopt when there is none (an empty `path_list` holds none).
std::optional<std::string> find_harn(const std::string& path_list);

// execution.cwd and execution.env of `snapshot` (non-string env values are skipped).
void read_execution(const Snapshot& snapshot, PreparedRun& run);

// Writes `running` (keeping `previous_bytes` in history), starts the child and, unless detached,
// supervises it and writes the outcome back. `ids` continues to number the completion's ids.
Result<RelaunchReport> run_worker(PreparedRun run, const JsonNode& running,
                                  std::string_view previous_bytes, const RunSettings& settings,
                                  IdSource& ids);

// The exit code of one relaunched (or resumed) run (cli.md): the spawn error's code (126/127), then
// 128+N when a signal was forwarded to the child, 124 when it timed out, else the outcome status's
// (exit_code_for). Lives here rather than in worker_status because it reads a RelaunchReport, a
// run-level type that snapshot/ must not include.
int exit_code_of(const RelaunchReport& report);

// The whole of `reprise relaunch` for one snapshot file.
Result<RelaunchReport> relaunch_worker(const std::string& snapshot_path,
                                       const ResetRequest& request, const RunSettings& settings,
                                       IdSource& ids);

} // namespace reprise
