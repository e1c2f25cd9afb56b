#include "snapshot/snapshot_carry.hpp"

#include "base/text.hpp"

#include "json/json_scan.hpp"
#include "json/serde_check.hpp"
#include <fmt/format.h>

namespace reprise {

namespace {

using Element = simdjson::dom::element;
using serde::invalid_type;

Result<void> load_context_policy(LoadContext& ctx, Element value, const std::string& pointer,
                                 ContextPolicy& policy) {
  const std::string prefix = "context policy parse error: ";
  if (!value.is_object()) {
    return ctx.error(pointer, prefix + invalid_type(value, "struct ContextPolicy"));
  }
  for (auto field : json::members(value)) {
    const std::string field_pointer = json::pointer_join(pointer, field.key);
    const std::string_view key = field.key;
    std::optional<std::string> problem;
    if (key == "max_artifacts" || key == "max_tokens" || key == "reserve_tokens") {
      problem = serde::check_unsigned(field.value, "usize");
      if (!problem && !field.value.is_null()) {
        const std::uint64_t n = field.value.get_uint64().value_unsafe();
        (key == "max_artifacts" ? policy.max_artifacts
         : key == "max_tokens"  ? policy.max_tokens
                                : policy.reserve_tokens) = n;
      }
    } else if (key == "include_kinds" || key == "exclude_kinds" || key == "prioritize_kinds" ||
               key == "pinned_ids" || key == "include_stages") {
      problem = serde::check_string_list(field.value);
      if (!problem) {
        std::vector<std::string>& list = key == "include_kinds"      ? policy.include_kinds
                                         : key == "exclude_kinds"    ? policy.exclude_kinds
                                         : key == "prioritize_kinds" ? policy.prioritize_kinds
                                         : key == "pinned_ids"       ? policy.pinned_ids
                                                                     : policy.include_stages;
        list.clear();
        for (Element item : field.value.get_array()) {
          list.emplace_back(std::string_view(item.get_string()));
        }
      }
    } else if (key == "prefer_recent" || key == "prefer_fresh") {
      if (!field.value.is_bool()) {
        problem = invalid_type(field.value, "a boolean");
      } else {
        (key == "prefer_recent" ? policy.prefer_recent : policy.prefer_fresh) =
            bool(field.value.get_bool());
      }
    } else if (key == "render") {
      problem = serde::check_string(field.value, true);
      if (!problem) {
        policy.render = optional_string(field.value);
      }
    }
    if (problem) {
      return ctx.error(field_pointer, prefix + *problem);
    }
  }
  return {};
}

Result<void> load_policy(LoadContext& ctx, Element value, const std::string& pointer) {
  const std::string prefix = "spawn_agent: policy parse error: ";
  if (!value.is_object()) {
    return ctx.error(pointer, prefix + invalid_type(value, "struct CapabilityPolicy"));
  }
  for (auto field : json::members(value)) {
    const std::string_view key = field.key;
    std::optional<std::string> problem;
    if (key == "tools" || key == "workspace_roots") {
      problem = serde::check_string_list(field.value);
    } else if (key == "capabilities") {
      if (!field.value.is_object()) {
        problem = invalid_type(field.value, "a map");
      } else {
        for (auto capability : json::members(field.value)) {
          if (auto p = serde::check_string_list(capability.value)) {
            problem = p;
          }
        }
      }
    } else if (key == "side_effect_level") {
      problem = serde::check_string(field.value, true);
    } else if (key == "recursion_limit") {
      problem = serde::check_unsigned(field.value, "usize");
    } else if (key == "tool_arg_constraints") {
      if (!field.value.is_array()) {
        problem = invalid_type(field.value, "a sequence");
      }
    } else if (key == "tool_annotations") {
      if (!field.value.is_object()) {
        problem = invalid_type(field.value, "a map");
      }
    }
    if (problem) {
      return ctx.error(json::pointer_join(pointer, key), prefix + *problem);
    }
  }
  return {};
}

} // namespace

Result<TranscriptMode> parse_transcript_mode(std::string_view text) {
  const std::string_view mode = trim(text);
  for (const TranscriptMode candidate : {TranscriptMode::inherit, TranscriptMode::fork,
                                         TranscriptMode::reset, TranscriptMode::compact}) {
    if (mode == to_string(candidate)) {
      return candidate;
    }
  }
  return fail(ErrorCode::usage, fmt::format("spawn_agent: carry.transcript_mode must be one of "
                                            "inherit, fork, reset, compact; got `{}`",
                                            mode));
}

Result<void> load_carry_policy(LoadContext& ctx, Element root, CarryPolicy& carry) {
  auto value = member(root, "carry_policy");
  if (!value) {
    // WorkerCarryPolicy::default(): empty modes, persist_state and resume_workflow false.
    ctx.warn("/carry_policy",
             "carry_policy is missing: persist_state and resume_workflow are false "
             "(harn's default for a missing policy)");
    return {};
  }
  carry.present = true;
  carry.artifact_mode = "inherit";
  carry.transcript_mode_text = "inherit";
  carry.resume_workflow = true;
  carry.persist_state = true;
  if (!value->is_object()) {
    ctx.warn("/carry_policy", fmt::format("carry_policy is {}, not an object: the spawn defaults "
                                          "apply (inherit, inherit, resume and persist)",
                                          serde::unexpected(*value)));
    return {};
  }
  if (auto mode = member(*value, "artifact_mode")) {
    const std::string shown = serde::display(*mode);
    carry.artifact_mode = shown.empty() ? "inherit" : shown;
    if (!mode->is_string()) {
      ctx.warn("/carry_policy/artifact_mode",
               fmt::format("artifact_mode is not a string: read as \"{}\" (acts as inherit unless "
                           "\"none\")",
                           carry.artifact_mode));
    }
  }
  if (auto mode = member(*value, "transcript_mode")) {
    std::string shown;
    if (mode->is_object()) {
      auto inner = member(*mode, "mode");
      shown = inner ? serde::display(*inner) : std::string("nil");
    } else {
      shown = serde::display(*mode);
    }
    auto parsed = parse_transcript_mode(shown);
    if (!parsed) {
      return ctx.error("/carry_policy/transcript_mode", std::move(parsed.error().message));
    }
    carry.transcript_mode = *parsed;
    carry.transcript_mode_text = std::string(trim(shown));
  }
  if (auto policy = member(*value, "context_policy")) {
    if (auto r =
            load_context_policy(ctx, *policy, "/carry_policy/context_policy", carry.context_policy);
        !r) {
      return r;
    }
  }
  auto flag = [&](std::string_view key) { return member(*value, key); };
  if (auto v = flag("resume_workflow")) {
    carry.resume_workflow = !(v->is_bool() && !bool(v->get_bool()));
  }
  if (auto v = flag("persist_state")) {
    carry.persist_state = !(v->is_bool() && !bool(v->get_bool()));
  }
  if (auto v = flag("retriggerable")) {
    carry.retriggerable = v->is_bool() && bool(v->get_bool());
  }
  for (std::string_view key : {"resume_workflow", "persist_state", "retriggerable"}) {
    if (auto v = flag(key); v && !v->is_bool()) {
      ctx.warn(json::pointer_join("/carry_policy", key),
               fmt::format("{} is {}, not a boolean: harn uses the default", key,
                           serde::unexpected(*v)));
    }
  }
  if (auto policy = member(*value, "policy"); policy && !policy->is_null()) {
    if (auto r = load_policy(ctx, *policy, "/carry_policy/policy"); !r) {
      return r;
    }
    carry.has_policy = true;
  }
  if (member(*value, "transcript_policy")) {
    ctx.warn("/carry_policy/transcript_policy",
             "legacy transcript_policy is ignored by current harn (transcript_mode applies)");
  }
  return {};
}

} // namespace reprise
