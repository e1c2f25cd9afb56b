#include "snapshot/snapshot.hpp"

#include "base/text.hpp"
#include "snapshot/artifact_record.hpp"
#include "snapshot/load_context.hpp"
#include "snapshot/snapshot_carry.hpp"
#include "snapshot/snapshot_config.hpp"

#include "json/json_scan.hpp"
#include "json/raw_scan.hpp"
#include "json/serde_check.hpp"
#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <unordered_set>

namespace reprise {

std::optional<std::string> optional_string(std::optional<simdjson::dom::element> value) {
  if (value && value->is_string()) {
    return std::string(std::string_view(value->get_string()));
  }
  return std::nullopt;
}

namespace {

using Element = simdjson::dom::element;
using serde::invalid_type;

// Whether two paths name the same place once resolved against the working directory.
bool same_file_path(std::string_view a, std::string_view b) {
  if (a == b) {
    return true;
  }
  std::error_code error;
  const auto left = std::filesystem::weakly_canonical(std::filesystem::path(a), error);
  if (error) {
    return false;
  }
  const auto right = std::filesystem::weakly_canonical(std::filesystem::path(b), error);
  return !error && left == right;
}

// Reads the snapshot's fields in harn's order, collecting the first hard error.
class Loader {
public:
  explicit Loader(Snapshot& snapshot)
      : m_s(snapshot), m_doc(snapshot.document), m_ctx(snapshot.document, snapshot.warnings) {}

  Result<void> run();

private:
  std::unexpected<Error> error(std::string_view pointer, std::string message) const {
    return m_ctx.error(pointer, std::move(message));
  }
  void warn(std::string pointer, std::string message) {
    m_ctx.warn(std::move(pointer), std::move(message));
  }

  Result<void> load_config(Element root);
  Result<void> load_sub_agent(Element spec);
  Result<void> load_execution(Element root);
  void load_plain_fields(Element root);
  void load_audit_and_suspension(Element root);
  // Warns about each duplicate key in `object` (at `pointer`) and the objects below it.
  void warn_duplicate_keys(Element object, const std::string& pointer, int depth);

  Snapshot& m_s;
  const Document& m_doc;
  LoadContext m_ctx;
};

// serde_json refuses a document nested deeper than this (its recursion limit of 128 counts the
// bracket that reaches it).
constexpr std::size_t k_serde_nesting_limit = 127;

Result<void> Loader::run() {
  if (m_s.rules != HarnRules::v0_7) {
    const std::string_view text = m_doc.text();
    if (const std::size_t deep = first_too_deep(text, k_serde_nesting_limit);
        deep != std::string_view::npos) {
      const auto at = json::line_column(text, deep);
      return std::unexpected(Error::invalid_snapshot(
          fmt::format("worker snapshot parse error: recursion limit exceeded at line {} column {}",
                      at.line, at.column),
          m_doc.name(), {}, at.line, at.column));
    }
  }
  const Element root = m_doc.root();
  if (!root.is_object()) {
    return error("", "worker snapshot is missing a valid config mode (the document is not an "
                     "object)");
  }
  // harn reports bad fields in this order: carry_policy, config, execution, top-level artifacts.
  if (auto r = load_carry_policy(m_ctx, root, m_s.carry); !r) {
    return r;
  }
  if (auto r =
          m_s.rules == HarnRules::v0_7 ? load_config(root) : load_config_strict(m_ctx, root, m_s);
      !r) {
    return r;
  }
  if (auto r = load_execution(root); !r) {
    return r;
  }
  auto artifacts = load_artifact_list(m_ctx, member(root, "artifacts"), "/artifacts");
  if (!artifacts) {
    return std::unexpected(artifacts.error());
  }
  m_s.artifacts = std::move(*artifacts);
  load_plain_fields(root);
  load_audit_and_suspension(root);
  warn_duplicate_keys(root, "", 0);
  return {};
}

void Loader::warn_duplicate_keys(Element object, const std::string& pointer, int depth) {
  // The objects reprise and harn read fields from (the top level, config, execution, the carry
  // policy and their parts), not the transcript's messages or artifacts' payloads: those are
  // copied as they are, duplicates included.
  constexpr int k_max_depth = 3;
  std::vector<std::string_view> seen;
  for (auto field : object.get_object()) {
    const std::string_view key = field.key;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      warn(json::pointer_join(pointer, key),
           "duplicate key: the last one is used, as harn reads it (an earlier one is ignored)");
    } else {
      seen.push_back(key);
    }
    if (depth + 1 < k_max_depth && field.value.is_object()) {
      warn_duplicate_keys(field.value, json::pointer_join(pointer, key), depth + 1);
    }
  }
}

Result<void> Loader::load_config(Element root) {
  const std::string k_missing = "worker snapshot is missing a valid config mode";
  auto config = member(root, "config");
  if (!config) {
    return error("", k_missing + " (no config)");
  }
  if (!config->is_object()) {
    return error("/config", k_missing + " (config is " + serde::unexpected(*config) + ")");
  }
  auto mode = member(*config, "mode");
  if (!mode || !mode->is_string()) {
    return error(mode ? "/config/mode" : "/config",
                 k_missing + (mode ? " (mode is " + serde::unexpected(*mode) + ")" : ""));
  }
  const std::string_view mode_text = mode->get_string();
  std::vector<std::string_view> allowed;
  if (mode_text == "workflow") {
    m_s.config_mode = ConfigMode::workflow;
    auto graph = member(*config, "graph");
    if (!graph || !graph->is_object()) {
      return error(graph ? "/config/graph" : "/config",
                   "worker snapshot graph parse error: " +
                       (graph ? invalid_type(*graph, "struct WorkflowGraph")
                              : std::string("invalid type: null, expected struct WorkflowGraph")));
    }
    if (auto nodes = member(*graph, "nodes"); nodes && !nodes->is_object()) {
      return error("/config/graph/nodes",
                   "worker snapshot graph parse error: " + invalid_type(*nodes, "a map"));
    }
    if (auto options = member(*config, "options"); options && !options->is_object()) {
      warn("/config/options", "workflow options are " + serde::unexpected(*options) +
                                  ", not an object: harn reads them as {}");
    }
    allowed = {"mode", "graph", "artifacts", "options"};
  } else if (mode_text == "stage") {
    m_s.config_mode = ConfigMode::stage;
    auto node = member(*config, "node");
    if (!node || !node->is_object()) {
      const std::string shown = node ? serde::unexpected(*node) : "null";
      return error(node ? "/config/node" : "/config",
                   fmt::format("worker snapshot node parse error at .: invalid type: {}, expected "
                               "struct WorkflowNode | payload={}",
                               shown,
                               node ? std::string(cut_bytes(serde::display(*node), 600)) : "null"));
    }
    allowed = {"mode", "node", "artifacts", "transcript"};
  } else if (mode_text == "sub_agent") {
    m_s.config_mode = ConfigMode::sub_agent;
    auto spec = member(*config, "spec");
    if (!spec || !spec->is_object()) {
      return error(spec ? "/config/spec" : "/config",
                   "worker snapshot sub-agent parse error: worker snapshot sub-agent spec must be "
                   "an object");
    }
    if (auto r = load_sub_agent(*spec); !r) {
      return r;
    }
    allowed = {"mode", "spec"};
  } else {
    return error("/config/mode", k_missing + fmt::format(" (unknown mode \"{}\")", mode_text));
  }
  if (m_s.config_mode != ConfigMode::sub_agent) {
    auto artifacts = member(*config, "artifacts");
    if (!artifacts || artifacts->is_null()) {
      return error(artifacts ? "/config/artifacts" : "/config",
                   "worker snapshot artifacts parse error: invalid type: null, expected a "
                   "sequence");
    }
    auto loaded = load_artifact_list(m_ctx, artifacts, "/config/artifacts");
    if (!loaded) {
      return std::unexpected(loaded.error());
    }
    m_s.config_artifacts = std::move(*loaded);
  }
  for (auto field : json::members(*config)) {
    if (std::find(allowed.begin(), allowed.end(), field.key) == allowed.end()) {
      warn(json::pointer_join("/config", field.key),
           fmt::format("unknown config key \"{}\": harn 0.7 ignores it, harn 0.8+ rejects it",
                       field.key));
    }
  }
  return {};
}

Result<void> Loader::load_sub_agent(Element spec) {
  for (std::string_view key : {"name", "task", "session_id"}) {
    if (auto v = member(spec, key); v && !v->is_string()) {
      warn(json::pointer_join("/config/spec", key),
           fmt::format("spec.{} is {}, not a string: harn reads it as \"\"", key,
                       serde::unexpected(*v)));
    }
  }
  if (auto options = member(spec, "options"); options && !options->is_object()) {
    warn("/config/spec/options",
         "spec.options is " + serde::unexpected(*options) + ", not an object: harn reads it as {}");
  }
  if (auto reminders = member(spec, "reminder_propagation")) {
    const std::string prefix = "worker snapshot sub-agent reminder_propagation parse error: ";
    if (!reminders->is_array()) {
      return error("/config/spec/reminder_propagation",
                   prefix + invalid_type(*reminders, "a sequence"));
    }
    std::size_t index = 0;
    for (Element reminder : reminders->get_array()) {
      if (!reminder.is_object()) {
        return error(json::pointer_join("/config/spec/reminder_propagation", index),
                     prefix + invalid_type(reminder, "struct SystemReminder"));
      }
      ++index;
    }
  }
  if (auto anchor = member(spec, "workspace_anchor"); anchor && !anchor->is_null()) {
    if (!anchor->is_object()) {
      return error("/config/spec/workspace_anchor",
                   "worker snapshot sub-agent workspace_anchor parse error: " +
                       invalid_type(*anchor, "struct WorkspaceAnchor"));
    }
  }
  return {};
}

Result<void> Loader::load_execution(Element root) {
  const std::string prefix = "worker snapshot execution parse error: ";
  auto execution = member(root, "execution");
  if (!execution || execution->is_null()) {
    return error(execution ? "/execution" : "",
                 prefix + "invalid type: null, expected struct WorkerExecutionProfile" +
                     (execution ? "" : " (execution is missing)"));
  }
  if (!execution->is_object()) {
    return error("/execution", prefix + invalid_type(*execution, "struct WorkerExecutionProfile"));
  }
  for (auto field : json::members(*execution)) {
    const std::string pointer = json::pointer_join("/execution", field.key);
    const std::string_view key = field.key;
    if (key == "cwd") {
      if (auto p = serde::check_string(field.value, true)) {
        return error(pointer, prefix + *p);
      }
    } else if (key == "env") {
      if (!field.value.is_object()) {
        return error(pointer, prefix + invalid_type(field.value, "a map"));
      }
      for (auto variable : json::members(field.value)) {
        if (!variable.value.is_string()) {
          return error(json::pointer_join(pointer, variable.key),
                       prefix + invalid_type(variable.value, "a string"));
        }
      }
    } else if (key == "worktree" && !field.value.is_null()) {
      if (!field.value.is_object()) {
        return error(pointer, prefix + invalid_type(field.value, "struct WorkerWorktreeProfile"));
      }
      for (auto part : json::members(field.value)) {
        const bool required = part.key == "repo";
        const bool known = required || part.key == "path" || part.key == "branch" ||
                           part.key == "base_ref" || part.key == "cleanup";
        if (known) {
          if (auto p = serde::check_string(part.value, !required)) {
            return error(json::pointer_join(pointer, part.key), prefix + *p);
          }
        }
      }
    }
  }
  return {};
}

void Loader::load_plain_fields(Element root) {
  auto string_or = [&](std::string_view key, std::string fallback, bool report) {
    auto v = member(root, key);
    if (v && v->is_string()) {
      return std::string(std::string_view(v->get_string()));
    }
    if (report) {
      warn(json::pointer_join("", key),
           v ? fmt::format("{} is {}, not a string: harn reads \"{}\"", key, serde::unexpected(*v),
                           fallback)
             : fmt::format("{} is missing: harn reads \"{}\"", key, fallback));
    }
    return fallback;
  };
  m_s.id = string_or("id", "", true);
  m_s.name = string_or("name", "worker", true);
  m_s.task = string_or("task", "", member(root, "task").has_value());
  m_s.mode = string_or("mode", "workflow", true);
  m_s.created_at = string_or("created_at", "", false);
  m_s.started_at = string_or("started_at", "", false);
  m_s.finished_at = optional_string(member(root, "finished_at"));
  m_s.awaiting_started_at = optional_string(member(root, "awaiting_started_at"));
  m_s.latest_error = optional_string(member(root, "latest_error"));
  m_s.parent_worker_id = optional_string(member(root, "parent_worker_id"));
  m_s.parent_stage_id = optional_string(member(root, "parent_stage_id"));
  m_s.child_run_id = optional_string(member(root, "child_run_id"));
  m_s.child_run_path = optional_string(member(root, "child_run_path"));

  auto status = member(root, "status");
  const bool is_string = status && status->is_string();
  const auto written =
      is_string ? std::optional(std::string_view(status->get_string())) : std::nullopt;
  m_s.status = std::string(effective_status(written, Liveness::follow_loader));
  if (is_string && m_s.status != *written) {
    warn("/status", "status \"running\" is read as \"interrupted\" (no live run owns it)");
  } else if (!is_string) {
    warn("/status", status ? "status is " + serde::unexpected(*status) +
                                 ", not a string: read as \"interrupted\""
                           : std::string("status is missing: read as \"interrupted\""));
  }

  if (auto history = member(root, "history")) {
    if (!history->is_array()) {
      warn("/history", "history is " + serde::unexpected(*history) + ", not a list: read as []");
    } else {
      std::size_t dropped = 0;
      for (Element item : history->get_array()) {
        if (item.is_string()) {
          m_s.history.emplace_back(std::string_view(item.get_string()));
        } else {
          ++dropped;
        }
      }
      if (dropped > 0) {
        warn("/history",
             fmt::format("{} history entries are not strings and are dropped", dropped));
      }
    }
  }

  if (auto transcript = member(root, "transcript")) {
    m_s.has_transcript = true;
    m_s.transcript = m_doc.bytes_at("/transcript");
    if (auto messages = member(*transcript, "messages"); messages && messages->is_array()) {
      m_s.transcript_messages = simdjson::dom::array(messages->get_array()).size();
    }
  }
  if (auto path = member(root, "snapshot_path");
      path && path->is_string() && !same_file_path(path->get_string(), m_s.path)) {
    warn("/snapshot_path", fmt::format("snapshot_path \"{}\" is replaced by the path read",
                                       std::string_view(path->get_string())));
  }
  if (auto request = member(root, "request"); request && !request->is_object()) {
    warn("/request", "request is " + serde::unexpected(*request) + ": harn reads a default record");
  }
}

void Loader::load_audit_and_suspension(Element root) {
  if (auto audit = member(root, "audit")) {
    auto session = audit->is_object() ? member(*audit, "session_id") : std::nullopt;
    if (!audit->is_object()) {
      warn("/audit", "audit is " + serde::unexpected(*audit) +
                         ": harn reads a default record with a fresh session id");
    } else if (!session || !session->is_string() ||
               is_blank(std::string_view(session->get_string()))) {
      warn("/audit/session_id", "audit.session_id is empty: harn generates a fresh session id");
    }
    if (audit->is_object()) {
      auto scope = member(*audit, "mutation_scope");
      if (scope && scope->is_string() && is_blank(std::string_view(scope->get_string()))) {
        warn("/audit/mutation_scope", "audit.mutation_scope is empty: harn reads \"read_only\"");
      }
    }
  }
  auto suspension = member(root, "suspension");
  if (!suspension || suspension->is_null()) {
    return;
  }
  static const std::unordered_set<std::string_view> k_initiators = {"self", "parent", "operator",
                                                                    "triggered"};
  auto reason = suspension->is_object() ? member(*suspension, "reason") : std::nullopt;
  auto initiator = suspension->is_object() ? member(*suspension, "initiator") : std::nullopt;
  const bool valid = suspension->is_object() && reason && reason->is_string() && initiator &&
                     initiator->is_string() &&
                     k_initiators.contains(std::string_view(initiator->get_string()));
  if (!valid) {
    warn("/suspension", "suspension record does not parse: harn drops it");
    return;
  }
  m_s.has_suspension = true;
  m_s.suspension_reason = std::string(std::string_view(reason->get_string()));
  m_s.suspension_initiator = std::string(std::string_view(initiator->get_string()));
}

} // namespace

std::string_view to_string(TranscriptMode mode) {
  switch (mode) {
  case TranscriptMode::inherit:
    return "inherit";
  case TranscriptMode::fork:
    return "fork";
  case TranscriptMode::reset:
    return "reset";
  case TranscriptMode::compact:
    return "compact";
  }
  return "inherit";
}

std::string_view to_string(ConfigMode mode) {
  switch (mode) {
  case ConfigMode::workflow:
    return "workflow";
  case ConfigMode::stage:
    return "stage";
  case ConfigMode::sub_agent:
    return "sub_agent";
  }
  return "workflow";
}

bool ContextPolicy::is_default() const {
  return *this == ContextPolicy{};
}

JsonNode Snapshot::to_node() const {
  JsonNode root = JsonNode::object();
  for (const json::Member& member : document.root_members()) {
    root.members().emplace_back(member.key, JsonNode::raw(member.value));
  }
  return root;
}

Result<Snapshot> load_snapshot(Document document, HarnRules rules) {
  Snapshot snapshot(std::move(document));
  snapshot.path = snapshot.document.name();
  snapshot.rules = rules;
  Loader loader(snapshot);
  if (auto r = loader.run(); !r) {
    return std::unexpected(r.error());
  }
  return snapshot;
}

std::optional<std::string_view> written_status(const Snapshot& snapshot) {
  if (auto raw = json::string_member(snapshot.document.root(), "status")) {
    return raw;
  }
  return std::nullopt;
}

std::string effective_status(const Snapshot& snapshot, Liveness liveness) {
  return std::string(effective_status(written_status(snapshot), liveness));
}

Result<Snapshot> load_snapshot_file(const std::string& path, FileAccess access, HarnRules rules) {
  auto document = path == "-" ? Document::read_stdin() : Document::read_file(path, access);
  if (!document) {
    return std::unexpected(document.error());
  }
  return load_snapshot(std::move(*document), rules);
}

void write_snapshot(Sink& out, const JsonNode& root) {
  root.write(out, 0);
}

} // namespace reprise
