#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// A byte-level scanner for JSON text: finds where values start and end without building them, so
// untouched members of a snapshot can be copied through byte for byte. It never reads out of
// bounds; on malformed input it returns nullopt (callers validate with simdjson first).
namespace reprise::json {

// The offsets of a text's structural characters ({}[]:, and the first byte of every string and
// scalar), ascending, as simdjson's stage 1 leaves them after a successful parse.
struct StructuralIndex {
  std::string_view text;
  const std::uint32_t* offsets = nullptr;
  std::size_t count = 0;
};

// Where the large containers of an indexed text end (see json_scan.cpp).
class Jumps;

// Finds the ends of `index`'s large containers: one pass over its structurals.
std::shared_ptr<const Jumps> find_jumps(StructuralIndex index);

// Registers `index` (thread-safe): object_members and array_elements on views into its text then
// walk the structural characters instead of scanning every byte, and step over large nested
// containers at once. `jumps` are find_jumps(index), found here when not given. The text must
// stay alive and unchanged until unregister_index(text.data()).
void register_index(StructuralIndex index, std::shared_ptr<const Jumps> jumps = nullptr);
// Forgets the index registered for the text starting at `text_data` (no-op when none).
void unregister_index(const char* text_data);

// 1-based line and column (in bytes) of a byte offset.
struct LineColumn {
  int line = 1;
  int column = 1;
};

// Line and column of `offset` in `text`.
LineColumn line_column(std::string_view text, std::size_t offset);

// Offset of the first non-whitespace byte at or after `pos`.
std::size_t skip_whitespace(std::string_view text, std::size_t pos);

// One past the last byte of the JSON value that starts at `pos` (after whitespace), or nullopt.
std::optional<std::size_t> value_end(std::string_view text, std::size_t pos);

// One member of an object: its decoded key and the exact bytes of its value.
struct Member {
  std::string key;
  std::string_view value;
};

// The members of the object `text` (which must be exactly one object, whitespace allowed), in
// order.
std::optional<std::vector<Member>> object_members(std::string_view text);

// The elements of the array `text`, in order.
std::optional<std::vector<std::string_view>> array_elements(std::string_view text);

// The bytes of the value at RFC 6901 `pointer` inside `text` (the whole text for ""), or nullopt.
// With duplicate keys the last one wins, as in harn's loader.
std::optional<std::string_view> find_pointer(std::string_view text, std::string_view pointer);

// `key` escaped as one RFC 6901 reference token (`~` → `~0`, `/` → `~1`).
std::string pointer_token(std::string_view key);

// One RFC 6901 reference token unescaped (`~1` → `/`, `~0` → `~`), as the lookups read it.
std::string decode_pointer_token(std::string_view token);

// `parent` + "/" + pointer_token(key).
std::string pointer_join(std::string_view parent, std::string_view key);

// `parent` + "/" + index.
std::string pointer_join(std::string_view parent, std::size_t index);

// `text` as a JSON string literal (quotes, escapes; UTF-8 kept as is).
std::string quote(std::string_view text);

} // namespace reprise::json
