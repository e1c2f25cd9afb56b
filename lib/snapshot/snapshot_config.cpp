#include "snapshot/snapshot_config.hpp"

#include "snapshot/artifact_record.hpp"
#include "snapshot/harn_structs.hpp"

#include "json/json_scan.hpp"
#include "json/serde_check.hpp"
#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace reprise {

namespace {

using Element = simdjson::dom::element;
using serde::invalid_type;

// harn's OptionsParser over the config dict: "worker snapshot config: <what>".
constexpr std::string_view k_config = "worker snapshot config: ";
const std::string k_missing_mode = "worker snapshot is missing a valid config mode";
// A sub-agent error is a VmError::Runtime formatted into another one, so its display is inside.
constexpr std::string_view k_sub_agent = "worker snapshot sub-agent parse error: Runtime error: ";
// orchestration::parse_json_payload cuts the payload it quotes here.
constexpr std::size_t k_payload_limit = 600;

// finish_strict: the keys no variant rule read, sorted, as one error.
Result<void> finish_strict(LoadContext& ctx, Element config,
                           std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> unknown;
  for (auto field : json::members(config)) {
    const std::string_view key = field.key;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end() &&
        std::find(unknown.begin(), unknown.end(), key) == unknown.end()) {
      unknown.emplace_back(key);
    }
  }
  if (unknown.empty()) {
    return {};
  }
  std::sort(unknown.begin(), unknown.end());
  return ctx.error(json::pointer_join("/config", unknown.front()),
                   fmt::format("{}unknown option(s): {}", k_config, fmt::join(unknown, ", ")));
}

Result<void> load_graph(LoadContext& ctx, std::optional<Element> graph) {
  const std::string prefix = "worker snapshot graph parse error: ";
  if (!graph || graph->is_null()) {
    return ctx.error(graph ? "/config/graph" : "/config",
                     prefix + "invalid type: null, expected struct WorkflowGraph");
  }
  if (auto problem = harn::check_workflow_graph(*graph)) {
    // serde_json::from_value: the message alone, no path and no position.
    return ctx.error("/config/graph" + problem->pointer, prefix + problem->message);
  }
  return {};
}

Result<void> load_node(LoadContext& ctx, std::optional<Element> node) {
  // parse_json_payload re-reads the node from its compact text, so serde_json's message ends
  // with a position in that text, and the text itself is quoted.
  std::optional<harn::StructProblem> problem;
  harn::CompactJson compact;
  if (!node || node->is_null()) {
    problem = harn::StructProblem{
        .message = "invalid type: null, expected struct WorkflowNode", .path = ".", .pointer = ""};
    compact.text = "null";
    compact.end = compact.text.size();
  } else if ((problem = harn::check_workflow_node(*node))) {
    compact = harn::compact_json(*node, problem->pointer);
  } else {
    return {};
  }
  const std::size_t column = problem->after_value ? compact.end : compact.start;
  std::string payload = compact.text;
  if (payload.size() > k_payload_limit) {
    payload = payload.substr(0, k_payload_limit) + "...";
  }
  return ctx.error(node ? "/config/node" + problem->pointer : "/config",
                   fmt::format("worker snapshot node parse error at {}: {} at line 1 column {} | "
                               "payload={}",
                               problem->path, problem->message, column, payload));
}

Result<void> load_sub_agent(LoadContext& ctx, std::optional<Element> spec) {
  if (!spec || !spec->is_object()) {
    return ctx.error(
        spec ? "/config/spec" : "/config",
        fmt::format("{}worker snapshot sub-agent spec must be an object", k_sub_agent));
  }
  for (std::string_view key : {"name", "task", "session_id"}) {
    if (auto v = member(*spec, key); v && !v->is_string()) {
      ctx.warn(json::pointer_join("/config/spec", key),
               fmt::format("spec.{} is {}, not a string: harn reads it as \"\"", key,
                           serde::unexpected(*v)));
    }
  }
  if (auto options = member(*spec, "options"); options && !options->is_object()) {
    ctx.warn("/config/spec/options", "spec.options is " + serde::unexpected(*options) +
                                         ", not an object: harn reads it as {}");
  }
  if (auto reminders = member(*spec, "reminder_propagation")) {
    if (!reminders->is_array()) {
      ctx.warn("/config/spec/reminder_propagation", "spec.reminder_propagation is " +
                                                        serde::unexpected(*reminders) +
                                                        ", not a list: harn reads it as []");
    } else {
      std::size_t index = 0;
      for (Element reminder : reminders->get_array()) {
        if (!reminder.is_object()) {
          return ctx.error(
              json::pointer_join("/config/spec/reminder_propagation", index),
              fmt::format("{}worker snapshot sub-agent reminder_propagation parse error: {}",
                          k_sub_agent, invalid_type(reminder, "struct SystemReminder")));
        }
        ++index;
      }
    }
  }
  if (auto anchor = member(*spec, "workspace_anchor");
      anchor && !anchor->is_null() && !anchor->is_object()) {
    return ctx.error("/config/spec/workspace_anchor",
                     fmt::format("{}worker snapshot sub-agent workspace_anchor parse error: {}",
                                 k_sub_agent, invalid_type(*anchor, "struct WorkspaceAnchor")));
  }
  return {};
}

Result<void> load_artifacts(LoadContext& ctx, Element config, Snapshot& snapshot) {
  auto artifacts = member(config, "artifacts");
  if (!artifacts || artifacts->is_null()) {
    return ctx.error(artifacts ? "/config/artifacts" : "/config",
                     "worker snapshot artifacts parse error: invalid type: null, expected a "
                     "sequence");
  }
  auto loaded = load_artifact_list(ctx, artifacts, "/config/artifacts");
  if (!loaded) {
    return std::unexpected(loaded.error());
  }
  snapshot.config_artifacts = std::move(*loaded);
  return {};
}

} // namespace

std::string_view vm_type_name(Element value) {
  switch (value.type()) {
  case simdjson::dom::element_type::NULL_VALUE:
    return "nil";
  case simdjson::dom::element_type::BOOL:
    return "bool";
  case simdjson::dom::element_type::INT64:
    return "int";
  case simdjson::dom::element_type::UINT64: // beyond i64: the VM holds it as a float
  case simdjson::dom::element_type::DOUBLE:
    return "float";
  case simdjson::dom::element_type::STRING:
    return "string";
  case simdjson::dom::element_type::ARRAY:
    return "list";
  case simdjson::dom::element_type::OBJECT:
    return "dict";
  }
  return "nil";
}

Result<void> load_config_strict(LoadContext& ctx, Element root, Snapshot& snapshot) {
  auto config = member(root, "config");
  if (!config) {
    return ctx.error("", k_missing_mode + " (no config)");
  }
  if (!config->is_object()) {
    // harn reads a config that is not a dict as an empty option bag: no mode.
    return ctx.error("/config", k_missing_mode + " (config is " + serde::unexpected(*config) + ")");
  }
  auto mode = member(*config, "mode");
  if (mode && !mode->is_null() && !mode->is_string()) {
    return ctx.error("/config/mode", fmt::format("{}`mode` must be a string or nil (got {})",
                                                 k_config, vm_type_name(*mode)));
  }
  const std::string_view mode_text =
      mode && mode->is_string() ? std::string_view(mode->get_string()) : std::string_view();
  if (mode_text == "workflow") {
    snapshot.config_mode = ConfigMode::workflow;
    if (auto r = load_graph(ctx, member(*config, "graph")); !r) {
      return r;
    }
    if (auto r = load_artifacts(ctx, *config, snapshot); !r) {
      return r;
    }
    if (auto options = member(*config, "options");
        options && !options->is_null() && !options->is_object()) {
      return ctx.error("/config/options", fmt::format("{}`options` must be a dict or nil (got {})",
                                                      k_config, vm_type_name(*options)));
    }
    return finish_strict(ctx, *config, {"mode", "graph", "artifacts", "options"});
  }
  if (mode_text == "stage") {
    snapshot.config_mode = ConfigMode::stage;
    if (auto r = load_node(ctx, member(*config, "node")); !r) {
      return r;
    }
    if (auto r = load_artifacts(ctx, *config, snapshot); !r) {
      return r;
    }
    return finish_strict(ctx, *config, {"mode", "node", "artifacts", "transcript"});
  }
  if (mode_text == "sub_agent") {
    snapshot.config_mode = ConfigMode::sub_agent;
    if (auto r = load_sub_agent(ctx, member(*config, "spec")); !r) {
      return r;
    }
    return finish_strict(ctx, *config, {"mode", "spec"});
  }
  if (!mode || mode->is_null()) {
    return ctx.error("/config", k_missing_mode + (mode ? " (mode is null)" : ""));
  }
  return ctx.error("/config/mode",
                   k_missing_mode + fmt::format(" (unknown mode \"{}\")", mode_text));
}

} // namespace reprise
