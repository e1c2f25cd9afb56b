#include "reset/reset.hpp"
#include "scratch.hpp"
#include "snapshot/snapshot.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>

using namespace reprise;

namespace {

const std::string k_snapshots = reprise::test::fixture_path("snapshots/");
constexpr std::int64_t k_now = 1777485641000;

Snapshot load(const std::string& name, HarnRules rules = k_newest_harn_rules) {
  auto snapshot = load_snapshot_file(k_snapshots + name, FileAccess::read, rules);
  REQUIRE_MESSAGE(snapshot, (snapshot ? "" : snapshot.error().to_string()));
  return std::move(*snapshot);
}

// A fixture with `from` replaced by `to` (once), loaded from memory.
Snapshot load_edited(const std::string& name, const std::string& from, const std::string& to) {
  auto document = Document::read_file(k_snapshots + name);
  REQUIRE(document);
  std::string text(document->text());
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  auto edited = Document::from_string(text, name);
  REQUIRE(edited);
  auto snapshot = load_snapshot(std::move(*edited));
  REQUIRE_MESSAGE(snapshot, (snapshot ? "" : snapshot.error().to_string()));
  return std::move(*snapshot);
}

ResetRequest task(std::string text) {
  ResetRequest request;
  request.input = std::move(text);
  return request;
}

ResetRequest trigger(std::string payload) {
  ResetRequest request;
  request.entry = Entry::trigger;
  request.input = std::move(payload);
  return request;
}

// The reset snapshot as text and as a parsed value.
struct Output {
  std::string text;
  OrderedJson json;
  Plan plan;
};

Output reset(const Snapshot& snapshot, const ResetRequest& request) {
  IdSource ids(k_now, 7);
  auto result = plan_reset(snapshot, request, ids);
  REQUIRE_MESSAGE(result, (result ? "" : result.error().to_string()));
  StringSink sink;
  write_snapshot(sink, result->root);
  Output out{sink.str(), OrderedJson::parse(sink.str()), result->plan};
  return out;
}

OrderedJson original(const Snapshot& snapshot) {
  return OrderedJson::parse(snapshot.document.text());
}

// Removes `object[key]` when it is an empty object (created by the reset or empty before).
void erase_if_empty(OrderedJson& object, const char* key) {
  if (object.contains(key) && object[key].is_object() && object[key].empty()) {
    object.erase(key);
  }
}

// Removes the members a reset may change, so what is left must be equal before and after.
void erase_reset_fields(OrderedJson& root, ConfigMode mode) {
  for (const char* key :
       {"task", "history", "status", "started_at", "finished_at", "awaiting_started_at",
        "latest_error", "latest_payload", "transcript", "snapshot_path"}) {
    root.erase(key);
  }
  OrderedJson& config = root["config"];
  switch (mode) {
  case ConfigMode::workflow:
    config.erase("artifacts");
    if (config.contains("options") && config["options"].is_object()) {
      for (const char* key : {"parent_worker_id", "transcript", "resume_path"}) {
        config["options"].erase(key);
      }
      erase_if_empty(config, "options");
    }
    if (config["graph"].contains("nodes") && config["graph"]["nodes"].is_object()) {
      for (auto& [id, node] : config["graph"]["nodes"].items()) {
        if (node.contains("metadata") && node["metadata"].is_object()) {
          node["metadata"].erase("worker_session_id");
          erase_if_empty(node, "metadata");
        }
      }
    }
    break;
  case ConfigMode::stage:
    config.erase("artifacts");
    config.erase("transcript");
    if (config["node"].contains("metadata") && config["node"]["metadata"].is_object()) {
      config["node"]["metadata"].erase("worker_session_id");
      erase_if_empty(config["node"], "metadata");
    }
    break;
  case ConfigMode::sub_agent:
    config["spec"].erase("task");
    config["spec"].erase("session_id");
    if (config["spec"].contains("options") && config["spec"]["options"].is_object()) {
      config["spec"]["options"].erase("session_id");
      erase_if_empty(config["spec"], "options");
    }
    break;
  }
}

bool has_change(const Plan& plan, const std::string& pointer) {
  return std::any_of(plan.changes.begin(), plan.changes.end(),
                     [&](const FieldChange& change) { return change.pointer == pointer; });
}

} // namespace

TEST_CASE("reset") {
  SUBCASE("spec §6: workflow example with send_input(\"Next\")") {
    const Snapshot snapshot = load("good-example-workflow-completed-after-send-input.json");
    const OrderedJson before = original(snapshot);
    const Output out = reset(snapshot, task("Next"));
    const OrderedJson& after = out.json;
    CHECK(after["task"] == "Next");
    CHECK(after["history"].size() == before["history"].size() + 1);
    CHECK(after["history"].back() == "Next");
    CHECK(after["status"] == "running");
    CHECK(after["started_at"] != before["started_at"]);
    CHECK(uuid7_millis(after["started_at"].get<std::string>()) == k_now);
    CHECK(after["finished_at"].is_null());
    CHECK(after["latest_error"].is_null());
    CHECK(after["latest_payload"].is_null());
    CHECK(after["config"]["artifacts"] == before["artifacts"]);
    CHECK(after["transcript"] == before["transcript"]);
    CHECK(after["config"]["options"]["transcript"] == before["transcript"]);
    CHECK(after["config"]["options"]["resume_path"] == before["child_run_path"]);
    CHECK(after["config"]["options"]["parent_worker_id"] == before["id"]);
    CHECK(after["artifacts"] == before["artifacts"]);
    CHECK(after["created_at"] == before["created_at"]);
    CHECK(after["request"] == before["request"]);
    CHECK(out.plan.carried_artifacts == 2);
    CHECK(out.plan.config_artifacts_replaced);
    CHECK(out.plan.transcript.fate == TranscriptFate::carried);
    CHECK(has_change(out.plan, "/config/options/transcript"));
    CHECK_FALSE(has_change(out.plan, "/config/options/parent_worker_id")); // already its own id
  }

  SUBCASE("spec §6: sub-agent example with send_input(\"Try again\") regenerates the session") {
    const Snapshot snapshot = load("good-example-sub-agent-failed-after-reset.json");
    const OrderedJson before = original(snapshot);
    const Output out = reset(snapshot, task("Try again"));
    const OrderedJson& spec = out.json["config"]["spec"];
    CHECK(spec["task"] == "Try again");
    const std::string session = spec["session_id"].get<std::string>();
    CHECK(session.starts_with("sub_agent_session_"));
    CHECK(session != before["config"]["spec"]["session_id"].get<std::string>());
    CHECK(uuid7_millis(session) == k_now);
    CHECK(spec["options"]["session_id"] == session);
    CHECK(spec["options"]["provider"] == "mock");
    CHECK(out.json["transcript"].is_null());
    CHECK(out.plan.transcript.fate == TranscriptFate::dropped);
  }

  SUBCASE("fork: new transcript id with a parent link, the same transcript in options") {
    const Snapshot snapshot = load("good-example-workflow-completed-after-send-input.json");
    const OrderedJson before = original(snapshot);
    ResetRequest request = task("Next");
    request.transcript_mode = TranscriptMode::fork;
    const Output out = reset(snapshot, request);
    const OrderedJson& transcript = out.json["transcript"];
    CHECK(transcript["id"] != before["transcript"]["id"]);
    CHECK(transcript["id"].get<std::string>().size() == 36);
    CHECK(transcript["metadata"]["parent_transcript_id"] == before["transcript"]["id"]);
    CHECK(transcript["messages"] == before["transcript"]["messages"]);
    CHECK(out.json["config"]["options"]["transcript"] == transcript);
    CHECK(out.plan.transcript.overridden);
    // the carry policy on disk is not changed by an override
    CHECK(out.json["carry_policy"] == before["carry_policy"]);
  }

  SUBCASE("reset mode: workflow options.transcript removed, top-level transcript null") {
    const Snapshot snapshot = load("good-example-workflow-completed-after-send-input.json");
    ResetRequest request = task("Next");
    request.transcript_mode = TranscriptMode::reset;
    const Output out = reset(snapshot, request);
    CHECK(out.json["transcript"].is_null());
    CHECK_FALSE(out.json["config"]["options"].contains("transcript"));
  }

  SUBCASE("artifact_mode none keeps the previous config artifacts") {
    const Snapshot snapshot = load("good-example-workflow-completed-after-send-input.json");
    const OrderedJson before = original(snapshot);
    ResetRequest request = task("Next");
    request.artifact_mode = ArtifactMode::none;
    const Output out = reset(snapshot, request);
    CHECK(out.json["config"]["artifacts"] == before["config"]["artifacts"]);
    CHECK_FALSE(out.plan.config_artifacts_replaced);
    CHECK(out.plan.artifacts[0].verdict.rule == ArtifactRule::mode_none);
  }

  SUBCASE("resume_workflow false removes resume_path; no child path keeps it") {
    const Snapshot off = load_edited("good-example-workflow-completed-after-send-input.json",
                                     "\"resume_workflow\": true", "\"resume_workflow\": false");
    CHECK_FALSE(reset(off, task("Next")).json["config"]["options"].contains("resume_path"));
    const Snapshot no_child =
        load_edited("good-example-workflow-completed-after-send-input.json",
                    "\"child_run_path\": \".harn-runs/", "\"child_run_path\": null, \"x\": \"");
    const Output out = reset(no_child, task("Next"));
    CHECK(out.json["config"]["options"]["resume_path"] ==
          ".harn-runs/019dda65-d604-79a8-b7c6-d5e4f3a2b1c0.json");
  }

  SUBCASE("stage: config.transcript gets the carried transcript, node session id ensured") {
    const Snapshot snapshot = load("good-stage-completed.json");
    const OrderedJson before = original(snapshot);
    const Output out = reset(snapshot, task("Again"));
    CHECK(out.json["config"]["transcript"] == before["transcript"]);
    const OrderedJson& metadata = out.json["config"]["node"]["metadata"];
    REQUIRE(metadata.contains("worker_session_id"));
    CHECK(metadata["worker_session_id"].get<std::string>().starts_with("worker_session_"));
  }

  SUBCASE("preconditions: empty task, running (live only), trigger rules") {
    const Snapshot done = load("good-example-workflow-completed-after-send-input.json");
    IdSource ids(k_now, 7);
    auto empty = plan_reset(done, task(""), ids);
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message == "send_input: task text must not be empty");
    CHECK(empty.error().exit_code() == 2);

    const Snapshot running = load("good-workflow-running.json");
    CHECK(effective_status(running, Liveness::follow_loader) == "interrupted");
    CHECK(plan_reset(running, task("go"), ids));
    ResetRequest live = task("go");
    live.liveness = Liveness::live;
    auto busy = plan_reset(running, live, ids);
    REQUIRE_FALSE(busy);
    CHECK(busy.error().exit_code() == 75);
    CHECK(busy.error().message == "send_input: worker " + running.id + " is still running");

    auto not_retriggerable = plan_reset(done, trigger("go"), ids);
    REQUIRE_FALSE(not_retriggerable);
    CHECK(not_retriggerable.error().message ==
          "worker_trigger: worker " + done.id + " is not retriggerable");

    const Snapshot awaiting = load("good-sub-agent-awaiting-retriggerable.json");
    auto blank = plan_reset(awaiting, trigger("\"  \""), ids);
    REQUIRE_FALSE(blank);
    CHECK(blank.error().message == "worker_trigger: payload must not be empty");
    const Snapshot failed = load_edited("good-sub-agent-awaiting-retriggerable.json",
                                        "\"status\": \"awaiting\"", "\"status\": \"failed\"");
    auto not_awaiting = plan_reset(failed, trigger("go"), ids);
    REQUIRE_FALSE(not_awaiting);
    CHECK(not_awaiting.error().message ==
          "worker_trigger: worker " + failed.id + " is not awaiting (status=failed)");
    CHECK(not_awaiting.error().exit_code() == 2);
  }

  SUBCASE("trigger keeps latest_payload and renders a JSON payload compactly") {
    const Snapshot awaiting = load("good-sub-agent-awaiting-retriggerable.json");
    const OrderedJson before = original(awaiting);
    const Output out = reset(awaiting, trigger(R"({"b": [1, 2], "a": "x"})"));
    CHECK(out.json["task"] == R"({"a":"x","b":[1,2]})");
    CHECK(out.json["config"]["spec"]["task"] == out.json["task"]);
    CHECK(out.json["latest_payload"] == before["latest_payload"]);
    CHECK(render_trigger_payload("\"quoted\"") == "quoted");
    CHECK(render_trigger_payload("plain words") == "plain words");
    CHECK(render_trigger_payload("42") == "42");
  }

  SUBCASE("every good fixture: loads after reset, untouched fields equal, deterministic") {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(k_snapshots)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("good-") && name.ends_with(".json")) {
        names.push_back(name);
      }
    }
    std::sort(names.begin(), names.end());
    REQUIRE(names.size() >= 3);
    for (const std::string& name : names) {
      CAPTURE(name);
      // The reset's own changes only: today's rules add harn's write repairs (their own subcase).
      const Snapshot snapshot = load(name, HarnRules::v0_7);
      for (TranscriptMode mode : {TranscriptMode::inherit, TranscriptMode::fork,
                                  TranscriptMode::reset, TranscriptMode::compact}) {
        CAPTURE(to_string(mode));
        ResetRequest request = task("property task");
        request.transcript_mode = mode;
        const Output first = reset(snapshot, request);
        const Output second = reset(snapshot, request);
        CHECK(first.text == second.text);

        auto document = Document::from_string(first.text, name);
        REQUIRE(document);
        auto reloaded = load_snapshot(std::move(*document));
        REQUIRE_MESSAGE(reloaded, (reloaded ? "" : reloaded.error().to_string()));
        CHECK(reloaded->task == "property task");
        CHECK(reloaded->status == "interrupted"); // "running" on disk reloads as interrupted

        OrderedJson before = original(snapshot);
        OrderedJson after = first.json;
        erase_reset_fields(before, snapshot.config_mode);
        erase_reset_fields(after, snapshot.config_mode);
        CHECK(before == after);
      }
    }
  }

  SUBCASE("today's rules: harn's load-time repairs are written, and listed") {
    const std::string path =
        reprise::test::fixture_path("harn/repairs-name-request-audit-suspension.json");
    auto current = load_snapshot_file(path);
    REQUIRE(current);
    const Output out = reset(*current, task("again"));
    CHECK(out.json["name"] == "worker");
    CHECK(out.json["request"] == OrderedJson::parse(R"({"task": "", "system": null, "payload": null,
        "research_questions": [], "action_items": [], "workflow_stages": [],
        "verification_steps": []})"));
    CHECK(out.json["audit"]["session_id"].get<std::string>().starts_with("session_"));
    CHECK(out.json["audit"]["mutation_scope"] == "read_only");
    CHECK(out.json["audit"]["run_id"] == "run_1"); // the rest of the record as written
    CHECK(out.json["suspension"].is_null());
    CHECK(out.json["x_future_member"] == OrderedJson::parse(R"({"kept": "as written"})"));
    std::vector<std::string> repaired;
    for (const FieldChange& repair : out.plan.repairs) {
      repaired.push_back(repair.pointer);
    }
    CHECK(repaired == std::vector<std::string>{"/name", "/request", "/audit/session_id",
                                               "/audit/mutation_scope", "/suspension"});

    auto old_rules = load_snapshot_file(path, FileAccess::read, HarnRules::v0_7);
    REQUIRE(old_rules);
    const Output kept = reset(*old_rules, task("again"));
    CHECK(kept.plan.repairs.empty());
    CHECK(kept.json["name"] == 42);
    CHECK_FALSE(kept.json["suspension"].is_null());
  }

  SUBCASE("today's rules: a task or trigger from outside is redacted as harn's writer does") {
    const Snapshot snapshot = load("good-example-workflow-completed-after-send-input.json");
    const Output out =
        reset(snapshot, task("push with ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"));
    CHECK(out.json["task"] == "push with <redacted:github_token:42>");
    CHECK(out.json["history"].back() == out.json["task"]);
    const Snapshot old_rules =
        load("good-example-workflow-completed-after-send-input.json", HarnRules::v0_7);
    CHECK(reset(old_rules, task("password=hunter2")).json["task"] == "password=hunter2");

    const Snapshot awaiting = load("good-sub-agent-awaiting-retriggerable.json");
    const Output triggered = reset(awaiting, trigger(R"({"api_key": "k", "note": "fine"})"));
    CHECK(triggered.json["task"] == R"({"api_key":"[redacted]","note":"fine"})");
  }
}
