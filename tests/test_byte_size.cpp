#include "base/byte_size.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace reprise;

TEST_CASE("byte_size") {
  SUBCASE("format_bytes: powers of 1024, one decimal") {
    CHECK(format_bytes(0) == "0 B");
    CHECK(format_bytes(1023) == "1023 B");
    CHECK(format_bytes(1536) == "1.5 KiB");
    CHECK(format_bytes(150ull * 1024 * 1024) == "150.0 MiB");
    CHECK(format_bytes(2ull << 30) == "2.0 GiB");
    CHECK(format_bytes(5ull << 50) == "5120.0 TiB"); // no unit past TiB
  }

  SUBCASE("parse_byte_size: bytes and binary suffixes, any case") {
    CHECK(parse_byte_size("0").value() == 0);
    CHECK(parse_byte_size("1234").value() == 1234);
    CHECK(parse_byte_size("12B").value() == 12);
    CHECK(parse_byte_size("2k").value() == 2048);
    CHECK(parse_byte_size("512M").value() == 512ull << 20);
    CHECK(parse_byte_size("512MiB").value() == 512ull << 20);
    CHECK(parse_byte_size("3gb").value() == 3ull << 30);
    CHECK(parse_byte_size("1T").value() == 1ull << 40);
  }

  SUBCASE("parse_byte_size: anything else is a usage error naming the text") {
    for (const char* bad :
         {"", "G", "-1", "1.5G", "12 M", "12X", "1Gi", "99999999999999999999", "20000000T"}) {
      const auto parsed = parse_byte_size(bad);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().code == ErrorCode::usage);
      CHECK(parsed.error().message.find(fmt::format("'{}'", bad)) != std::string::npos);
    }
  }
}
