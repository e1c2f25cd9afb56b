#include "json/raw_scan.hpp"
#include <doctest/doctest.h>
#include <string>

using namespace reprise;

TEST_CASE("raw_scan") {
  SUBCASE("integers beyond 64 bits become doubles in the same number of bytes") {
    const std::string text = R"({"a": 123456789012345678901, "b": 18446744073709551615})";
    const auto widened = widen_big_integers(text);
    REQUIRE(widened.has_value());
    const std::string out(widened->data(), widened->size());
    CHECK(out.size() == text.size());
    CHECK(out == R"({"a": 12345678901234568e004, "b": 18446744073709551615})");
    CHECK_FALSE(widen_big_integers(R"({"a": 1, "b": -9223372036854775808})").has_value());
    // Digits inside a string are text, not a number.
    CHECK_FALSE(widen_big_integers(R"({"a": "123456789012345678901"})").has_value());
  }

  SUBCASE("the first bracket past the limit, outside strings") {
    CHECK(first_too_deep("[[[]]]", 3) == std::string::npos);
    CHECK(first_too_deep("[[[]]]", 2) == 2);
    CHECK(first_too_deep(R"({"a": "[[[["})", 1) == std::string::npos);
    CHECK(first_too_deep(R"(["\"", [[]]])", 2) == 8);
  }
}
