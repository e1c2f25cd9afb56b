#include "reset/carry_policy.hpp"

#include <doctest/doctest.h>

using namespace reprise;

TEST_CASE("carry_policy") {
  SUBCASE("vm_display: strings bare, null as nil, lists and sorted dicts") {
    CHECK(vm_display(OrderedJson("none")) == "none");
    CHECK(vm_display(OrderedJson(nullptr)) == "nil");
    CHECK(vm_display(OrderedJson(true)) == "true");
    CHECK(vm_display(OrderedJson(-5)) == "-5");
    CHECK(vm_display(OrderedJson(1.5)) == "1.5");
    CHECK(vm_display(OrderedJson::parse(R"(["a", 1, null])")) == "[a, 1, nil]");
    CHECK(vm_display(OrderedJson::parse(R"({"z": 1, "a": {"y": [], "b": "x"}})")) ==
          "{a: {b: x, y: []}, z: 1}");
  }

  SUBCASE("set_vm_dict_member: replaced in place, else inserted in key order") {
    JsonNode dict = JsonNode::raw(R"({"alpha": 1, "mode": "fork", "zeta": 2})");
    set_vm_dict_member(dict, "mode", JsonNode::value("reset"));
    set_vm_dict_member(dict, "beta", JsonNode::value(true));
    set_vm_dict_member(dict, "zz", JsonNode::value(nullptr));
    CHECK(dict.to_json().dump() == R"({"alpha":1,"beta":true,"mode":"reset","zeta":2,"zz":null})");
    JsonNode not_dict = JsonNode::raw("[1]");
    set_vm_dict_member(not_dict, "a", JsonNode::value(1));
    CHECK(not_dict.to_json().dump() == "[1]");
    CHECK(not_dict.find("a") == nullptr);
  }

  SUBCASE("parse_transcript_mode: trimmed names, harn's message otherwise") {
    CHECK(parse_transcript_mode("inherit") == TranscriptMode::inherit);
    CHECK(parse_transcript_mode(" fork\n") == TranscriptMode::fork);
    CHECK(parse_transcript_mode("reset") == TranscriptMode::reset);
    CHECK(parse_transcript_mode("compact") == TranscriptMode::compact);
    const auto bad = parse_transcript_mode("  Fork ");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == ErrorCode::usage);
    CHECK(bad.error().message == "spawn_agent: carry.transcript_mode must be one of inherit, "
                                 "fork, reset, compact; got `Fork`");
  }

  SUBCASE("parse_context_policy: every field, and serde's strictness") {
    const auto policy = parse_context_policy(OrderedJson::parse(R"({
      "max_artifacts": 3, "max_tokens": null, "include_kinds": ["plan"],
      "pinned_ids": ["a1", "a2"], "prefer_recent": true, "render": "summary", "unknown": 1})"));
    REQUIRE(policy.has_value());
    CHECK(policy->max_artifacts == 3u);
    CHECK_FALSE(policy->max_tokens.has_value());
    CHECK(policy->include_kinds == std::vector<std::string>{"plan"});
    CHECK(policy->pinned_ids == std::vector<std::string>{"a1", "a2"});
    CHECK(policy->prefer_recent);
    CHECK_FALSE(policy->prefer_fresh);
    CHECK(policy->render == "summary");
    CHECK(parse_context_policy(OrderedJson::object())->is_default());

    const auto message = [](const char* text) {
      const auto parsed = parse_context_policy(OrderedJson::parse(text));
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().code == ErrorCode::usage);
      return parsed.error().message;
    };
    CHECK(message("[]") ==
          "context policy parse error: invalid type: sequence, expected struct ContextPolicy");
    CHECK(message(R"({"max_tokens": -1})") ==
          "context policy parse error: invalid value: integer `-1`, expected usize");
    CHECK(message(R"({"max_tokens": "9"})") ==
          "context policy parse error: invalid type: string \"9\", expected usize");
    CHECK(message(R"({"include_kinds": "plan"})") ==
          "context policy parse error: invalid type: string \"plan\", expected a sequence");
    CHECK(message(R"({"pinned_ids": [1]})") ==
          "context policy parse error: invalid type: integer `1`, expected a string");
    CHECK(message(R"({"prefer_fresh": null})") ==
          "context policy parse error: invalid type: null, expected a boolean");
    CHECK(message(R"({"render": false})") ==
          "context policy parse error: invalid type: boolean `false`, expected a string");
  }

  SUBCASE("parse_spawn_carry_policy: defaults when absent or not a dict") {
    for (const char* text : {"null", "\"fork\"", "[]"}) {
      const auto policy = parse_spawn_carry_policy(OrderedJson::parse(text));
      REQUIRE(policy.has_value());
      CHECK(policy->present);
      CHECK(policy->artifact_mode == "inherit");
      CHECK(policy->transcript_mode == TranscriptMode::inherit);
      CHECK(policy->transcript_mode_text.empty());
      CHECK(policy->resume_workflow);
      CHECK(policy->persist_state);
      CHECK_FALSE(policy->retriggerable);
      CHECK_FALSE(policy->has_policy);
    }
  }

  SUBCASE("parse_spawn_carry_policy: aliases and dict-valued artifacts") {
    const auto aliased = parse_spawn_carry_policy(OrderedJson::parse(
        R"({"artifacts": {"max_artifacts": 2}, "transcript": {"mode": " compact "},
            "resume_workflow": false, "persist_state": "no", "retriggerable": true,
            "policy": {"tools": []}})"));
    REQUIRE(aliased.has_value());
    CHECK(aliased->artifact_mode == "{max_artifacts: 2}");
    CHECK(aliased->context_policy.max_artifacts == 2u);
    CHECK(aliased->transcript_mode == TranscriptMode::compact);
    CHECK(aliased->transcript_mode_text == "compact");
    CHECK_FALSE(aliased->resume_workflow);
    CHECK(aliased->persist_state); // not a boolean: the default stays
    CHECK(aliased->retriggerable);
    CHECK(aliased->has_policy);

    // The long names win over the aliases; an explicit context_policy over dict artifacts.
    const auto named = parse_spawn_carry_policy(OrderedJson::parse(
        R"({"artifact_mode": "none", "artifacts": {"max_artifacts": 2},
            "transcript_mode": "reset", "transcript": "fork",
            "context_policy": {"max_tokens": 10}, "policy": null})"));
    REQUIRE(named.has_value());
    CHECK(named->artifact_mode == "none");
    CHECK(named->transcript_mode == TranscriptMode::reset);
    CHECK_FALSE(named->context_policy.max_artifacts.has_value());
    CHECK(named->context_policy.max_tokens == 10u);
    CHECK_FALSE(named->has_policy);

    // An empty display falls back to inherit.
    CHECK(parse_spawn_carry_policy(OrderedJson::parse(R"({"artifacts": ""})"))->artifact_mode ==
          "inherit");
  }

  SUBCASE("parse_spawn_carry_policy: a bad transcript mode or context policy is an error") {
    const auto mode = parse_spawn_carry_policy(OrderedJson::parse(R"({"transcript": null})"));
    REQUIRE_FALSE(mode.has_value());
    CHECK(mode.error().message.ends_with("got `nil`"));
    const auto dict = parse_spawn_carry_policy(OrderedJson::parse(R"({"transcript": {}})"));
    REQUIRE_FALSE(dict.has_value());
    CHECK(dict.error().message.ends_with("got `nil`"));
    const auto context =
        parse_spawn_carry_policy(OrderedJson::parse(R"({"context_policy": {"max_tokens": 1.5}})"));
    REQUIRE_FALSE(context.has_value());
    CHECK(context.error().message ==
          "context policy parse error: invalid type: floating point `1.5`, expected usize");
  }
}
