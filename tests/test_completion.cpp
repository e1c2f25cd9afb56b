#include "run/completion.hpp"
#include "snapshot/snapshot.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <fstream>

using namespace reprise;

namespace {

constexpr std::string_view k_running = R"({
  "id": "worker_c", "status": "running", "finished_at": null, "awaiting_started_at": "x",
  "latest_payload": null, "latest_error": null,
  "transcript": {"_type": "transcript", "id": "t", "messages": [{"role": "user", "content": "a"}]},
  "artifacts": [], "child_run_id": "old", "child_run_path": "old",
  "config": {"mode": "sub_agent", "spec": {}}, "execution": {},
  "carry_policy": {"retriggerable": false, "persist_state": true},
  "audit": {"session_id": "s", "run_id": null}
})";

Snapshot running() {
  auto document = Document::from_string(k_running, "running.json");
  REQUIRE(document.has_value());
  auto snapshot = load_snapshot(std::move(*document));
  REQUIRE(snapshot.has_value());
  return std::move(*snapshot);
}

Result<std::optional<Document>> result_of(std::string_view text) {
  auto document = Document::from_string(text, "result.json");
  REQUIRE(document.has_value());
  return std::optional<Document>(std::move(*document));
}

AttemptOutcome exited(int code, std::string tail = {}) {
  AttemptOutcome outcome;
  outcome.exit = ExitStatus::exited(code);
  outcome.stderr_tail = std::move(tail);
  return outcome;
}

} // namespace

TEST_CASE("completion") {
  const Snapshot snapshot = running();
  IdSource ids(1777485641000, 7);

  SUBCASE("success takes the result file's fields; run id from payload.run.id") {
    const auto result = result_of(R"({"payload": {"run": {"id": "r1"}, "path": "p1"},
      "artifacts": [{"id": "a"}]})");
    const Completion done = complete_run(snapshot, exited(0), result, TranscriptMode::inherit, ids);
    const OrderedJson root = done.root.to_json();
    CHECK(done.status == "completed");
    CHECK(root["status"] == "completed");
    CHECK(root["child_run_id"] == "r1");
    CHECK(root["child_run_path"] == "p1");
    CHECK(root["audit"]["run_id"] == "r1");
    CHECK(root["artifacts"][0]["id"] == "a");
    CHECK(root["awaiting_started_at"].is_null());
    CHECK(root["finished_at"].is_string());
    CHECK(root["transcript"]["id"] == "t"); // kept: the result had none
  }

  SUBCASE("today's rules: what the child wrote is redacted as harn's writer does; 0.7 keeps it") {
    const auto result = result_of(R"({"payload": {"headers": {"Authorization": "Bearer x"},
      "note": "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"}, "artifacts": [{"id": "a",
      "text": "password=hunter2"}]})");
    const OrderedJson root =
        complete_run(snapshot, exited(0), result, TranscriptMode::inherit, ids).root.to_json();
    CHECK(root["latest_payload"]["headers"]["Authorization"] == "[redacted]");
    CHECK(root["latest_payload"]["note"] == "<redacted:github_token:42>");
    CHECK(root["artifacts"][0]["text"] == "<redacted:sensitive_assignment:16>");

    auto document = Document::from_string(k_running, "running.json");
    REQUIRE(document.has_value());
    auto old_rules = load_snapshot(std::move(*document), HarnRules::v0_7);
    REQUIRE(old_rules.has_value());
    const OrderedJson kept =
        complete_run(*old_rules, exited(0), result, TranscriptMode::inherit, ids).root.to_json();
    CHECK(kept["latest_payload"]["headers"]["Authorization"] == "Bearer x");
    CHECK(kept["artifacts"][0]["text"] == "password=hunter2");

    const auto failed = result_of(R"({"error": "push failed: password=hunter2"})");
    CHECK(complete_run(snapshot, exited(0), failed, TranscriptMode::inherit, ids)
              .root.to_json()["latest_error"] == "push failed: <redacted:sensitive_assignment:16>");
  }

  SUBCASE("no result file: child run ids become null, the rest stays") {
    const Completion done =
        complete_run(snapshot, exited(0), std::optional<Document>{}, TranscriptMode::inherit, ids);
    const OrderedJson root = done.root.to_json();
    CHECK(root["child_run_id"].is_null());
    CHECK(root["latest_payload"].is_null());
  }

  SUBCASE("failures: exit code with stderr, signal, result error, compaction error") {
    Completion done = complete_run(snapshot, exited(3, "boom"), std::optional<Document>{},
                                   TranscriptMode::inherit, ids);
    CHECK(done.status == "failed");
    CHECK(done.latest_error == "command exited with code 3; last lines of stderr:\nboom");
    CHECK(done.root.to_json()["child_run_id"] == "old"); // failures leave child ids

    AttemptOutcome killed;
    killed.exit = ExitStatus::signalled(SIGKILL);
    killed.timed_out = true;
    killed.timeout = std::chrono::milliseconds(1500);
    done = complete_run(snapshot, killed, std::optional<Document>{}, TranscriptMode::inherit, ids);
    CHECK(done.latest_error.starts_with("command timed out after"));
    CHECK(done.latest_error.find("SIGKILL") != std::string::npos);

    done = complete_run(snapshot, exited(0), result_of(R"({"error": {"why": 1}})"),
                        TranscriptMode::inherit, ids);
    CHECK(done.latest_error == R"({"why":1})");

    done = complete_run(snapshot, exited(0), result_of(R"({"transcript": {"messages": 5}})"),
                        TranscriptMode::compact, ids);
    CHECK(done.status == "failed");
    CHECK(done.latest_error == "Thrown: transcript.messages must be a list");

    AttemptOutcome interrupted = exited(0);
    interrupted.exit = ExitStatus::signalled(SIGINT);
    interrupted.forwarded_signal = SIGINT;
    done = complete_run(snapshot, interrupted, std::optional<Document>{}, TranscriptMode::inherit,
                        ids);
    CHECK(done.status == "cancelled");
  }
}
