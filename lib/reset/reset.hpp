#pragma once

#include "base/error.hpp"
#include "base/uuid7.hpp"
#include "reset/artifact_selection.hpp"
#include "snapshot/snapshot_model.hpp"

#include "json/json_node.hpp"
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The reset planner (spec §3.1–§3.5): harn's reset_worker_for_replay as a pure function. A loaded
// snapshot, the next input and an id source go in; the snapshot of the next run comes out as a
// JsonNode tree (untouched members stay raw bytes of the source document) together with a plan that
// explains every decision. Nothing is read or written here.
namespace reprise {

// Which harn builtin the reset stands for (spec §3.1).
enum class Entry {
  send_input, // send_input(task): clears latest_payload; refused while running
  trigger,    // worker_trigger(payload): keeps latest_payload; needs retriggerable and awaiting
};

// What the caller asks for.
struct ResetRequest {
  Entry entry = Entry::send_input;
  // The task text (send_input) or the trigger payload as given: JSON text, or plain text when it
  // does not parse as JSON (see render_trigger_payload).
  std::string input;
  std::optional<TranscriptMode> transcript_mode; // overrides carry_policy.transcript_mode
  std::optional<ArtifactMode> artifact_mode;     // overrides carry_policy.artifact_mode
  Liveness liveness = Liveness::follow_loader;
  HarnRules rules = k_newest_harn_rules; // the loader rules the worker is read with
};

// One member the reset changes, as compact JSON previews (long values are described, not dumped).
struct FieldChange {
  std::string pointer;                  // RFC 6901 pointer in the snapshot
  std::optional<std::string> old_value; // nullopt: the member was absent
  std::optional<std::string> new_value; // nullopt: the member is removed
};

// What happens to the worker's transcript.
enum class TranscriptFate {
  absent,       // no transcript key: nothing is carried
  carried,      // inherit: carried unchanged
  forked,       // fork: new id, parent link in metadata
  passed,       // fork of a value that is not an object: carried unchanged
  dropped,      // reset: carried transcript is None
  compact_next, // compact: carried unchanged now, compacted after the next successful run
};

// The stable name of a transcript fate ("forked", …).
std::string_view to_string(TranscriptFate fate);

// The transcript part of a plan.
struct TranscriptPlan {
  TranscriptMode mode = TranscriptMode::inherit; // the effective mode
  bool overridden = false;                       // mode came from the request, not the policy
  TranscriptFate fate = TranscriptFate::absent;
  std::optional<std::string> old_id;    // fork: display of the old id (none when missing/empty)
  std::optional<std::string> new_id;    // the fork's new id
  std::size_t messages = 0;             // messages in the transcript (when a list)
  bool reset_sub_agent_session = false; // fork/reset regenerate a sub-agent's session id
};

// One artifact of the worker's last cycle and what the carry decided.
struct ArtifactPlan {
  std::string id;
  std::string kind;
  ArtifactVerdict verdict;
};

// Everything the reset decided, printable as text or JSON.
struct Plan {
  std::string file;      // the snapshot read
  std::string worker_id; // the worker's id
  std::string variant;   // "workflow", "stage", "sub_agent" (config.mode)
  std::string mode;      // top-level mode, e.g. "delegated_stage"
  Entry entry = Entry::send_input;
  std::string status_before; // status after the loader's repairs
  std::string next_task;     // the task text of the next run
  ArtifactMode artifact_mode = ArtifactMode::inherit;
  bool artifact_mode_overridden = false;
  bool default_context_policy = true;
  std::vector<ArtifactPlan> artifacts; // one per top-level artifact, input order
  std::size_t carried_artifacts = 0;
  bool config_artifacts_replaced = false; // workflow/stage: false when the carry was empty
  std::optional<std::uint64_t> token_limit;
  std::uint64_t tokens_used = 0;
  TranscriptPlan transcript;
  std::vector<FieldChange> changes; // in the order they were applied
  std::vector<FieldChange> repairs; // harn's load-time repairs, written as harn writes them
};

// The reset snapshot and its plan. `root` refers to the snapshot's document bytes: the Snapshot
// must outlive it.
struct ResetResult {
  JsonNode root;
  Plan plan;
  TranscriptMode transcript_mode = TranscriptMode::inherit; // effective mode (for compaction)
};

// harn's worker_trigger payload text: a JSON string's value, the compact JSON (sorted keys) of any
// other JSON value, or `given` itself when it is not JSON.
std::string render_trigger_payload(std::string_view given);

// Checks the preconditions of `request.entry` (spec §3.1) with harn's messages: busy (exit 75)
// while running, usage (exit 2) for the rest.
Result<void> check_reset_preconditions(const Snapshot& snapshot, const ResetRequest& request);

// harn's reset_worker_for_replay (spec §3.2–§3.5) after check_reset_preconditions: runtime reset,
// carry, session ids and the per-variant config rewrite. Ids and timestamps come from `ids` in a
// fixed order, so a seeded source gives byte-identical output.
Result<ResetResult> plan_reset(const Snapshot& snapshot, const ResetRequest& request,
                               IdSource& ids);

// The plan as text for --dry-run: one line per changed field (old → new), per artifact (kept or
// dropped and the rule) and the transcript's fate.
std::string format_plan_text(const Plan& plan);

// The plan as one JSON object for --dry-run --json.
OrderedJson plan_to_json(const Plan& plan);

} // namespace reprise
