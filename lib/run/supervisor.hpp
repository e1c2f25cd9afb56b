#pragma once

#include "base/error.hpp"
#include "run/process.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

// Running one attempt of a worker: the child's command line and environment (cli.md "What the
// child gets"), and the loop that supervises it: output teed to the caller and to log files,
// --timeout with SIGTERM then SIGKILL after --kill-after, termination signals forwarded to the
// child's process group.
namespace reprise {

// What the child of a relaunch is told about its run.
struct ChildContext {
  std::string snapshot_path; // absolute path of the reset snapshot (REPRISE_SNAPSHOT, {snapshot})
  std::string worker_id;     // REPRISE_WORKER_ID, {id}
  std::string task;          // REPRISE_TASK, {task}
  int attempt = 1;           // REPRISE_ATTEMPT
  std::string result_path;   // REPRISE_RESULT, {result}
  std::string state_dir;     // HARN_WORKER_STATE_DIR (absolute)
  std::string cwd;           // execution.cwd; empty: the caller's
  std::vector<std::pair<std::string, std::string>> env; // execution.env, merged over the caller's
};

// Splits `text` into words as a POSIX shell would (blanks separate; single quotes, double quotes
// and backslashes quote) without any expansion and without running a shell; usage error on an
// unterminated quote.
Result<std::vector<std::string>> split_words(std::string_view text);

// `argv` with {snapshot}, {id}, {task} and {result} replaced by the context's values.
std::vector<std::string> substitute_placeholders(const std::vector<std::string>& argv,
                                                 const ChildContext& context);

// The child's environment as "KEY=VALUE" entries: `caller` (e.g. environ), then execution.env
// over it, then the REPRISE_* variables and HARN_WORKER_STATE_DIR.
std::vector<std::string> child_environment(const ChildContext& context, char* const* caller);

// Whether the child's output is also copied to the caller's standard output and error.
enum class Tee { to_caller, logs_only };

// The child as it started: what the ledger records to recognise it later.
struct StartedChild {
  pid_t pid = -1;               // also its process group id
  std::uint64_t start_time = 0; // clock ticks since boot; 0 if unknown
};

// How to run one supervised child.
struct SuperviseRequest {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string cwd;
  std::string log_out; // the attempt's standard output log (created, truncated)
  std::string log_err; // the attempt's standard error log
  Tee tee = Tee::to_caller;
  int caller_out = 1; // where the tee writes
  int caller_err = 2;
  std::optional<std::chrono::milliseconds> timeout; // --timeout; empty: none
  std::chrono::milliseconds kill_after{5000};       // SIGTERM → SIGKILL delay
  int signal_fd = -1; // readable once reprise got a termination signal (SignalGuard::fd)
  // Leave what is left of the child's process group running after the child ends (--keep-group);
  // by default it is ended (SIGTERM, then SIGKILL after min(kill_after, 2 s)), so a child's
  // background helpers never outlive its attempt.
  bool keep_group = false;
  // Called once the child runs (before any output is copied), e.g. to record it in the ledger.
  std::function<void(const StartedChild&)> on_started;
};

// How a supervised child ended.
struct SuperviseOutcome {
  ExitStatus exit;
  bool timed_out = false;   // --timeout expired and the group was terminated
  int forwarded_signal = 0; // the signal reprise received and forwarded; 0 when none
  std::string stderr_tail;  // the last lines of the child's standard error
  std::int64_t duration_ms = 0;
};

// What supervise() asks of the operating system for one child, behind an interface so that the
// supervisor's decisions (timeout, escalation, forwarded signals, results) are tested with a fake,
// without processes (as ninja's CommandRunner). One runner serves one child.
class ChildRunner {
public:
  virtual ~ChildRunner() = default;
  // Starts the child in its own process group; errors as spawn_process gives them.
  virtual Result<StartedChild> start(const SpawnRequest& request) = 0;
  // Milliseconds on a monotonic clock.
  virtual std::int64_t now_ms() = 0;
  // Waits at most `timeout_ms` (-1: no limit) until one of `fds` is readable or the child may have
  // ended, and sets the fds' revents (all 0 when nothing is ready). Returns whether the child may
  // have ended (try_wait tells for sure).
  virtual Result<bool> wait(std::vector<pollfd>& fds, std::int64_t timeout_ms) = 0;
  // Sends `signal` to the child's process group, also after the child was reaped (its group may
  // outlive it).
  virtual void signal_group(int signal) = 0;
  // Ends what is left of the child's process group after the child was reaped: SIGTERM (and
  // SIGCONT), then SIGKILL if members remain after `grace`. Nothing when the group is empty.
  virtual void end_group(std::chrono::milliseconds grace) = 0;
  // Reaps the child if it has ended; nullopt while it runs.
  virtual Result<std::optional<ExitStatus>> try_wait() = 0;
  // The termination signal reprise received (once the request's signal_fd is readable).
  virtual int received_signal() = 0;
};

// Runs the child and supervises it to its end. Spawn failures come back as errors
// (command_not_found, cannot_execute, not_found for a missing cwd); a child that ran always gives
// an outcome.
Result<SuperviseOutcome> supervise(const SuperviseRequest& request);

// supervise() with the operating system behind `runner` (the first overload uses posix_spawn,
// poll with a pidfd, kill and waitpid).
Result<SuperviseOutcome> supervise(const SuperviseRequest& request, ChildRunner& runner);

// The last `max_lines` non-empty lines of the file at `path` (at most its last 4 KiB), joined by
// newlines.
std::string tail_lines(const std::string& path, std::size_t max_lines);

} // namespace reprise
