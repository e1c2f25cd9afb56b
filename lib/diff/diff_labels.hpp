#pragma once

#include "diff/diff_result.hpp"
#include "diff/spanned_value.hpp"

#include <cstddef>
#include <string>
#include <string_view>

// How a diff names the elements it matched: artifact kinds and titles, message roles, event
// kinds, and one-line excerpts of what a message or event says.
namespace reprise {

// Longest excerpt, in characters.
inline constexpr std::size_t k_excerpt_length = 60;

// `text` on one line and at most k_excerpt_length characters (UTF-8 aware), "…" when shortened.
std::string excerpt(std::string_view text);

// What a message or event says: its string `content`, the text of its content blocks, or its
// `text`; `bytes` (the element's JSON) when it is not an object; "" when it says nothing.
std::string message_text(simdjson::dom::element message, std::string_view bytes);

// The entry for the element at `pointer` of a matched array: its section, bytes, id, and the label,
// title and excerpts its kind shows. `a` is null for an added element, `b` for a removed one; at
// least one is set.
DiffEntry element_entry(EntryKind kind, ChangeKind change, const std::string& pointer,
                        const SpannedValue* a, const SpannedValue* b);

} // namespace reprise
