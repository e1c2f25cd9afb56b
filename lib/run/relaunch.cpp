#include "run/relaunch.hpp"

#include "base/atomic_file.hpp"
#include "base/exit_code.hpp"
#include "base/io.hpp"
#include "run/run_ledger.hpp"
#include "run/signal_guard.hpp"
#include "run/state_gc.hpp"
#include "run/waiters.hpp"
#include "snapshot/history.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"
#include "snapshot/state_layout.hpp"

#include "json/member.hpp"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <unistd.h>

extern char** environ;

namespace reprise {

namespace {

namespace fs = std::filesystem;

std::string absolute(const std::string& path) {
  std::error_code ec;
  fs::path result = fs::absolute(path, ec);
  return ec ? path : result.lexically_normal().string();
}

// What is needed to write an attempt's outcome, shared by the attached and detached paths.
struct AttemptContext {
  const PreparedRun* run = nullptr;
  int attempt = 0;
  std::string result_path;
  std::string_view running_bytes;           // what this run wrote as the running snapshot
  std::optional<FileIdentity> running_file; // that file, as written
  std::optional<Snapshot> running;          // running_bytes, parsed while the child runs
};

// Parses the running snapshot while the child runs, so its end is not delayed by reading and
// parsing the file again (it is used only if the file is still the one this run wrote).
void parse_running(AttemptContext& context) {
  auto document = Document::from_string(context.running_bytes, context.run->snapshot_path);
  if (!document) {
    return;
  }
  auto snapshot = load_snapshot(std::move(*document), context.run->rules);
  if (snapshot) {
    context.running.emplace(std::move(*snapshot));
  }
}

// Writes the outcome of an attempt into the snapshot (unless someone else, e.g. cancel or
// suspend, already moved it on) and closes the attempt in the ledger.
Result<void> write_outcome(const AttemptContext& context, const AttemptOutcome& outcome,
                           RelaunchReport& report, IdSource& ids) {
  const PreparedRun& run = *context.run;
  auto edit = SnapshotEditLock::acquire(run.state_dir, run.worker_id);
  if (!edit) {
    return std::unexpected(edit.error());
  }
  AttemptEnd end;
  end.attempt = context.attempt;
  end.exit = outcome.exit;
  end.timed_out = outcome.timed_out;
  end.finished_ms = ids.now_ms();
  // Unless someone replaced (cancel, suspend, resume) or edited it, the file holds the bytes this
  // run wrote, already parsed.
  const auto on_disk_file = file_identity(run.snapshot_path);
  const bool unchanged = context.running && context.running_file && on_disk_file &&
                         on_disk_file->same_file(*context.running_file);
  std::optional<Result<Snapshot>> loaded;
  if (!unchanged) {
    loaded.emplace(load_snapshot_file(run.snapshot_path, FileAccess::read, run.rules));
    if (!*loaded) {
      end.status = "unreadable";
      record_end(run.state_dir, run.worker_id, end);
      return std::unexpected(loaded->error());
    }
  }
  const Snapshot* snapshot = unchanged ? &*context.running : &**loaded;
  if (parse_worker_status(written_status(*snapshot).value_or("")) != WorkerStatus::running) {
    // cancel or suspend wrote the worker's state while the child was ending: theirs stands.
    report.status = snapshot->status;
    report.latest_error = describe_failure(outcome);
  } else {
    // The completion refers to the result file's bytes: keep the document alive until written.
    const auto result = read_result_file(context.result_path);
    Completion completion = complete_run(*snapshot, outcome, result, run.transcript_mode, ids);
    report.status = completion.status;
    report.latest_error = completion.latest_error;
    // The ledger first: the snapshot's rename is what waiters wake on, so it comes last.
    end.status = report.status;
    record_end(run.state_dir, run.worker_id, end);
    KeepInfo keep;
    keep.command = "finish";
    keep.attempt = context.attempt;
    keep.now_ms = ids.now_ms();
    keep.status = written_status(*snapshot).value_or("");
    keep.task = snapshot->task;
    auto written = run.own_copy ? write_snapshot_file(run.snapshot_path, completion.root)
                                : write_snapshot_version(run.snapshot_path, completion.root,
                                                         snapshot->document.text(), keep);
    if (!written) {
      // The snapshot still says running, and no live owner backs it: it reads as interrupted. The
      // ledger says the same, so the two never disagree about how the attempt ended.
      end.status = std::string(to_string(WorkerStatus::interrupted));
      record_end(run.state_dir, run.worker_id, end);
    }
    return written;
  }
  end.status = report.status;
  return record_end(run.state_dir, run.worker_id, end);
}

AttemptOutcome outcome_of(const Result<SuperviseOutcome>& supervised,
                          const SuperviseRequest& request) {
  AttemptOutcome outcome;
  if (!supervised) {
    outcome.spawn_error = supervised.error().message;
    return outcome;
  }
  outcome.exit = supervised->exit;
  outcome.timed_out = supervised->timed_out;
  outcome.timeout = request.timeout.value_or(std::chrono::milliseconds(0));
  outcome.forwarded_signal = supervised->forwarded_signal;
  outcome.stderr_tail = supervised->stderr_tail;
  return outcome;
}

void fill_report(RelaunchReport& report, const Result<SuperviseOutcome>& supervised) {
  if (!supervised) {
    report.spawn_error = supervised.error();
    return;
  }
  report.exit = supervised->exit;
  report.timed_out = supervised->timed_out;
  report.forwarded_signal = supervised->forwarded_signal;
  report.duration_ms = supervised->duration_ms;
}

// The detached supervisor's body (in its own session, standard streams on /dev/null): runs the
// child, tells the parent through `notify` once it started (or why it did not), writes the outcome.
int supervisor_main(const AttemptContext& context, SuperviseRequest request, Fd notify,
                    IdSource& ids, WorkerLock& lock) {
  lock.claim_for_this_process();
  SignalGuard guard;
  request.signal_fd = guard.fd();
  auto started = request.on_started;
  request.on_started = [&](const StartedChild& child) {
    started(child);
    write_all(notify.get(), fmt::format("started {} {}\n", ::getpid(), child.pid));
    notify.close();
  };
  auto supervised = supervise(request);
  if (!supervised) {
    write_all(notify.get(), fmt::format("failed {} {}\n", static_cast<int>(supervised.error().code),
                                        supervised.error().message));
    notify.close();
  }
  RelaunchReport report;
  fill_report(report, supervised);
  auto written = write_outcome(context, outcome_of(supervised, request), report, ids);
  return written ? 0 : 1;
}

Result<RelaunchReport> start_detached(const AttemptContext& context, SuperviseRequest request,
                                      PreparedRun& run, RelaunchReport report, IdSource& ids) {
  auto pipe = make_pipe();
  if (!pipe) {
    return std::unexpected(pipe.error());
  }
  const pid_t first = ::fork();
  if (first < 0) {
    return fail(ErrorCode::failed, fmt::format("fork: {}", std::strerror(errno)));
  }
  if (first == 0) {
    // The intermediate process: a new session, then the supervisor as its child, then gone, so
    // the supervisor is re-parented and never gets a controlling terminal back.
    ::setsid();
    const pid_t second = ::fork();
    if (second != 0) {
      ::_exit(second < 0 ? 1 : 0);
    }
    pipe->read.close();
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::close(null);
    }
    int code = 1;
    {
      WorkerLock owned = std::move(run.lock); // released when this scope ends, before _exit
      request.tee = Tee::logs_only;
      code = supervisor_main(context, std::move(request), std::move(pipe->write), ids, owned);
    }
    ::_exit(code);
  }
  pipe->write.close();
  int status = 0;
  wait_pid(first, &status, 0);
  auto line = read_to_end(pipe->read.get());
  // The supervisor owns the lock now (it shares our lock's open file description).
  run.lock.hand_over();
  if (!line || line->empty()) {
    return fail(ErrorCode::failed, "the detached supervisor did not start");
  }
  if (line->starts_with("started ")) {
    char* end = nullptr;
    report.supervisor_pid = static_cast<pid_t>(std::strtol(line->c_str() + 8, &end, 10));
    report.child_pid = static_cast<pid_t>(std::strtol(end, nullptr, 10));
    report.status = to_string(WorkerStatus::running);
    return report;
  }
  // "failed <code> <message>"
  char* end = nullptr;
  const auto code = static_cast<ErrorCode>(std::strtol(line->c_str() + 7, &end, 10));
  std::string message = end != nullptr ? std::string(end) : std::string();
  while (!message.empty() && (message.front() == ' ')) {
    message.erase(0, 1);
  }
  while (!message.empty() && message.back() == '\n') {
    message.pop_back();
  }
  report.status = to_string(WorkerStatus::failed);
  report.spawn_error = Error::make(code, message);
  return report;
}

} // namespace

int exit_code_of(const RelaunchReport& report) {
  if (report.spawn_error) {
    return report.spawn_error->exit_code();
  }
  if (report.forwarded_signal != 0) {
    return exit_code::k_signal_base + report.forwarded_signal;
  }
  if (report.timed_out) {
    return exit_code::k_timeout;
  }
  return exit_code_for(parse_worker_status(report.status));
}

Result<std::vector<std::string>> command_for_run(const RunSettings& settings,
                                                 std::string_view mode) {
  if (!settings.command.empty()) {
    return settings.command;
  }
  if (mode != k_top_level_agent_mode) {
    return fail(ErrorCode::usage,
                fmt::format("no COMMAND given (after --, or REPRISE_COMMAND), and the worker's "
                            "mode is \"{}\": only a {} worker runs without one (harn run --resume)",
                            mode, k_top_level_agent_mode));
  }
  if (settings.harn_program.empty()) {
    return fail(ErrorCode::usage,
                fmt::format("no COMMAND given (after --, or REPRISE_COMMAND), and `harn` is not on "
                            "PATH (a {} worker runs with harn run --resume without one)",
                            k_top_level_agent_mode));
  }
  return std::vector<std::string>{settings.harn_program, "run", "--resume", "{snapshot}", "--json"};
}

std::optional<std::string> find_harn(const std::string& path_list) {
  if (path_list.empty()) {
    return std::nullopt;
  }
  auto found = find_in_path("harn", path_list);
  if (!found || ::access(found->c_str(), X_OK) != 0) {
    return std::nullopt; // find_in_path falls back to a file that is not executable
  }
  return absolute(*found);
}

void read_execution(const Snapshot& snapshot, PreparedRun& run) {
  auto execution = json::member(snapshot.document.root(), "execution");
  if (!execution) {
    return;
  }
  if (auto cwd = json::string_member(*execution, "cwd")) {
    run.cwd = std::string(*cwd);
  }
  if (auto env = json::member(*execution, "env")) {
    for (const auto& [key, value] : json::members(*env)) {
      if (value.is_string()) {
        run.env.emplace_back(std::string(key), std::string(std::string_view(value.get_string())));
      }
    }
  }
}

Result<RelaunchReport> run_worker(PreparedRun run, const JsonNode& running,
                                  std::string_view previous_bytes, const RunSettings& settings,
                                  IdSource& ids) {
  auto command = command_for_run(settings, run.mode);
  if (!command) {
    return std::unexpected(command.error());
  }
  RelaunchReport report;
  report.worker_id = run.worker_id;
  report.snapshot_path = run.snapshot_path;
  const int attempt = next_attempt(run.state_dir, run.worker_id);
  report.attempt = attempt;
  // The default retention: old attempts' logs go as new ones come (reprise gc for more).
  prune_attempts(run.state_dir, run.worker_id, k_default_attempt_keep, std::nullopt);

  StringSink bytes;
  write_snapshot(bytes, running);
  if (!previous_bytes.empty()) {
    KeepInfo keep;
    keep.command = run.command;
    keep.attempt = attempt;
    keep.now_ms = ids.now_ms();
    keep.status = run.previous_status;
    keep.task = run.previous_task;
    auto kept = keep_version(run.snapshot_path, previous_bytes, keep);
    if (!kept) {
      return std::unexpected(kept.error());
    }
  }
  AttemptContext context;
  context.run = &run;
  context.attempt = attempt;
  context.running_bytes = bytes.str();
  {
    auto file = AtomicFile::open(run.snapshot_path);
    if (!file) {
      return std::unexpected(file.error());
    }
    file->write(bytes.str());
    context.running_file = file_identity(file->temp_path());
    // No directory flush here: the outcome's commit flushes this directory, and a crash before
    // that shows the previous snapshot, whole (and kept in history) instead of this one.
    if (auto written = file->commit(Overwrite::yes, DirectorySync::no); !written) {
      return std::unexpected(written.error());
    }
  }
  // A waiter following an awaiting worker through its triggers sees it running again.
  notify_snapshot_waiters(run.snapshot_path);

  context.result_path = absolute(attempt_result_path(run.state_dir, run.worker_id, attempt));
  if (auto made = make_private_dir(fs::path(context.result_path).parent_path().string()); !made) {
    return std::unexpected(made.error());
  }
  std::error_code ec;
  fs::remove(context.result_path, ec); // a link planted there goes, its target stays

  ChildContext child;
  child.snapshot_path = absolute(run.snapshot_path);
  child.worker_id = run.worker_id;
  child.task = run.task;
  child.attempt = attempt;
  child.result_path = context.result_path;
  child.state_dir = absolute(run.state_dir);
  child.cwd = run.cwd;
  child.env = run.env;

  SuperviseRequest request;
  request.argv = substitute_placeholders(*command, child);
  request.env = child_environment(child, environ);
  request.cwd = run.cwd;
  request.log_out = attempt_log_path(run.state_dir, run.worker_id, attempt, "out");
  request.log_err = attempt_log_path(run.state_dir, run.worker_id, attempt, "err");
  request.tee = settings.tee;
  request.caller_out = settings.caller_out;
  request.caller_err = settings.caller_err;
  request.timeout = settings.timeout;
  request.kill_after = settings.kill_after;
  request.keep_group = settings.keep_group;
  request.signal_fd = settings.signal_fd;
  report.log_out = request.log_out;
  report.log_err = request.log_err;
  const std::string plan_hash = fnv1a_hex(bytes.str());
  const bool detached = settings.detach == Detach::yes;
  const std::string state_dir = run.state_dir;
  const std::string worker_id = run.worker_id;
  const std::int64_t started_ms = ids.now_ms();
  request.on_started = [=, &report, &context](const StartedChild& started) {
    AttemptStart start;
    start.attempt = attempt;
    start.supervisor_pid = ::getpid();
    start.supervisor_start = process_start_time(::getpid()).value_or(0);
    start.child_pid = started.pid;
    start.child_start = started.start_time;
    start.started_ms = started_ms;
    start.log_out = request.log_out;
    start.log_err = request.log_err;
    start.plan_hash = plan_hash;
    start.argv = request.argv;
    start.detached = detached;
    record_start(state_dir, worker_id, start);
    report.child_pid = started.pid;
    parse_running(context);
  };

  if (detached) {
    return start_detached(context, std::move(request), run, std::move(report), ids);
  }
  auto supervised = supervise(request);
  fill_report(report, supervised);
  if (auto written = write_outcome(context, outcome_of(supervised, request), report, ids);
      !written) {
    return std::unexpected(written.error());
  }
  return report;
}

Result<RelaunchReport> relaunch_worker(const std::string& snapshot_path,
                                       const ResetRequest& request, const RunSettings& settings,
                                       IdSource& ids) {
  auto locked = lock_and_load(snapshot_path, request.rules);
  if (!locked) {
    return std::unexpected(locked.error());
  }
  const Snapshot& snapshot = locked->snapshot;
  // We hold the lock, so a "running" on disk has no live owner: harn's loader view (interrupted).
  if (auto ok = check_reset_preconditions(snapshot, request); !ok) {
    return std::unexpected(ok.error());
  }
  auto reset = plan_reset(snapshot, request, ids);
  if (!reset) {
    return std::unexpected(reset.error());
  }
  PreparedRun run{std::move(locked->lock),
                  state_dir_for_snapshot(snapshot_path),
                  worker_key_for_snapshot(snapshot_path),
                  snapshot_path,
                  reset->plan.next_task,
                  reset->transcript_mode,
                  {},
                  {},
                  "relaunch",
                  std::string(written_status(snapshot).value_or("")),
                  snapshot.task,
                  false};
  read_execution(snapshot, run);
  run.rules = snapshot.rules;
  run.mode = snapshot.mode;
  if (settings.cwd) {
    run.cwd = *settings.cwd;
  }
  if (std::error_code cwd_ec; !run.cwd.empty() && !fs::is_directory(run.cwd, cwd_ec)) {
    // Checked before anything is written: a worker recorded elsewhere (CI) replayed here.
    return fail(ErrorCode::not_found,
                settings.cwd
                    ? fmt::format("--cwd {}: no such directory", run.cwd)
                    : fmt::format("execution.cwd {} does not exist on this machine (the worker "
                                  "ran elsewhere); choose a directory with --cwd DIR",
                                  run.cwd),
                snapshot_path);
  }
  if (!snapshot.carry.persist_state) {
    // harn does not persist such a worker: the run gets its own copy, the snapshot stays as it was.
    run.own_copy = true;
    run.snapshot_path = attempt_snapshot_path(run.state_dir, run.worker_id,
                                              next_attempt(run.state_dir, run.worker_id));
    if (auto made = make_private_dir(fs::path(run.snapshot_path).parent_path().string()); !made) {
      return std::unexpected(made.error());
    }
    return run_worker(std::move(run), reset->root, {}, settings, ids);
  }
  return run_worker(std::move(run), reset->root, snapshot.document.text(), settings, ids);
}

} // namespace reprise
