#include "diff/pointer_patterns.hpp"

#include <doctest/doctest.h>

using reprise::PointerPatterns;

TEST_CASE("diff pointer_patterns") {
  PointerPatterns patterns;
  REQUIRE(patterns.add("/a/*/c").has_value());
  REQUIRE(patterns.add("/x~1y/~0").has_value());
  CHECK(patterns.matches({"a", "7", "c"}));
  CHECK(patterns.matches({"a", "b", "c", "deeper"}));
  CHECK_FALSE(patterns.matches({"a", "b"}));
  CHECK_FALSE(patterns.matches({"a", "b", "d"}));
  CHECK(patterns.matches({"x/y", "~"}));
  CHECK_FALSE(patterns.add("/bad~2").has_value());
  CHECK_FALSE(patterns.add("no-slash").has_value());
}
