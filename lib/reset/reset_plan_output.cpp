// The reset plan as --dry-run shows it: text for people, JSON for scripts.
#include "base/text.hpp"
#include "reset/reset.hpp"

#include "json/json_scan.hpp"
#include <fmt/format.h>

namespace reprise {

std::string_view to_string(TranscriptFate fate) {
  switch (fate) {
  case TranscriptFate::absent:
    return "absent";
  case TranscriptFate::carried:
    return "carried";
  case TranscriptFate::forked:
    return "forked";
  case TranscriptFate::passed:
    return "passed_through";
  case TranscriptFate::dropped:
    return "dropped";
  case TranscriptFate::compact_next:
    return "carried_compact_after_run";
  }
  return "carried";
}

std::string format_plan_text(const Plan& plan) {
  std::string out;
  const auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };
  line(
      fmt::format("reset {} ({})", plan.worker_id.empty() ? "(no id)" : plan.worker_id, plan.file));
  line(fmt::format("  config {}, mode {}, entry {}, status {} -> running", plan.variant, plan.mode,
                   plan.entry == Entry::send_input ? "send_input" : "trigger", plan.status_before));
  line(fmt::format("  next task: {}", shorten(json::quote(plan.next_task))));
  line("changes:");
  for (const FieldChange& change : plan.changes) {
    line(fmt::format("  {}: {} -> {}", change.pointer, change.old_value.value_or("(absent)"),
                     change.new_value.value_or("(removed)")));
  }
  if (!plan.repairs.empty()) {
    line("repairs (what harn's loader repairs, written as harn writes it):");
    for (const FieldChange& repair : plan.repairs) {
      line(fmt::format("  {}: {} -> {}", repair.pointer, repair.old_value.value_or("(absent)"),
                       repair.new_value.value_or("(removed)")));
    }
  }
  std::string budget;
  if (plan.token_limit) {
    budget = fmt::format(", {} of {} tokens", plan.tokens_used, *plan.token_limit);
  }
  line(fmt::format("artifacts: {} of {} carried (artifact_mode {}{}, {} context policy{}){}",
                   plan.carried_artifacts, plan.artifacts.size(),
                   plan.artifact_mode == ArtifactMode::none ? "none" : "inherit",
                   plan.artifact_mode_overridden ? " by request" : "",
                   plan.default_context_policy ? "default" : "custom", budget,
                   plan.variant == "sub_agent"      ? ""
                   : plan.config_artifacts_replaced ? "; config.artifacts replaced"
                                                    : "; config.artifacts kept (nothing carried)"));
  for (const ArtifactPlan& artifact : plan.artifacts) {
    const ArtifactVerdict& verdict = artifact.verdict;
    line(fmt::format("  {:<7} {} ({}): {}{}", to_string(verdict.fate),
                     artifact.id.empty() ? "(no id)" : artifact.id, artifact.kind,
                     to_string(verdict.rule), verdict.detail.empty() ? "" : ": " + verdict.detail));
  }
  const TranscriptPlan& transcript = plan.transcript;
  std::string fate;
  switch (transcript.fate) {
  case TranscriptFate::absent:
    fate = "no transcript to carry";
    break;
  case TranscriptFate::carried:
    fate = "carried unchanged";
    break;
  case TranscriptFate::forked:
    fate = fmt::format("forked: id {} -> {}{}", transcript.old_id.value_or("(none)"),
                       transcript.new_id.value_or(""),
                       transcript.old_id && !transcript.old_id->empty()
                           ? ", metadata.parent_transcript_id = old id"
                           : "");
    break;
  case TranscriptFate::passed:
    fate = "not an object, carried unchanged";
    break;
  case TranscriptFate::dropped:
    fate = "dropped (the next run starts without a transcript)";
    break;
  case TranscriptFate::compact_next:
    fate = "carried unchanged; compacted after the next successful run";
    break;
  }
  line(fmt::format("transcript: {} ({}{}, {} message{}){}", fate, to_string(transcript.mode),
                   transcript.overridden ? " by request" : "", transcript.messages,
                   transcript.messages == 1 ? "" : "s",
                   plan.variant == "sub_agent" && transcript.reset_sub_agent_session
                       ? "; sub-agent session id regenerated"
                       : ""));
  return out;
}

OrderedJson plan_to_json(const Plan& plan) {
  const auto optional = [](const auto& value) -> OrderedJson {
    if (value) {
      return *value;
    }
    return nullptr;
  };
  const auto change_list = [&](const std::vector<FieldChange>& list) {
    OrderedJson out = OrderedJson::array();
    for (const FieldChange& change : list) {
      out.push_back({{"pointer", change.pointer},
                     {"op", !change.old_value   ? "add"
                            : !change.new_value ? "remove"
                                                : "replace"},
                     {"old", optional(change.old_value)},
                     {"new", optional(change.new_value)}});
    }
    return out;
  };
  OrderedJson records = OrderedJson::array();
  for (const ArtifactPlan& artifact : plan.artifacts) {
    const ArtifactVerdict& verdict = artifact.verdict;
    records.push_back({{"index", verdict.index},
                       {"id", artifact.id},
                       {"kind", artifact.kind},
                       {"fate", to_string(verdict.fate)},
                       {"rule", to_string(verdict.rule)},
                       {"rank", optional(verdict.rank)},
                       {"position", optional(verdict.position)},
                       {"detail", verdict.detail}});
  }
  const TranscriptPlan& transcript = plan.transcript;
  OrderedJson out = OrderedJson::object();
  out["file"] = plan.file;
  out["worker_id"] = plan.worker_id;
  out["config_mode"] = plan.variant;
  out["mode"] = plan.mode;
  out["entry"] = plan.entry == Entry::send_input ? "send_input" : "trigger";
  out["status_before"] = plan.status_before;
  out["next_task"] = plan.next_task;
  out["changes"] = change_list(plan.changes);
  if (!plan.repairs.empty()) {
    out["repairs"] = change_list(plan.repairs); // today's rules only: harn 0.7 wrote no repairs
  }
  out["artifacts"] = {
      {"artifact_mode", plan.artifact_mode == ArtifactMode::none ? "none" : "inherit"},
      {"overridden", plan.artifact_mode_overridden},
      {"default_context_policy", plan.default_context_policy},
      {"carried", plan.carried_artifacts},
      {"config_artifacts_replaced", plan.config_artifacts_replaced},
      {"token_limit", optional(plan.token_limit)},
      {"tokens_used", plan.tokens_used},
      {"records", std::move(records)}};
  out["transcript"] = {{"transcript_mode", to_string(transcript.mode)},
                       {"overridden", transcript.overridden},
                       {"fate", to_string(transcript.fate)},
                       {"old_id", optional(transcript.old_id)},
                       {"new_id", optional(transcript.new_id)},
                       {"messages", transcript.messages},
                       {"reset_sub_agent_session", transcript.reset_sub_agent_session}};
  return out;
}

} // namespace reprise
