#include "run/worker_summary.hpp"

#include "base/byte_size.hpp"
#include "base/duration.hpp"
#include "base/text.hpp"
#include "base/uuid7.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"

#include "json/member.hpp"
#include <algorithm>
#include <chrono>
#include <fmt/format.h>

namespace reprise {

namespace {

using Element = simdjson::dom::element;

constexpr std::size_t k_label_width = 12;

using json::member;
using json::string_member;

Stamp stamp(std::string text) {
  Stamp result;
  result.ms = uuid7_millis(text);
  result.text = std::move(text);
  return result;
}

ArtifactTotals totals(const std::vector<ArtifactInfo>& artifacts) {
  ArtifactTotals result;
  result.count = artifacts.size();
  for (const ArtifactInfo& artifact : artifacts) {
    result.bytes += artifact.bytes.size();
    result.text_bytes += artifact.text_bytes;
    result.estimated_tokens += artifact.estimated_tokens.value_or(0);
    ++result.kinds[artifact.kind];
  }
  return result;
}

std::optional<SuspensionSummary> suspension_of(const Snapshot& snapshot) {
  if (!snapshot.has_suspension) {
    return std::nullopt;
  }
  SuspensionSummary result;
  result.reason = snapshot.suspension_reason;
  result.initiator = snapshot.suspension_initiator;
  result.resume_by = "manual";
  auto record = member(snapshot.document.root(), "suspension");
  if (!record) {
    return result;
  }
  if (auto at = string_member(*record, "suspended_at")) {
    result.suspended_at = stamp(std::string(*at));
  }
  if (auto turn = member(*record, "suspended_at_turn"); turn && turn->is_int64()) {
    result.suspended_at_turn = turn->get_int64().value_unsafe();
  }
  if (auto trigger = member(*record, "auto_resume_trigger"); trigger && trigger->is_object()) {
    result.resume_by = "trigger";
  }
  return result;
}

OrderedJson optional_json(const std::optional<std::string>& value) {
  return value ? OrderedJson(*value) : OrderedJson(nullptr);
}

// {text, ms, utc} of a timestamp; null when the snapshot has none.
OrderedJson stamp_json(const std::optional<Stamp>& value) {
  if (!value) {
    return nullptr;
  }
  OrderedJson out = OrderedJson::object();
  out["text"] = value->text;
  out["ms"] = value->ms ? OrderedJson(*value->ms) : OrderedJson(nullptr);
  out["utc"] = value->ms ? OrderedJson(format_millis_utc(*value->ms)) : OrderedJson(nullptr);
  return out;
}

OrderedJson totals_json(const ArtifactTotals& totals) {
  OrderedJson kinds = OrderedJson::object();
  for (const auto& [kind, count] : totals.kinds) {
    kinds[kind] = count;
  }
  return {{"count", totals.count},
          {"bytes", totals.bytes},
          {"text_bytes", totals.text_bytes},
          {"estimated_tokens", totals.estimated_tokens},
          {"kinds", kinds}};
}

OrderedJson context_policy_json(const ContextPolicy& policy) {
  auto number = [](const std::optional<std::uint64_t>& v) {
    return v ? OrderedJson(*v) : OrderedJson(nullptr);
  };
  return {{"max_artifacts", number(policy.max_artifacts)},
          {"max_tokens", number(policy.max_tokens)},
          {"reserve_tokens", number(policy.reserve_tokens)},
          {"include_kinds", policy.include_kinds},
          {"exclude_kinds", policy.exclude_kinds},
          {"prioritize_kinds", policy.prioritize_kinds},
          {"pinned_ids", policy.pinned_ids},
          {"include_stages", policy.include_stages},
          {"prefer_recent", policy.prefer_recent},
          {"prefer_fresh", policy.prefer_fresh},
          {"render", optional_json(policy.render)}};
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) {
      out += separator;
    }
    out += item;
  }
  return out;
}

// The non-default parts of a context policy, e.g. "max_artifacts 4, include_kinds plan|summary".
std::string context_policy_text(const ContextPolicy& policy) {
  if (policy.is_default()) {
    return "default (every artifact is carried)";
  }
  std::vector<std::string> parts;
  auto number = [&](std::string_view name, const std::optional<std::uint64_t>& v) {
    if (v) {
      parts.push_back(fmt::format("{} {}", name, *v));
    }
  };
  auto list = [&](std::string_view name, const std::vector<std::string>& v) {
    if (!v.empty()) {
      parts.push_back(fmt::format("{} {}", name, join(v, "|")));
    }
  };
  number("max_artifacts", policy.max_artifacts);
  number("max_tokens", policy.max_tokens);
  number("reserve_tokens", policy.reserve_tokens);
  list("include_kinds", policy.include_kinds);
  list("exclude_kinds", policy.exclude_kinds);
  list("prioritize_kinds", policy.prioritize_kinds);
  list("pinned_ids", policy.pinned_ids);
  list("include_stages", policy.include_stages);
  if (policy.prefer_recent) {
    parts.emplace_back("prefer_recent");
  }
  if (policy.prefer_fresh) {
    parts.emplace_back("prefer_fresh");
  }
  if (policy.render) {
    parts.push_back(fmt::format("render {}", *policy.render));
  }
  return join(parts, ", ");
}

std::string totals_text(const ArtifactTotals& totals) {
  if (totals.count == 0) {
    return "none";
  }
  std::vector<std::string> kinds;
  for (const auto& [kind, count] : totals.kinds) {
    kinds.push_back(fmt::format("{} {}", kind.empty() ? "(no kind)" : kind, count));
  }
  return fmt::format("{} ({}, text {}, ~{} tokens): {}", totals.count, format_bytes(totals.bytes),
                     format_bytes(totals.text_bytes), totals.estimated_tokens, join(kinds, ", "));
}

std::string stamp_text(const Stamp& value) {
  if (value.ms) {
    return format_millis_utc(*value.ms);
  }
  return value.text.empty() ? std::string("(empty)")
                            : fmt::format("{} (not a UUIDv7)", json::quote(value.text));
}

const char* yes_no(bool value) {
  return value ? "yes" : "no";
}

// Appends one "label  value" line, with continuation lines indented under the value.
void line(std::string& out, std::string_view label, std::string_view value) {
  out += fmt::format("{:<{}}{}\n", label, k_label_width, value);
}

} // namespace

WorkerSummary summarize(const Snapshot& snapshot, OwnerCheck check) {
  WorkerSummary s;
  s.path = snapshot.path;
  s.id = snapshot.id;
  s.name = snapshot.name;
  s.mode = snapshot.mode;
  s.config_mode = std::string(to_string(snapshot.config_mode));
  s.status = snapshot.status;
  s.task = snapshot.task;
  s.history = snapshot.history;
  s.created = stamp(snapshot.created_at);
  s.started = stamp(snapshot.started_at);
  if (snapshot.finished_at) {
    s.finished = stamp(*snapshot.finished_at);
  }
  if (snapshot.awaiting_started_at) {
    s.awaiting_started = stamp(*snapshot.awaiting_started_at);
  }
  if (s.finished && s.finished->ms && s.started.ms && *s.finished->ms >= *s.started.ms) {
    s.wall_ms = *s.finished->ms - *s.started.ms;
  }
  s.carry = snapshot.carry;
  s.artifacts = totals(snapshot.artifacts);
  s.config_artifacts = totals(snapshot.config_artifacts);
  s.has_transcript = snapshot.has_transcript;
  if (snapshot.transcript) {
    s.transcript_bytes = snapshot.transcript->size();
    s.transcript_messages = snapshot.transcript_messages;
    auto transcript = member(snapshot.document.root(), "transcript");
    s.transcript_null = transcript && transcript->is_null();
    if (transcript && transcript->is_object()) {
      s.transcript_id = string_member(*transcript, "id");
      if (auto events = member(*transcript, "events"); events && events->is_array()) {
        s.transcript_events = simdjson::dom::array(events->get_array()).size();
      }
    }
  }
  s.latest_error = snapshot.latest_error;
  s.parent_worker_id = snapshot.parent_worker_id;
  s.parent_stage_id = snapshot.parent_stage_id;
  s.child_run_id = snapshot.child_run_id;
  s.child_run_path = snapshot.child_run_path;
  s.suspension = suspension_of(snapshot);
  s.warnings = snapshot.warnings;

  if (check == OwnerCheck::lock_file) {
    if (auto owner = live_run_owner(snapshot)) {
      s.status = effective_status(snapshot, Liveness::live);
      s.owner_pid = owner->pid;
      std::erase_if(s.warnings, [](const Warning& w) { return w.pointer == "/status"; });
    }
  }
  return s;
}

std::optional<LockOwner> live_run_owner(const Snapshot& snapshot) {
  const bool written_running =
      parse_worker_status(written_status(snapshot).value_or("")) == WorkerStatus::running;
  if (!written_running || snapshot.path == "<stdin>") {
    return std::nullopt;
  }
  // The lock is keyed by the file name, like everything under .reprise/.
  const std::string key = worker_key_for_snapshot(snapshot.path);
  if (!valid_worker_id(key)) {
    return std::nullopt;
  }
  return live_owner(state_dir_for_snapshot(snapshot.path), key);
}

OrderedJson summary_to_json(const WorkerSummary& s) {
  OrderedJson out = OrderedJson::object();
  out["path"] = s.path;
  out["id"] = s.id;
  out["name"] = s.name;
  out["mode"] = s.mode;
  out["config_mode"] = s.config_mode;
  out["status"] = s.status;
  out["owner_pid"] = s.owner_pid ? OrderedJson(*s.owner_pid) : OrderedJson(nullptr);
  out["task"] = s.task;
  out["history"] = s.history;
  out["timing"] = {{"created_at", stamp_json(s.created)},
                   {"started_at", stamp_json(s.started)},
                   {"finished_at", stamp_json(s.finished)},
                   {"awaiting_started_at", stamp_json(s.awaiting_started)},
                   {"wall_ms", s.wall_ms ? OrderedJson(*s.wall_ms) : OrderedJson(nullptr)}};
  out["carry_policy"] = {{"present", s.carry.present},
                         {"artifact_mode", s.carry.artifact_mode},
                         {"transcript_mode", std::string(to_string(s.carry.transcript_mode))},
                         {"resume_workflow", s.carry.resume_workflow},
                         {"persist_state", s.carry.persist_state},
                         {"retriggerable", s.carry.retriggerable},
                         {"has_policy", s.carry.has_policy},
                         {"context_policy", context_policy_json(s.carry.context_policy)}};
  out["artifacts"] = totals_json(s.artifacts);
  out["config_artifacts"] = totals_json(s.config_artifacts);
  out["transcript"] = {{"present", s.has_transcript},          {"null", s.transcript_null},
                       {"id", optional_json(s.transcript_id)}, {"messages", s.transcript_messages},
                       {"events", s.transcript_events},        {"bytes", s.transcript_bytes}};
  out["latest_error"] = optional_json(s.latest_error);
  out["parent_worker_id"] = optional_json(s.parent_worker_id);
  out["parent_stage_id"] = optional_json(s.parent_stage_id);
  out["child_run_id"] = optional_json(s.child_run_id);
  out["child_run_path"] = optional_json(s.child_run_path);
  if (s.suspension) {
    const SuspensionSummary& sus = *s.suspension;
    out["suspension"] = {{"reason", sus.reason},
                         {"initiator", sus.initiator},
                         {"suspended_at", stamp_json(sus.suspended_at)},
                         {"suspended_at_turn", sus.suspended_at_turn
                                                   ? OrderedJson(*sus.suspended_at_turn)
                                                   : OrderedJson(nullptr)},
                         {"resume_by", sus.resume_by}};
  } else {
    out["suspension"] = nullptr;
  }
  OrderedJson warnings = OrderedJson::array();
  for (const Warning& warning : s.warnings) {
    warnings.push_back({{"pointer", warning.pointer}, {"message", warning.message}});
  }
  out["warnings"] = std::move(warnings);
  return out;
}

std::string summary_to_text(const WorkerSummary& s) {
  std::string out;
  line(out, "id", s.id.empty() ? "(none)" : s.id);
  line(out, "name", s.name);
  line(out, "mode",
       s.mode == s.config_mode ? s.mode : fmt::format("{} (config: {})", s.mode, s.config_mode));
  line(out, "status",
       s.owner_pid ? fmt::format("{} (owner pid {})", s.status, *s.owner_pid) : s.status);
  line(out, "task", s.task);
  line(out, "history",
       fmt::format("{} task{}", s.history.size(), s.history.size() == 1 ? "" : "s"));
  for (std::size_t i = 0; i < s.history.size(); ++i) {
    line(out, "", fmt::format("{}. {}", i + 1, s.history[i]));
  }
  line(out, "created", stamp_text(s.created));
  line(out, "started", stamp_text(s.started));
  line(out, "finished", s.finished ? stamp_text(*s.finished) : "-");
  if (s.awaiting_started) {
    line(out, "awaiting", stamp_text(*s.awaiting_started));
  }
  line(out, "wall time",
       s.wall_ms ? format_duration(std::chrono::milliseconds(*s.wall_ms)) : std::string("-"));
  line(out, "carry",
       s.carry.present
           ? fmt::format("transcript {}, artifacts {}, resume_workflow {}, persist_state {}, "
                         "retriggerable {}",
                         to_string(s.carry.transcript_mode),
                         s.carry.artifact_mode.empty() ? "inherit" : s.carry.artifact_mode,
                         yes_no(s.carry.resume_workflow), yes_no(s.carry.persist_state),
                         yes_no(s.carry.retriggerable))
           : std::string("none (resume_workflow no, persist_state no, retriggerable no)"));
  line(out, "context", context_policy_text(s.carry.context_policy));
  line(out, "policy", s.carry.has_policy ? "capability policy set" : "none");
  line(out, "artifacts", totals_text(s.artifacts));
  if (s.config_mode != "sub_agent") {
    line(out, "inputs", totals_text(s.config_artifacts));
  }
  if (!s.has_transcript) {
    line(out, "transcript", "none");
  } else if (s.transcript_null) {
    line(out, "transcript", "null");
  } else {
    line(out, "transcript",
         fmt::format("{} messages, {} events, {}{}", s.transcript_messages, s.transcript_events,
                     format_bytes(s.transcript_bytes),
                     s.transcript_id ? fmt::format(" (id {})", *s.transcript_id) : ""));
  }
  line(out, "error", s.latest_error ? *s.latest_error : "-");
  if (s.suspension) {
    const SuspensionSummary& sus = *s.suspension;
    line(out, "suspension",
         fmt::format("{} (by {}, resume {})", sus.reason, sus.initiator, sus.resume_by));
    if (sus.suspended_at) {
      line(out, "",
           fmt::format("since {}{}", stamp_text(*sus.suspended_at),
                       sus.suspended_at_turn ? fmt::format(", turn {}", *sus.suspended_at_turn)
                                             : ""));
    }
  } else {
    line(out, "suspension", "-");
  }
  if (s.parent_worker_id || s.parent_stage_id) {
    line(out, "parent",
         fmt::format("{}{}", s.parent_worker_id.value_or("-"),
                     s.parent_stage_id ? " stage " + *s.parent_stage_id : ""));
  }
  if (s.child_run_id || s.child_run_path) {
    line(out, "child run",
         fmt::format("{}{}", s.child_run_id.value_or("-"),
                     s.child_run_path ? " at " + *s.child_run_path : ""));
  }
  line(out, "snapshot", s.path);
  for (const Warning& warning : s.warnings) {
    line(out, "warning",
         warning.pointer.empty() ? warning.message
                                 : fmt::format("{}: {}", warning.pointer, warning.message));
  }
  return out;
}

std::string truncate_display(std::string_view text, std::size_t width) {
  const bool cut = characters(text) > width;
  const std::string_view kept = cut ? cut_characters(text, width == 0 ? 0 : width - 1) : text;
  std::string out;
  out.reserve(kept.size() + 3);
  for (char c : kept) {
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
  }
  if (cut && width > 0) {
    out += "…";
  }
  return out;
}

} // namespace reprise
