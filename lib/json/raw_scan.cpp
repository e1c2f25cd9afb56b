#include "json/raw_scan.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace reprise {

namespace {

// The string literals of JSON text walked byte by byte, for the raw scans below that look only
// at what lies outside them (brackets, numbers).
class StringLiterals {
public:
  // Whether text[i] belongs to a string literal (its quotes included); past an escape's backslash,
  // `i` is moved onto the escaped byte, so the walk's next step leaves it out too.
  bool skip(std::string_view text, std::size_t& i) {
    const char c = text[i];
    if (m_inside) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        m_inside = false;
      }
      return true;
    }
    if (c == '"') {
      m_inside = true;
      return true;
    }
    return false;
  }

private:
  bool m_inside = false;
};

// Whether the integer `digits` (no sign) fits the 64-bit range simdjson reads: up to 2^64-1, or
// down to -2^63 when `negative`.
bool fits_64_bits(std::string_view digits, bool negative) {
  const std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
  return digits.size() < limit.size() || (digits.size() == limit.size() && digits <= limit);
}

// `token` (an integer beyond 64 bits) as the nearest double, written in exactly token.size()
// bytes: the shortest digits that read back as that double, then an exponent padded with zeros
// ("123456789012345678901" → "12345678901234568e04"). Empty when the value is out of a double's
// range.
std::string same_length_double(std::string_view token) {
  const std::string text(token);
  const double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value)) {
    return {};
  }
  char buffer[64];
  const auto written =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string_view shortest(buffer, static_cast<std::size_t>(written.ptr - buffer));
  const std::size_t e = shortest.find('e');
  std::string mantissa;
  for (const char c : shortest.substr(0, e)) {
    if (c != '.') {
      mantissa += c; // keeps a leading '-'
    }
  }
  const std::size_t digits = mantissa.size() - (mantissa.starts_with('-') ? 1 : 0);
  const long exponent = std::strtol(std::string(shortest.substr(e + 1)).c_str(), nullptr, 10) -
                        static_cast<long>(digits - 1);
  std::string out = mantissa + 'e';
  const std::string power = std::to_string(exponent);
  if (out.size() + power.size() > token.size()) {
    return {};
  }
  out.append(token.size() - out.size() - power.size(), '0');
  return out + power;
}

} // namespace

// A copy of `text` in which every integer beyond 64 bits (which simdjson rejects, and serde_json,
// harn's parser, reads as the nearest double) is written as that double in the same number of
// bytes, so that every offset, and so every byte span, stays the same. nullopt when there is none.
std::optional<simdjson::padded_string> widen_big_integers(std::string_view text) {
  std::optional<simdjson::padded_string> copy;
  StringLiterals strings;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (strings.skip(text, i)) {
      continue;
    }
    const char c = text[i];
    if (c != '-' && (c < '0' || c > '9')) {
      continue;
    }
    std::size_t end = i + (c == '-' ? 1 : 0);
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
      ++end;
    }
    const bool integer =
        end == text.size() || (text[end] != '.' && text[end] != 'e' && text[end] != 'E');
    const std::string_view token = text.substr(i, end - i);
    const std::string_view digits = token.substr(c == '-' ? 1 : 0);
    if (integer && !digits.empty() && digits[0] != '0' && !fits_64_bits(digits, c == '-')) {
      const std::string widened = same_length_double(token);
      if (!widened.empty()) {
        if (!copy) {
          copy.emplace(text.data(), text.size());
        }
        std::copy(widened.begin(), widened.end(), copy->data() + i);
      }
    }
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) != 0 ||
                                 text[end] == '.' || text[end] == '-' || text[end] == '+')) {
      ++end; // the rest of a number token (fraction, exponent)
    }
    i = end - 1;
  }
  return copy;
}

std::size_t first_too_deep(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  StringLiterals strings;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (strings.skip(text, i)) {
      continue;
    }
    const char c = text[i];
    if (c == '[' || c == '{') {
      if (++depth > limit) {
        return i;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

} // namespace reprise
