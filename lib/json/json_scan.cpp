#include "json/json_scan.hpp"

#include "json/member.hpp"
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reprise::json {

// Containers spanning fewer structurals than this are walked through: a lookup would cost more.
constexpr std::uint32_t k_min_jump = 512;

// Where each large container of an indexed text ends: a walk over an object skips its large
// members (a transcript's messages, the artifacts...) in one step instead of visiting every
// structural inside them, so nested walks cost no more than one walk over the whole text.
class Jumps {
public:
  Jumps(std::string_view text, const std::uint32_t* offsets, std::size_t count)
      : m_large((count + 63) / 64, 0) {
    std::vector<std::uint32_t> open; // structural numbers of the containers not yet closed
    for (std::uint32_t k = 0; k < count; ++k) {
      const char c = text[offsets[k]];
      if (c == '{' || c == '[') {
        open.push_back(k);
      } else if ((c == '}' || c == ']') && !open.empty()) {
        const std::uint32_t start = open.back();
        open.pop_back();
        if (k - start >= k_min_jump) {
          m_large[start / 64] |= std::uint64_t{1} << (start % 64);
          m_close[start] = k;
        }
      }
    }
  }

  // The structural number closing the container opened at `k`, when it is a large one.
  std::optional<std::size_t> close_of(std::size_t k) const {
    if ((m_large[k / 64] & (std::uint64_t{1} << (k % 64))) == 0) {
      return std::nullopt;
    }
    return m_close.at(static_cast<std::uint32_t>(k));
  }

private:
  std::vector<std::uint64_t> m_large; // one bit per structural: opens a large container
  std::unordered_map<std::uint32_t, std::uint32_t> m_close;
};

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// The first byte at or after `i` that can change the nesting: a quote or a bracket. SSE2 is part
// of every x86-64, so sixteen bytes are tested at a time; other machines take the scalar loop.
std::size_t find_structural(std::string_view text, std::size_t i) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  // '[' (0x5b) and ']' (0x5d) become '{' (0x7b) and '}' (0x7d) once bit 0x20 is set.
  const __m128i open = _mm_set1_epi8('{');
  const __m128i close = _mm_set1_epi8('}');
  const __m128i bit = _mm_set1_epi8(0x20);
  while (i + 16 <= text.size()) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const __m128i folded = _mm_or_si128(chunk, bit);
    const int mask = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(chunk, quote),
                     _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close))));
    if (mask != 0) {
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
    i += 16;
  }
#endif
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' || c == '{' || c == '}' || c == '[' || c == ']') {
      return i;
    }
    ++i;
  }
  return i;
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

// A registered index and the jumps found in it.
struct Indexed {
  StructuralIndex index;
  std::shared_ptr<const Jumps> jumps;
};

// Walks the container that starts at structural `k`; calls `on_item(start, end)` for each element
// or member value (and `on_key(start, end)` before each member value). Returns false on mismatch.
template <typename OnKey, typename OnItem>
bool walk_container(std::string_view text, const Indexed& indexed, std::size_t k, OnKey on_key,
                    OnItem on_item) {
  const StructuralIndex& index = indexed.index;
  const char open = text[index.offsets[k]];
  const bool object = open == '{';
  std::size_t i = k + 1;
  if (i >= index.count) {
    return false;
  }
  if (text[index.offsets[i]] == (object ? '}' : ']')) {
    return true;
  }
  while (i < index.count) {
    if (object) {
      if (i + 2 >= index.count || text[index.offsets[i]] != '"' ||
          text[index.offsets[i + 1]] != ':') {
        return false;
      }
      std::size_t key_end = index.offsets[i + 1];
      while (key_end > index.offsets[i] && is_space(text[key_end - 1])) {
        --key_end;
      }
      on_key(index.offsets[i], key_end);
      i += 2;
    }
    const std::size_t start = index.offsets[i];
    int depth = 0;
    std::size_t j = i;
    for (; j < index.count; ++j) {
      const char c = text[index.offsets[j]];
      if (c == '{' || c == '[') {
        if (const auto close = indexed.jumps->close_of(j)) {
          j = *close; // the whole container, at the depth it opened
          continue;
        }
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) {
          break;
        }
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    if (j >= index.count) {
      return false;
    }
    std::size_t end = index.offsets[j];
    while (end > start && is_space(text[end - 1])) {
      --end;
    }
    on_item(start, end);
    if (text[index.offsets[j]] != ',') {
      return true;
    }
    i = j + 1;
  }
  return false;
}

std::mutex g_indexes_mutex;
std::vector<Indexed> g_indexes; // registered by documents while they live

// The registered index whose text contains `view`, if any.
std::optional<Indexed> index_for(std::string_view view) {
  std::lock_guard lock(g_indexes_mutex);
  for (const Indexed& indexed : g_indexes) {
    const std::string_view text = indexed.index.text;
    if (view.data() >= text.data() && view.data() + view.size() <= text.data() + text.size()) {
      return indexed;
    }
  }
  return std::nullopt;
}

// The structural number of `view`'s first non-blank byte, when it opens `open` in `index`.
std::optional<std::size_t> opening_structural(const StructuralIndex& index, std::string_view view,
                                              char open) {
  const std::size_t first = skip_whitespace(view, 0);
  if (first >= view.size() || view[first] != open) {
    return std::nullopt;
  }
  const auto offset = static_cast<std::size_t>(view.data() - index.text.data()) + first;
  const std::uint32_t* end = index.offsets + index.count;
  const std::uint32_t* found = std::lower_bound(index.offsets, end, offset);
  if (found == end || *found != offset) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(found - index.offsets);
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
  while ((i = find_structural(text, i)) < text.size()) {
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

std::shared_ptr<const Jumps> find_jumps(StructuralIndex index) {
  return std::make_shared<const Jumps>(index.text, index.offsets, index.count);
}

void register_index(StructuralIndex index, std::shared_ptr<const Jumps> jumps) {
  if (!jumps) {
    jumps = find_jumps(index);
  }
  std::lock_guard lock(g_indexes_mutex);
  g_indexes.push_back({index, std::move(jumps)});
}

void unregister_index(const char* text_data) {
  std::lock_guard lock(g_indexes_mutex);
  std::erase_if(g_indexes,
                [&](const Indexed& indexed) { return indexed.index.text.data() == text_data; });
}

std::optional<std::vector<Member>> object_members(std::string_view text) {
  if (auto indexed = index_for(text)) {
    if (auto k = opening_structural(indexed->index, text, '{')) {
      std::vector<Member> members;
      std::optional<std::string> key;
      const std::string_view all = indexed->index.text;
      const bool ok = walk_container(
          all, *indexed, *k,
          [&](std::size_t start, std::size_t end) {
            key = decode_key(all.substr(start, end - start));
          },
          [&](std::size_t start, std::size_t end) {
            members.push_back({key.value_or(std::string()), all.substr(start, end - start)});
          });
      if (ok && key) {
        return members;
      }
      if (ok && members.empty()) {
        return members;
      }
    }
  }
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
  if (auto indexed = index_for(text)) {
    if (auto k = opening_structural(indexed->index, text, '[')) {
      std::vector<std::string_view> elements;
      const std::string_view all = indexed->index.text;
      const bool ok = walk_container(
          all, *indexed, *k, [](std::size_t, std::size_t) {},
          [&](std::size_t start, std::size_t end) {
            elements.push_back(all.substr(start, end - start));
          });
      if (ok) {
        return elements;
      }
    }
  }
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
    const std::string decoded = decode_pointer_token(pointer.substr(0, slash));
    pointer = slash == std::string_view::npos ? std::string_view{} : pointer.substr(slash);
    if (!current.empty() && current.front() == '{') {
      auto members = object_members(current);
      if (!members) {
        return std::nullopt;
      }
      const std::optional<std::string_view> found = member(*members, decoded);
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

std::string decode_pointer_token(std::string_view token) {
  std::string decoded;
  decoded.reserve(token.size());
  for (std::size_t k = 0; k < token.size(); ++k) {
    if (token[k] == '~' && k + 1 < token.size()) {
      decoded += token[k + 1] == '1' ? '/' : '~';
      ++k;
    } else {
      decoded += token[k];
    }
  }
  return decoded;
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
