#include "json/json_node.hpp"
#include <doctest/doctest.h>

using namespace reprise;

namespace {

std::string reindented(std::string_view bytes, int depth) {
  StringSink sink;
  write_reindented(sink, bytes, depth);
  return sink.str();
}

} // namespace

TEST_CASE("json_node") {
  SUBCASE("raw bytes are copied through as they are at their own depth") {
    const std::string_view bytes = "{\n  \"b\":   [1,2],\n  \"a\": \"\\u00e9\"\n}";
    CHECK(JsonNode::raw(bytes).dump() == bytes);
    CHECK(JsonNode::raw("17").dump() == "17");
  }

  SUBCASE("write_reindented moves nested lines to the new depth, only outside strings") {
    const std::string_view bytes = "[\n  \"a\\nb\",\n  {\n    \"k\": 1\n  }\n]";
    CHECK(reindented(bytes, 1) == "[\n    \"a\\nb\",\n    {\n      \"k\": 1\n    }\n  ]");
    CHECK(reindented(reindented(bytes, 2), 0) == bytes);
    CHECK(reindented("[1, 2]", 3) == "[1, 2]"); // one line: nothing to move
  }

  SUBCASE("values are written as serde's to_string_pretty") {
    CHECK(JsonNode().dump() == "null");
    CHECK(JsonNode::value(OrderedJson::parse(R"({"z": [1, {}], "a": "x"})")).dump() ==
          "{\n  \"z\": [\n    1,\n    {}\n  ],\n  \"a\": \"x\"\n}");
    CHECK(JsonNode::object().dump() == "{}");
    CHECK(JsonNode::array().dump() == "[]");
  }

  SUBCASE("objects and arrays built from nodes, nested at any depth") {
    JsonNode root = JsonNode::object();
    root.set_value("id", "w1");
    JsonNode list = JsonNode::array();
    list.elements().push_back(JsonNode::raw("{\"n\": 1}"));
    list.elements().push_back(JsonNode::value(2));
    root.set("list", std::move(list));
    root.set("raw", JsonNode::raw("[\n  true\n]"));
    CHECK(root.dump() == "{\n  \"id\": \"w1\",\n  \"list\": [\n    {\"n\": 1},\n    2\n  ],\n"
                         "  \"raw\": [\n    true\n  ]\n}");
    CHECK(root.to_json() ==
          OrderedJson::parse(R"({"id": "w1", "list": [{"n": 1}, 2], "raw": [true]})"));
  }

  SUBCASE("set replaces in place or appends; find sees the last duplicate; erase removes all") {
    JsonNode node = JsonNode::raw(R"({"a": 1, "b": 2, "a": 3})");
    REQUIRE(node.find("a") == nullptr); // a raw node has no members until expanded
    node.set_value("b", "two");
    REQUIRE(node.is_object());
    CHECK(node.members().size() == 3);
    CHECK(node.members()[1].first == "b");
    CHECK(node.find("b")->json() == "two");
    CHECK(node.find("a")->raw_bytes() == "3");
    node.set_value("c", nullptr);
    CHECK(node.members().back().first == "c");
    CHECK(node.erase("a"));
    CHECK_FALSE(node.erase("a"));
    CHECK(node.to_json().dump() == R"({"b":"two","c":null})");
  }

  SUBCASE("expand and make_editable open one level, leaving members raw") {
    JsonNode object = JsonNode::expand(R"({"inner": {"x": 1}, "n": 5})");
    REQUIRE(object.is_object());
    CHECK(object.find("inner")->is_raw());
    CHECK(object.find("inner")->raw_bytes() == R"({"x": 1})");
    JsonNode scalar = JsonNode::expand("\"text\"");
    CHECK(scalar.is_raw());
    CHECK_FALSE(scalar.make_editable());
    JsonNode array = JsonNode::raw("[1, [2]]");
    REQUIRE(array.make_editable());
    CHECK(array.elements().size() == 2);
    CHECK(array.elements()[1].raw_bytes() == "[2]");
    JsonNode value = JsonNode::value(OrderedJson::parse(R"({"k": [1]})"));
    REQUIRE(value.make_editable());
    CHECK(value.find("k")->is_value());
    CHECK_FALSE(JsonNode::raw("{broken").make_editable());
  }

  SUBCASE("object_member opens a nested object, nullptr for anything else") {
    JsonNode root =
        JsonNode::raw(R"({"config": {"mode": "a"}, "list": [], "n": 1, "other": {"k": 1}})");
    JsonNode* config = root.object_member("config");
    REQUIRE(config != nullptr);
    CHECK(config->is_object());
    config->set_value("mode", "b");
    CHECK(root.object_member("list") == nullptr);
    CHECK(root.object_member("n") == nullptr);
    CHECK(root.object_member("missing") == nullptr);
    CHECK(root.to_json()["config"]["mode"] == "b");
    CHECK(root.find("other")->is_raw()); // untouched members stay bytes
  }
}
