#include "run/worker_lock.hpp"
#include "run/worker_summary.hpp"
#include "scratch.hpp"
#include "snapshot/snapshot.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using reprise::load_snapshot_file;
using reprise::OwnerCheck;
using reprise::summarize;
using reprise::summary_to_json;
using reprise::summary_to_text;
using reprise::truncate_display;

namespace {

const std::string k_snapshots = reprise::test::fixture_path("snapshots/");

reprise::Snapshot load(const std::string& name) {
  auto snapshot = load_snapshot_file(k_snapshots + name);
  REQUIRE_MESSAGE(snapshot.has_value(), name);
  return std::move(*snapshot);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("worker_summary") {
  SUBCASE("timing is decoded from the UUIDv7 timestamps") {
    const auto s = summarize(load("good-example-workflow-completed-after-send-input.json"));
    CHECK(s.created.ms == 1777485600000);
    CHECK(s.started.ms == 1777485690000);
    REQUIRE(s.finished.has_value());
    CHECK(s.finished->ms == 1777485731500);
    CHECK(s.wall_ms == 1777485731500 - 1777485690000);
    CHECK_FALSE(s.awaiting_started.has_value());
    const std::string text = summary_to_text(s);
    CHECK(contains(text, "created     2026-04-29T18:00:00.000Z\n"));
    CHECK(contains(text, "wall time   41.5s\n"));
  }

  SUBCASE("artifact and transcript counts and sizes") {
    const auto s = summarize(load("good-example-workflow-completed-after-send-input.json"));
    CHECK(s.artifacts.count == 2);
    CHECK(s.artifacts.text_bytes == 68);
    CHECK(s.artifacts.estimated_tokens == 18);
    CHECK(s.artifacts.kinds.at("summary") == 2);
    CHECK(s.artifacts.bytes > s.artifacts.text_bytes);
    CHECK(s.config_artifacts.count == 1);
    CHECK(s.transcript_messages == 4);
    CHECK(s.transcript_events == 4);
    CHECK(s.transcript_id == "019dda66-7140-77e1-a2b3-c4d5e6f7a8b0");
    CHECK(s.history.size() == 2);
    const std::string text = summary_to_text(s);
    CHECK(contains(text, "artifacts   2 ("));
    CHECK(contains(text, "~18 tokens): summary 2\n"));
    CHECK(contains(text, "            2. Continue the workflow with one more update\n"));
  }

  SUBCASE("latest error, null transcript and a non-UUID timestamp") {
    const auto failed = summarize(load("good-example-sub-agent-failed-after-reset.json"));
    CHECK(failed.status == "failed");
    CHECK(failed.latest_error.has_value());
    CHECK(failed.has_transcript);
    CHECK(failed.transcript_null);
    CHECK(contains(summary_to_text(failed), "transcript  null\n"));
    const auto minimal = summarize(load("good-example-minimal-accepted.json"));
    CHECK_FALSE(minimal.created.ms.has_value());
    CHECK_FALSE(minimal.wall_ms.has_value());
    CHECK_FALSE(minimal.carry.present);
    CHECK(contains(summary_to_text(minimal), "created     (empty)\n"));
  }

  SUBCASE("suspension record") {
    const auto s = summarize(load("good-top-level-agent-suspended.json"));
    CHECK(s.status == "suspended");
    REQUIRE(s.suspension.has_value());
    CHECK(s.suspension->reason == "waiting for plan approval");
    CHECK(s.suspension->initiator == "self");
    CHECK(s.suspension->suspended_at_turn == 3);
    CHECK(s.suspension->resume_by == "manual");
    REQUIRE(s.suspension->suspended_at.has_value());
    CHECK(s.suspension->suspended_at->ms.has_value());
    const auto json = summary_to_json(s);
    CHECK(json["suspension"]["reason"] == "waiting for plan approval");
    CHECK(json["mode"] == "top_level_agent");
    CHECK(json["config_mode"] == "sub_agent");
  }

  SUBCASE("the status repair is a warning and a live lock owner makes it running") {
    reprise::test::Scratch scratch;
    const fs::path& dir = scratch.path();
    const std::string id = "worker_019dda61-4120-750a-ab2c-3d4e5f6a7b8c";
    auto original = load("good-workflow-running.json");
    const fs::path copy = dir / (original.id + ".json");
    fs::copy_file(k_snapshots + "good-workflow-running.json", copy);
    auto snapshot = load_snapshot_file(copy.string());
    REQUIRE(snapshot.has_value());
    const auto repaired = summarize(*snapshot);
    CHECK(repaired.status == "interrupted");
    CHECK_FALSE(repaired.owner_pid.has_value());
    CHECK(std::any_of(repaired.warnings.begin(), repaired.warnings.end(),
                      [](const reprise::Warning& w) { return w.pointer == "/status"; }));
    {
      auto lock = reprise::WorkerLock::acquire(dir.string(), snapshot->id);
      REQUIRE(lock.has_value());
      const auto live = summarize(*snapshot);
      CHECK(live.status == "running");
      CHECK(live.owner_pid == getpid());
      CHECK(std::none_of(live.warnings.begin(), live.warnings.end(),
                         [](const reprise::Warning& w) { return w.pointer == "/status"; }));
      CHECK(contains(summary_to_text(live), "(owner pid "));
      CHECK(summarize(*snapshot, OwnerCheck::none).status == "interrupted");
    }
    CHECK(summarize(*snapshot).status == "interrupted");
  }

  SUBCASE("carry and context policy") {
    const auto s = summarize(load("good-context-policy-artifacts.json"));
    CHECK(s.carry.present);
    CHECK(s.artifacts.count == 6);
    CHECK(s.artifacts.kinds.size() == 6);
    const std::string text = summary_to_text(s);
    CHECK(contains(text, "context     max_artifacts 4, max_tokens 2000, reserve_tokens 200, "));
    CHECK(contains(text, "exclude_kinds command_result"));
    const auto json = summary_to_json(s);
    CHECK(json["carry_policy"]["context_policy"]["max_artifacts"] == 4);
    CHECK(json["artifacts"]["kinds"]["git_diff"] == 1);
    const auto none = summary_to_text(summarize(load("good-no-carry-policy.json")));
    CHECK(contains(none, "carry       none ("));
  }

  SUBCASE("truncation for people") {
    CHECK(truncate_display("short", 10) == "short");
    CHECK(truncate_display("exactly10!", 10) == "exactly10!");
    CHECK(truncate_display("this is too long", 8) == "this is…");
    CHECK(truncate_display("h\u00e9llo w\u00f6rld", 6) == "h\u00e9llo…");
    CHECK(truncate_display("two\nlines", 20) == "two lines");
  }
}
