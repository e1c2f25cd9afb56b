#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

// Text helpers: trimming and cutting UTF-8 text without splitting a character.
namespace reprise {

// The ASCII whitespace Rust's str::trim (and so harn) removes: space, \t, \n, \v, \f, \r.
inline constexpr std::string_view k_blank = " \t\n\v\f\r";

// `text` without leading and trailing k_blank.
std::string_view trim(std::string_view text);

// Whether `text` is empty or only k_blank.
bool is_blank(std::string_view text);

// Whether `byte` starts a UTF-8 character (is not a continuation byte).
constexpr bool starts_character(char byte) {
  return (static_cast<unsigned char>(byte) & 0xC0U) != 0x80U;
}

// How many UTF-8 characters (code points) `text` holds.
std::size_t characters(std::string_view text);

// The longest prefix of `text` of at most `limit` bytes that ends at a character boundary.
std::string_view cut_bytes(std::string_view text, std::size_t limit);

// The first `count` characters of `text` (all of it when it holds fewer).
std::string_view cut_characters(std::string_view text, std::size_t count);

// How long a one-line preview of a value in a reset plan may be, in bytes.
inline constexpr std::size_t k_preview_bytes = 120;

// `text` cut to `limit` bytes at a character boundary, with an ellipsis when cut.
std::string shorten(std::string_view text, std::size_t limit = k_preview_bytes);

// `text` cut to `count` characters, with an ellipsis (not counted) when cut.
std::string shorten_characters(std::string_view text, std::size_t count);

// The code point of the UTF-8 sequence at `pos` of `text` and its length in bytes; {-1, 1} for a
// byte that does not start a valid sequence (overlong, surrogate, past U+10FFFF, cut short).
std::pair<std::int32_t, std::size_t> decode_code_point(std::string_view text, std::size_t pos);

// Whether `code_point` is a control character: C0, DEL or C1.
constexpr bool is_control(std::int32_t code_point) {
  return code_point < 0x20 || code_point == 0x7F || (code_point >= 0x80 && code_point < 0xA0);
}

// `text` with control characters (C0 but newline and tab when `keep_newlines`, DEL, C1) and
// invalid UTF-8 bytes written as \xHH / \u{HHHH} escapes: text from a snapshot (a task, a key, an
// error) never drives the terminal that shows it (no clipboard writes, no window titles).
std::string escape_control(std::string_view text, bool keep_newlines = false);

} // namespace reprise
