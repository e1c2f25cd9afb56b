#include "base/text.hpp"

#include <doctest/doctest.h>

using namespace reprise;

TEST_CASE("text") {
  SUBCASE("trim and is_blank use one whitespace set: space, \\t, \\n, \\v, \\f, \\r") {
    CHECK(trim("  inherit\t\n") == "inherit");
    CHECK(trim("\v\ffork\r") == "fork");
    CHECK(trim(" a b ") == "a b");
    CHECK(trim(" \t\n\v\f\r").empty());
    CHECK(trim("").empty());
    CHECK(is_blank(""));
    CHECK(is_blank(" \t\n\v\f\r"));
    CHECK_FALSE(is_blank(" x "));
    // Only ASCII whitespace: a no-break space is text.
    CHECK(trim("\xC2\xA0x") == "\xC2\xA0x");
  }

  SUBCASE("characters counts code points, not bytes") {
    CHECK(characters("") == 0);
    CHECK(characters("abc") == 3);
    CHECK(characters("h\xC3\xA9") == 2);         // hé
    CHECK(characters("\xE2\x80\xA6") == 1);      // …
    CHECK(characters("\xF0\x9F\x98\x80x") == 2); // 😀x
  }

  SUBCASE("cut_bytes never splits a character") {
    CHECK(cut_bytes("abcdef", 3) == "abc");
    CHECK(cut_bytes("abc", 3) == "abc");
    CHECK(cut_bytes("abc", 10) == "abc");
    CHECK(cut_bytes("a\xC3\xA9", 2) == "a"); // é does not fit: dropped whole
    CHECK(cut_bytes("a\xC3\xA9", 3) == "a\xC3\xA9");
    CHECK(cut_bytes("\xF0\x9F\x98\x80", 3).empty());
    CHECK(cut_bytes("abc", 0).empty());
  }

  SUBCASE("cut_characters keeps the first N characters") {
    CHECK(cut_characters("h\xC3\xA9llo", 2) == "h\xC3\xA9");
    CHECK(cut_characters("abc", 3) == "abc");
    CHECK(cut_characters("abc", 5) == "abc");
    CHECK(cut_characters("abc", 0).empty());
  }

  SUBCASE("shorten: a byte budget, an ellipsis only when cut") {
    CHECK(shorten("short") == "short");
    CHECK(shorten(std::string(k_preview_bytes, 'x')) == std::string(k_preview_bytes, 'x'));
    CHECK(shorten(std::string(k_preview_bytes + 1, 'x')) ==
          std::string(k_preview_bytes, 'x') + "\xE2\x80\xA6");
    CHECK(shorten("ab\xC3\xA9", 3) == "ab\xE2\x80\xA6");
  }

  SUBCASE("shorten_characters: a character budget, the ellipsis not counted") {
    CHECK(shorten_characters("abc", 3) == "abc");
    CHECK(shorten_characters("abcd", 3) == "abc\xE2\x80\xA6");
    CHECK(shorten_characters("\xC3\xA9\xC3\xA9\xC3\xA9", 2) == "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
    CHECK(shorten_characters("abc", 0) == "\xE2\x80\xA6");
  }
}
