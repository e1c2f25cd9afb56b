#include "diff/diff.hpp"
#include "diff/json_patch.hpp"

#include "json/document.hpp"
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <string>

using nlohmann::json;
using reprise::DiffOptions;
using reprise::Document;
using reprise::StringSink;
using reprise::Volatile;

namespace {

struct Patches {
  json patch;
  json merge;
  std::vector<std::string> warnings;
};

Patches patches(const std::string& a, const std::string& b) {
  auto da = Document::from_string(a, "a.json");
  auto db = Document::from_string(b, "b.json");
  REQUIRE(da.has_value());
  REQUIRE(db.has_value());
  DiffOptions options;
  options.volatile_fields = Volatile::keep;
  auto diff = reprise::diff_documents(*da, *db, options);
  REQUIRE(diff.has_value());
  StringSink patch;
  reprise::write_json_patch(*diff, patch);
  StringSink merge;
  auto warnings = reprise::write_merge_patch(*diff, merge);
  return {json::parse(patch.str()), json::parse(merge.str()), warnings};
}

// Checks that both patches turn `a` into `b` (nlohmann's own RFC 6902 / 7396 appliers).
void check_round_trip(const std::string& a, const std::string& b) {
  const Patches p = patches(a, b);
  CAPTURE(p.patch.dump());
  CHECK(json::parse(a).patch(p.patch) == json::parse(b));
  if (p.warnings.empty()) {
    json merged = json::parse(a);
    merged.merge_patch(p.merge);
    CHECK(merged == json::parse(b));
  }
}

} // namespace

TEST_CASE("json_patch") {
  SUBCASE("operations turn A into B") {
    check_round_trip(R"({"a": 1, "b": [1, 2, 3], "c": {"d": "x"}})",
                     R"({"a": 2, "b": [1, 3, 4, 5], "c": {"e": "y"}, "f": null})");
    check_round_trip(R"({"transcript": {"messages": [{"role": "user", "content": "a"},
                          {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]}})",
                     R"({"transcript": {"messages": [{"role": "user", "content": "new"},
                          {"role": "user", "content": "a"}, {"role": "user", "content": "c"},
                          {"role": "tool", "content": "d"}]}})");
    check_round_trip(R"({"artifacts": [{"id": "x"}, {"id": "y"}, {"id": "z"}]})",
                     R"({"artifacts": [{"id": "z"}, {"id": "x", "t": 1}]})");
    check_round_trip(R"([1, 2])", R"({"k": [2]})");
    check_round_trip(R"("text")", R"("other")");
  }
  SUBCASE("paths are RFC 6901 escaped") {
    const Patches p = patches(R"({"a/b": {"c~d": 1}})", R"({"a/b": {"c~d": 2}})");
    REQUIRE(p.patch.size() == 1);
    CHECK(p.patch[0]["path"] == "/a~1b/c~0d");
    CHECK(p.patch[0]["op"] == "replace");
    CHECK(p.merge == json::parse(R"({"a/b": {"c~d": 2}})"));
  }
  SUBCASE("values keep their exact bytes") {
    const Patches p = patches(R"({"n": 1})", R"({"n": 12345678901234567890.5e-3})");
    REQUIRE(p.patch.size() == 1);
    StringSink raw;
    auto da = Document::from_string(R"({"n": 1})", "a");
    auto db = Document::from_string(R"({"n": 1.50})", "b");
    auto diff = reprise::diff_documents(*da, *db, {});
    reprise::write_json_patch(*diff, raw);
    CHECK(raw.str().find("1.50") != std::string::npos);
  }
  SUBCASE("merge patches replace arrays whole and remove members with null") {
    const Patches p = patches(R"({"keep": 1, "gone": 2, "list": [1, 2], "o": {"x": 1, "y": 2}})",
                              R"({"keep": 1, "list": [1, 2, 3], "o": {"x": 1, "y": 3}})");
    CHECK(p.merge == json::parse(R"({"gone": null, "list": [1, 2, 3], "o": {"y": 3}})"));
    CHECK(p.warnings.empty());
  }
  SUBCASE("a null in B that a merge patch cannot express is a warning") {
    const Patches p = patches(R"({"a": 1})", R"({"a": null})");
    REQUIRE(p.warnings.size() == 1);
    CHECK(p.warnings[0].find("/a") != std::string::npos);
    const Patches nested = patches(R"({})", R"({"s": {"reason": null}})");
    REQUIRE(nested.warnings.size() == 1);
    CHECK(nested.warnings[0].find("/s/reason") != std::string::npos);
    const Patches in_array = patches(R"({"l": []})", R"({"l": [null]})");
    CHECK(in_array.warnings.empty());
  }
  SUBCASE("equal documents give empty patches") {
    const Patches p = patches(R"({"a": [1, {"b": 2}]})", R"({"a":[1,{"b":2}]})");
    CHECK(p.patch == json::array());
    CHECK(p.merge == json::object());
  }
  SUBCASE("minify_json keeps strings intact") {
    CHECK(reprise::minify_json("{ \"a b\" : [ 1 , \"x \\\" y\" ] }") ==
          "{\"a b\":[1,\"x \\\" y\"]}");
  }
}
