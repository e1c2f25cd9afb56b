#pragma once

#include "base/error.hpp"
#include "run/process.hpp"
#include "snapshot/state_layout.hpp" // ledger_path, attempt_log_path

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

// The run ledger: one JSON line per event in `<state dir>/.reprise/runs/<id>.jsonl`, written only
// by the holder of the worker lock. It numbers attempts (REPRISE_ATTEMPT) and tells suspend,
// resume, cancel and wait which processes belong to the current run.
namespace reprise {

// A run that has started: who supervises it, which child runs, where its output goes.
struct AttemptStart {
  int attempt = 0;
  pid_t supervisor_pid = -1;          // the reprise process that owns the child
  std::uint64_t supervisor_start = 0; // its start time (clock ticks since boot)
  pid_t child_pid = -1;               // also the child's process group id
  std::uint64_t child_start = 0;      // the child's start time
  std::int64_t started_ms = 0;        // Unix ms
  std::string log_out;                // the attempt's standard output log
  std::string log_err;                // the attempt's standard error log
  std::string plan_hash;              // FNV-1a of the reset snapshot the child was given
  std::vector<std::string> argv;      // the command after substitution
  bool detached = false;              // started by relaunch --detach
};

// How a run ended.
struct AttemptEnd {
  int attempt = 0;
  std::string status;             // the worker status written back
  std::optional<ExitStatus> exit; // empty when the child never started
  bool timed_out = false;
  std::int64_t finished_ms = 0; // Unix ms
};

// The number of the next attempt: 1 + the highest attempt recorded (1 for a new ledger).
int next_attempt(const std::string& state_dir, const std::string& worker_id);

// Appends a start record; cannot_write on failure.
Result<void> record_start(const std::string& state_dir, const std::string& worker_id,
                          const AttemptStart& start);

// Appends an end record; cannot_write on failure.
Result<void> record_end(const std::string& state_dir, const std::string& worker_id,
                        const AttemptEnd& end);

// The last start record, if any (malformed lines, e.g. from a crash mid-write, are skipped).
std::optional<AttemptStart> last_start(const std::string& state_dir, const std::string& worker_id);

// The end record of `attempt`, if one was written.
std::optional<AttemptEnd> end_of(const std::string& state_dir, const std::string& worker_id,
                                 int attempt);

// One attempt as the ledger tells it: its start and, once it ended, its end.
struct AttemptRecord {
  int attempt = 0;
  std::optional<AttemptStart> start;
  std::optional<AttemptEnd> end;
};

// Every attempt in the ledger, by number (oldest first).
std::vector<AttemptRecord> read_attempts(const std::string& state_dir,
                                         const std::string& worker_id);

// What prune_attempts removed.
struct AttemptPruneReport {
  std::size_t attempts = 0; // attempts whose files went
  std::uint64_t bytes = 0;  // bytes freed (logs and per-attempt files)
};

// Removes the logs, result files and ledger lines of the attempts of `worker_id` beyond the newest
// `keep` (when set) and those that ended before `cutoff_ms` (when set). The newest attempt's lines
// stay, so attempt numbers are never reused; an attempt without an end (running) stays.
Result<AttemptPruneReport> prune_attempts(const std::string& state_dir,
                                          const std::string& worker_id,
                                          std::optional<std::size_t> keep,
                                          std::optional<std::int64_t> cutoff_ms);

// 64-bit FNV-1a of `bytes` as 16 lowercase hex digits.
std::string fnv1a_hex(std::string_view bytes);

} // namespace reprise
