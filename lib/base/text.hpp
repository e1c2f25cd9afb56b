#pragma once

#include <cstddef>
#include <string>
#include <string_view>

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

} // namespace reprise
