// The harn 0.7 loader rules of spec §1 and §7 (--harn 0.7), one SUBCASE per rule; today's rules
// are in test_snapshot_config.cpp.
#include "snapshot/snapshot.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace reprise;

namespace {

const std::string k_base_config = R"("config": {"mode": "sub_agent", "spec": {}}, "execution": {})";

Result<Snapshot> load(const std::string& json) {
  auto document = Document::from_string(json, "test.json");
  if (!document) {
    return std::unexpected(document.error());
  }
  return load_snapshot(std::move(*document), HarnRules::v0_7);
}

// Loads `{<fields>, <base config>}`.
Result<Snapshot> load_with(const std::string& fields) {
  return load("{" + fields + (fields.empty() ? "" : ", ") + k_base_config + "}");
}

bool has_warning(const Snapshot& snapshot, std::string_view pointer) {
  for (const auto& warning : snapshot.warnings) {
    if (warning.pointer == pointer) {
      return true;
    }
  }
  return false;
}

std::string error_of(const Result<Snapshot>& result) {
  REQUIRE_FALSE(result.has_value());
  return result.error().message;
}

} // namespace

TEST_CASE("snapshot loader") {
  SUBCASE("minimal accepted document") {
    auto s = load(R"({"config": {"mode": "sub_agent", "spec": {}}, "execution": {}})");
    REQUIRE(s.has_value());
    CHECK(s->config_mode == ConfigMode::sub_agent);
    CHECK(s->name == "worker");
    CHECK(s->mode == "workflow");
    CHECK(s->status == "interrupted");
  }
  SUBCASE("syntax error reports line and column") {
    auto s = load("{\n  \"a\": 1\n  \"b\": 2\n}");
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().code == ErrorCode::invalid_snapshot);
    CHECK(s.error().line == 3);
    CHECK(s.error().column == 3);
  }
  SUBCASE("rule 2: config missing, not an object, bad or unknown mode") {
    CHECK(error_of(load(R"({"execution": {}})"))
              .starts_with("worker snapshot is missing a valid "
                           "config mode"));
    CHECK(error_of(load(R"({"config": 3, "execution": {}})"))
              .starts_with("worker snapshot is missing a valid config mode"));
    auto bad_mode = load(R"({"config": {"mode": 5}, "execution": {}})");
    CHECK(error_of(bad_mode).starts_with("worker snapshot is missing a valid config mode"));
    CHECK(bad_mode.error().pointer == "/config/mode");
    CHECK(error_of(load(R"({"config": {"mode": "team"}, "execution": {}})"))
              .find("unknown mode \"team\"") != std::string::npos);
  }
  SUBCASE("rule 3: workflow/stage need artifacts, graph, node") {
    CHECK(error_of(load(R"({"config": {"mode": "workflow", "graph": {}}, "execution": {}})")) ==
          "worker snapshot artifacts parse error: invalid type: null, expected a sequence");
    CHECK(error_of(load(R"({"config": {"mode": "workflow", "graph": {}, "artifacts": null},
                            "execution": {}})"))
              .starts_with("worker snapshot artifacts parse error"));
    CHECK(error_of(load(R"({"config": {"mode": "workflow", "artifacts": []}, "execution": {}})")) ==
          "worker snapshot graph parse error: invalid type: null, expected struct WorkflowGraph");
    CHECK(error_of(load(R"({"config": {"mode": "stage", "artifacts": []}, "execution": {}})"))
              .starts_with("worker snapshot node parse error at .: invalid type: null"));
    auto ok =
        load(R"({"config": {"mode": "stage", "node": {}, "artifacts": []}, "execution": {}})");
    CHECK(ok.has_value());
  }
  SUBCASE("rule 4: sub-agent spec must be an object; scalars defaulted") {
    CHECK(
        error_of(load(R"({"config": {"mode": "sub_agent", "spec": []}, "execution": {}})")) ==
        "worker snapshot sub-agent parse error: worker snapshot sub-agent spec must be an object");
    auto s = load(R"({"config": {"mode": "sub_agent", "spec": {"task": 5}}, "execution": {}})");
    REQUIRE(s.has_value());
    CHECK(has_warning(*s, "/config/spec/task"));
  }
  SUBCASE("rule 5: execution missing, null, or with bad env") {
    CHECK(error_of(load(R"({"config": {"mode": "sub_agent", "spec": {}}})"))
              .starts_with("worker snapshot execution parse error: invalid type: null, expected "
                           "struct WorkerExecutionProfile"));
    CHECK(error_of(load(R"({"config": {"mode": "sub_agent", "spec": {}}, "execution": null})"))
              .starts_with("worker snapshot execution parse error"));
    auto env =
        load(R"({"config": {"mode": "sub_agent", "spec": {}}, "execution": {"env": {"A": 1}}})");
    CHECK(error_of(env) ==
          "worker snapshot execution parse error: invalid type: integer `1`, expected a string");
    CHECK(env.error().pointer == "/execution/env/A");
  }
  SUBCASE("rule 6: carry_policy missing vs not an object") {
    auto missing = load_with("");
    REQUIRE(missing.has_value());
    CHECK_FALSE(missing->carry.persist_state);
    CHECK_FALSE(missing->carry.resume_workflow);
    auto scalar = load_with(R"("carry_policy": 3)");
    REQUIRE(scalar.has_value());
    CHECK(scalar->carry.persist_state);
    CHECK(scalar->carry.resume_workflow);
    CHECK(scalar->carry.transcript_mode == TranscriptMode::inherit);
  }
  SUBCASE("rule 7: transcript_mode validated after trim, dict form accepted") {
    auto ok = load_with(R"("carry_policy": {"transcript_mode": " fork "})");
    REQUIRE(ok.has_value());
    CHECK(ok->carry.transcript_mode == TranscriptMode::fork);
    auto dict = load_with(R"("carry_policy": {"transcript_mode": {"mode": "compact"}})");
    REQUIRE(dict.has_value());
    CHECK(dict->carry.transcript_mode == TranscriptMode::compact);
    CHECK(error_of(load_with(R"("carry_policy": {"transcript_mode": "sometimes"})")) ==
          "spawn_agent: carry.transcript_mode must be one of inherit, fork, reset, compact; got "
          "`sometimes`");
    CHECK(
        error_of(load_with(R"("carry_policy": {"transcript_mode": null})")).ends_with("got `nil`"));
  }
  SUBCASE("rule 8: artifact_mode never validated") {
    auto s = load_with(R"("carry_policy": {"artifact_mode": null})");
    REQUIRE(s.has_value());
    CHECK(s->carry.artifact_mode == "nil");
  }
  SUBCASE("rule 9: context_policy null or wrongly typed") {
    CHECK(error_of(load_with(R"("carry_policy": {"context_policy": null})")) ==
          "context policy parse error: invalid type: null, expected struct ContextPolicy");
    CHECK(error_of(load_with(R"("carry_policy": {"context_policy": {"include_kinds": "x"}})")) ==
          "context policy parse error: invalid type: string \"x\", expected a sequence");
    CHECK(error_of(load_with(R"("carry_policy": {"context_policy": {"prefer_recent": null}})")) ==
          "context policy parse error: invalid type: null, expected a boolean");
    auto s = load_with(R"("carry_policy": {"context_policy": {"max_tokens": 10, "x": 1}})");
    REQUIRE(s.has_value());
    CHECK(s->carry.context_policy.max_tokens == 10u);
    CHECK_FALSE(s->carry.context_policy.is_default());
  }
  SUBCASE("rule 10: policy wrongly typed; null means none") {
    CHECK(error_of(load_with(R"("carry_policy": {"policy": {"tools": "x"}})"))
              .starts_with("spawn_agent: policy parse error: "));
    auto s = load_with(R"("carry_policy": {"policy": null})");
    REQUIRE(s.has_value());
    CHECK_FALSE(s->carry.has_policy);
  }
  SUBCASE("rule 11: only JSON booleans count") {
    auto s = load_with(
        R"("carry_policy": {"persist_state": "false", "retriggerable": 1, "resume_workflow": false})");
    REQUIRE(s.has_value());
    CHECK(s->carry.persist_state);
    CHECK_FALSE(s->carry.retriggerable);
    CHECK_FALSE(s->carry.resume_workflow);
  }
  SUBCASE("rule 12: status repairs") {
    auto running = load_with(R"("status": "running")");
    REQUIRE(running.has_value());
    CHECK(running->status == "interrupted");
    CHECK(has_warning(*running, "/status"));
    auto unknown = load_with(R"("status": "paused-ish")");
    REQUIRE(unknown.has_value());
    CHECK(unknown->status == "paused-ish");
    auto number = load_with(R"("status": 3)");
    REQUIRE(number.has_value());
    CHECK(number->status == "interrupted");
  }
  SUBCASE("rules 13-15: mode, id, history defaults") {
    auto s = load_with(R"("history": ["a", 1, "b", null])");
    REQUIRE(s.has_value());
    CHECK(s->mode == "workflow");
    CHECK(s->id.empty());
    CHECK(s->history == std::vector<std::string>{"a", "b"});
    CHECK(has_warning(*s, "/history"));
  }
  SUBCASE("rule 16: a null transcript is present") {
    auto s = load_with(R"("transcript": null)");
    REQUIRE(s.has_value());
    CHECK(s->has_transcript);
  }
  SUBCASE("rule 17: artifact element types") {
    CHECK(error_of(load_with(R"("artifacts": null)"))
              .starts_with("worker snapshot artifacts parse "
                           "error: invalid type: null"));
    CHECK(error_of(load_with(R"("artifacts": [{"id": null}])")) ==
          "worker snapshot artifacts parse error: invalid type: null, expected a string");
    CHECK(error_of(load_with(R"("artifacts": [{"priority": 5.0}])")) ==
          "worker snapshot artifacts parse error: invalid type: floating point `5`, expected i64");
    auto negative = load_with(R"("artifacts": [{"estimated_tokens": -1}])");
    CHECK(error_of(negative) ==
          "worker snapshot artifacts parse error: invalid value: integer `-1`, expected usize");
    CHECK(negative.error().pointer == "/artifacts/0/estimated_tokens");
    auto ok = load_with(R"("artifacts": [{"id": "a", "kind": "plan", "priority": 3, "x": 1}])");
    REQUIRE(ok.has_value());
    REQUIRE(ok->artifacts.size() == 1);
    CHECK(ok->artifacts[0].priority == 3);
    CHECK(ok->artifacts[0].bytes.starts_with("{\"id\""));
  }
  SUBCASE("rule 18: malformed audit is defaulted with a warning") {
    auto s = load_with(R"("audit": {"session_id": ""})");
    REQUIRE(s.has_value());
    CHECK(has_warning(*s, "/audit/session_id"));
  }
  SUBCASE("rule 19: snapshot_path is replaced by the path read") {
    auto s = load_with(R"("snapshot_path": "elsewhere.json")");
    REQUIRE(s.has_value());
    CHECK(s->path == "test.json");
    CHECK(has_warning(*s, "/snapshot_path"));
  }
  SUBCASE("rule 20: malformed suspension is dropped; reminder_propagation checked") {
    auto s = load_with(R"("suspension": {"reason": "x", "initiator": "nobody"})");
    REQUIRE(s.has_value());
    CHECK_FALSE(s->has_suspension);
    auto good = load_with(R"("suspension": {"reason": "x", "initiator": "operator"})");
    REQUIRE(good.has_value());
    CHECK(good->has_suspension);
    CHECK(error_of(load(R"({"config": {"mode": "sub_agent", "spec": {"reminder_propagation": [3]}},
                            "execution": {}})"))
              .starts_with("worker snapshot sub-agent reminder_propagation parse error"));
  }
  SUBCASE("error order: carry_policy before config before execution before artifacts") {
    auto s = load(R"({"carry_policy": {"transcript_mode": "x"}, "config": 1, "artifacts": null})");
    CHECK(error_of(s).starts_with("spawn_agent: carry.transcript_mode"));
    auto t = load(R"({"config": 1, "artifacts": null})");
    CHECK(error_of(t).starts_with("worker snapshot is missing a valid config mode"));
    auto u = load(R"({"config": {"mode": "sub_agent", "spec": {}}, "artifacts": null})");
    CHECK(error_of(u).starts_with("worker snapshot execution parse error"));
  }
  SUBCASE("unknown members survive a load and a write") {
    const std::string text =
        R"({"x": {"a": {"b": [1, {"c": null}]}}, "config": {"mode": "sub_agent", "spec": {}, "y": 1}, "execution": {}})";
    auto s = load(text);
    REQUIRE(s.has_value());
    StringSink sink;
    write_snapshot(sink, s->to_node());
    CHECK(OrderedJson::parse(sink.str()) == OrderedJson::parse(text));
  }
}
