#pragma once

#include "base/error.hpp"
#include "base/uuid7.hpp"
#include "run/process.hpp"
#include "snapshot/history.hpp"
#include "snapshot/snapshot.hpp"

#include "json/document.hpp"
#include "json/json_node.hpp"
#include <chrono>
#include <optional>
#include <string>

// Completion bookkeeping (spec §3.6): what a finished run writes back into the worker's snapshot,
// as JsonNode edits of the running snapshot, so untouched members are copied through as bytes.
namespace reprise {

// How an attempt ended, as the supervisor saw it.
struct AttemptOutcome {
  std::optional<ExitStatus> exit;       // empty when the child never started
  std::string spawn_error;              // why it did not start (when exit is empty)
  bool timed_out = false;               // --timeout expired
  std::chrono::milliseconds timeout{0}; // the --timeout that expired
  int forwarded_signal = 0;             // reprise was told to stop by this signal
  std::string stderr_tail;              // last lines of the child's standard error
};

// The child's result file (cli.md "What the child gets"), read with simdjson so a large transcript
// is copied through as bytes. nullopt when the child wrote none; an invalid file is an error that
// the caller records as the run's failure.
Result<std::optional<Document>> read_result_file(const std::string& path);

// The snapshot after completion and what was decided.
struct Completion {
  JsonNode root;            // refers to the running snapshot's and the result file's bytes
  std::string status;       // completed, awaiting, failed or cancelled
  std::string latest_error; // empty on success
};

// Applies §3.6 to `running` (a snapshot whose run just ended): on success the result file's
// payload, transcript (compacted first when `mode` is compact), artifacts, child_run_id/path,
// audit.run_id, then status completed (awaiting when retriggerable) with finished_at (or
// awaiting_started_at); on failure status failed (cancelled after a forwarded signal), finished_at
// and latest_error naming the exit code or signal and the last lines of standard error.
// `result` is the parsed result file or the error reading it.
Completion complete_run(const Snapshot& running, const AttemptOutcome& outcome,
                        const Result<std::optional<Document>>& result, TranscriptMode mode,
                        IdSource& ids);

// The latest_error text for a failed outcome (empty for a clean exit 0).
std::string describe_failure(const AttemptOutcome& outcome);

// Writes `root` atomically to `path` as a harn snapshot and wakes the worker's registered waiters
// (waiters.hpp) once the file is in place; cannot_write on failure.
Result<void> write_snapshot_file(const std::string& path, const JsonNode& root);

// write_snapshot_file, after keeping `previous` (the bytes of the version being replaced) in the
// worker's history as `keep` says (history.hpp); nothing is written when that fails.
Result<void> write_snapshot_version(const std::string& path, const JsonNode& root,
                                    std::string_view previous, const KeepInfo& keep);

} // namespace reprise
