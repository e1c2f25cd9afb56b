#include "diff/spanned_value.hpp"

#include "json/json_scan.hpp"

namespace reprise {

std::optional<std::vector<std::string_view>> child_spans(std::string_view bytes, bool object) {
  std::vector<std::string_view> spans;
  std::size_t i = json::skip_whitespace(bytes, 0);
  if (i >= bytes.size() || bytes[i] != (object ? '{' : '[')) {
    return std::nullopt;
  }
  i = json::skip_whitespace(bytes, i + 1);
  if (i < bytes.size() && bytes[i] == (object ? '}' : ']')) {
    return spans;
  }
  while (i < bytes.size()) {
    if (object) {
      auto key_end = json::value_end(bytes, i);
      if (!key_end) {
        return std::nullopt;
      }
      i = json::skip_whitespace(bytes, *key_end);
      if (i >= bytes.size() || bytes[i] != ':') {
        return std::nullopt;
      }
      i = json::skip_whitespace(bytes, i + 1);
    }
    auto end = json::value_end(bytes, i);
    if (!end) {
      return std::nullopt;
    }
    spans.push_back(bytes.substr(i, *end - i));
    i = json::skip_whitespace(bytes, *end);
    if (i < bytes.size() && bytes[i] == ',') {
      i = json::skip_whitespace(bytes, i + 1);
      continue;
    }
    if (i < bytes.size() && bytes[i] == (object ? '}' : ']')) {
      return spans;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

SpannedValue root_value(const Document& document) {
  const std::string_view text = document.text();
  const std::size_t start = json::skip_whitespace(text, 0);
  const std::size_t end = json::value_end(text, start).value_or(text.size());
  return {document.root(), text.substr(start, end - start)};
}

} // namespace reprise
