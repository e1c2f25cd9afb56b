#include "reset/carry_policy.hpp"

#include <fmt/format.h>
#include <map>

namespace reprise {

namespace {

constexpr std::string_view k_blank = " \t\n\r\f\v";

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(k_blank);
  if (first == std::string_view::npos) {
    return {};
  }
  const std::size_t last = text.find_last_not_of(k_blank);
  return text.substr(first, last - first + 1);
}

// serde's description of an unexpected value ("string \"x\"", "integer `5`", "map", …).
std::string serde_unexpected(const OrderedJson& value) {
  switch (value.type()) {
  case OrderedJson::value_t::null:
    return "null";
  case OrderedJson::value_t::boolean:
    return fmt::format("boolean `{}`", value.get<bool>());
  case OrderedJson::value_t::number_integer:
  case OrderedJson::value_t::number_unsigned:
    return fmt::format("integer `{}`", value.dump());
  case OrderedJson::value_t::number_float:
    return fmt::format("floating point `{}`", value.dump());
  case OrderedJson::value_t::string:
    return fmt::format("string {}", value.dump());
  case OrderedJson::value_t::array:
    return "sequence";
  default:
    return "map";
  }
}

std::unexpected<Error> context_error(const OrderedJson& value, std::string_view expected) {
  const bool negative = value.is_number_integer() && value.get<std::int64_t>() < 0;
  return fail(ErrorCode::usage,
              fmt::format("context policy parse error: invalid {}: {}, expected {}",
                          negative ? "value" : "type", serde_unexpected(value), expected));
}

Result<std::optional<std::uint64_t>> optional_uint(const OrderedJson& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_number_unsigned()) {
    return context_error(*it, "usize");
  }
  return it->get<std::uint64_t>();
}

Result<std::vector<std::string>> string_list(const OrderedJson& object, const char* key) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end()) {
    return out;
  }
  if (!it->is_array()) {
    return context_error(*it, "a sequence");
  }
  for (const OrderedJson& item : *it) {
    if (!item.is_string()) {
      return context_error(item, "a string");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<bool> boolean(const OrderedJson& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) {
    return false;
  }
  if (!it->is_boolean()) {
    return context_error(*it, "a boolean");
  }
  return it->get<bool>();
}

// The transcript mode text harn validates: a string, a dict's `mode`, or any value's display.
std::string transcript_mode_text(const OrderedJson& value) {
  if (value.is_object()) {
    const auto it = value.find("mode");
    return it == value.end() ? std::string("nil") : vm_display(*it);
  }
  return vm_display(value);
}

} // namespace

std::string vm_display(const OrderedJson& value) {
  switch (value.type()) {
  case OrderedJson::value_t::null:
    return "nil";
  case OrderedJson::value_t::string:
    return value.get<std::string>();
  case OrderedJson::value_t::boolean:
    return value.get<bool>() ? "true" : "false";
  case OrderedJson::value_t::number_integer:
  case OrderedJson::value_t::number_unsigned:
    return value.dump();
  case OrderedJson::value_t::number_float:
    return fmt::format("{}", value.get<double>());
  case OrderedJson::value_t::array: {
    std::string out = "[";
    for (std::size_t i = 0; i < value.size(); ++i) {
      out += (i > 0 ? ", " : "") + vm_display(value[i]);
    }
    return out + "]";
  }
  default: {
    std::map<std::string, const OrderedJson*> sorted;
    for (const auto& [key, item] : value.items()) {
      sorted[key] = &item;
    }
    std::string out = "{";
    bool first = true;
    for (const auto& [key, item] : sorted) {
      out += (first ? "" : ", ") + key + ": " + vm_display(*item);
      first = false;
    }
    return out + "}";
  }
  }
}

void set_vm_dict_member(JsonNode& dict, std::string_view key, JsonNode value) {
  if (!dict.make_editable() || !dict.is_object()) {
    return;
  }
  if (JsonNode* existing = dict.find(key)) {
    *existing = std::move(value);
    return;
  }
  auto& members = dict.members();
  auto it = std::find_if(members.begin(), members.end(),
                         [&](const auto& member) { return member.first > key; });
  members.emplace(it, std::string(key), std::move(value));
}

Result<TranscriptMode> parse_transcript_mode(std::string_view text) {
  const std::string_view mode = trim(text);
  if (mode == "inherit") {
    return TranscriptMode::inherit;
  }
  if (mode == "fork") {
    return TranscriptMode::fork;
  }
  if (mode == "reset") {
    return TranscriptMode::reset;
  }
  if (mode == "compact") {
    return TranscriptMode::compact;
  }
  return fail(ErrorCode::usage, fmt::format("spawn_agent: carry.transcript_mode must be one of "
                                            "inherit, fork, reset, compact; got `{}`",
                                            mode));
}

Result<ContextPolicy> parse_context_policy(const OrderedJson& value) {
  if (!value.is_object()) {
    return context_error(value, "struct ContextPolicy");
  }
  ContextPolicy policy;
  auto max_artifacts = optional_uint(value, "max_artifacts");
  auto max_tokens = optional_uint(value, "max_tokens");
  auto reserve_tokens = optional_uint(value, "reserve_tokens");
  for (auto* field : {&max_artifacts, &max_tokens, &reserve_tokens}) {
    if (!*field) {
      return std::unexpected(field->error());
    }
  }
  policy.max_artifacts = *max_artifacts;
  policy.max_tokens = *max_tokens;
  policy.reserve_tokens = *reserve_tokens;
  const std::pair<const char*, std::vector<std::string>*> lists[] = {
      {"include_kinds", &policy.include_kinds},       {"exclude_kinds", &policy.exclude_kinds},
      {"prioritize_kinds", &policy.prioritize_kinds}, {"pinned_ids", &policy.pinned_ids},
      {"include_stages", &policy.include_stages},
  };
  for (const auto& [key, target] : lists) {
    auto list = string_list(value, key);
    if (!list) {
      return std::unexpected(list.error());
    }
    *target = std::move(*list);
  }
  auto prefer_recent = boolean(value, "prefer_recent");
  if (!prefer_recent) {
    return std::unexpected(prefer_recent.error());
  }
  auto prefer_fresh = boolean(value, "prefer_fresh");
  if (!prefer_fresh) {
    return std::unexpected(prefer_fresh.error());
  }
  policy.prefer_recent = *prefer_recent;
  policy.prefer_fresh = *prefer_fresh;
  if (const auto it = value.find("render"); it != value.end() && !it->is_null()) {
    if (!it->is_string()) {
      return context_error(*it, "a string");
    }
    policy.render = it->get<std::string>();
  }
  return policy;
}

Result<CarryPolicy> parse_spawn_carry_policy(const OrderedJson& carry) {
  CarryPolicy policy;
  policy.present = true;
  policy.artifact_mode = "inherit";
  policy.resume_workflow = true;
  policy.persist_state = true;
  if (!carry.is_object()) {
    return policy;
  }
  const auto get = [&carry](const char* key) -> const OrderedJson* {
    const auto it = carry.find(key);
    return it == carry.end() ? nullptr : &*it;
  };
  const OrderedJson* artifacts = get("artifacts");
  if (const OrderedJson* mode = get("artifact_mode") ? get("artifact_mode") : artifacts) {
    std::string display = vm_display(*mode);
    policy.artifact_mode = display.empty() ? "inherit" : std::move(display);
  }
  if (const OrderedJson* mode =
          get("transcript_mode") ? get("transcript_mode") : get("transcript")) {
    const std::string text = transcript_mode_text(*mode);
    auto parsed = parse_transcript_mode(text);
    if (!parsed) {
      return std::unexpected(parsed.error());
    }
    policy.transcript_mode = *parsed;
    policy.transcript_mode_text = std::string(trim(text));
  }
  const OrderedJson* context = get("context_policy");
  if (context == nullptr && artifacts != nullptr && artifacts->is_object()) {
    context = artifacts;
  }
  if (context != nullptr) {
    auto parsed = parse_context_policy(*context);
    if (!parsed) {
      return std::unexpected(parsed.error());
    }
    policy.context_policy = std::move(*parsed);
  }
  const auto flag = [&get](const char* key, bool fallback) {
    const OrderedJson* value = get(key);
    if (value == nullptr || !value->is_boolean()) {
      return fallback;
    }
    return value->get<bool>();
  };
  policy.resume_workflow = flag("resume_workflow", true);
  policy.persist_state = flag("persist_state", true);
  policy.retriggerable = flag("retriggerable", false);
  const OrderedJson* capability = get("policy");
  policy.has_policy = capability != nullptr && !capability->is_null();
  return policy;
}

} // namespace reprise
