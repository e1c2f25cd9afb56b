#include "json_scan.hpp"

#include <cstring>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reprise::json {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// One past the closing quote of the string whose opening quote is at `pos`.
std::optional<std::size_t> string_end(std::string_view text, std::size_t pos) {
  std::size_t i = pos + 1;
  while (i < text.size()) {
    // memchr is vectorised by the C library: long strings (transcripts) are skipped at memory
    // speed.
    const void* hit = std::memchr(text.data() + i, '"', text.size() - i);
    if (hit == nullptr) {
      return std::nullopt;
    }
    const std::size_t quote_at =
        static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    std::size_t backslashes = 0;
    while (quote_at - backslashes > pos + 1 && text[quote_at - backslashes - 1] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 0) {
      return quote_at + 1;
    }
    i = quote_at + 1;
  }
  return std::nullopt;
}

std::optional<std::string> decode_key(std::string_view literal) {
  const std::string_view inner = literal.substr(1, literal.size() - 2);
  if (inner.find('\\') == std::string_view::npos) {
    return std::string(inner);
  }
  try {
    return nlohmann::json::parse(literal).get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

} // namespace

LineColumn line_column(std::string_view text, std::size_t offset) {
  LineColumn result;
  offset = std::min(offset, text.size());
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset;) {
    const void* hit = std::memchr(text.data() + i, '\n', offset - i);
    if (hit == nullptr) {
      break;
    }
    i = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data()) + 1;
    line_start = i;
    ++result.line;
  }
  result.column = static_cast<int>(offset - line_start) + 1;
  return result;
}

std::size_t skip_whitespace(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_space(text[pos])) {
    ++pos;
  }
  return pos;
}

std::optional<std::size_t> value_end(std::string_view text, std::size_t pos) {
  pos = skip_whitespace(text, pos);
  if (pos >= text.size()) {
    return std::nullopt;
  }
  const char first = text[pos];
  if (first == '"') {
    return string_end(text, pos);
  }
  if (first != '{' && first != '[') {
    // A scalar: runs until a delimiter.
    std::size_t i = pos;
    while (i < text.size() && !is_space(text[i]) && text[i] != ',' && text[i] != '}' &&
           text[i] != ']' && text[i] != ':') {
      ++i;
    }
    return i == pos ? std::nullopt : std::optional<std::size_t>(i);
  }
  int depth = 0;
  std::size_t i = pos;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      auto end = string_end(text, i);
      if (!end) {
        return std::nullopt;
      }
      i = *end;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        return i + 1;
      }
    }
    ++i;
  }
  return std::nullopt;
}

std::optional<std::vector<Member>> object_members(std::string_view text) {
  std::size_t i = skip_whitespace(text, 0);
  if (i >= text.size() || text[i] != '{') {
    return std::nullopt;
  }
  std::vector<Member> members;
  i = skip_whitespace(text, i + 1);
  if (i < text.size() && text[i] == '}') {
    return members;
  }
  while (i < text.size()) {
    if (text[i] != '"') {
      return std::nullopt;
    }
    auto key_end = string_end(text, i);
    if (!key_end) {
      return std::nullopt;
    }
    auto key = decode_key(text.substr(i, *key_end - i));
    if (!key) {
      return std::nullopt;
    }
    i = skip_whitespace(text, *key_end);
    if (i >= text.size() || text[i] != ':') {
      return std::nullopt;
    }
    const std::size_t value_start = skip_whitespace(text, i + 1);
    auto end = value_end(text, value_start);
    if (!end) {
      return std::nullopt;
    }
    members.push_back({std::move(*key), text.substr(value_start, *end - value_start)});
    i = skip_whitespace(text, *end);
    if (i < text.size() && text[i] == ',') {
      i = skip_whitespace(text, i + 1);
      continue;
    }
    if (i < text.size() && text[i] == '}') {
      return members;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::vector<std::string_view>> array_elements(std::string_view text) {
  std::size_t i = skip_whitespace(text, 0);
  if (i >= text.size() || text[i] != '[') {
    return std::nullopt;
  }
  std::vector<std::string_view> elements;
  i = skip_whitespace(text, i + 1);
  if (i < text.size() && text[i] == ']') {
    return elements;
  }
  while (i < text.size()) {
    auto end = value_end(text, i);
    if (!end) {
      return std::nullopt;
    }
    elements.push_back(text.substr(i, *end - i));
    i = skip_whitespace(text, *end);
    if (i < text.size() && text[i] == ',') {
      i = skip_whitespace(text, i + 1);
      continue;
    }
    if (i < text.size() && text[i] == ']') {
      return elements;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string_view> find_pointer(std::string_view text, std::string_view pointer) {
  std::size_t start = skip_whitespace(text, 0);
  auto end = value_end(text, start);
  if (!end) {
    return std::nullopt;
  }
  std::string_view current = text.substr(start, *end - start);
  while (!pointer.empty()) {
    if (pointer.front() != '/') {
      return std::nullopt;
    }
    pointer.remove_prefix(1);
    const std::size_t slash = pointer.find('/');
    std::string token(pointer.substr(0, slash));
    pointer = slash == std::string_view::npos ? std::string_view{} : pointer.substr(slash);
    std::string decoded;
    for (std::size_t k = 0; k < token.size(); ++k) {
      if (token[k] == '~' && k + 1 < token.size()) {
        decoded += token[k + 1] == '1' ? '/' : '~';
        ++k;
      } else {
        decoded += token[k];
      }
    }
    if (!current.empty() && current.front() == '{') {
      auto members = object_members(current);
      if (!members) {
        return std::nullopt;
      }
      std::optional<std::string_view> found;
      for (const Member& member : *members) {
        if (member.key == decoded) {
          found = member.value;
        }
      }
      if (!found) {
        return std::nullopt;
      }
      current = *found;
    } else if (!current.empty() && current.front() == '[') {
      auto elements = array_elements(current);
      if (!elements || decoded.empty() ||
          decoded.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
      }
      const std::size_t index = std::stoull(decoded);
      if (index >= elements->size()) {
        return std::nullopt;
      }
      current = (*elements)[index];
    } else {
      return std::nullopt;
    }
  }
  return current;
}

std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_join(std::string_view parent, std::string_view key) {
  return fmt::format("{}/{}", parent, pointer_token(key));
}

std::string pointer_join(std::string_view parent, std::size_t index) {
  return fmt::format("{}/{}", parent, index);
}

std::string quote(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace reprise::json
