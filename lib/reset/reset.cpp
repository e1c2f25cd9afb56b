#include "reset/reset.hpp"

#include "base/text.hpp"
#include "reset/carry_policy.hpp"
#include "reset/transcript.hpp"
#include "snapshot/snapshot.hpp"

#include "json/json_scan.hpp"
#include "json/member.hpp"
#include "json/redact.hpp"
#include <fmt/format.h>

namespace reprise {

namespace {

// A one-line preview of a node: compact JSON when small, a description when large.
std::string preview(const JsonNode& node) {
  if (node.is_raw()) {
    const std::string_view bytes = node.raw_bytes();
    if (bytes.size() <= k_preview_bytes * 2) {
      return shorten(
          OrderedJson::parse(bytes).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    const std::size_t first = json::skip_whitespace(bytes, 0);
    const char open = first < bytes.size() ? bytes[first] : ' ';
    if (open == '{' || open == '[') {
      return fmt::format("{}… {} bytes{}", open, bytes.size(), open == '{' ? '}' : ']');
    }
    return shorten(std::string(bytes));
  }
  if (node.is_value()) {
    return shorten(node.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  if (node.is_object()) {
    if (const JsonNode* id = node.find("id"); id != nullptr && !id->is_object()) {
      return fmt::format("{{… {} members, id {}}}", node.members().size(), preview(*id));
    }
    return fmt::format("{{… {} members}}", node.members().size());
  }
  return fmt::format("[… {} elements]", node.elements().size());
}

// Whether two nodes are certainly the same JSON value (same bytes, or equal small values).
bool same_value(const JsonNode& a, const JsonNode& b) {
  if (a.is_raw() && b.is_raw() && a.raw_bytes() == b.raw_bytes()) {
    return true;
  }
  const auto small = [](const JsonNode& node) {
    return node.is_value() || (node.is_raw() && node.raw_bytes().size() <= k_preview_bytes * 2);
  };
  return small(a) && small(b) && a.to_json() == b.to_json();
}

// Applies edits to object nodes and records each real change in the plan.
class Editor {
public:
  explicit Editor(std::vector<FieldChange>& changes) : m_changes(changes) {}

  // Sets `object[key]` (in place, else appended) and records the change under `pointer`.
  void set(JsonNode& object, std::string_view pointer, std::string_view key, JsonNode value,
           std::optional<std::string> new_preview = std::nullopt) {
    if (!record(object.find(key), pointer, &value, std::move(new_preview))) {
      return;
    }
    object.set(key, std::move(value));
  }

  // Sets `dict[key]` keeping a VM dict's sorted key order.
  void set_sorted(JsonNode& dict, std::string_view pointer, std::string_view key, JsonNode value) {
    if (!record(dict.find(key), pointer, &value, std::nullopt)) {
      return;
    }
    set_vm_dict_member(dict, key, std::move(value));
  }

  // Removes `object[key]` when present and records it.
  void erase(JsonNode& object, std::string_view pointer, std::string_view key) {
    if (const JsonNode* old = object.find(key)) {
      m_changes.push_back({std::string(pointer), preview(*old), std::nullopt});
      object.erase(key);
    }
  }

  // Records a change computed elsewhere.
  void note(std::string pointer, std::optional<std::string> old_value,
            std::optional<std::string> new_value) {
    m_changes.push_back({std::move(pointer), std::move(old_value), std::move(new_value)});
  }

private:
  bool record(const JsonNode* old, std::string_view pointer, const JsonNode* value,
              std::optional<std::string> new_preview) {
    if (old != nullptr && same_value(*old, *value)) {
      return false;
    }
    m_changes.push_back({std::string(pointer),
                         old != nullptr ? std::optional(preview(*old)) : std::nullopt,
                         new_preview ? std::move(new_preview) : std::optional(preview(*value))});
    return true;
  }

  std::vector<FieldChange>& m_changes;
};

// `[id, id, …]` of some artifacts, for previews.
std::string artifact_ids(const std::vector<const ArtifactInfo*>& artifacts) {
  OrderedJson ids = OrderedJson::array();
  for (const ArtifactInfo* artifact : artifacts) {
    ids.push_back(artifact->id);
  }
  return shorten(ids.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 400);
}

// Whether `node` holds a non-blank string (a node "has" a worker session id).
bool is_non_blank_string(const JsonNode* node) {
  if (node == nullptr) {
    return false;
  }
  const OrderedJson value = node->to_json();
  return value.is_string() && !is_blank(value.get_ref<const std::string&>());
}

// §3.5 for one workflow node: sets metadata.worker_session_id unless the node has one.
void ensure_node_session_id(Editor& editor, JsonNode& node, const std::string& pointer,
                            const std::string& worker_id, const std::string& node_id) {
  JsonNode copy = node;
  if (!copy.make_editable() || !copy.is_object()) {
    return;
  }
  JsonNode* metadata = copy.find("metadata");
  JsonNode metadata_copy = metadata != nullptr ? *metadata : JsonNode::object();
  if (!metadata_copy.make_editable() || !metadata_copy.is_object()) {
    metadata_copy = JsonNode::object();
  }
  if (is_non_blank_string(metadata_copy.find("worker_session_id"))) {
    return;
  }
  editor.set_sorted(metadata_copy, json::pointer_join(pointer + "/metadata", "worker_session_id"),
                    "worker_session_id",
                    JsonNode::value(fmt::format("worker_session_{}_{}", worker_id, node_id)));
  copy.set("metadata", std::move(metadata_copy));
  node = std::move(copy);
}

// The config artifacts after a carry: the selected records' bytes in output order.
JsonNode artifact_array(const Snapshot& snapshot, const ArtifactSelection& selection) {
  JsonNode array = JsonNode::array();
  for (std::size_t index : selection.selected) {
    array.elements().push_back(JsonNode::raw(snapshot.artifacts[index].bytes));
  }
  return array;
}

// §3.3: artifacts are replaced only when the carry is non-empty.
bool replace_config_artifacts(Editor& editor, JsonNode& config, const Snapshot& snapshot,
                              const ArtifactSelection& selection) {
  if (selection.selected.empty()) {
    return false;
  }
  std::vector<const ArtifactInfo*> old_ids;
  std::vector<const ArtifactInfo*> new_ids;
  bool same = snapshot.config_artifacts.size() == selection.selected.size();
  for (std::size_t i = 0; i < snapshot.config_artifacts.size(); ++i) {
    old_ids.push_back(&snapshot.config_artifacts[i]);
  }
  for (std::size_t i = 0; i < selection.selected.size(); ++i) {
    const ArtifactInfo& artifact = snapshot.artifacts[selection.selected[i]];
    new_ids.push_back(&artifact);
    same = same && snapshot.config_artifacts[i].bytes == artifact.bytes;
  }
  if (same) {
    return true;
  }
  const JsonNode* old = config.find("artifacts");
  editor.note("/config/artifacts",
              old != nullptr ? std::optional(artifact_ids(old_ids)) : std::nullopt,
              artifact_ids(new_ids));
  config.set("artifacts", artifact_array(snapshot, selection));
  return true;
}

// The transcript carried into the next run (None = std::nullopt), and the plan's account of it.
std::optional<JsonNode> carry_transcript(const Snapshot& snapshot, TranscriptMode mode,
                                         IdSource& ids, Editor& editor, TranscriptPlan& plan) {
  if (!snapshot.has_transcript || !snapshot.transcript) {
    plan.fate = mode == TranscriptMode::reset ? TranscriptFate::dropped : TranscriptFate::absent;
    return std::nullopt;
  }
  const std::string_view bytes = *snapshot.transcript;
  const JsonNode raw = JsonNode::raw(bytes);
  switch (mode) {
  case TranscriptMode::inherit:
    plan.fate = TranscriptFate::carried;
    return raw;
  case TranscriptMode::compact:
    plan.fate = TranscriptFate::compact_next;
    return raw;
  case TranscriptMode::reset:
    plan.fate = TranscriptFate::dropped;
    return std::nullopt;
  case TranscriptMode::fork:
    break;
  }
  // Only the fork looks inside the transcript (one level; the messages stay raw bytes).
  ForkedTranscript fork = fork_transcript(bytes, ids);
  if (!fork.forked) {
    plan.fate = TranscriptFate::passed;
    return raw;
  }
  plan.fate = TranscriptFate::forked;
  plan.old_id = fork.parent_id;
  plan.new_id = fork.new_id;
  editor.note("/transcript/id",
              fork.parent_id ? std::optional(json::quote(*fork.parent_id)) : std::nullopt,
              json::quote(fork.new_id));
  if (fork.parent_id) {
    editor.note("/transcript/metadata/parent_transcript_id", std::nullopt,
                json::quote(*fork.parent_id));
  }
  return std::move(fork.transcript);
}

// The member `key` of `parent` as an editable object, created (or replaced when not an object).
JsonNode& object_child(JsonNode& parent, std::string_view key) {
  if (JsonNode* child = parent.object_member(key)) {
    return *child;
  }
  parent.set(key, JsonNode::object());
  return *parent.find(key);
}

} // namespace

std::string render_trigger_payload(std::string_view given) {
  const nlohmann::json parsed = nlohmann::json::parse(given, nullptr, false);
  if (parsed.is_discarded()) {
    return std::string(given);
  }
  if (parsed.is_string()) {
    return parsed.get<std::string>();
  }
  return parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<void> check_reset_preconditions(const Snapshot& snapshot, const ResetRequest& request) {
  const std::string status = effective_status(snapshot, request.liveness);
  const WorkerStatus parsed = parse_worker_status(status);
  if (request.entry == Entry::send_input) {
    if (request.input.empty()) {
      return fail(ErrorCode::usage, "send_input: task text must not be empty", snapshot.path);
    }
    if (parsed == WorkerStatus::running) {
      return fail(ErrorCode::busy,
                  fmt::format("send_input: worker {} is still running", snapshot.id),
                  snapshot.path);
    }
    return {};
  }
  if (is_blank(render_trigger_payload(request.input))) {
    return fail(ErrorCode::usage, "worker_trigger: payload must not be empty", snapshot.path);
  }
  if (!snapshot.carry.retriggerable) {
    return fail(ErrorCode::usage,
                fmt::format("worker_trigger: worker {} is not retriggerable", snapshot.id),
                snapshot.path);
  }
  if (parsed == WorkerStatus::running) {
    return fail(ErrorCode::busy,
                fmt::format("worker_trigger: worker {} is still running", snapshot.id),
                snapshot.path);
  }
  if (parsed != WorkerStatus::awaiting) {
    return fail(
        ErrorCode::usage,
        fmt::format("worker_trigger: worker {} is not awaiting (status={})", snapshot.id, status),
        snapshot.path);
  }
  return {};
}

namespace {

// Step 1 (spec §3.1): the runtime fields of the next run: task, history, status and clocks.
void reset_runtime(JsonNode& root, const Snapshot& snapshot, const ResetRequest& request,
                   const Plan& plan, IdSource& ids, Editor& editor) {
  editor.set(root, "/task", "task", JsonNode::value(plan.next_task));
  OrderedJson history = OrderedJson::array();
  for (const std::string& item : snapshot.history) {
    history.push_back(item);
  }
  history.push_back(plan.next_task);
  editor.note(json::pointer_join("/history", snapshot.history.size()), std::nullopt,
              shorten(json::quote(plan.next_task)));
  root.set("history", JsonNode::value(std::move(history)));
  editor.set(root, "/status", "status",
             JsonNode::value(std::string(to_string(WorkerStatus::running))));
  editor.set(root, "/started_at", "started_at", JsonNode::value(ids.next()));
  editor.set(root, "/finished_at", "finished_at", JsonNode::value(nullptr));
  editor.set(root, "/awaiting_started_at", "awaiting_started_at", JsonNode::value(nullptr));
  editor.set(root, "/latest_error", "latest_error", JsonNode::value(nullptr));
  if (request.entry == Entry::send_input) {
    editor.set(root, "/latest_payload", "latest_payload", JsonNode::value(nullptr));
  }
}

// Step 2a: which artifacts the carry policy keeps, recorded in the plan.
ArtifactSelection select_artifacts(const Snapshot& snapshot, const ResetRequest& request,
                                   Plan& plan) {
  plan.artifact_mode =
      request.artifact_mode.value_or(artifact_mode_of(snapshot.carry.artifact_mode));
  plan.artifact_mode_overridden = request.artifact_mode.has_value();
  plan.default_context_policy = snapshot.carry.context_policy.is_default();
  ArtifactSelection selection =
      apply_artifact_policy(snapshot.artifacts, plan.artifact_mode, snapshot.carry.context_policy);
  for (const ArtifactVerdict& verdict : selection.verdicts) {
    const ArtifactInfo& artifact = snapshot.artifacts[verdict.index];
    plan.artifacts.push_back({artifact.id, artifact.kind, verdict});
  }
  plan.carried_artifacts = selection.selected.size();
  plan.token_limit = selection.token_limit;
  plan.tokens_used = selection.tokens_used;
  return selection;
}

// Step 2b and 3: the transcript the next run starts from, shown on the worker (None as null).
std::optional<JsonNode> carry_worker_transcript(JsonNode& root, const Snapshot& snapshot,
                                                const ResetRequest& request, ResetResult& result,
                                                IdSource& ids, Editor& editor) {
  Plan& plan = result.plan;
  const TranscriptMode mode = request.transcript_mode.value_or(snapshot.carry.transcript_mode);
  result.transcript_mode = mode;
  plan.transcript.mode = mode;
  plan.transcript.overridden = request.transcript_mode.has_value();
  plan.transcript.messages = snapshot.transcript_messages;
  plan.transcript.reset_sub_agent_session =
      mode == TranscriptMode::fork || mode == TranscriptMode::reset;
  std::optional<JsonNode> transcript =
      carry_transcript(snapshot, mode, ids, editor, plan.transcript);
  if (transcript) {
    root.set("transcript", *transcript);
  } else if (root.find("transcript") != nullptr) {
    editor.set(root, "/transcript", "transcript", JsonNode::value(nullptr));
  }
  return transcript;
}

// Steps 4 and 5 for a workflow: node session ids, input artifacts and the run options.
void rewrite_workflow_config(JsonNode& config, const Snapshot& snapshot,
                             const ArtifactSelection& selection, std::optional<JsonNode> transcript,
                             Plan& plan, Editor& editor) {
  if (JsonNode* graph = config.object_member("graph")) {
    if (JsonNode* nodes = graph->object_member("nodes")) {
      for (auto& [node_id, node] : nodes->members()) {
        ensure_node_session_id(editor, node, json::pointer_join("/config/graph/nodes", node_id),
                               snapshot.id, node_id);
      }
    }
  }
  plan.config_artifacts_replaced = replace_config_artifacts(editor, config, snapshot, selection);
  JsonNode& options = object_child(config, "options");
  editor.set_sorted(options, "/config/options/parent_worker_id", "parent_worker_id",
                    JsonNode::value(snapshot.id));
  if (transcript) {
    if (const JsonNode* old = options.find("transcript");
        old == nullptr || !same_value(*old, *transcript)) {
      editor.note("/config/options/transcript",
                  old != nullptr ? std::optional(preview(*old)) : std::nullopt,
                  preview(*transcript));
      set_vm_dict_member(options, "transcript", std::move(*transcript));
    }
  } else {
    editor.erase(options, "/config/options/transcript", "transcript");
  }
  if (snapshot.carry.resume_workflow && snapshot.child_run_path) {
    editor.set_sorted(options, "/config/options/resume_path", "resume_path",
                      JsonNode::value(*snapshot.child_run_path));
  } else if (!snapshot.carry.resume_workflow) {
    editor.erase(options, "/config/options/resume_path", "resume_path");
  }
}

// Steps 4 and 5 for a stage: the node's session id, input artifacts and the transcript.
void rewrite_stage_config(JsonNode& config, const Snapshot& snapshot,
                          const ArtifactSelection& selection, std::optional<JsonNode> transcript,
                          Plan& plan, Editor& editor) {
  if (JsonNode* node = config.find("node")) {
    std::string node_id = "stage";
    if (JsonNode expanded = *node; expanded.make_editable() && expanded.is_object()) {
      if (const JsonNode* id = expanded.find("id")) {
        if (const OrderedJson value = id->to_json(); value.is_string()) {
          node_id = value.get<std::string>();
        }
      }
    }
    ensure_node_session_id(editor, *node, "/config/node", snapshot.id, node_id);
  }
  plan.config_artifacts_replaced = replace_config_artifacts(editor, config, snapshot, selection);
  editor.set(config, "/config/transcript", "transcript",
             transcript ? std::move(*transcript) : JsonNode::value(nullptr));
}

// Steps 4 and 5 for a sub-agent: the spec's task, and a new session when the transcript restarts.
void rewrite_sub_agent_config(JsonNode& config, const Plan& plan, IdSource& ids, Editor& editor) {
  JsonNode& spec = object_child(config, "spec");
  editor.set(spec, "/config/spec/task", "task", JsonNode::value(plan.next_task));
  if (plan.transcript.reset_sub_agent_session) {
    const std::string session = "sub_agent_session_" + ids.next();
    editor.set(spec, "/config/spec/session_id", "session_id", JsonNode::value(session));
    JsonNode& options = object_child(spec, "options");
    editor.set_sorted(options, "/config/spec/options/session_id", "session_id",
                      JsonNode::value(session));
  }
}

// The next input as harn's writer leaves it (redact/mod.rs): a trigger payload that is JSON has
// its secret-named fields and secret-looking strings redacted, any other text its secret-looking
// parts.
std::string redact_input(const std::string& rendered, Entry entry) {
  if (entry == Entry::trigger) {
    OrderedJson payload = OrderedJson::parse(rendered, nullptr, false);
    if (!payload.is_discarded() && !payload.is_string()) {
      return redact::redact_json(payload)
                 ? payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                 : rendered;
    }
  }
  return redact::redact_string(rendered).value_or(rendered);
}

// Whether `value` reads as harn's WorkerRequestRecord (agents_workers/mod.rs): every field
// defaulted, `task` a string, `system` a string or null, the four lists lists.
bool parses_as_request(simdjson::dom::element value) {
  if (!value.is_object()) {
    return false;
  }
  for (auto field : json::members(value)) {
    const std::string_view key = field.key;
    const bool ok = key == "task"     ? field.value.is_string()
                    : key == "system" ? field.value.is_string() || field.value.is_null()
                    : key == "research_questions" || key == "action_items" ||
                            key == "workflow_stages" || key == "verification_steps"
                        ? field.value.is_array()
                        : true;
    if (!ok) {
      return false;
    }
  }
  return true;
}

// Whether `value` reads as harn's MutationSessionRecord (orchestration/mod.rs).
bool parses_as_audit(simdjson::dom::element value) {
  if (!value.is_object()) {
    return false;
  }
  for (auto field : json::members(value)) {
    const std::string_view key = field.key;
    const bool ok = key == "session_id" || key == "mutation_scope" ? field.value.is_string()
                    : key == "parent_session_id" || key == "run_id" || key == "worker_id" ||
                            key == "execution_kind"
                        ? field.value.is_string() || field.value.is_null()
                    : key == "approval_policy" ? field.value.is_object() || field.value.is_null()
                                               : true;
    if (!ok) {
      return false;
    }
  }
  return true;
}

// What harn's loader repairs silently and its writer then writes (agents_workers/config.rs,
// load_worker_state_snapshot and persist_worker_state_snapshot), written the same way. Members
// reprise does not model stay as they are: there reprise keeps what harn would drop. Ids come after
// every id of the reset, so the reset's own ids do not move.
void repair_for_write(JsonNode& root, const Snapshot& snapshot, IdSource& ids, Editor& repairs) {
  const auto doc_root = snapshot.document.root();
  if (auto name = json::member(doc_root, "name"); name && !name->is_string()) {
    repairs.set(root, "/name", "name", JsonNode::value("worker"));
  }
  if (auto request = json::member(doc_root, "request"); request && !parses_as_request(*request)) {
    repairs.set(root, "/request", "request",
                JsonNode::value(OrderedJson{{"task", ""},
                                            {"system", nullptr},
                                            {"payload", nullptr},
                                            {"research_questions", OrderedJson::array()},
                                            {"action_items", OrderedJson::array()},
                                            {"workflow_stages", OrderedJson::array()},
                                            {"verification_steps", OrderedJson::array()}}));
  }
  if (auto audit = json::member(doc_root, "audit")) {
    if (!parses_as_audit(*audit)) {
      repairs.set(root, "/audit", "audit",
                  JsonNode::value(OrderedJson{{"session_id", "session_" + ids.next()},
                                              {"parent_session_id", nullptr},
                                              {"run_id", nullptr},
                                              {"worker_id", nullptr},
                                              {"execution_kind", nullptr},
                                              {"mutation_scope", "read_only"},
                                              {"approval_policy", nullptr}}));
    } else {
      // MutationSessionRecord::normalize: an empty (not a blank) id or scope is replaced.
      const auto session = json::string_member(*audit, "session_id");
      const auto scope = json::string_member(*audit, "mutation_scope");
      if (!session || session->empty() || !scope || scope->empty()) {
        JsonNode& node = object_child(root, "audit");
        if (!session || session->empty()) {
          repairs.set(node, "/audit/session_id", "session_id",
                      JsonNode::value("session_" + ids.next()));
        }
        if (!scope || scope->empty()) {
          repairs.set(node, "/audit/mutation_scope", "mutation_scope",
                      JsonNode::value("read_only"));
        }
      }
    }
  }
  // harn writes `suspension` always: null when there is none or the record did not parse.
  if (!snapshot.has_suspension) {
    repairs.set(root, "/suspension", "suspension", JsonNode::value(nullptr));
  }
}

} // namespace

Result<ResetResult> plan_reset(const Snapshot& snapshot, const ResetRequest& request,
                               IdSource& ids) {
  if (auto ok = check_reset_preconditions(snapshot, request); !ok) {
    return std::unexpected(ok.error());
  }
  ResetResult result;
  Plan& plan = result.plan;
  plan.file = snapshot.path;
  plan.worker_id = snapshot.id;
  plan.variant = std::string(to_string(snapshot.config_mode));
  plan.mode = snapshot.mode;
  plan.entry = request.entry;
  plan.status_before = effective_status(snapshot, request.liveness);
  plan.next_task =
      request.entry == Entry::trigger ? render_trigger_payload(request.input) : request.input;
  if (snapshot.rules != HarnRules::v0_7) {
    plan.next_task = redact_input(plan.next_task, request.entry);
  }
  Editor editor(plan.changes);
  JsonNode root = snapshot.to_node();
  root.make_editable();

  reset_runtime(root, snapshot, request, plan, ids, editor);
  const ArtifactSelection selection = select_artifacts(snapshot, request, plan);
  std::optional<JsonNode> transcript =
      carry_worker_transcript(root, snapshot, request, result, ids, editor);
  JsonNode& config = object_child(root, "config");
  switch (snapshot.config_mode) {
  case ConfigMode::workflow:
    rewrite_workflow_config(config, snapshot, selection, std::move(transcript), plan, editor);
    break;
  case ConfigMode::stage:
    rewrite_stage_config(config, snapshot, selection, std::move(transcript), plan, editor);
    break;
  case ConfigMode::sub_agent:
    rewrite_sub_agent_config(config, plan, ids, editor);
    break;
  }

  // The snapshot records where it lives: the path it was read from (harn's snapshot_path).
  if (!snapshot.path.empty() && snapshot.path != "-" && snapshot.path != "<stdin>") {
    editor.set(root, "/snapshot_path", "snapshot_path", JsonNode::value(snapshot.path));
  }
  if (snapshot.rules != HarnRules::v0_7) {
    Editor repairs(plan.repairs);
    repair_for_write(root, snapshot, ids, repairs);
  }
  result.root = std::move(root);
  return result;
}

} // namespace reprise
