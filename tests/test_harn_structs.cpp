// harn's workflow structs as serde reads them: the first refused field, its path and its place.
#include "snapshot/harn_structs.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace reprise;

namespace {

// The element of `json` (kept alive by `parser`).
simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
  return parser.parse(json).value();
}

} // namespace

TEST_CASE("harn_structs") {
  simdjson::dom::parser parser;
  SUBCASE("every field defaulted: an empty graph and node are fine, unknown fields ignored") {
    CHECK_FALSE(harn::check_workflow_graph(parse(parser, "{}")));
    CHECK_FALSE(harn::check_workflow_node(parse(parser, R"({"kind": "stage", "extra": [1]})")));
  }
  SUBCASE("graph fields typed as the struct declares them") {
    auto problem = harn::check_workflow_graph(
        parse(parser, R"({"nodes": {"act": {}}, "edges": [{"from": "act"}, {"from": 1}]})"));
    REQUIRE(problem);
    CHECK(problem->message == "invalid type: integer `1`, expected a string");
    CHECK(problem->path == "edges[1].from");
    CHECK(problem->pointer == "/edges/1/from");
    problem = harn::check_workflow_graph(parse(parser, R"({"version": -1})"));
    REQUIRE(problem);
    CHECK(problem->message == "invalid value: integer `-1`, expected usize");
    problem = harn::check_workflow_graph(parse(parser, R"({"name": null, "version": null})"));
    REQUIRE(problem);
    CHECK(problem->message == "invalid type: null, expected usize");
    problem = harn::check_workflow_graph(parse(parser, R"({"nodes": {"a": {"kind": null}}})"));
    REQUIRE(problem);
    CHECK(problem->path == "nodes.a.kind");
    CHECK(problem->message == "invalid type: null, expected a string");
  }
  SUBCASE("node policies: nested structs, enums and untagged enums") {
    auto problem =
        harn::check_workflow_node(parse(parser, R"({"model_policy": {"temperature": "hot"}})"));
    REQUIRE(problem);
    CHECK(problem->path == "model_policy.temperature");
    CHECK(problem->message == "invalid type: string \"hot\", expected f64");
    CHECK(problem->after_value);
    problem = harn::check_workflow_node(
        parse(parser, R"({"model_policy": {"native_tool_fallback": "maybe"}})"));
    REQUIRE(problem);
    CHECK(problem->message ==
          "unknown variant `maybe`, expected one of `allow`, `allow_once`, `reject`");
    problem = harn::check_workflow_node(parse(parser, R"({"retry_policy": {"feedback": "yes"}})"));
    REQUIRE(problem);
    CHECK(problem->message == "data did not match any variant of untagged enum FeedbackPolicy");
    CHECK_FALSE(
        harn::check_workflow_node(parse(parser, R"({"retry_policy": {"feedback": {"max_chars": 5}},
                          "model_policy": {"require_successful_tools": ["a", ["b", "c"]]}})")));
    problem = harn::check_workflow_node(parse(parser, R"({"join_policy": []})"));
    CHECK_FALSE(problem); // a derived struct also reads a sequence, its fields in order
    problem =
        harn::check_workflow_node(parse(parser, R"({"context_policy": {"include_kinds": {}}})"));
    REQUIRE(problem);
    CHECK(problem->message == "invalid type: map, expected a sequence");
    CHECK_FALSE(problem->after_value);
  }
  SUBCASE("the node itself") {
    auto problem = harn::check_workflow_node(parse(parser, "5"));
    REQUIRE(problem);
    CHECK(problem->path == ".");
    CHECK(problem->message == "invalid type: integer `5`, expected struct WorkflowNode");
  }
  SUBCASE("compact text as serde_json writes it, and where a value sits in it") {
    auto compact = harn::compact_json(
        parse(parser, R"({"a": 1, "b": {"c": "x\ny"}, "a": [true, null, 2.5]})"), "/b/c");
    CHECK(compact.text == R"({"a":[true,null,2.5],"b":{"c":"x\ny"}})");
    CHECK(compact.text.substr(compact.start, compact.end - compact.start) == R"("x\ny")");
  }
  SUBCASE("floats as ryu lays them out") {
    CHECK(harn::format_f64(1.0) == "1.0");
    CHECK(harn::format_f64(0.5) == "0.5");
    CHECK(harn::format_f64(100.0) == "100.0");
    CHECK(harn::format_f64(0.001234) == "0.001234");
    CHECK(harn::format_f64(1.5e-7) == "1.5e-7");
    CHECK(harn::format_f64(1e30) == "1e30");
    CHECK(harn::format_f64(-12.34) == "-12.34");
    CHECK(harn::format_f64(1.234e33) == "1.234e33");
    CHECK(harn::format_f64(0.0) == "0.0");
  }
}
