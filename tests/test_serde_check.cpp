#include "json/document.hpp"
#include "json/member.hpp"
#include "json/serde_check.hpp"
#include <deque>
#include <doctest/doctest.h>

using namespace reprise;

TEST_CASE("serde_check") {
  SUBCASE("display: the VM's rendering, dicts with keys sorted and the last duplicate kept") {
    auto document = Document::from_string(
        R"({"v": {"b": 1, "a": [null, "s", true, 1.5], "b": {"d": 2, "c": 3}}})", "display.json");
    REQUIRE(document);
    const auto value = *json::member(document->root(), "v");
    CHECK(serde::display(value) == "{a: [nil, s, true, 1.5], b: {c: 3, d: 2}}");
  }

  SUBCASE("display of a value built in memory renders the same") {
    CHECK(serde::display(nlohmann::ordered_json::parse(R"({"z": "x", "a": -1})")) ==
          "{a: -1, z: x}");
    CHECK(serde::display(nlohmann::ordered_json("bare")) == "bare");
    CHECK(serde::display(nlohmann::ordered_json(nullptr)) == "nil");
    CHECK(serde::display(nlohmann::ordered_json(5)) == "5");
  }

  SUBCASE("unexpected and invalid_type use serde's words") {
    auto document = Document::from_string(R"([null, 5, "x", {}])", "types.json");
    REQUIRE(document);
    const auto items = document->root().get_array().value();
    CHECK(serde::unexpected(items.at(0).value()) == "null");
    CHECK(serde::unexpected(items.at(1).value()) == "integer `5`");
    CHECK(serde::invalid_type(items.at(2).value(), "a map") ==
          "invalid type: string \"x\", expected a map");
    CHECK(serde::unexpected(items.at(3).value()) == "map");
  }
}

namespace {

// Parsed elements that stay valid for the whole test case (one parser each).
class Values {
public:
  serde::Element operator()(const char* json) {
    auto parsed = m_parsers.emplace_back().parse(simdjson::padded_string(std::string(json)));
    REQUIRE(parsed.error() == simdjson::SUCCESS);
    return parsed.value();
  }

private:
  std::deque<simdjson::dom::parser> m_parsers;
};

} // namespace

TEST_CASE("serde_check: types and checks") {
  Values value_of;

  SUBCASE("unexpected and invalid_type say what a value is as serde does") {
    CHECK(serde::unexpected(value_of("null")) == "null");
    CHECK(serde::unexpected(value_of("true")) == "boolean `true`");
    CHECK(serde::unexpected(value_of("-3")) == "integer `-3`");
    CHECK(serde::unexpected(value_of("18446744073709551615")) == "integer `18446744073709551615`");
    CHECK(serde::unexpected(value_of("2.5")) == "floating point `2.5`");
    CHECK(serde::unexpected(value_of(R"("x")")) == "string \"x\"");
    CHECK(serde::unexpected(value_of("[1]")) == "sequence");
    CHECK(serde::unexpected(value_of("{}")) == "map");
    CHECK(serde::invalid_type(value_of("null"), "a string") ==
          "invalid type: null, expected a string");
  }

  SUBCASE("display is the VM's: strings bare, null as nil, dicts with their keys sorted") {
    CHECK(serde::display(value_of(R"("text")")) == "text");
    CHECK(serde::display(value_of("null")) == "nil");
    CHECK(serde::display(value_of("false")) == "false");
    CHECK(serde::display(value_of("7")) == "7");
    CHECK(serde::display(value_of("0.5")) == "0.5");
    CHECK(serde::display(value_of(R"([1, "a", null])")) == "[1, a, nil]");
    CHECK(serde::display(value_of(R"({"z": 1, "a": [true]})")) == "{a: [true], z: 1}");
  }

  SUBCASE("integers: null and in-range values pass, the rest get serde's message") {
    CHECK_FALSE(serde::check_unsigned(value_of("null"), "usize").has_value());
    CHECK_FALSE(serde::check_unsigned(value_of("5"), "usize").has_value());
    CHECK_FALSE(serde::check_unsigned(value_of("18446744073709551615"), "usize").has_value());
    CHECK(serde::check_unsigned(value_of("-1"), "usize") ==
          "invalid value: integer `-1`, expected usize");
    CHECK(serde::check_unsigned(value_of("1.5"), "usize") ==
          "invalid type: floating point `1.5`, expected usize");
    CHECK_FALSE(serde::check_signed(value_of("-9"), "i64").has_value());
    CHECK_FALSE(serde::check_signed(value_of("null"), "i64").has_value());
    CHECK(serde::check_signed(value_of("18446744073709551615"), "i64") ==
          "invalid value: integer `18446744073709551615`, expected i64");
    CHECK(serde::check_signed(value_of(R"("9")"), "i64") ==
          "invalid type: string \"9\", expected i64");
  }

  SUBCASE("strings and string lists") {
    CHECK_FALSE(serde::check_string(value_of(R"("")"), false).has_value());
    CHECK_FALSE(serde::check_string(value_of("null"), true).has_value());
    CHECK(serde::check_string(value_of("null"), false) == "invalid type: null, expected a string");
    CHECK(serde::check_string(value_of("{}"), true) == "invalid type: map, expected a string");
    CHECK_FALSE(serde::check_string_list(value_of(R"(["a", "b"])")).has_value());
    CHECK_FALSE(serde::check_string_list(value_of("[]")).has_value());
    CHECK(serde::check_string_list(value_of(R"("a")")) ==
          "invalid type: string \"a\", expected a sequence");
    CHECK(serde::check_string_list(value_of(R"(["a", 2])")) ==
          "invalid type: integer `2`, expected a string");
  }
}
