#include "base/duration.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using reprise::ErrorCode;
using reprise::format_duration;
using reprise::parse_duration;

TEST_CASE("duration") {
  SUBCASE("units and bare numbers") {
    CHECK(parse_duration("500ms") == 500ms);
    CHECK(parse_duration("30s") == 30s);
    CHECK(parse_duration("5m") == 5min);
    CHECK(parse_duration("1h") == 1h);
    CHECK(parse_duration("7") == 7s);
    CHECK(parse_duration("0") == 0ms);
  }

  SUBCASE("days and compound durations") {
    CHECK(parse_duration("1d") == 24h);
    CHECK(parse_duration("1h30m") == 90min);
    CHECK(parse_duration("2m30s") == 150s);
    CHECK(parse_duration("1d12h") == 36h);
    CHECK(parse_duration("1m0.5s") == 60500ms);
    CHECK(parse_duration("1h30").error().code == ErrorCode::usage); // each part needs its unit
    CHECK(parse_duration("1h30x").error().code == ErrorCode::usage);
    CHECK(parse_duration("9999999999999d").error().code == ErrorCode::usage);
  }

  SUBCASE("decimals are exact and rounded to the millisecond") {
    CHECK(parse_duration("1.5s") == 1500ms);
    CHECK(parse_duration("0.1") == 100ms);
    CHECK(parse_duration(".25s") == 250ms);
    CHECK(parse_duration("2.") == 2s);
    CHECK(parse_duration("1.5m") == 90s);
    CHECK(parse_duration("2d") == 48h);
    CHECK(parse_duration("0.0001h") == 360ms);
    CHECK(parse_duration("1.5ms") == 2ms);
    CHECK(parse_duration("0.4ms") == 0ms);
  }

  SUBCASE("bad input is a usage error naming the text") {
    for (const char* text :
         {"", "-5s", "5w", "5 s", "abc", "1.2.3s", ".", "s", "5S", "1e3", "+5"}) {
      CAPTURE(text);
      const auto parsed = parse_duration(text);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().code == ErrorCode::usage);
      CHECK(parsed.error().message.find("invalid duration") != std::string::npos);
    }
    CHECK(parse_duration("-5s").error().message.find("negative") != std::string::npos);
    CHECK(parse_duration("5w").error().message.find("unknown unit 'w'") != std::string::npos);
    CHECK(parse_duration("").error().message.find("empty") != std::string::npos);
  }

  SUBCASE("overflow is an error, not a wrap") {
    CHECK_FALSE(parse_duration("99999999999999999999").has_value());
    CHECK_FALSE(parse_duration("9999999999999h").has_value());
    CHECK(parse_duration("9223372036854775807ms") == std::chrono::milliseconds::max());
  }

  SUBCASE("format_duration") {
    CHECK(format_duration(0ms) == "0ms");
    CHECK(format_duration(250ms) == "250ms");
    CHECK(format_duration(1000ms) == "1s");
    CHECK(format_duration(1234ms) == "1.2s");
    CHECK(format_duration(59999ms) == "59.9s");
    CHECK(format_duration(184s) == "3m04s");
    CHECK(format_duration(2h + 5min + 59s) == "2h05m");
    CHECK(format_duration(76h) == "3d04h");
    CHECK(format_duration(-1500ms) == "-1.5s");
    CHECK_FALSE(format_duration(std::chrono::milliseconds::min()).empty());
  }
}
