#include "diff/first_divergence.hpp"

#include "diff/diff_labels.hpp"
#include "diff/json_compare.hpp"
#include "diff/spanned_value.hpp"

#include "json/json_scan.hpp"
#include <vector>

namespace reprise {

namespace {

// The messages of `document`'s /transcript/messages (none when it is missing or not an array).
std::vector<SpannedValue> messages(const Document& document) {
  std::vector<SpannedValue> out;
  auto array = json::member_path(document.root(), {"transcript", "messages"});
  if (!array || !array->is_array()) {
    return out;
  }
  const auto bytes = document.bytes_at("/transcript/messages");
  if (!bytes) {
    return out;
  }
  auto spans = child_spans(*bytes, false);
  std::size_t i = 0;
  const simdjson::dom::array list = array->get_array().value_unsafe();
  for (simdjson::dom::element message : list) {
    out.push_back({message, spans && i < spans->size() ? (*spans)[i] : std::string_view{}});
    ++i;
  }
  return out;
}

} // namespace

std::optional<Divergence> first_divergence(const Document& a, const Document& b) {
  const std::vector<SpannedValue> list_a = messages(a);
  const std::vector<SpannedValue> list_b = messages(b);
  std::size_t index = 0;
  while (index < list_a.size() && index < list_b.size() &&
         (list_a[index].bytes == list_b[index].bytes ||
          values_equal(list_a[index].dom, list_b[index].dom))) {
    ++index;
  }
  if (index == list_a.size() && index == list_b.size()) {
    return std::nullopt;
  }
  auto side = [&](const std::vector<SpannedValue>& list) -> std::optional<MessageSide> {
    if (index >= list.size()) {
      return std::nullopt;
    }
    const SpannedValue& node = list[index];
    MessageSide out;
    out.role = std::string(json::string_member(node.dom, "role").value_or(""));
    if (auto content = json::find_pointer(node.bytes, "/content")) {
      out.content = *content;
    }
    out.text = message_text(node.dom, node.bytes);
    return out;
  };
  return Divergence{index, side(list_a), side(list_b)};
}

} // namespace reprise
