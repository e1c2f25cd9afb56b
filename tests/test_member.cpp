#include "json/document.hpp"
#include "json/json_scan.hpp"
#include "json/member.hpp"
#include <doctest/doctest.h>

using namespace reprise;

namespace {

// A document with duplicate keys at the top and inside `inner`.
const char* const k_duplicates = R"({
  "a": 1, "b": "first", "a": 2,
  "inner": {"x": "one", "y": 0, "x": "two"},
  "b": "last"
})";

} // namespace

// With duplicate keys the last one wins, as serde_json reads them.
TEST_CASE("member") {
  auto document = Document::from_string(k_duplicates, "dup.json");
  REQUIRE(document);
  const simdjson::dom::element root = document->root();

  SUBCASE("member, string_member, member_path") {
    REQUIRE(json::member(root, "a"));
    CHECK(int64_t(json::member(root, "a")->get_int64()) == 2);
    CHECK(json::string_member(root, "b") == "last");
    CHECK(json::string_member(root, "a") == std::nullopt); // not a string
    CHECK_FALSE(json::member(root, "missing"));
    CHECK_FALSE(json::member(*json::member(root, "a"), "a")); // not an object
    CHECK(json::member_path(root, {"inner", "x"})->get_string().value() == "two");
    CHECK_FALSE(json::member_path(root, {"inner", "z"}));
    CHECK_FALSE(json::member_path(root, {"a", "x"}));
  }

  SUBCASE("members: one per key, where it first appears, with the last value") {
    const auto list = json::members(root);
    REQUIRE(list.size() == 3);
    CHECK(list[0].key == "a");
    CHECK(int64_t(list[0].value.get_int64()) == 2);
    CHECK(list[1].key == "b");
    CHECK(list[1].value.get_string().value() == "last");
    CHECK(list[2].key == "inner");
    CHECK(json::members(*json::member(root, "a")).empty());
  }

  SUBCASE("the byte-span lookups agree with the DOM") {
    auto spans = json::object_members(document->text());
    REQUIRE(spans);
    CHECK(json::member(*spans, "a") == "2");
    CHECK(json::member(*spans, "b") == "\"last\"");
    CHECK_FALSE(json::member(*spans, "missing"));
    CHECK(json::find_pointer(document->text(), "/inner/x") == "\"two\"");
    CHECK(document->bytes_at("/a") == "2");
    CHECK(document->bytes_at("/inner/x") == "\"two\"");
  }
}
