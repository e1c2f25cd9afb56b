#include "reset/transcript.hpp"

#include "base/text.hpp"
#include "reset/carry_policy.hpp"

#include "json/json_scan.hpp"
#include "json/member.hpp"
#include "json/serde_check.hpp"
#include <fmt/format.h>
#include <simdjson.h>

namespace reprise {

namespace {

constexpr std::size_t k_keep_last = 2;
constexpr std::size_t k_summary_lines = 15;
constexpr std::size_t k_line_bytes = 500;

// The parts of one message that compaction and event derivation look at.
struct MessageInfo {
  std::optional<std::string> role;      // when `role` is a string
  std::optional<std::string> content;   // when `content` is a string
  std::vector<std::string> text_blocks; // `text` of the blocks when `content` is a list
  std::optional<std::string> visibility;
  bool volatile_message = false; // role tool, a tool_calls key, or a non-null reasoning
};

std::optional<std::string> string_field(simdjson::dom::element object, std::string_view key) {
  if (auto text = json::string_member(object, key)) {
    return std::string(*text);
  }
  return std::nullopt;
}

MessageInfo message_info(simdjson::dom::element object) {
  MessageInfo info;
  if (!object.is_object()) {
    return info;
  }
  info.role = string_field(object, "role");
  info.content = string_field(object, "content");
  info.visibility = string_field(object, "visibility");
  auto blocks = json::member(object, "content");
  if (!info.content && blocks && blocks->is_array()) {
    for (simdjson::dom::element block : blocks->get_array()) {
      if (auto text = string_field(block, "text")) {
        info.text_blocks.push_back(std::move(*text));
      }
    }
  }
  const bool has_tool_calls = json::member(object, "tool_calls").has_value();
  auto reasoning = json::member(object, "reasoning");
  const bool has_reasoning = reasoning && !reasoning->is_null();
  info.volatile_message = (info.role && *info.role == "tool") || has_tool_calls || has_reasoning;
  return info;
}

// The messages of a JSON array's bytes; nullopt when `bytes` is not an array.
struct ParsedMessages {
  std::vector<std::string_view> raw; // each message's bytes
  std::vector<MessageInfo> info;
};

std::optional<ParsedMessages> parse_messages(std::string_view bytes) {
  auto elements = json::array_elements(bytes);
  if (!elements) {
    return std::nullopt;
  }
  ParsedMessages out;
  out.raw = std::move(*elements);
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(bytes);
  simdjson::dom::array array;
  if (parser.parse(padded).get_array().get(array) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  out.info.reserve(out.raw.size());
  for (simdjson::dom::element element : array) {
    out.info.push_back(message_info(element));
  }
  return out;
}

// harn's truncate-strategy summary of the first `count` messages.
std::string summary_text(const std::vector<MessageInfo>& messages, std::size_t count) {
  std::string out =
      fmt::format("[auto-compacted {} older messages via truncate strategy]\n", count);
  std::size_t lines = 0;
  for (std::size_t i = 0; i < count && lines < k_summary_lines; ++i) {
    const MessageInfo& message = messages[i];
    if (!message.role || !message.content || message.content->empty()) {
      continue;
    }
    std::string content;
    if (message.content->size() > k_line_bytes) {
      content = fmt::format("{}... [truncated from {} chars]",
                            cut_bytes(*message.content, k_line_bytes), message.content->size());
    } else {
      content = *message.content;
    }
    if (lines > 0) {
      out += '\n';
    }
    out += fmt::format("[{}] {}", *message.role, content);
    ++lines;
  }
  if (count > k_summary_lines) {
    out += fmt::format("\n... and {} more", count - k_summary_lines);
  }
  return out;
}

// The transcript event harn derives from one message.
OrderedJson derive_event(const MessageInfo& message, IdSource& ids) {
  const std::string role = message.role.value_or("");
  const bool tool_result = role == "tool_result";
  const std::string visibility = message.visibility.value_or(tool_result ? "internal" : "public");
  std::string text;
  OrderedJson blocks = OrderedJson::array();
  if (message.content) {
    text = *message.content;
    blocks.push_back({{"type", "text"}, {"text", text}, {"visibility", visibility}});
  } else {
    for (const std::string& block : message.text_blocks) {
      if (!text.empty()) {
        text += '\n';
      }
      text += block;
      blocks.push_back({{"type", "text"}, {"text", block}, {"visibility", visibility}});
    }
  }
  OrderedJson event = OrderedJson::object();
  event["id"] = ids.next();
  event["kind"] = tool_result ? "tool_result" : "message";
  event["role"] = role;
  event["visibility"] = visibility;
  event["text"] = std::move(text);
  event["blocks"] = std::move(blocks);
  return event;
}

MessageInfo summary_message(const std::string& summary) {
  MessageInfo info;
  info.role = "user";
  info.content = summary;
  return info;
}

// The index of the first message kept by a keep_last-2 truncate compaction; 0 when none is
// archived.
std::size_t compaction_split(const std::vector<MessageInfo>& messages) {
  const std::size_t n = messages.size();
  if (n <= k_keep_last) {
    return 0;
  }
  const auto is_user = [&](std::size_t i) { return messages[i].role == "user"; };
  std::size_t split = n - k_keep_last;
  while (split > 0 && !is_user(split)) {
    --split;
  }
  if (split == 0) {
    split = n - k_keep_last;
  }
  for (std::size_t i = split; i < n; ++i) {
    if (messages[i].volatile_message) {
      // The last user message strictly before the first volatile one, when past the start.
      for (std::size_t j = i; j-- > 0;) {
        if (is_user(j)) {
          if (j > 0) {
            split = j;
          }
          break;
        }
      }
      break;
    }
  }
  return split;
}

} // namespace

ForkedTranscript fork_transcript(std::string_view bytes, IdSource& ids) {
  ForkedTranscript out;
  JsonNode node = JsonNode::expand(bytes);
  if (!node.is_object()) {
    out.transcript = JsonNode::raw(bytes);
    return out;
  }
  out.forked = true;
  if (const JsonNode* old_id = node.find("id")) {
    std::string display = serde::display(old_id->to_json());
    if (!display.empty()) {
      out.parent_id = std::move(display);
    }
  }
  out.new_id = ids.next();
  node.set_value("id", out.new_id);
  if (out.parent_id) {
    JsonNode* metadata = node.find("metadata");
    if (metadata != nullptr && metadata->make_editable() && metadata->is_object()) {
      set_vm_dict_member(*metadata, "parent_transcript_id", JsonNode::value(*out.parent_id));
    } else {
      node.set_value("metadata", OrderedJson{{"parent_transcript_id", *out.parent_id}});
    }
  }
  out.transcript = std::move(node);
  return out;
}

Result<CompactedTranscript> compact_transcript(std::string_view bytes, IdSource& ids) {
  CompactedTranscript out;
  out.transcript = JsonNode::raw(bytes);
  JsonNode node = JsonNode::expand(bytes);
  if (!node.is_object()) {
    return out;
  }
  const JsonNode* messages_node = node.find("messages");
  if (messages_node == nullptr) {
    return out;
  }
  const std::string_view messages_bytes =
      messages_node->is_raw() ? messages_node->raw_bytes() : std::string_view{};
  auto messages = parse_messages(messages_bytes);
  if (!messages) {
    return fail(ErrorCode::failed, "Thrown: transcript.messages must be a list");
  }
  const std::size_t original_count = messages->raw.size();
  const std::size_t split = compaction_split(messages->info);
  if (split == 0) {
    return out;
  }

  out.compacted = true;
  out.archived = split;
  out.summary = summary_text(messages->info, split);

  JsonNode new_messages = JsonNode::array();
  new_messages.elements().push_back(
      JsonNode::value(OrderedJson{{"role", "user"}, {"content", out.summary}}));
  JsonNode events = JsonNode::array();
  events.elements().push_back(JsonNode::value(derive_event(summary_message(out.summary), ids)));
  for (std::size_t i = split; i < original_count; ++i) {
    new_messages.elements().push_back(JsonNode::raw(messages->raw[i]));
    events.elements().push_back(JsonNode::value(derive_event(messages->info[i], ids)));
  }
  // [M]: the original events past the first len(original messages) are the non-message ones.
  if (const JsonNode* old_events = node.find("events"); old_events != nullptr) {
    if (auto elements = json::array_elements(old_events->raw_bytes())) {
      for (std::size_t i = original_count; i < elements->size(); ++i) {
        events.elements().push_back(JsonNode::raw((*elements)[i]));
      }
    }
  }
  node.set("messages", std::move(new_messages));
  node.set("events", std::move(events));
  node.set_value("summary", out.summary);
  out.transcript = std::move(node);
  return out;
}

std::optional<std::string> transcript_digest(std::string_view bytes) {
  const JsonNode node = JsonNode::expand(bytes);
  if (!node.is_object()) {
    return std::nullopt;
  }
  if (const JsonNode* summary = node.find("summary")) {
    const OrderedJson value = summary->to_json();
    if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      if (const std::string_view trimmed = trim(text); !trimmed.empty()) {
        return std::string(trimmed);
      }
    }
  }
  const JsonNode* messages_node = node.find("messages");
  if (messages_node == nullptr || !messages_node->is_raw()) {
    return std::nullopt;
  }
  auto messages = parse_messages(messages_node->raw_bytes());
  if (!messages || messages->info.empty()) {
    return std::nullopt;
  }
  return summary_text(messages->info, messages->info.size());
}

OrderedJson summary_only_transcript(std::string_view bytes, const std::string& digest,
                                    IdSource& ids) {
  const JsonNode node = JsonNode::expand(bytes);
  OrderedJson out = OrderedJson::object();
  out["_type"] = "transcript";
  out["version"] = 2;
  if (const JsonNode* id = node.is_object() ? node.find("id") : nullptr) {
    out["id"] = id->to_json();
  }
  out["messages"] = OrderedJson::array({OrderedJson{{"role", "user"}, {"content", digest}}});
  out["events"] = OrderedJson::array({derive_event(summary_message(digest), ids)});
  out["assets"] = OrderedJson::array();
  out["summary"] = digest;
  if (const JsonNode* metadata = node.is_object() ? node.find("metadata") : nullptr) {
    out["metadata"] = metadata->to_json();
  }
  return out;
}

} // namespace reprise
