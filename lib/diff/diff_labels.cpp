#include "diff/diff_labels.hpp"

#include <fmt/format.h>

namespace reprise {

std::string excerpt(std::string_view text) {
  std::string out;
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool continuation = (c & 0xC0) == 0x80;
    if (!continuation) {
      if (characters == k_excerpt_length) {
        out += "…";
        return out;
      }
      ++characters;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : static_cast<char>(c);
  }
  return out;
}

std::string message_text(simdjson::dom::element message, std::string_view bytes) {
  if (!message.is_object()) {
    return std::string(bytes);
  }
  auto object = message.get_object().value_unsafe();
  for (std::string_view key : {"content", "text"}) {
    auto member = object[key];
    if (member.error()) {
      continue;
    }
    simdjson::dom::element value = member.value_unsafe();
    if (value.is_string()) {
      return std::string(value.get_string().value_unsafe());
    }
    if (value.is_array()) {
      std::string joined;
      const simdjson::dom::array blocks = value.get_array().value_unsafe();
      for (simdjson::dom::element block : blocks) {
        const std::string_view text = string_member(block, "text");
        if (!text.empty()) {
          if (!joined.empty()) {
            joined += '\n';
          }
          joined += text;
        }
      }
      return joined;
    }
  }
  return {};
}

Entry element_entry(EntryKind kind, ChangeKind change, const std::string& pointer,
                    const SpannedValue* a, const SpannedValue* b) {
  Entry entry;
  entry.section = section_of(pointer);
  entry.kind = kind;
  entry.change = change;
  entry.pointer = pointer;
  const SpannedValue* latest = b != nullptr ? b : a;
  if (a != nullptr) {
    entry.before = a->bytes;
  }
  if (b != nullptr) {
    entry.after = b->bytes;
  }
  entry.id = std::string(string_member(latest->dom, "id"));
  switch (kind) {
  case EntryKind::artifact:
    entry.label = std::string(string_member(latest->dom, "kind"));
    entry.title = std::string(string_member(latest->dom, "title"));
    break;
  case EntryKind::message:
  case EntryKind::event: {
    if (kind == EntryKind::message) {
      entry.label = std::string(string_member(latest->dom, "role"));
    } else {
      entry.label = std::string(string_member(latest->dom, "kind"));
      const std::string_view role = string_member(latest->dom, "role");
      if (!role.empty()) {
        entry.label += entry.label.empty() ? std::string(role) : fmt::format("/{}", role);
      }
    }
    if (a != nullptr) {
      entry.excerpt_a = excerpt(message_text(a->dom, a->bytes));
    }
    if (b != nullptr) {
      entry.excerpt_b = excerpt(message_text(b->dom, b->bytes));
    }
    break;
  }
  default:
    break;
  }
  return entry;
}

} // namespace reprise
