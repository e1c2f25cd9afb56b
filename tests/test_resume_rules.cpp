#include "reset/resume_rules.hpp"
#include "scratch.hpp"
#include "snapshot/snapshot.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <string>
#include <utility>
#include <vector>

using namespace reprise;

namespace {

const std::string k_suspended = "good-top-level-agent-suspended.json";
constexpr std::int64_t k_now = 1777485641000;

// The fixture `name` with each `from` replaced by its `to` (once), loaded from memory.
Snapshot load(const std::string& name,
              const std::vector<std::pair<std::string, std::string>>& edits = {}) {
  auto document = Document::read_file(reprise::test::fixture_path("snapshots/" + name));
  REQUIRE(document);
  std::string text(document->text());
  for (const auto& [from, to] : edits) {
    const std::size_t at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    text.replace(at, from.size(), to);
  }
  auto edited = Document::from_string(text, name);
  REQUIRE(edited);
  auto snapshot = load_snapshot(std::move(*edited));
  REQUIRE_MESSAGE(snapshot, (snapshot ? "" : snapshot.error().to_string()));
  return std::move(*snapshot);
}

// The changes' pointers, in order.
std::vector<std::string> pointers(const ResumeResult& result) {
  std::vector<std::string> out;
  for (const FieldChange& change : result.changes) {
    out.push_back(change.pointer);
  }
  return out;
}

bool changed(const ResumeResult& result, const std::string& pointer) {
  const auto all = pointers(result);
  return std::find(all.begin(), all.end(), pointer) != all.end();
}

} // namespace

TEST_CASE("resume_rules") {
  IdSource ids(k_now, 7);

  SUBCASE("check_resumable: only a suspended worker; cancelled and others are harn's errors") {
    CHECK(check_resumable(load(k_suspended)));

    const Snapshot cancelled = load("good-sub-agent-cancelled.json");
    const auto closed = check_resumable(cancelled);
    REQUIRE_FALSE(closed);
    CHECK(closed.error().code == ErrorCode::usage);
    CHECK(closed.error().message == "HARN-SUS-010: resume_agent: worker " + cancelled.id +
                                        " was closed and cannot be resumed");
    CHECK(closed.error().file == cancelled.path);

    const Snapshot done = load("good-example-workflow-completed-after-send-input.json");
    const auto not_suspended = check_resumable(done);
    REQUIRE_FALSE(not_suspended);
    CHECK(not_suspended.error().code == ErrorCode::usage);
    CHECK(not_suspended.error().message == "HARN-SUS-003: resume_agent: worker " + done.id +
                                               " is not suspended (status=" + done.status + ")");
  }

  SUBCASE("blank input is HARN-SUS-009; no input is allowed") {
    const Snapshot suspended = load(k_suspended);
    for (const char* blank : {"", "  ", "\n\t"}) {
      ResumeRequest request;
      request.input = blank;
      const auto result = apply_resume_rules(suspended, request, ids);
      REQUIRE_FALSE(result);
      CHECK(result.error().code == ErrorCode::usage);
      CHECK(result.error().message.starts_with("HARN-SUS-009: "));
    }
    CHECK(apply_resume_rules(suspended, ResumeRequest{}, ids));
  }

  SUBCASE("always: suspension removed, status running, finished_at and latest_error null") {
    const Snapshot suspended = load(k_suspended);
    auto resumed = apply_resume_rules(suspended, ResumeRequest{}, ids);
    REQUIRE(resumed);
    const OrderedJson out = resumed->root.to_json();
    CHECK(out["suspension"].is_null());
    CHECK(out["status"] == "running");
    CHECK(out["finished_at"].is_null());
    CHECK(out["latest_error"].is_null());
    const std::vector<std::string> first = {"/suspension", "/status", "/finished_at",
                                            "/latest_error"};
    const std::vector<std::string> all = pointers(*resumed);
    REQUIRE(all.size() >= first.size());
    CHECK(std::vector<std::string>(all.begin(), all.begin() + 4) == first);
    CHECK(resumed->changes[1].new_value == "\"running\"");
    CHECK(resumed->changes[1].old_value == "\"suspended\"");
  }

  SUBCASE("no input: task, history and the transcript stay; no digest") {
    const Snapshot suspended = load(k_suspended);
    auto resumed = apply_resume_rules(suspended, ResumeRequest{}, ids);
    REQUIRE(resumed);
    const OrderedJson out = resumed->root.to_json();
    CHECK(out["task"] == suspended.task);
    CHECK(out["history"].size() == suspended.history.size());
    CHECK(out["config"]["spec"]["task"] == suspended.task);
    CHECK(out["transcript"]["messages"].size() == 2);
    CHECK_FALSE(resumed->digest.has_value());
    CHECK_FALSE(changed(*resumed, "/task"));
    CHECK_FALSE(changed(*resumed, "/transcript"));
    const OrderedJson& continuity = out["config"]["spec"]["options"]["_resume_continuity"];
    CHECK(continuity["input"].is_null());
    CHECK(continuity["input_present"] == false);
    CHECK(continuity["input_rendered"] == "");
    CHECK(continuity["continue_transcript"] == true);
    CHECK(continuity["digest"].is_null());
  }

  SUBCASE("input: the task, appended to history, and the sub-agent spec's task") {
    const Snapshot suspended = load(k_suspended);
    ResumeRequest request;
    request.input = "carry on";
    auto resumed = apply_resume_rules(suspended, request, ids);
    REQUIRE(resumed);
    const OrderedJson out = resumed->root.to_json();
    CHECK(out["task"] == "carry on");
    REQUIRE(out["history"].size() == suspended.history.size() + 1);
    CHECK(out["history"].front() == suspended.history.front());
    CHECK(out["history"].back() == "carry on");
    CHECK(out["config"]["spec"]["task"] == "carry on");
    CHECK(changed(*resumed, "/history/" + std::to_string(suspended.history.size())));
    CHECK(changed(*resumed, "/config/spec/task"));
    const OrderedJson& continuity = out["config"]["spec"]["options"]["_resume_continuity"];
    CHECK(continuity["input"] == "carry on");
    CHECK(continuity["input_present"] == true);
    CHECK(continuity["input_rendered"] == "carry on");
  }

  SUBCASE("continue_transcript no: a summary-only transcript whose summary is the digest") {
    const Snapshot suspended = load(k_suspended);
    ResumeRequest request;
    request.input = "carry on";
    request.continue_transcript = ContinueTranscript::no;
    auto resumed = apply_resume_rules(suspended, request, ids);
    REQUIRE(resumed);
    const OrderedJson out = resumed->root.to_json();
    REQUIRE(resumed->digest.has_value());
    CHECK_FALSE(resumed->digest->empty());
    CHECK(out["transcript"]["summary"] == *resumed->digest);
    CHECK(out["transcript"]["messages"].size() == 1);
    CHECK(changed(*resumed, "/transcript"));
    const OrderedJson& continuity = out["config"]["spec"]["options"]["_resume_continuity"];
    CHECK(continuity["continue_transcript"] == false);
    CHECK(continuity["digest"] == *resumed->digest);
  }

  SUBCASE("_resume_continuity: the worker, the suspension, the session, in VM dict order") {
    const Snapshot suspended = load(k_suspended);
    ResumeRequest request;
    request.initiator = "ci";
    request.trigger = OrderedJson{{"event", "approved"}};
    auto resumed = apply_resume_rules(suspended, request, ids);
    REQUIRE(resumed);
    const OrderedJson out = resumed->root.to_json();
    const OrderedJson& options = out["config"]["spec"]["options"];
    std::vector<std::string> keys;
    for (const auto& item : options.items()) {
      keys.push_back(item.key());
    }
    CHECK(keys == std::vector<std::string>{"_resume_continuity", "provider", "session_id"});
    const OrderedJson& continuity = options["_resume_continuity"];
    CHECK(continuity["initiator"] == "ci");
    CHECK(continuity["resume"]["initiator"] == "ci");
    CHECK(continuity["trigger"]["event"] == "approved");
    CHECK(continuity["worker"]["id"] == suspended.id);
    CHECK(continuity["worker"]["name"] == "top-level-agent");
    CHECK(continuity["session_id"] == "sub_agent_session_019dda61-4120-7090-aa09-b8c9d0e1f2a3");
    CHECK(continuity["session"]["id"] == continuity["session_id"]);
    CHECK(continuity["reason"] == "waiting for plan approval");
    CHECK(continuity["suspension"]["initiator"] == "self");
    CHECK(continuity["suspended_at_turn"] == 3);
    CHECK(continuity["turn"] == 0);
    CHECK(continuity["iteration"] == 0);
  }

  SUBCASE("suspended_at_turn falls back to latest_payload's iterations, then 0") {
    const Snapshot from_payload =
        load(k_suspended, {{"\"suspended_at_turn\": 3", "\"suspended_at_turn\": null"},
                           {"\"latest_payload\": null",
                            R"("latest_payload": {"iterations": 4, "iterations_completed": 5})"}});
    auto resumed = apply_resume_rules(from_payload, ResumeRequest{}, ids);
    REQUIRE(resumed);
    CHECK(resumed->root.to_json()["config"]["spec"]["options"]["_resume_continuity"]
                                 ["suspended_at_turn"] == 5);

    const Snapshot none =
        load(k_suspended, {{"\"suspended_at_turn\": 3", "\"suspended_at_turn\": null"}});
    resumed = apply_resume_rules(none, ResumeRequest{}, ids);
    REQUIRE(resumed);
    CHECK(resumed->root.to_json()["config"]["spec"]["options"]["_resume_continuity"]
                                 ["suspended_at_turn"] == 0);
  }

  SUBCASE("a worker that is not a sub-agent: no continuity record, config untouched") {
    const Snapshot workflow = load("good-example-workflow-completed-after-send-input.json");
    ResumeRequest request;
    request.input = "again";
    auto resumed = apply_resume_rules(workflow, request, ids);
    REQUIRE(resumed);
    const OrderedJson before = workflow.to_node().to_json();
    CHECK(resumed->root.to_json()["config"] == before["config"]);
    CHECK_FALSE(changed(*resumed, "/config/spec/task"));
    CHECK(resumed->root.to_json()["task"] == "again");
  }
}
