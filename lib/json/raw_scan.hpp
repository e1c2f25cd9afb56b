#pragma once

#include <cstddef>
#include <optional>
#include <simdjson.h>
#include <string_view>

// Scans of raw JSON text that need no parse, only the string literals told apart from the rest:
// what simdjson cannot read as harn's serde_json does (integers beyond 64 bits) and how deep the
// text nests (serde_json's recursion limit, a parser's depth limit).
namespace reprise {

// A copy of `text` in which every integer beyond 64 bits (which simdjson rejects, and serde_json,
// harn's parser, reads as the nearest double) is written as that double in the same number of
// bytes, so that every offset, and so every byte span, stays the same. nullopt when there is none.
std::optional<simdjson::padded_string> widen_big_integers(std::string_view text);

// The offset of the first `[` or `{` (outside strings) nested deeper than `limit` levels, or npos:
// where a parser with that nesting limit stops.
std::size_t first_too_deep(std::string_view text, std::size_t limit);

} // namespace reprise
