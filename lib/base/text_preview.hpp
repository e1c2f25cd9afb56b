#pragma once

#include <cstddef>
#include <string>

namespace reprise {

// How long a one-line preview of a value in a reset plan may be, in bytes.
inline constexpr std::size_t k_preview_bytes = 120;

// `text` cut to `limit` bytes at a UTF-8 character boundary, with an ellipsis when cut.
inline std::string shorten(std::string text, std::size_t limit = k_preview_bytes) {
  if (text.size() <= limit) {
    return text;
  }
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
    --end;
  }
  text.resize(end);
  return text + "…";
}

} // namespace reprise
