#include "snapshot/snapshot_carry.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace reprise;

namespace {

// What load_carry_policy made of one snapshot's root object.
struct Loaded {
  Result<void> result;
  CarryPolicy carry;
  std::vector<Warning> warnings;
};

Loaded load(const std::string& root) {
  auto document = Document::from_string(root, "carry.json");
  REQUIRE_MESSAGE(document, (document ? "" : document.error().to_string()));
  Loaded loaded;
  LoadContext ctx(*document, loaded.warnings);
  loaded.result = load_carry_policy(ctx, document->root(), loaded.carry);
  return loaded;
}

bool warned_at(const Loaded& loaded, const std::string& pointer) {
  for (const Warning& warning : loaded.warnings) {
    if (warning.pointer == pointer) {
      return true;
    }
  }
  return false;
}

} // namespace

TEST_CASE("snapshot_carry") {
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
    CHECK_FALSE(parse_transcript_mode("").has_value());
  }

  SUBCASE("a missing carry_policy is harn's all-false default, with a warning") {
    const Loaded loaded = load(R"({"id": "w"})");
    REQUIRE(loaded.result);
    CHECK_FALSE(loaded.carry.present);
    CHECK_FALSE(loaded.carry.persist_state);
    CHECK_FALSE(loaded.carry.resume_workflow);
    CHECK(loaded.carry.transcript_mode_text.empty());
    CHECK(warned_at(loaded, "/carry_policy"));
  }

  SUBCASE("an empty object gets the spawn defaults: inherit, inherit, resume and persist") {
    const Loaded loaded = load(R"({"carry_policy": {}})");
    REQUIRE(loaded.result);
    CHECK(loaded.carry.present);
    CHECK(loaded.carry.artifact_mode == "inherit");
    CHECK(loaded.carry.transcript_mode == TranscriptMode::inherit);
    CHECK(loaded.carry.transcript_mode_text == "inherit");
    CHECK(loaded.carry.resume_workflow);
    CHECK(loaded.carry.persist_state);
    CHECK_FALSE(loaded.carry.retriggerable);
    CHECK_FALSE(loaded.carry.has_policy);
    CHECK(loaded.carry.context_policy.is_default());
    CHECK(loaded.warnings.empty());
  }

  SUBCASE("a carry_policy that is not an object: the spawn defaults, with a warning") {
    const Loaded loaded = load(R"({"carry_policy": [1]})");
    REQUIRE(loaded.result);
    CHECK(loaded.carry.present);
    CHECK(loaded.carry.persist_state);
    CHECK(loaded.carry.resume_workflow);
    CHECK(warned_at(loaded, "/carry_policy"));
  }

  SUBCASE("transcript_mode: a string or a dict's mode, trimmed; anything else is an error") {
    const Loaded fork = load(R"({"carry_policy": {"transcript_mode": " fork "}})");
    REQUIRE(fork.result);
    CHECK(fork.carry.transcript_mode == TranscriptMode::fork);
    CHECK(fork.carry.transcript_mode_text == "fork");

    const Loaded dict = load(R"({"carry_policy": {"transcript_mode": {"mode": "compact"}}})");
    REQUIRE(dict.result);
    CHECK(dict.carry.transcript_mode == TranscriptMode::compact);

    const Loaded no_mode = load(R"({"carry_policy": {"transcript_mode": {"kind": "reset"}}})");
    REQUIRE_FALSE(no_mode.result);
    CHECK(no_mode.result.error().message.find("got `nil`") != std::string::npos);

    const Loaded number = load(R"({"carry_policy": {"transcript_mode": 3}})");
    REQUIRE_FALSE(number.result);
    const Error& error = number.result.error();
    CHECK(error.code == ErrorCode::invalid_snapshot);
    CHECK(error.pointer == "/carry_policy/transcript_mode");
    CHECK(error.line == 1);
    CHECK(error.message == "spawn_agent: carry.transcript_mode must be one of inherit, fork, "
                           "reset, compact; got `3`");
  }

  SUBCASE("flags are lenient: only false turns resume_workflow and persist_state off") {
    const Loaded off = load(R"({"carry_policy": {"resume_workflow": false, "persist_state": false,
                 "retriggerable": true}})");
    REQUIRE(off.result);
    CHECK_FALSE(off.carry.resume_workflow);
    CHECK_FALSE(off.carry.persist_state);
    CHECK(off.carry.retriggerable);
    CHECK(off.warnings.empty());

    const Loaded odd = load(R"({"carry_policy": {"persist_state": "no", "retriggerable": 1}})");
    REQUIRE(odd.result);
    CHECK(odd.carry.persist_state);
    CHECK_FALSE(odd.carry.retriggerable);
    CHECK(warned_at(odd, "/carry_policy/persist_state"));
    CHECK(warned_at(odd, "/carry_policy/retriggerable"));
  }

  SUBCASE("artifact_mode is read as its display string, with a warning when not a string") {
    const Loaded none = load(R"({"carry_policy": {"artifact_mode": "none"}})");
    REQUIRE(none.result);
    CHECK(none.carry.artifact_mode == "none");
    CHECK(none.warnings.empty());

    const Loaded number = load(R"({"carry_policy": {"artifact_mode": 7}})");
    REQUIRE(number.result);
    CHECK(number.carry.artifact_mode == "7");
    CHECK(warned_at(number, "/carry_policy/artifact_mode"));
  }

  SUBCASE("context_policy fields are read; a wrong type is an error at the field") {
    const Loaded good = load(
        R"({"carry_policy": {"context_policy": {"max_artifacts": 2, "include_kinds": ["plan"],
            "prefer_recent": true, "render": null}}})");
    REQUIRE(good.result);
    const ContextPolicy& policy = good.carry.context_policy;
    CHECK(policy.max_artifacts == 2u);
    CHECK(policy.include_kinds == std::vector<std::string>{"plan"});
    CHECK(policy.prefer_recent);
    CHECK_FALSE(policy.render.has_value());
    CHECK_FALSE(policy.is_default());

    const Loaded negative = load(R"({"carry_policy": {"context_policy": {"max_tokens": -1}}})");
    REQUIRE_FALSE(negative.result);
    CHECK(negative.result.error().pointer == "/carry_policy/context_policy/max_tokens");
    CHECK(negative.result.error().message.starts_with("context policy parse error: "));

    const Loaded not_object = load(R"({"carry_policy": {"context_policy": null}})");
    REQUIRE_FALSE(not_object.result);
    CHECK(not_object.result.error().pointer == "/carry_policy/context_policy");
  }

  SUBCASE("policy: null is no policy, an object is checked, anything else is an error") {
    const Loaded null_policy = load(R"({"carry_policy": {"policy": null}})");
    REQUIRE(null_policy.result);
    CHECK_FALSE(null_policy.carry.has_policy);

    const Loaded good = load(R"({"carry_policy": {"policy": {"tools": ["read"]}}})");
    REQUIRE(good.result);
    CHECK(good.carry.has_policy);

    const Loaded bad_tools = load(R"({"carry_policy": {"policy": {"tools": "read"}}})");
    REQUIRE_FALSE(bad_tools.result);
    CHECK(bad_tools.result.error().pointer == "/carry_policy/policy/tools");
    CHECK(bad_tools.result.error().message.starts_with("spawn_agent: policy parse error: "));

    const Loaded bad = load(R"({"carry_policy": {"policy": 5}})");
    REQUIRE_FALSE(bad.result);
    CHECK(bad.result.error().pointer == "/carry_policy/policy");
  }

  SUBCASE("a legacy transcript_policy is ignored, with a warning") {
    const Loaded loaded = load(R"({"carry_policy": {"transcript_policy": {"mode": "reset"}}})");
    REQUIRE(loaded.result);
    CHECK(loaded.carry.transcript_mode == TranscriptMode::inherit);
    CHECK(warned_at(loaded, "/carry_policy/transcript_policy"));
  }
}
