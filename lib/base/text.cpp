#include "base/text.hpp"

namespace reprise {

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(k_blank);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(k_blank) - first + 1);
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(k_blank) == std::string_view::npos;
}

std::size_t characters(std::string_view text) {
  std::size_t count = 0;
  for (char byte : text) {
    count += starts_character(byte) ? 1 : 0;
  }
  return count;
}

std::string_view cut_bytes(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) {
    return text;
  }
  std::size_t end = limit;
  while (end > 0 && !starts_character(text[end])) {
    --end;
  }
  return text.substr(0, end);
}

std::string_view cut_characters(std::string_view text, std::size_t count) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (starts_character(text[i])) {
      if (seen == count) {
        return text.substr(0, i);
      }
      ++seen;
    }
  }
  return text;
}

std::string shorten(std::string_view text, std::size_t limit) {
  const std::string_view kept = cut_bytes(text, limit);
  return kept.size() == text.size() ? std::string(text) : std::string(kept) + "…";
}

std::string shorten_characters(std::string_view text, std::size_t count) {
  const std::string_view kept = cut_characters(text, count);
  return kept.size() == text.size() ? std::string(text) : std::string(kept) + "…";
}

} // namespace reprise
