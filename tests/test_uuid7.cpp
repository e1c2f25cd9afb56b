#include "base/uuid7.hpp"

#include <doctest/doctest.h>
#include <set>
#include <string>

using reprise::format_millis_utc;
using reprise::IdSource;
using reprise::uuid7_millis;

namespace {

// Whether `text` is canonical lowercase 8-4-4-4-12 hex with version 7 and variant 10xx.
bool is_canonical_uuid7(const std::string& text) {
  if (text.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') {
        return false;
      }
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return text[14] == '7' && std::string("89ab").find(text[19]) != std::string::npos;
}

} // namespace

TEST_CASE("uuid7") {
  constexpr std::int64_t k_now = 1777485641123; // 2026-04-29T18:00:41.123Z

  SUBCASE("fixed clock and seed give canonical, decodable ids") {
    IdSource ids(k_now, 42);
    const std::string id = ids.next();
    CHECK(is_canonical_uuid7(id));
    CHECK(id.starts_with("019dda"));
    CHECK(uuid7_millis(id) == k_now);
    CHECK(ids.now_ms() == k_now);
  }

  SUBCASE("the same clock and seed give the same sequence") {
    IdSource a(k_now, 7);
    IdSource b(k_now, 7);
    for (int i = 0; i < 5; ++i) {
      CHECK(a.next() == b.next());
    }
    IdSource c(k_now, 8);
    CHECK(IdSource(k_now, 7).next() != c.next());
  }

  SUBCASE("ids within one millisecond are distinct and increasing") {
    IdSource ids(k_now, 1);
    std::string previous = ids.next();
    std::set<std::string> seen{previous};
    for (int i = 0; i < 1000; ++i) {
      const std::string id = ids.next();
      CHECK(is_canonical_uuid7(id));
      CHECK(id > previous);
      CHECK(uuid7_millis(id) == k_now);
      seen.insert(id);
      previous = id;
    }
    CHECK(seen.size() == 1001);
  }

  SUBCASE("unseeded ids use the real clock and differ") {
    IdSource ids;
    const std::int64_t before = ids.now_ms();
    const std::string a = ids.next();
    const std::string b = ids.next();
    CHECK(is_canonical_uuid7(a));
    CHECK(a != b);
    CHECK(a < b);
    REQUIRE(uuid7_millis(a).has_value());
    CHECK(*uuid7_millis(a) >= before);
    CHECK(*uuid7_millis(a) <= ids.now_ms());
  }

  SUBCASE("uuid7_millis accepts prefixes and rejects non-v7 text") {
    CHECK(uuid7_millis("019dda65-d500-7a1b-ac3d-4e5f6a7b8c90") == 0x019dda65d500);
    CHECK(uuid7_millis("worker_019dda65-d500-7a1b-ac3d-4e5f6a7b8c90") == 0x019dda65d500);
    CHECK(uuid7_millis("sub_agent_session_019DDA65-D500-7A1B-AC3D-4E5F6A7B8C90") == 0x019dda65d500);
    CHECK_FALSE(uuid7_millis("019dda65-d500-4a1b-ac3d-4e5f6a7b8c90").has_value()); // version 4
    CHECK_FALSE(uuid7_millis("019dda65-d500-7a1b-ac3d-4e5f6a7b8c9").has_value());  // too short
    CHECK_FALSE(uuid7_millis("019dda65d500-7a1b-ac3d-4e5f6a7b8c90x").has_value()); // no hyphen
    CHECK_FALSE(uuid7_millis("019dda65-d500-7a1b-ac3d-4e5f6a7b8g90").has_value()); // not hex
    CHECK_FALSE(uuid7_millis("created").has_value());
    CHECK_FALSE(uuid7_millis("").has_value());
  }

  SUBCASE("format_millis_utc renders RFC 3339 with milliseconds") {
    CHECK(format_millis_utc(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_millis_utc(k_now) == "2026-04-29T18:00:41.123Z");
    CHECK(format_millis_utc(951782400000) == "2000-02-29T00:00:00.000Z");
    CHECK(format_millis_utc(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(format_millis_utc(253402300799999) == "9999-12-31T23:59:59.999Z");
    CHECK_FALSE(format_millis_utc(INT64_MIN).empty());
    CHECK_FALSE(format_millis_utc(INT64_MAX).empty());
  }
}
