#include "json/document.hpp"
#include <doctest/doctest.h>
#include <string>

using reprise::Document;

namespace {

// The error from parsing `text`, which must fail.
reprise::Error parse_error(const std::string& text) {
  auto document = Document::from_string(text, "t.json");
  REQUIRE_FALSE(document.has_value());
  return document.error();
}

} // namespace

TEST_CASE("document") {
  SUBCASE("integers beyond 64 bits read as the nearest double, as serde_json reads them") {
    const std::string text =
        R"({"big": 123456789012345678901234567890, "neg": -99999999999999999999,)"
        R"( "s": "123456789012345678901234567890", "max": 18446744073709551615})";
    auto document = Document::from_string(text, "t.json");
    REQUIRE(document.has_value());
    const auto root = document->root();
    CHECK(root["big"].get_double().value() == 123456789012345678901234567890.0);
    CHECK(root["neg"].get_double().value() == -99999999999999999999.0);
    CHECK(root["max"].get_uint64().value() == 18446744073709551615ULL);
    CHECK(std::string(root["s"].get_string().value()) == "123456789012345678901234567890");
    // The bytes stay as written: unknown members are copied from them, digit for digit.
    CHECK(document->text() == text);
    CHECK(document->bytes_at("/big") == "123456789012345678901234567890");
    CHECK(document->bytes_at("/s") == R"("123456789012345678901234567890")");
  }
  SUBCASE("a big integer rounds exactly, even with few digits to spare") {
    // 2^64 + 2^11 + 1: the nearest double is 2^64 + 2^12, not 2^64 (truncating digits would miss
    // it)
    auto document = Document::from_string(R"([18446744073709553665])", "t.json");
    REQUIRE(document.has_value());
    CHECK(document->root().at(0).get_double().value() == 18446744073709555712.0);
  }
  SUBCASE("a byte-order mark is named as such, at 1:1") {
    const auto error = parse_error("\xEF\xBB\xBF{\"a\": 1}");
    CHECK(error.message.find("byte-order mark") != std::string::npos);
    CHECK(error.line == 1);
    CHECK(error.column == 1);
  }
  SUBCASE("nesting beyond the parser's limit is named, where it happens") {
    const std::string text = "{\"a\":" + std::string(1100, '[') + std::string(1100, ']') + "}";
    const auto error = parse_error(text);
    CHECK(error.message.find("nested too deep: more than 1024 levels") != std::string::npos);
    CHECK(error.line == 1);
    CHECK(error.column == 5 + 1024); // the object is level 1: its 1024th bracket is one too many
  }
  SUBCASE("a number out of a double's range says so, without the parser library's prefix") {
    const auto error = parse_error(R"({"a": 1e400})");
    CHECK(error.message.find("[json.exception") == std::string::npos);
    CHECK(error.message.find("number overflow") != std::string::npos);
    CHECK(error.column == 7);
  }
  SUBCASE("a syntax error keeps its line and column") {
    const auto error = parse_error("{\n  \"a\": [1 2]\n}");
    CHECK(error.message.starts_with("JSON syntax error: "));
    CHECK(error.line == 2);
    CHECK(error.column == 11); // the `2` that needed a comma before it
  }
}
