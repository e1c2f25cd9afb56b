#include "json/document.hpp"
#include "json/member.hpp"
#include "json/serde_check.hpp"
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
