// format_plan_text and plan_to_json (reset_plan_output.cpp): the plan as reset --dry-run shows it.
#include "reset/reset.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace reprise;

namespace {

ArtifactPlan artifact(std::string id, std::string kind, std::size_t index, ArtifactFate fate,
                      ArtifactRule rule, std::string detail) {
  ArtifactPlan plan;
  plan.id = std::move(id);
  plan.kind = std::move(kind);
  plan.verdict.index = index;
  plan.verdict.fate = fate;
  plan.verdict.rule = rule;
  plan.verdict.rank = index;
  if (fate == ArtifactFate::kept) {
    plan.verdict.position = 0;
  }
  plan.verdict.detail = std::move(detail);
  return plan;
}

// A workflow reset that forks the transcript by request and carries one of two artifacts.
Plan workflow_plan() {
  Plan plan;
  plan.file = "w1.json";
  plan.worker_id = "w1";
  plan.variant = "workflow";
  plan.mode = "delegated_stage";
  plan.status_before = "completed";
  plan.next_task = "Next step";
  plan.default_context_policy = false;
  plan.artifacts = {
      artifact("a1", "plan", 0, ArtifactFate::kept, ArtifactRule::selected, "priority 3"),
      artifact("", "note", 1, ArtifactFate::dropped, ArtifactRule::over_budget, "")};
  plan.carried_artifacts = 1;
  plan.config_artifacts_replaced = true;
  plan.token_limit = 100;
  plan.tokens_used = 40;
  plan.transcript.mode = TranscriptMode::fork;
  plan.transcript.overridden = true;
  plan.transcript.fate = TranscriptFate::forked;
  plan.transcript.old_id = "t0";
  plan.transcript.new_id = "t1";
  plan.transcript.messages = 1;
  plan.transcript.reset_sub_agent_session = true; // not shown: not a sub-agent
  plan.changes = {{"/status", "\"completed\"", "\"running\""},
                  {"/latest_payload", "{}", std::nullopt},
                  {"/history/1", std::nullopt, "\"Next step\""}};
  return plan;
}

// The line of `text` that starts with `prefix` ("" when none does).
std::string line_of(const std::string& text, const std::string& prefix) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    if (line.starts_with(prefix)) {
      return line;
    }
    at = end == std::string::npos ? text.size() : end + 1;
  }
  return {};
}

} // namespace

TEST_CASE("reset_plan_output") {
  SUBCASE("text: the worker, every change, every artifact's fate and rule, the transcript") {
    CHECK(format_plan_text(workflow_plan()) ==
          "reset w1 (w1.json)\n"
          "  config workflow, mode delegated_stage, entry send_input, status completed -> "
          "running\n"
          "  next task: \"Next step\"\n"
          "changes:\n"
          "  /status: \"completed\" -> \"running\"\n"
          "  /latest_payload: {} -> (removed)\n"
          "  /history/1: (absent) -> \"Next step\"\n"
          "artifacts: 1 of 2 carried (artifact_mode inherit, custom context policy, 40 of 100 "
          "tokens); config.artifacts replaced\n"
          "  kept    a1 (plan): selected: priority 3\n"
          "  dropped (no id) (note): over_token_budget\n"
          "transcript: forked: id t0 -> t1, metadata.parent_transcript_id = old id (fork by "
          "request, 1 message)\n");
  }

  SUBCASE("text: a sub-agent, a trigger, no id, artifact_mode none by request, a reset") {
    Plan plan = workflow_plan();
    plan.worker_id.clear();
    plan.variant = "sub_agent";
    plan.entry = Entry::trigger;
    plan.artifact_mode = ArtifactMode::none;
    plan.artifact_mode_overridden = true;
    plan.default_context_policy = true;
    plan.token_limit.reset();
    plan.transcript.mode = TranscriptMode::reset;
    plan.transcript.fate = TranscriptFate::dropped;
    plan.transcript.overridden = false;
    plan.transcript.messages = 2;
    const std::string text = format_plan_text(plan);
    CHECK(text.starts_with("reset (no id) (w1.json)\n"));
    CHECK(line_of(text, "  config") ==
          "  config sub_agent, mode delegated_stage, entry trigger, status completed -> running");
    CHECK(line_of(text, "artifacts:") ==
          "artifacts: 1 of 2 carried (artifact_mode none by request, default context policy)");
    CHECK(line_of(text, "transcript:") ==
          "transcript: dropped (the next run starts without a transcript) (reset, 2 messages); "
          "sub-agent session id regenerated");
  }

  SUBCASE("text: nothing carried into a workflow's config; each transcript fate") {
    Plan plan = workflow_plan();
    plan.config_artifacts_replaced = false;
    CHECK(line_of(format_plan_text(plan), "artifacts:")
              .ends_with("; config.artifacts kept (nothing carried)"));
    const std::pair<TranscriptFate, std::string> fates[] = {
        {TranscriptFate::absent, "transcript: no transcript to carry ("},
        {TranscriptFate::carried, "transcript: carried unchanged ("},
        {TranscriptFate::passed, "transcript: not an object, carried unchanged ("},
        {TranscriptFate::compact_next,
         "transcript: carried unchanged; compacted after the next successful run ("},
    };
    for (const auto& [fate, start] : fates) {
      plan.transcript.fate = fate;
      CHECK(line_of(format_plan_text(plan), "transcript:").starts_with(start));
    }
    plan.transcript.fate = TranscriptFate::forked;
    plan.transcript.old_id.reset();
    CHECK(line_of(format_plan_text(plan), "transcript:")
              .starts_with("transcript: forked: id (none) -> t1 ("));
  }

  SUBCASE("a long next task is shortened") {
    Plan plan = workflow_plan();
    plan.next_task = std::string(1000, 'x');
    CHECK(line_of(format_plan_text(plan), "  next task:") ==
          "  next task: \"" + std::string(119, 'x') + "…");
  }

  SUBCASE("JSON: the same decisions, with stable names") {
    const OrderedJson out = plan_to_json(workflow_plan());
    CHECK(out["file"] == "w1.json");
    CHECK(out["worker_id"] == "w1");
    CHECK(out["config_mode"] == "workflow");
    CHECK(out["entry"] == "send_input");
    CHECK(out["status_before"] == "completed");
    CHECK(out["next_task"] == "Next step");
    const OrderedJson& changes = out["changes"];
    REQUIRE(changes.size() == 3);
    CHECK(changes[0]["op"] == "replace");
    CHECK(changes[0]["old"] == "\"completed\"");
    CHECK(changes[1]["op"] == "remove");
    CHECK(changes[1]["new"].is_null());
    CHECK(changes[2]["op"] == "add");
    CHECK(changes[2]["old"].is_null());
    const OrderedJson& artifacts = out["artifacts"];
    CHECK(artifacts["artifact_mode"] == "inherit");
    CHECK(artifacts["default_context_policy"] == false);
    CHECK(artifacts["carried"] == 1);
    CHECK(artifacts["token_limit"] == 100);
    CHECK(artifacts["tokens_used"] == 40);
    REQUIRE(artifacts["records"].size() == 2);
    CHECK(artifacts["records"][0] == OrderedJson::parse(R"({"index": 0, "id": "a1",
        "kind": "plan", "fate": "kept", "rule": "selected", "rank": 0, "position": 0,
        "detail": "priority 3"})"));
    CHECK(artifacts["records"][1]["fate"] == "dropped");
    CHECK(artifacts["records"][1]["position"].is_null());
    CHECK(out["transcript"] == OrderedJson::parse(R"({"transcript_mode": "fork",
        "overridden": true, "fate": "forked", "old_id": "t0", "new_id": "t1", "messages": 1,
        "reset_sub_agent_session": true})"));
  }

  SUBCASE("transcript fates' stable names") {
    CHECK(to_string(TranscriptFate::absent) == "absent");
    CHECK(to_string(TranscriptFate::carried) == "carried");
    CHECK(to_string(TranscriptFate::forked) == "forked");
    CHECK(to_string(TranscriptFate::passed) == "passed_through");
    CHECK(to_string(TranscriptFate::dropped) == "dropped");
    CHECK(to_string(TranscriptFate::compact_next) == "carried_compact_after_run");
  }
}
