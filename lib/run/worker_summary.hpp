#pragma once

#include "run/worker_lock.hpp"
#include "snapshot/snapshot_model.hpp"

#include "json/json_node.hpp"
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

// What `show` displays about one worker, computed from a loaded Snapshot: identity, timing decoded
// from the UUIDv7 timestamps, carry policy, artifact and transcript sizes, latest error and
// suspension. Rendering as text or JSON lives here too, so the command only prints.
namespace reprise {

// A timestamp as written and, when it is a UUIDv7, the Unix milliseconds it carries.
struct Stamp {
  std::string text;
  std::optional<std::int64_t> ms;
};

// Counts and sizes of one artifact list.
struct ArtifactTotals {
  std::size_t count = 0;
  std::size_t bytes = 0;                    // JSON bytes of the records
  std::size_t text_bytes = 0;               // bytes of their `text` strings
  std::uint64_t estimated_tokens = 0;       // sum of `estimated_tokens` where present
  std::map<std::string, std::size_t> kinds; // kind → count, sorted by kind
};

// The suspension record ([N]) as show displays it.
struct SuspensionSummary {
  std::string reason;
  std::string initiator;
  std::optional<Stamp> suspended_at;
  std::optional<std::int64_t> suspended_at_turn;
  std::string resume_by; // "trigger" when an auto-resume trigger is registered, else "manual"
};

// Everything show displays.
struct WorkerSummary {
  std::string path;
  std::string id;
  std::string name;
  std::string mode;        // top-level mode
  std::string config_mode; // config.mode
  std::string status;      // after harn's repair, or "running" when a live reprise owns the run
  std::optional<pid_t> owner_pid; // the live reprise process running the worker
  std::string task;
  std::vector<std::string> history;
  Stamp created;
  Stamp started;
  std::optional<Stamp> finished;
  std::optional<Stamp> awaiting_started;
  std::optional<std::int64_t> wall_ms; // finished − started when both decode and it is ≥ 0
  CarryPolicy carry;
  ArtifactTotals artifacts;        // top-level: outputs of the last successful cycle
  ArtifactTotals config_artifacts; // config.artifacts: inputs of the next run
  bool has_transcript = false;     // the key is present (even when null)
  bool transcript_null = false;    // present but null
  std::size_t transcript_messages = 0;
  std::size_t transcript_events = 0;
  std::size_t transcript_bytes = 0;
  std::optional<std::string> transcript_id;
  std::optional<std::string> latest_error;
  std::optional<std::string> parent_worker_id;
  std::optional<std::string> parent_stage_id;
  std::optional<std::string> child_run_id;
  std::optional<std::string> child_run_path;
  std::optional<SuspensionSummary> suspension;
  std::vector<Warning> warnings; // the loader's repairs (minus the status one for a live run)
};

// Whether to look for a live reprise owner of a snapshot whose status says running.
enum class OwnerCheck { lock_file, none };

// Summarises `snapshot`; with OwnerCheck::lock_file a written status "running" held by a live
// reprise (see live_owner) is shown as running instead of harn's "interrupted".
WorkerSummary summarize(const Snapshot& snapshot, OwnerCheck check = OwnerCheck::lock_file);

// The live reprise process running `snapshot`'s worker when its written status is "running" and a
// live owner holds the worker's lock in the snapshot's directory (then harn's "interrupted" repair
// does not apply); nullopt otherwise.
std::optional<LockOwner> live_run_owner(const Snapshot& snapshot);

// The summary as one JSON object (the shape of `show --json`).
OrderedJson summary_to_json(const WorkerSummary& summary);

// The summary as aligned "label  value" lines, each ending in a newline (`show`).
std::string summary_to_text(const WorkerSummary& summary);

// `text` cut to at most `width` display columns (counting UTF-8 code points), with "…" at the end
// when cut; control characters (newlines, tabs) become spaces.
std::string truncate_display(std::string_view text, std::size_t width);

} // namespace reprise
