#include "diff/diff_labels.hpp"

#include "base/text.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace reprise {

std::string excerpt(std::string_view text) {
  std::string out = shorten_characters(text, k_excerpt_length);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return out;
}

std::string message_text(simdjson::dom::element message, std::string_view bytes) {
  if (!message.is_object()) {
    return std::string(bytes);
  }
  for (std::string_view key : {"content", "text"}) {
    auto member = json::member(message, key);
    if (!member) {
      continue;
    }
    const simdjson::dom::element value = *member;
    if (value.is_string()) {
      return std::string(value.get_string().value_unsafe());
    }
    if (value.is_array()) {
      std::string joined;
      const simdjson::dom::array blocks = value.get_array().value_unsafe();
      for (simdjson::dom::element block : blocks) {
        const std::string_view text = json::string_member(block, "text").value_or("");
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

DiffEntry element_entry(EntryKind kind, ChangeKind change, const std::string& pointer,
                        const SpannedValue* a, const SpannedValue* b) {
  DiffEntry entry;
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
  entry.id = std::string(json::string_member(latest->dom, "id").value_or(""));
  switch (kind) {
  case EntryKind::artifact:
    entry.label = std::string(json::string_member(latest->dom, "kind").value_or(""));
    entry.title = std::string(json::string_member(latest->dom, "title").value_or(""));
    break;
  case EntryKind::message:
  case EntryKind::event: {
    if (kind == EntryKind::message) {
      entry.label = std::string(json::string_member(latest->dom, "role").value_or(""));
    } else {
      entry.label = std::string(json::string_member(latest->dom, "kind").value_or(""));
      const std::string_view role = json::string_member(latest->dom, "role").value_or("");
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
