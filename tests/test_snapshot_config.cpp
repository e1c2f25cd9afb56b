// Today's harn loader rules (crates/harn-vm/src/stdlib/agents_workers/config.rs): the strict
// worker-config parser, typed graphs and nodes, wrapped sub-agent errors, serde_json's nesting
// limit. The 0.7 rules are in test_snapshot.cpp.
#include "scratch.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/snapshot_config.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <string>

using namespace reprise;
using reprise::test::fixture_path;

namespace {

Result<Snapshot> load_fixture(const std::string& name, HarnRules rules = HarnRules::current) {
  return load_snapshot_file(fixture_path("harn/" + name), FileAccess::read, rules);
}

std::string error_of(const Result<Snapshot>& result) {
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::invalid_snapshot);
  return result.error().message;
}

bool has_warning(const Snapshot& snapshot, std::string_view pointer) {
  for (const auto& warning : snapshot.warnings) {
    if (warning.pointer == pointer) {
      return true;
    }
  }
  return false;
}

} // namespace

TEST_CASE("snapshot_config") {
  SUBCASE("harn's own round-trip worker loads under both rule sets") {
    auto current = load_fixture("good-round-trip-stage.json");
    REQUIRE(current.has_value());
    CHECK(current->config_mode == ConfigMode::stage);
    CHECK(current->rules == HarnRules::current);
    CHECK(load_fixture("good-round-trip-stage.json", HarnRules::v0_7).has_value());
  }
  SUBCASE("unknown config keys: sorted, all of them, one error") {
    auto loaded = load_fixture("strict-config-unknown-options.json");
    CHECK(error_of(loaded) == "worker snapshot config: unknown option(s): b_extra, typo");
    CHECK(loaded.error().pointer == "/config/b_extra");
    auto lenient = load_fixture("strict-config-unknown-options.json", HarnRules::v0_7);
    REQUIRE(lenient.has_value());
    CHECK(has_warning(*lenient, "/config/typo"));
  }
  SUBCASE("mode and options typed by the option-bag parser") {
    CHECK(error_of(load_fixture("strict-config-mode-int.json")) ==
          "worker snapshot config: `mode` must be a string or nil (got int)");
    CHECK(error_of(load_fixture("strict-config-options-list.json")) ==
          "worker snapshot config: `options` must be a dict or nil (got list)");
  }
  SUBCASE("graph fields typed: serde's message without a position") {
    auto loaded = load_fixture("strict-graph-edge-from-int.json");
    CHECK(error_of(loaded) ==
          "worker snapshot graph parse error: invalid type: integer `1`, expected a string");
    CHECK(loaded.error().pointer == "/config/graph/edges/0/from");
    CHECK(error_of(load_fixture("strict-graph-version-negative.json")) ==
          "worker snapshot graph parse error: invalid value: integer `-1`, expected usize");
    CHECK(load_fixture("strict-graph-edge-from-int.json", HarnRules::v0_7).has_value());
  }
  SUBCASE("node fields typed: the path, the position in the compact payload, the payload") {
    const std::string payload =
        R"({"id":"review","kind":"stage","model_policy":{"provider":"mock","temperature":"hot"}})";
    const std::size_t column = payload.find(R"("hot")") + 5;
    CHECK(error_of(load_fixture("strict-node-temperature-string.json")) ==
          "worker snapshot node parse error at model_policy.temperature: invalid type: string "
          "\"hot\", expected f64 at line 1 column " +
              std::to_string(column) + " | payload=" + payload);
    CHECK(error_of(load_fixture("strict-node-feedback-string.json"))
              .starts_with("worker snapshot node parse error at retry_policy.feedback: data did "
                           "not match any variant of untagged enum FeedbackPolicy at line 1"));
  }
  SUBCASE("sub-agent errors wrapped in the inner error's display") {
    CHECK(error_of(load_fixture("strict-sub-agent-spec-string.json")) ==
          "worker snapshot sub-agent parse error: Runtime error: worker snapshot sub-agent spec "
          "must be an object");
    CHECK(error_of(load_fixture("strict-reminder-propagation-string-element.json")) ==
          "worker snapshot sub-agent parse error: Runtime error: worker snapshot sub-agent "
          "reminder_propagation parse error: invalid type: string \"remember\", expected struct "
          "SystemReminder");
  }
  SUBCASE("a reminder_propagation that is not a list is read as []") {
    auto loaded = load_fixture("strict-reminder-propagation-object.json");
    REQUIRE(loaded.has_value());
    CHECK(has_warning(*loaded, "/config/spec/reminder_propagation"));
    CHECK_FALSE(load_fixture("strict-reminder-propagation-object.json", HarnRules::v0_7));
  }
  SUBCASE("serde_json's nesting limit: 127 levels load, the 128th is refused where it opens") {
    CHECK(load_fixture("nesting-127.json").has_value());
    auto deep = load_fixture("nesting-128.json");
    const std::string message = error_of(deep);
    CHECK(message.starts_with("worker snapshot parse error: recursion limit exceeded at line "));
    CHECK(message.ends_with(
        fmt::format("line {} column {}", deep.error().line, deep.error().column)));
    CHECK(load_fixture("nesting-128.json", HarnRules::v0_7).has_value());
  }
  SUBCASE("VM type names") {
    simdjson::dom::parser parser;
    auto type_of = [&](const char* json) {
      return std::string(vm_type_name(parser.parse(std::string(json)).value()));
    };
    CHECK(type_of("null") == "nil");
    CHECK(type_of("5") == "int");
    CHECK(type_of("5.5") == "float");
    CHECK(type_of("18446744073709551615") == "float");
    CHECK(type_of("\"x\"") == "string");
    CHECK(type_of("[]") == "list");
    CHECK(type_of("{}") == "dict");
    CHECK(type_of("true") == "bool");
  }
}
