#include "base/text.hpp"

#include <fmt/format.h>

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

std::pair<std::int32_t, std::size_t> decode_code_point(std::string_view text, std::size_t pos) {
  constexpr std::pair<std::int32_t, std::size_t> k_invalid{-1, 1};
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    return {lead, 1};
  }
  std::size_t length = 0;
  std::int32_t code_point = 0;
  std::int32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, minimum = 0x10000;
  } else {
    return k_invalid;
  }
  if (pos + length > text.size()) {
    return k_invalid;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return k_invalid;
    }
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return k_invalid;
  }
  return {code_point, length};
}

std::string escape_control(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const auto [code_point, length] = decode_code_point(text, pos);
    if (code_point < 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[pos]));
    } else if ((code_point == '\n' || code_point == '\t') && keep_newlines) {
      out += static_cast<char>(code_point);
    } else if (is_control(code_point)) {
      out += code_point < 0x80 ? fmt::format("\\x{:02x}", code_point)
                               : fmt::format("\\u{{{:04x}}}", code_point);
    } else {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

} // namespace reprise
