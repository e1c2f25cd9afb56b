#pragma once

#include "base/error.hpp"
#include "base/uuid7.hpp"
#include "reset/reset.hpp"
#include "snapshot/snapshot_model.hpp"

#include "json/json_node.hpp"
#include <optional>
#include <string>
#include <vector>

// The pure part of harn's resume_agent (spec §4.4 step 6): what a warm resume writes into the
// snapshot before the worker is respawned. Processes, hooks and spans belong to the caller.
namespace reprise {

// Whether the resumed run continues the transcript or starts from a summary of it.
enum class ContinueTranscript { yes, no };

// What the caller asks for.
struct ResumeRequest {
  std::optional<std::string> input; // the resume input; nullopt = none
  ContinueTranscript continue_transcript = ContinueTranscript::yes;
  std::string initiator = "operator"; // who resumes (recorded in _resume_continuity)
  OrderedJson trigger = nullptr;      // the trigger event, when a trigger resumed it
};

// The resumed snapshot and what changed.
struct ResumeResult {
  JsonNode root;                     // refers to the snapshot's document bytes
  std::optional<std::string> digest; // the transcript digest when continue_transcript is no
  std::vector<FieldChange> changes;
};

// harn's resume preconditions: cancelled → HARN-SUS-010, not suspended → HARN-SUS-003 (usage
// errors naming the file).
Result<void> check_resumable(const Snapshot& snapshot);

// Applies §4.4 step 6 to a suspended worker: suspension removed (null), status running,
// finished_at and latest_error null, transcript replaced by a summary-only one when asked, input
// → task and history (blank → HARN-SUS-009), sub-agent spec.task and
// spec.options._resume_continuity.
Result<ResumeResult> apply_resume_rules(const Snapshot& snapshot, const ResumeRequest& request,
                                        IdSource& ids);

} // namespace reprise
