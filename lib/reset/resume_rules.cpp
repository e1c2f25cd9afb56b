#include "reset/resume_rules.hpp"

#include "base/text.hpp"
#include "reset/carry_policy.hpp"
#include "reset/transcript.hpp"

#include "json/json_scan.hpp"
#include "json/member.hpp"
#include "json/redact.hpp"
#include <fmt/format.h>
#include <simdjson.h>

namespace reprise {

namespace {

// The value of `key` in the top-level object `name` of the snapshot, as JSON (null when absent).
nlohmann::json member_json(const Snapshot& snapshot, const char* name, const char* key) {
  auto element = json::member_path(snapshot.document.root(), {name, key});
  if (!element) {
    return nullptr;
  }
  return nlohmann::json::parse(simdjson::to_string(*element), nullptr, false);
}

// spec.options._resume_continuity of a warm sub-agent resume (a VM dict: keys sorted).
nlohmann::json resume_continuity(const Snapshot& snapshot, const ResumeRequest& request,
                                 const std::optional<std::string>& digest) {
  std::string session_id;
  if (auto spec = json::member_path(snapshot.document.root(), {"config", "spec"})) {
    session_id = std::string(json::string_member(*spec, "session_id").value_or(""));
  }
  nlohmann::json suspension = nlohmann::json::object();
  for (const char* key :
       {"reason", "initiator", "suspended_at", "snapshot_ref", "suspended_at_turn", "conditions"}) {
    suspension[key] = member_json(snapshot, "suspension", key);
  }
  nlohmann::json turn = suspension["suspended_at_turn"];
  if (turn.is_null()) {
    turn = member_json(snapshot, "latest_payload", "iterations_completed");
  }
  if (turn.is_null()) {
    turn = member_json(snapshot, "latest_payload", "iterations");
  }
  if (turn.is_null()) {
    turn = 0;
  }
  const bool input_present = request.input.has_value();
  const nlohmann::json input = input_present ? nlohmann::json(*request.input) : nullptr;
  const bool continue_transcript = request.continue_transcript == ContinueTranscript::yes;
  const nlohmann::json digest_json = digest ? nlohmann::json(*digest) : nullptr;
  nlohmann::json resume = {{"initiator", request.initiator},
                           {"input", input},
                           {"input_rendered", input_present ? input : nlohmann::json("")},
                           {"input_present", input_present},
                           {"continue_transcript", continue_transcript},
                           {"digest", digest_json},
                           {"trigger", nlohmann::json::parse(request.trigger.dump())}};
  nlohmann::json out = resume;
  out["session_id"] = session_id;
  out["session"] = {{"id", session_id}};
  out["worker"] = {{"id", snapshot.id}, {"name", snapshot.name}, {"mode", snapshot.mode}};
  out["suspension"] = suspension;
  out["reason"] = suspension["reason"];
  out["suspended_at_turn"] = turn;
  out["resume"] = std::move(resume);
  out["turn"] = 0;
  out["iteration"] = 0;
  return out;
}

void record(ResumeResult& result, std::string pointer, const JsonNode* old,
            const std::string& new_value) {
  std::optional<std::string> old_value;
  if (old != nullptr) {
    old_value = old->is_raw() && old->raw_bytes().size() > 240
                    ? fmt::format("({} bytes)", old->raw_bytes().size())
                    : old->to_json().dump();
  }
  result.changes.push_back({std::move(pointer), std::move(old_value), new_value});
}

// Sets `object[key]` to a small value and records the change.
void set(ResumeResult& result, JsonNode& object, const std::string& pointer, std::string_view key,
         OrderedJson value) {
  const std::string text = value.dump();
  record(result, pointer, object.find(key), text);
  object.set_value(key, std::move(value));
}

} // namespace

Result<void> check_resumable(const Snapshot& snapshot) {
  const WorkerStatus status = parse_worker_status(snapshot.status);
  if (status == WorkerStatus::cancelled) {
    return fail(ErrorCode::usage,
                fmt::format("HARN-SUS-010: resume_agent: worker {} was closed and cannot be "
                            "resumed",
                            snapshot.id),
                snapshot.path);
  }
  if (status != WorkerStatus::suspended) {
    return fail(ErrorCode::usage,
                fmt::format("HARN-SUS-003: resume_agent: worker {} is not suspended (status={})",
                            snapshot.id, snapshot.status),
                snapshot.path);
  }
  return {};
}

Result<ResumeResult> apply_resume_rules(const Snapshot& snapshot, const ResumeRequest& given,
                                        IdSource& ids) {
  // The input comes from outside the snapshot: harn's writer redacts it (redact/mod.rs).
  ResumeRequest request = given;
  if (snapshot.rules != HarnRules::v0_7 && request.input) {
    request.input = redact::redact_string(*request.input).value_or(*request.input);
  }
  if (request.input && is_blank(*request.input)) {
    return fail(ErrorCode::usage,
                "HARN-SUS-009: resume_agent: resume input must be nil or non-empty text",
                snapshot.path);
  }
  ResumeResult result;
  JsonNode root = snapshot.to_node();
  root.make_editable();
  set(result, root, "/suspension", "suspension", nullptr);
  set(result, root, "/status", "status", std::string(to_string(WorkerStatus::running)));
  set(result, root, "/finished_at", "finished_at", nullptr);
  set(result, root, "/latest_error", "latest_error", nullptr);

  if (request.continue_transcript == ContinueTranscript::no) {
    if (snapshot.has_transcript && snapshot.transcript) {
      result.digest = transcript_digest(*snapshot.transcript);
    }
    if (result.digest) {
      OrderedJson summary_only = summary_only_transcript(*snapshot.transcript, *result.digest, ids);
      record(result, "/transcript", root.find("transcript"), "(summary-only transcript)");
      root.set_value("transcript", std::move(summary_only));
    } else if (root.find("transcript") != nullptr) {
      set(result, root, "/transcript", "transcript", nullptr);
    }
  }

  if (request.input) {
    set(result, root, "/task", "task", *request.input);
    OrderedJson history = OrderedJson::array();
    for (const std::string& item : snapshot.history) {
      history.push_back(item);
    }
    history.push_back(*request.input);
    result.changes.push_back({json::pointer_join("/history", snapshot.history.size()), std::nullopt,
                              OrderedJson(*request.input).dump()});
    root.set_value("history", std::move(history));
  }

  if (snapshot.config_mode == ConfigMode::sub_agent) {
    JsonNode* config = root.object_member("config");
    JsonNode* spec = config != nullptr ? config->object_member("spec") : nullptr;
    if (spec != nullptr) {
      if (request.input) {
        set(result, *spec, "/config/spec/task", "task", *request.input);
      }
      JsonNode* options = spec->object_member("options");
      if (options == nullptr) {
        spec->set("options", JsonNode::object());
        options = spec->find("options");
      }
      const nlohmann::json continuity = resume_continuity(snapshot, request, result.digest);
      record(result, "/config/spec/options/_resume_continuity", options->find("_resume_continuity"),
             "(resume continuity record)");
      set_vm_dict_member(*options, "_resume_continuity",
                         JsonNode::value(OrderedJson::parse(continuity.dump())));
    }
  }
  result.root = std::move(root);
  return result;
}

} // namespace reprise
