#include "diff/spanned_value.hpp"

#include "json/document.hpp"
#include "json/member.hpp"
#include <doctest/doctest.h>

using namespace reprise;

namespace {

using Spans = std::vector<std::string_view>;

} // namespace

TEST_CASE("spanned_value") {
  SUBCASE("child_spans: member values or elements as their exact bytes") {
    const auto members = child_spans(R"( { "a" : [1, 2] , "b":"x,y" ,"c" : {} } )", true);
    REQUIRE(members.has_value());
    CHECK(*members == Spans{"[1, 2]", "\"x,y\"", "{}"});
    const auto elements = child_spans("[ 1 ,\n  {\"k\": [true]}, null ]", false);
    REQUIRE(elements.has_value());
    CHECK(*elements == Spans{"1", "{\"k\": [true]}", "null"});
    CHECK(child_spans("{}", true)->empty());
    CHECK(child_spans(" [ ] ", false)->empty());
  }

  SUBCASE("child_spans: the wrong kind or a broken container is nullopt") {
    CHECK_FALSE(child_spans("[1]", true).has_value());
    CHECK_FALSE(child_spans("{}", false).has_value());
    CHECK_FALSE(child_spans(R"({"a" 1})", true).has_value());
    CHECK_FALSE(child_spans("[1 2]", false).has_value());
    CHECK_FALSE(child_spans("[1,", false).has_value());
    CHECK_FALSE(child_spans("", false).has_value());
  }

  SUBCASE("root_value and string_member view the document") {
    auto document = Document::from_string("\n  {\"id\": \"w1\", \"n\": 2}\n", "test.json");
    REQUIRE(document.has_value());
    const SpannedValue root = root_value(*document);
    CHECK(root.bytes == R"({"id": "w1", "n": 2})");
    CHECK(root.dom.is_object());
    CHECK(json::string_member(root.dom, "id") == "w1");
    CHECK_FALSE(json::string_member(root.dom, "n").has_value());
    CHECK_FALSE(json::string_member(root.dom, "missing").has_value());
    auto array = Document::from_string("[\"id\"]", "array.json");
    REQUIRE(array.has_value());
    CHECK_FALSE(json::string_member(root_value(*array).dom, "id").has_value());
  }
}
