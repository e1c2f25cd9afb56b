#include "run/suspend.hpp"

#include "run/completion.hpp"
#include "run/run_ledger.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"

#include <csignal>
#include <filesystem>
#include <fmt/format.h>

namespace reprise {

namespace {

// What the history records about the version `snapshot` as `command` replaces it.
KeepInfo keep_info(const char* command, const Snapshot& snapshot, IdSource& ids) {
  KeepInfo keep;
  keep.command = command;
  keep.now_ms = ids.now_ms();
  keep.status = written_status(snapshot).value_or("");
  keep.task = snapshot.task;
  return keep;
}

} // namespace

std::optional<std::pair<pid_t, std::uint64_t>> live_child(const std::string& state_dir,
                                                          const std::string& worker_id) {
  if (!live_owner(state_dir, worker_id)) {
    return std::nullopt;
  }
  auto start = last_start(state_dir, worker_id);
  if (!start || !process_alive(start->child_pid, start->child_start)) {
    return std::nullopt;
  }
  return std::pair{start->child_pid, start->child_start};
}

Result<LifecycleReport> suspend_worker(const std::string& snapshot_path, const std::string& reason,
                                       const std::string& initiator, HarnRules rules,
                                       IdSource& ids) {
  const std::string state_dir = state_dir_for_snapshot(snapshot_path);
  const std::string name = worker_key_for_snapshot(snapshot_path);
  auto edited = edit_and_load(snapshot_path, rules);
  if (!edited) {
    return std::unexpected(edited.error());
  }
  const Snapshot& snapshot = edited->snapshot;
  LifecycleReport report;
  report.worker_id = snapshot.id;
  const WorkerStatus status = parse_worker_status(written_status(snapshot).value_or(""));
  if (status == WorkerStatus::suspended) {
    report.status = snapshot.status; // idempotent: the first reason stands
    return report;
  }
  const auto child = status == WorkerStatus::running ? live_child(state_dir, name) : std::nullopt;
  if (!child) {
    // No live child: the loader's view ("running" is shown as interrupted).
    return fail(ErrorCode::usage,
                fmt::format("HARN-SUS-001: suspend_agent: worker {} is not running (status={})",
                            snapshot.id, snapshot.status),
                snapshot_path);
  }
  JsonNode root = snapshot.to_node();
  root.set_value("status", to_string(WorkerStatus::suspended));
  root.set_value("awaiting_started_at", nullptr);
  root.set_value("suspension", OrderedJson{{"reason", reason},
                                           {"initiator", initiator},
                                           {"suspended_at", ids.next()},
                                           {"snapshot_ref", snapshot.path},
                                           {"prior_span_link", nullptr},
                                           {"pipeline_span_link", nullptr},
                                           {"suspended_at_turn", nullptr},
                                           {"conditions", nullptr},
                                           {"auto_resume_trigger", nullptr}});
  // harn always persists a suspension, whatever persist_state says.
  if (auto written = write_snapshot_version(snapshot_path, root, snapshot.document.text(),
                                            keep_info("suspend", snapshot, ids));
      !written) {
    return std::unexpected(written.error());
  }
  report.status = to_string(WorkerStatus::suspended);
  report.changed = true;
  report.signalled = ::kill(-child->first, SIGSTOP) == 0;
  return report;
}

Result<LifecycleReport> cancel_worker(const std::string& snapshot_path,
                                      std::chrono::milliseconds kill_after, bool force,
                                      HarnRules rules, IdSource& ids) {
  const std::string state_dir = state_dir_for_snapshot(snapshot_path);
  const std::string name = worker_key_for_snapshot(snapshot_path);
  LifecycleReport report;
  std::optional<std::pair<pid_t, std::uint64_t>> child;
  {
    auto edited = edit_and_load(snapshot_path, rules);
    if (!edited) {
      return std::unexpected(edited.error());
    }
    const Snapshot& snapshot = edited->snapshot;
    report.worker_id = snapshot.id;
    child = live_child(state_dir, name);
    const std::string status(written_status(snapshot).value_or(""));
    const WorkerStatus parsed = parse_worker_status(status);
    const bool active = child || parsed == WorkerStatus::running ||
                        parsed == WorkerStatus::suspended || parsed == WorkerStatus::awaiting ||
                        status == "pending";
    if (!active && !force) {
      // A finished worker keeps its real outcome (latest_error, finished_at): nothing to cancel.
      return fail(ErrorCode::usage,
                  fmt::format("cancel: worker {} is not running (status={}); nothing changed "
                              "(--force cancels it anyway)",
                              snapshot.id, status),
                  snapshot_path);
    }
    JsonNode root = snapshot.to_node();
    root.set_value("status", to_string(WorkerStatus::cancelled));
    root.set_value("finished_at", ids.next());
    root.set_value("awaiting_started_at", nullptr);
    if (root.find("suspension") != nullptr) {
      root.set_value("suspension", nullptr);
    }
    root.set_value("latest_error", "worker cancelled");
    if (auto written = write_snapshot_version(snapshot_path, root, snapshot.document.text(),
                                              keep_info("cancel", snapshot, ids));
        !written) {
      return std::unexpected(written.error());
    }
    report.status = to_string(WorkerStatus::cancelled);
    report.changed = true;
  }
  if (child) {
    // Terminate the group; a stopped (suspended) group must be continued to act on SIGTERM.
    const pid_t group = child->first;
    Fd pidfd = open_pidfd(group);
    report.signalled = ::kill(-group, SIGTERM) == 0;
    ::kill(-group, SIGCONT);
    const bool ended = pidfd.valid() ? wait_readable(pidfd.get(), kill_after)
                                     : !process_alive(group, child->second);
    if (!ended && process_alive(group, child->second)) {
      ::kill(-group, SIGKILL);
    }
  }
  return report;
}

Result<LifecycleReport> resume_worker(const std::string& snapshot_path,
                                      const ResumeRequest& request, const RunSettings& settings,
                                      HarnRules rules, IdSource& ids) {
  const std::string state_dir = state_dir_for_snapshot(snapshot_path);
  const std::string name = worker_key_for_snapshot(snapshot_path);
  LifecycleReport report;
  std::string mode;
  {
    auto edited = edit_and_load(snapshot_path, rules);
    if (!edited) {
      return std::unexpected(edited.error());
    }
    const Snapshot& snapshot = edited->snapshot;
    report.worker_id = snapshot.id;
    mode = snapshot.mode;
    if (auto ok = check_resumable(snapshot); !ok) {
      return std::unexpected(ok.error());
    }
    auto child = live_child(state_dir, name);
    if (child) {
      auto resumed = apply_resume_rules(snapshot, request, ids);
      if (!resumed) {
        return std::unexpected(resumed.error());
      }
      if (auto written =
              write_snapshot_version(snapshot_path, resumed->root, snapshot.document.text(),
                                     keep_info("resume", snapshot, ids));
          !written) {
        return std::unexpected(written.error());
      }
      report.status = to_string(WorkerStatus::running);
      report.changed = true;
      report.signalled = ::kill(-child->first, SIGCONT) == 0;
      return report;
    }
  }
  // The paused process is gone: respawn the worker under the resume rules.
  if (auto command = command_for_run(settings, mode); !command) {
    return fail(ErrorCode::usage,
                fmt::format("worker {} has no live process to continue, and it cannot be "
                            "relaunched: {}",
                            report.worker_id, command.error().message),
                snapshot_path);
  }
  auto locked = lock_and_load(snapshot_path, rules);
  if (!locked) {
    return std::unexpected(locked.error());
  }
  const Snapshot& snapshot = locked->snapshot;
  if (auto ok = check_resumable(snapshot); !ok) {
    return std::unexpected(ok.error());
  }
  auto resumed = apply_resume_rules(snapshot, request, ids);
  if (!resumed) {
    return std::unexpected(resumed.error());
  }
  PreparedRun run{std::move(locked->lock),
                  state_dir,
                  name,
                  snapshot_path,
                  request.input.value_or(snapshot.task),
                  snapshot.carry.transcript_mode,
                  {},
                  {},
                  "resume",
                  std::string(written_status(snapshot).value_or("")),
                  snapshot.task,
                  false};
  read_execution(snapshot, run);
  run.rules = snapshot.rules;
  run.mode = snapshot.mode;
  auto relaunched =
      run_worker(std::move(run), resumed->root, snapshot.document.text(), settings, ids);
  if (!relaunched) {
    return std::unexpected(relaunched.error());
  }
  report.status = relaunched->status;
  report.changed = true;
  report.relaunch = std::move(*relaunched);
  return report;
}

} // namespace reprise
