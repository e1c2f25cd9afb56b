// The span finder: members and elements found through a document's structural index (with its
// jumps over large containers) must be exactly those the plain byte scanner finds.
#include "json/document.hpp"
#include "json/json_scan.hpp"
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <string>
#include <vector>

using namespace reprise;

namespace {

// An object whose members are large and small containers nested a few levels deep, with strings
// that contain brackets, quotes and escapes, pretty-printed or compact.
std::string nested_json(bool pretty) {
  const char* nl = pretty ? "\n" : "";
  std::string big_array = "[";
  for (int i = 0; i < 700; ++i) {
    big_array +=
        fmt::format("{}{{\"id\": {}, \"text\": \"a ] b }} c \\\" [{{\"}}", i > 0 ? "," : "", i);
  }
  big_array += "]";
  std::string big_object = "{";
  for (int i = 0; i < 600; ++i) {
    big_object += fmt::format("{}{}\"k\\u00e9{}\": [{}, {{}}, []]", i > 0 ? "," : "", nl, i, i);
  }
  big_object += "}";
  return fmt::format(
      "{{{0}\"small\": {{\"a\": 1}},{0}\"big\": {1},{0}\"nested\": {{\"inner\": {2}, \"after\": "
      "\"x\"}},{0}\"list\": [{1}, {2}, 3],{0}\"last\": null{0}}}",
      nl, big_array, big_object);
}

// Members of `object` found by the byte scanner: a copy of the bytes is never indexed.
std::vector<std::pair<std::string, std::string>> scanned_members(std::string_view object) {
  const std::string copy(object);
  std::vector<std::pair<std::string, std::string>> out;
  const auto members = json::object_members(copy);
  REQUIRE(members.has_value());
  for (const auto& member : *members) {
    out.emplace_back(member.key, std::string(member.value));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> indexed_members(const Document& document,
                                                                 std::string_view object) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto members = document.members_of(object);
  REQUIRE(members.has_value());
  for (const auto& member : *members) {
    out.emplace_back(member.key, std::string(member.value));
  }
  return out;
}

} // namespace

TEST_CASE("indexed walks over large nested containers find what the byte scanner finds") {
  for (const bool pretty : {true, false}) {
    CAPTURE(pretty);
    auto document = Document::from_string(nested_json(pretty), "nested");
    REQUIRE(document.has_value());
    const std::string_view text = document->text();
    CHECK(indexed_members(*document, text) == scanned_members(text));
    REQUIRE(document->root_members().size() == 5);
    CHECK(document->root_members()[4].key == "last");
    CHECK(document->root_members()[4].value == "null");

    const auto nested = document->bytes_at("/nested");
    REQUIRE(nested.has_value());
    CHECK(indexed_members(*document, *nested) == scanned_members(*nested));
    const auto inner = document->bytes_at("/nested/inner");
    REQUIRE(inner.has_value());
    const auto members = indexed_members(*document, *inner);
    CHECK(members == scanned_members(*inner));
    REQUIRE(members.size() == 600);
    CHECK(members[599].first == "k\u00e9"
                                "599");

    const auto list = document->bytes_at("/list");
    REQUIRE(list.has_value());
    const auto elements = document->elements_of(*list);
    REQUIRE(elements.has_value());
    REQUIRE(elements->size() == 3);
    CHECK((*elements)[2] == "3");
    CHECK(json::array_elements(std::string(*list))->size() == 3);
    const auto big = document->bytes_at("/big/699/id");
    REQUIRE(big.has_value());
    CHECK(*big == "699");
  }
}

TEST_CASE("a document whose parse tree was released still finds its spans") {
  auto document = Document::from_string(nested_json(true), "nested");
  REQUIRE(document.has_value());
  // Found through the index before the release, by the byte scanner after it.
  const auto members = indexed_members(*document, document->text());
  const std::string after = std::string(document->bytes_at("/nested/after").value());
  const std::string id = std::string(document->bytes_at("/big/3/id").value());
  document->release_tree();
  CHECK(document->bytes_at("/nested/after") == after);
  CHECK(document->bytes_at("/big/3/id") == id);
  CHECK(indexed_members(*document, document->text()) == members);
  const Error error = document->error_at(ErrorCode::invalid_snapshot, "/last", "boom");
  CHECK(error.line > 1);
}
