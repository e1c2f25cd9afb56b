// --harn VERSION → the loader rules it selects.
#include "snapshot/harn_rules.hpp"

#include <doctest/doctest.h>

using namespace reprise;

TEST_CASE("harn_rules") {
  SUBCASE("0.7 and earlier versions get the 0.7 rules") {
    CHECK(parse_harn_rules("0.7") == HarnRules::v0_7);
    CHECK(parse_harn_rules("0.7.50") == HarnRules::v0_7);
    CHECK(parse_harn_rules("v0.6.3") == HarnRules::v0_7);
  }
  SUBCASE("0.8 and later versions get today's rules") {
    CHECK(parse_harn_rules("0.8") == HarnRules::current);
    CHECK(parse_harn_rules("0.10.67") == HarnRules::current);
    CHECK(parse_harn_rules("1.0") == HarnRules::current);
    CHECK(parse_harn_rules("latest") == HarnRules::current);
  }
  SUBCASE("anything else is a usage error") {
    for (const char* bad : {"", "7", "0.x", "0.7-beta", "newest", "0..7"}) {
      CAPTURE(bad);
      auto rules = parse_harn_rules(bad);
      REQUIRE_FALSE(rules.has_value());
      CHECK(rules.error().code == ErrorCode::usage);
    }
  }
  SUBCASE("names") {
    CHECK(to_string(HarnRules::v0_7) == "0.7");
    CHECK(to_string(HarnRules::current) == "current");
    CHECK(k_newest_harn_rules == HarnRules::current);
  }
}
