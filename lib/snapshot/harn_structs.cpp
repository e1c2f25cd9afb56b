#include "snapshot/harn_structs.hpp"

#include "json/json_scan.hpp"
#include "json/serde_check.hpp"
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fmt/format.h>
#include <initializer_list>
#include <memory>
#include <vector>

namespace reprise::harn {

namespace {

using simdjson::dom::element_type;

// How serde reads one Rust type.
enum class Kind {
  string,      // String (null refused)
  usize,       // usize, u64 (negative: invalid value)
  i64,         // i64
  f64,         // f64: any number
  boolean,     // bool
  any,         // serde_json::Value
  seq,         // Vec<item>
  map,         // BTreeMap<String, item>
  record,      // a #[serde(default)] struct: fields by name, unknown ones ignored
  string_enum, // a unit-variant enum written as a string
  untagged,    // an untagged enum: one of `variants`
};

struct Type;

struct Field {
  std::string_view name;
  const Type* type;
};

struct Type {
  Kind kind = Kind::any;
  bool optional = false;   // Option<…>: null is None
  std::string_view name{}; // the struct's or enum's Rust name
  const Type* item = nullptr;
  std::vector<Field> fields{};              // record
  std::vector<std::string_view> variants{}; // string_enum
  std::vector<const Type*> alternatives{};  // untagged
};

// The types live as long as the process; built once on first use.
class Schema {
public:
  Schema() {
    const Type* string = add({.kind = Kind::string});
    const Type* opt_string = add({.kind = Kind::string, .optional = true});
    const Type* usize = add({.kind = Kind::usize, .name = "usize"});
    const Type* opt_usize = add({.kind = Kind::usize, .optional = true, .name = "usize"});
    const Type* opt_u64 = add({.kind = Kind::usize, .optional = true, .name = "u64"});
    const Type* opt_i64 = add({.kind = Kind::i64, .optional = true, .name = "i64"});
    const Type* opt_f64 = add({.kind = Kind::f64, .optional = true});
    const Type* boolean = add({.kind = Kind::boolean});
    const Type* any = add({.kind = Kind::any});
    const Type* strings = add({.kind = Kind::seq, .item = string});
    const Type* opt_strings = add({.kind = Kind::seq, .optional = true, .item = string});
    const Type* any_map = add({.kind = Kind::map, .item = any});
    const Type* any_seq = add({.kind = Kind::seq, .item = any});
    auto record = [&](std::string_view name, std::initializer_list<Field> fields,
                      bool optional = false) {
      return add({.kind = Kind::record, .optional = optional, .name = name, .fields = fields});
    };

    const Type* context_policy = record("ContextPolicy", {{"max_artifacts", opt_usize},
                                                          {"max_tokens", opt_usize},
                                                          {"reserve_tokens", opt_usize},
                                                          {"include_kinds", strings},
                                                          {"exclude_kinds", strings},
                                                          {"prioritize_kinds", strings},
                                                          {"pinned_ids", strings},
                                                          {"include_stages", strings},
                                                          {"prefer_recent", boolean},
                                                          {"prefer_fresh", boolean},
                                                          {"render", opt_string}});
    const Type* capability_policy =
        record("CapabilityPolicy", {{"tools", strings},
                                    {"capabilities", add({.kind = Kind::map, .item = strings})},
                                    {"workspace_roots", strings},
                                    {"side_effect_level", opt_string},
                                    {"recursion_limit", opt_usize},
                                    {"tool_arg_constraints", any_seq},
                                    {"tool_annotations", any_map}});
    // Its fields are not read here: only that it is a struct.
    const Type* approval_policy = record("ToolApprovalPolicy", {});
    const Type* turn_policy = record("TurnPolicy",
                                     {{"require_action_or_yield", boolean},
                                      {"allow_done_sentinel", boolean},
                                      {"max_prose_chars", opt_usize}},
                                     true);
    const Type* required_tool = add({.kind = Kind::untagged,
                                     .name = "RequiredSuccessfulTool",
                                     .alternatives = {string, strings}});
    const Type* model_policy =
        record("ModelPolicy",
               {{"provider", opt_string},
                {"model", opt_string},
                {"model_tier", opt_string},
                {"temperature", opt_f64},
                {"max_tokens", opt_i64},
                {"max_iterations", opt_usize},
                {"iteration_budget", any},
                {"max_nudges", opt_usize},
                {"nudge", opt_string},
                {"tool_examples", opt_string},
                {"stop_after_successful_tools", opt_strings},
                {"require_successful_tools",
                 add({.kind = Kind::seq, .optional = true, .item = required_tool})},
                {"turn_policy", turn_policy},
                {"tool_format", opt_string},
                {"native_tool_fallback", add({.kind = Kind::string_enum,
                                              .name = "NativeToolFallbackPolicy",
                                              .variants = {"allow", "allow_once", "reject"}})}});
    const Type* auto_compact = record("AutoCompactPolicy", {{"enabled", boolean},
                                                            {"token_threshold", opt_usize},
                                                            {"tool_output_max_chars", opt_usize},
                                                            {"compact_strategy", opt_string},
                                                            {"hard_limit_tokens", opt_usize},
                                                            {"hard_limit_strategy", opt_string}});
    const Type* feedback_bounds = record("FeedbackBounds", {{"max_chars", opt_usize}});
    const Type* retry_policy =
        record("RetryPolicy", {{"max_attempts", usize},
                               {"verify", boolean},
                               {"repair", boolean},
                               {"backoff_ms", opt_u64},
                               {"backoff_multiplier", opt_f64},
                               {"feedback", add({.kind = Kind::untagged,
                                                 .optional = true,
                                                 .name = "FeedbackPolicy",
                                                 .alternatives = {boolean, feedback_bounds}})}});
    const Type* stage_contract = record("StageContract", {{"input_kinds", strings},
                                                          {"output_kinds", strings},
                                                          {"min_inputs", opt_usize},
                                                          {"max_inputs", opt_usize},
                                                          {"require_transcript", boolean},
                                                          {"schema", any}});
    const Type* branch_semantics = record("BranchSemantics", {{"success", opt_string},
                                                              {"failure", opt_string},
                                                              {"verify_pass", opt_string},
                                                              {"verify_fail", opt_string},
                                                              {"condition_true", opt_string},
                                                              {"condition_false", opt_string},
                                                              {"loop_continue", opt_string},
                                                              {"loop_exit", opt_string},
                                                              {"escalation", opt_string}});
    const Type* map_policy = record("MapPolicy", {{"items", any_seq},
                                                  {"item_artifact_kind", opt_string},
                                                  {"output_kind", opt_string},
                                                  {"max_items", opt_usize},
                                                  {"max_concurrent", opt_usize}});
    const Type* join_policy = record(
        "JoinPolicy",
        {{"strategy", string}, {"require_all_inputs", boolean}, {"min_completed", opt_usize}});
    const Type* reduce_policy =
        record("ReducePolicy",
               {{"strategy", string}, {"separator", opt_string}, {"output_kind", opt_string}});
    const Type* escalation_policy = record(
        "EscalationPolicy", {{"level", opt_string}, {"queue", opt_string}, {"reason", opt_string}});

    node = record("WorkflowNode", {{"id", opt_string},
                                   {"kind", string},
                                   {"mode", opt_string},
                                   {"prompt", opt_string},
                                   {"system", opt_string},
                                   {"task_label", opt_string},
                                   {"done_sentinel", opt_string},
                                   {"tools", any},
                                   {"model_policy", model_policy},
                                   {"auto_compact", auto_compact},
                                   {"output_visibility", opt_string},
                                   {"context_policy", context_policy},
                                   {"retry_policy", retry_policy},
                                   {"capability_policy", capability_policy},
                                   {"approval_policy", approval_policy},
                                   {"input_contract", stage_contract},
                                   {"output_contract", stage_contract},
                                   {"branch_semantics", branch_semantics},
                                   {"map_policy", map_policy},
                                   {"join_policy", join_policy},
                                   {"reduce_policy", reduce_policy},
                                   {"escalation_policy", escalation_policy},
                                   {"verify", any},
                                   {"exit_when_verified", boolean},
                                   {"metadata", any_map}});
    const Type* edge =
        record("WorkflowEdge",
               {{"from", string}, {"to", string}, {"branch", opt_string}, {"label", opt_string}});
    const Type* audit_entry = record("WorkflowAuditEntry", {{"id", string},
                                                            {"op", string},
                                                            {"node_id", opt_string},
                                                            {"timestamp", string},
                                                            {"reason", opt_string},
                                                            {"metadata", any_map}});
    graph = record("WorkflowGraph", {{"_type", string},
                                     {"id", string},
                                     {"name", opt_string},
                                     {"version", usize},
                                     {"entry", string},
                                     {"nodes", add({.kind = Kind::map, .item = node})},
                                     {"edges", add({.kind = Kind::seq, .item = edge})},
                                     {"capability_policy", capability_policy},
                                     {"approval_policy", approval_policy},
                                     {"metadata", any_map},
                                     {"audit_log", add({.kind = Kind::seq, .item = audit_entry})}});
  }

  const Type* graph = nullptr;
  const Type* node = nullptr;

private:
  const Type* add(Type type) {
    m_types.push_back(std::make_unique<Type>(std::move(type)));
    return m_types.back().get();
  }
  std::vector<std::unique_ptr<Type>> m_types;
};

const Schema& schema() {
  static const Schema k_schema;
  return k_schema;
}

// The members of an object as serde_json's Value holds them: document order, a duplicate key's
// last value kept in its first place.
std::vector<std::pair<std::string_view, Element>> value_members(Element object) {
  std::vector<std::pair<std::string_view, Element>> out;
  for (auto field : simdjson::dom::object(object.get_object())) {
    auto same =
        std::find_if(out.begin(), out.end(), [&](const auto& m) { return m.first == field.key; });
    if (same != out.end()) {
      same->second = field.value;
    } else {
      out.emplace_back(field.key, field.value);
    }
  }
  return out;
}

bool is_container(Element value) {
  return value.is_array() || value.is_object();
}

// What serde expects for `type`, as its messages name it.
std::string expected(const Type& type) {
  switch (type.kind) {
  case Kind::string:
    return "a string";
  case Kind::usize:
  case Kind::i64:
    return std::string(type.name);
  case Kind::f64:
    return "f64";
  case Kind::boolean:
    return "a boolean";
  case Kind::seq:
    return "a sequence";
  case Kind::map:
    return "a map";
  case Kind::record:
    return fmt::format("struct {}", type.name);
  case Kind::string_enum:
    return fmt::format("enum {}", type.name);
  case Kind::untagged:
  case Kind::any:
    break;
  }
  return "any value";
}

class Checker {
public:
  std::optional<StructProblem> check(Element value, const Type& type) {
    if (type.optional && value.is_null()) {
      return std::nullopt;
    }
    switch (type.kind) {
    case Kind::any:
      return std::nullopt;
    case Kind::string:
      return value.is_string() ? std::nullopt : refuse(value, type);
    case Kind::boolean:
      return value.is_bool() ? std::nullopt : refuse(value, type);
    case Kind::f64:
      return value.is_number() ? std::nullopt : refuse(value, type);
    case Kind::usize:
      if (value.type() == element_type::INT64 && int64_t(value.get_int64()) < 0) {
        return problem(value, fmt::format("invalid value: integer `{}`, expected {}",
                                          int64_t(value.get_int64()), type.name));
      }
      return value.type() == element_type::INT64 || value.type() == element_type::UINT64
                 ? std::nullopt
                 : refuse(value, type);
    case Kind::i64:
      if (value.type() == element_type::UINT64) {
        return problem(value, fmt::format("invalid value: integer `{}`, expected i64",
                                          uint64_t(value.get_uint64())));
      }
      return value.type() == element_type::INT64 ? std::nullopt : refuse(value, type);
    case Kind::string_enum:
      return check_enum(value, type);
    case Kind::untagged:
      return check_untagged(value, type);
    case Kind::seq:
      return check_seq(value, type);
    case Kind::map:
      return check_map(value, type);
    case Kind::record:
      return check_record(value, type);
    }
    return std::nullopt;
  }

private:
  std::optional<StructProblem> problem(Element value, std::string message) {
    StructProblem out;
    out.message = std::move(message);
    out.after_value = !is_container(value);
    for (const Segment& segment : m_path) {
      out.pointer += segment.index ? json::pointer_join("", *segment.index)
                                   : json::pointer_join("", segment.key);
      if (segment.index) {
        out.path += fmt::format("[{}]", *segment.index);
      } else {
        out.path += (out.path.empty() ? "" : ".") + std::string(segment.key);
      }
    }
    if (out.path.empty()) {
      out.path = ".";
    }
    return out;
  }
  std::optional<StructProblem> refuse(Element value, const Type& type) {
    return problem(value, serde::invalid_type(value, expected(type)));
  }

  std::optional<StructProblem> check_enum(Element value, const Type& type) {
    if (!value.is_string()) {
      return refuse(value, type);
    }
    const std::string_view text = value.get_string();
    for (std::string_view variant : type.variants) {
      if (variant == text) {
        return std::nullopt;
      }
    }
    std::string names;
    for (std::string_view variant : type.variants) {
      names += fmt::format("{}`{}`", names.empty() ? "" : ", ", variant);
    }
    return problem(value, fmt::format("unknown variant `{}`, expected one of {}", text, names));
  }

  std::optional<StructProblem> check_untagged(Element value, const Type& type) {
    for (const Type* alternative : type.alternatives) {
      Checker inner;
      if (!inner.check(value, *alternative)) {
        return std::nullopt;
      }
    }
    // serde buffers the value before trying the variants: the error comes after it.
    auto out = problem(
        value, fmt::format("data did not match any variant of untagged enum {}", type.name));
    out->after_value = true;
    return out;
  }

  std::optional<StructProblem> check_seq(Element value, const Type& type) {
    if (!value.is_array()) {
      return refuse(value, type);
    }
    std::size_t index = 0;
    for (Element item : value.get_array()) {
      m_path.push_back({.index = index++});
      if (auto p = check(item, *type.item)) {
        return p;
      }
      m_path.pop_back();
    }
    return std::nullopt;
  }

  std::optional<StructProblem> check_map(Element value, const Type& type) {
    if (!value.is_object()) {
      return refuse(value, type);
    }
    for (const auto& [key, item] : value_members(value)) {
      m_path.push_back({.key = key});
      if (auto p = check(item, *type.item)) {
        return p;
      }
      m_path.pop_back();
    }
    return std::nullopt;
  }

  std::optional<StructProblem> check_record(Element value, const Type& type) {
    if (value.is_array()) {
      return check_record_elements(value, type);
    }
    if (!value.is_object()) {
      return refuse(value, type);
    }
    for (const auto& [key, item] : value_members(value)) {
      const auto field = std::find_if(type.fields.begin(), type.fields.end(),
                                      [&](const Field& f) { return f.name == key; });
      if (field == type.fields.end()) {
        continue;
      }
      m_path.push_back({.key = key});
      if (auto p = check(item, *field->type)) {
        return p;
      }
      m_path.pop_back();
    }
    return std::nullopt;
  }

  // A derived struct also reads a sequence: its fields in declaration order, the missing ones
  // defaulted.
  std::optional<StructProblem> check_record_elements(Element value, const Type& type) {
    const std::size_t count = simdjson::dom::array(value.get_array()).size();
    if (count > type.fields.size()) {
      return problem(value,
                     fmt::format("invalid length {}, expected fewer elements in array", count));
    }
    std::size_t index = 0;
    for (Element item : value.get_array()) {
      m_path.push_back({.index = index});
      if (auto p = check(item, *type.fields[index].type)) {
        return p;
      }
      m_path.pop_back();
      ++index;
    }
    return std::nullopt;
  }

  struct Segment {
    std::string_view key{};
    std::optional<std::size_t> index{};
  };
  std::vector<Segment> m_path;
};

// serde_json's string escapes: quote, backslash and control characters; everything else as is.
void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
      } else {
        out += c;
      }
    }
  }
  out += '"';
}

void append_compact(std::string& out, Element value, const std::string& pointer,
                    std::string_view target, CompactJson& found) {
  const std::size_t start = out.size();
  switch (value.type()) {
  case element_type::NULL_VALUE:
    out += "null";
    break;
  case element_type::BOOL:
    out += bool(value.get_bool()) ? "true" : "false";
    break;
  case element_type::INT64:
    out += std::to_string(int64_t(value.get_int64()));
    break;
  case element_type::UINT64:
    out += std::to_string(uint64_t(value.get_uint64()));
    break;
  case element_type::DOUBLE:
    out += format_f64(value.get_double());
    break;
  case element_type::STRING:
    append_quoted(out, value.get_string());
    break;
  case element_type::ARRAY: {
    out += '[';
    std::size_t index = 0;
    for (Element item : value.get_array()) {
      out += index == 0 ? "" : ",";
      append_compact(out, item, json::pointer_join(pointer, index), target, found);
      ++index;
    }
    out += ']';
    break;
  }
  case element_type::OBJECT: {
    out += '{';
    bool first = true;
    for (const auto& [key, item] : value_members(value)) {
      out += first ? "" : ",";
      first = false;
      append_quoted(out, key);
      out += ':';
      append_compact(out, item, json::pointer_join(pointer, key), target, found);
    }
    out += '}';
    break;
  }
  }
  if (pointer == target) {
    found.start = start;
    found.end = out.size();
  }
}

} // namespace

std::optional<StructProblem> check_workflow_graph(Element graph) {
  return Checker().check(graph, *schema().graph);
}

std::optional<StructProblem> check_workflow_node(Element node) {
  return Checker().check(node, *schema().node);
}

CompactJson compact_json(Element value, std::string_view pointer) {
  CompactJson out;
  append_compact(out.text, value, "", pointer, out);
  return out;
}

std::string format_f64(double value) {
  // ryu's shortest digits, laid out as serde_json (ryu's `format_finite`) does.
  char buffer[64];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  if (error != std::errc()) {
    return "null";
  }
  std::string_view text(buffer, end - buffer);
  std::string sign;
  if (text.starts_with('-')) {
    sign = "-";
    text.remove_prefix(1);
  }
  const std::size_t e = text.find('e');
  std::string digits;
  for (const char c : text.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  const int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  const int length = static_cast<int>(digits.size());
  const int kk = exponent + 1; // 10^(kk-1) <= |value| < 10^kk
  const int k = kk - length;   // value = digits * 10^k
  std::string out = sign;
  if (digits == "0") {
    return out + "0.0";
  }
  if (k >= 0 && kk <= 16) {
    return out + digits + std::string(static_cast<std::size_t>(k), '0') + ".0";
  }
  if (kk > 0 && kk <= 16) {
    return out + digits.substr(0, kk) + "." + digits.substr(kk);
  }
  if (kk > -5 && kk <= 0) {
    return out + "0." + std::string(static_cast<std::size_t>(-kk), '0') + digits;
  }
  out += digits.substr(0, 1);
  if (length > 1) {
    out += "." + digits.substr(1);
  }
  return out + fmt::format("e{}", kk - 1);
}

} // namespace reprise::harn
