#include "scratch.hpp"
#include "snapshot/session_bundle.hpp"
#include "snapshot/snapshot.hpp"

#include "json/document.hpp"
#include "json/json_node.hpp"
#include <algorithm>
#include <doctest/doctest.h>
#include <string>

using reprise::bundle_import_path;
using reprise::bundle_with_worker;
using reprise::bundle_worker_ids;
using reprise::BundleWorker;
using reprise::check_session_bundle;
using reprise::Document;
using reprise::Error;
using reprise::ErrorCode;
using reprise::find_bundle_worker;
using reprise::JsonNode;
using reprise::load_bundle_worker;
using reprise::restored_bundle_worker;
using reprise::split_bundle_target;

namespace {

Document bundle(const std::string& name) {
  auto document = Document::read_file(reprise::test::fixture_path("bundles/" + name));
  REQUIRE(document);
  return std::move(*document);
}

// The error harn's rules give for the worker `id` of fixture `name` (the envelope first).
Error bundle_error(const std::string& name, std::string_view id = "worker_1") {
  const Document document = bundle(name);
  if (auto checked = check_session_bundle(document); !checked) {
    return checked.error();
  }
  auto worker = find_bundle_worker(document, id);
  REQUIRE_FALSE(worker);
  return worker.error();
}

} // namespace

TEST_CASE("session_bundle") {
  SUBCASE("FILE#ID splits at the last '#'") {
    auto split = split_bundle_target("dir/run.bundle.json#worker_1");
    REQUIRE(split);
    CHECK(split->first == "dir/run.bundle.json");
    CHECK(split->second == "worker_1");
    auto only = split_bundle_target("run.json#");
    REQUIRE(only);
    CHECK(only->second.empty());
    CHECK_FALSE(split_bundle_target("worker_1"));
    CHECK_FALSE(split_bundle_target("#worker_1"));
  }

  SUBCASE("a sanitized bundle passes and its workers are found by id") {
    const Document document = bundle("sanitized.bundle.json");
    REQUIRE(check_session_bundle(document));
    CHECK(bundle_worker_ids(document) ==
          std::vector<std::string>{"worker_1", "worker_019dda61-4120-750a-ab2c-3d4e5f6a7b8c"});
    auto worker = find_bundle_worker(document, "worker_1");
    REQUIRE(worker);
    CHECK(worker->index == 0);
    CHECK(worker->pointer == "/replay/worker_snapshots/0/value");
    CHECK(worker->value.starts_with("{"));
    CHECK(worker->value.find("\"id\": \"worker_1\"") != std::string_view::npos);
  }

  SUBCASE("a missing worker is not found, naming the ones there; no id needs exactly one") {
    const Document document = bundle("sanitized.bundle.json");
    auto missing = find_bundle_worker(document, "worker_9");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::not_found);
    CHECK(missing.error().message.find("worker_1, worker_019dda61") != std::string::npos);
    auto several = find_bundle_worker(document, "");
    REQUIRE_FALSE(several);
    CHECK(several.error().code == ErrorCode::usage);
    const Document one = bundle("one-worker.bundle.json");
    auto only = find_bundle_worker(one, "");
    REQUIRE(only);
    CHECK(only->worker_id == "worker_1");
  }

  SUBCASE("harn's envelope rules, in harn's words, with pointer and position") {
    Error error = bundle_error("bad-type.bundle.json");
    CHECK(error.code == ErrorCode::invalid_snapshot);
    CHECK(error.message == "session bundle field $._type must be \"harn_session_bundle\"");
    CHECK(error.pointer == "/_type");
    CHECK(error.line == 2);
    error = bundle_error("bad-future-version.bundle.json");
    CHECK(error.message ==
          "unsupported session bundle schema_version 999; this build supports <= 1");
    CHECK(error.pointer == "/schema_version");
    error = bundle_error("bad-missing-producer.bundle.json");
    CHECK(error.message == "session bundle is missing required field $.producer");
    error = bundle_error("bad-missing-run-record-id.bundle.json");
    CHECK(error.message == "session bundle is missing required field $.source.run_record_id");
    CHECK(error.pointer == "/source");
  }

  SUBCASE("harn's checkpoint rules on the worker's snapshot") {
    Error error = bundle_error("bad-worker-completed.bundle.json", "worker_done");
    CHECK(error.code == ErrorCode::invalid_snapshot);
    CHECK(error.message == "worker snapshot status \"completed\" is not checkpointable; suspend "
                           "the worker at a turn boundary first");
    CHECK(error.pointer == "/replay/worker_snapshots/0/value/status");
    CHECK(error.line > 0);
    error = bundle_error("bad-worker-not-snapshot.bundle.json");
    CHECK(error.message == "session bundle field $.worker_snapshot._type must be "
                           "\"worker_snapshot\"");
    error = bundle_error("bad-worker-missing-suspension.bundle.json");
    CHECK(error.message == "session bundle is missing required field $.worker_snapshot.suspension");
    CHECK(error.pointer == "/replay/worker_snapshots/0/value");
  }

  SUBCASE("the worker loads as the one at its place in the state dir; errors point into the "
          "bundle") {
    const Document document = bundle("sanitized.bundle.json");
    auto worker = find_bundle_worker(document, "worker_1");
    REQUIRE(worker);
    const std::string path = bundle_import_path("state", worker->worker_id);
    CHECK(path == "state/worker_1.json");
    auto snapshot = load_bundle_worker(document, *worker, path, reprise::k_newest_harn_rules);
    REQUIRE(snapshot);
    CHECK(snapshot->id == "worker_1");
    CHECK(snapshot->path == path);
    for (const auto& warning : snapshot->warnings) {
      CHECK(warning.pointer.starts_with("/replay/worker_snapshots/0/value"));
    }

    const Document bad = bundle("bad-worker-config-mode-int.bundle.json");
    auto bad_worker = find_bundle_worker(bad, "worker_1");
    REQUIRE(bad_worker);
    auto failed = load_bundle_worker(bad, *bad_worker, path, reprise::k_newest_harn_rules);
    REQUIRE_FALSE(failed);
    CHECK(failed.error().file == bad.name());
    CHECK(failed.error().pointer == "/replay/worker_snapshots/0/value/config/mode");
    // The position is the bundle's: the line of `"mode": 7` there.
    const std::string_view text = bad.text();
    const std::size_t at = text.find("\"mode\": 7");
    REQUIRE(at != std::string_view::npos);
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
    CHECK(failed.error().line == line);
    CHECK(bundle_import_path("s", "a/b c") == "s/a_b_c.json");
    CHECK(bundle_import_path("s", "w\xc3\xa9-1") == "s/w_-1.json"); // one character, one '_'
    CHECK(bundle_import_path("s", "..") == "s/...json");
  }

  SUBCASE("sanitized paths are restored where the worker is brought in") {
    const Document document = bundle("sanitized.bundle.json");
    auto worker = find_bundle_worker(document, "worker_1");
    REQUIRE(worker);
    const auto json = restored_bundle_worker(*worker, "state/worker_1.json").to_json();
    CHECK(json["snapshot_path"] == "state/worker_1.json");
    CHECK(json["suspension"]["snapshot_ref"] == "state/worker_1.json");
    CHECK(json["suspension"]["reason"] == "operator");
    CHECK(json["config"]["spec"]["session_id"] == "session-child");
  }

  SUBCASE("round trip: written back, the bundle keeps every other byte and reads again") {
    const Document document = bundle("sanitized.bundle.json");
    auto worker = find_bundle_worker(document, "worker_1");
    REQUIRE(worker);
    // Unchanged in: the bundle comes out byte for byte.
    auto same = bundle_with_worker(document, *worker, JsonNode::expand(worker->value));
    REQUIRE(same);
    CHECK(*same == document.text());

    // A worker changed as a reset changes it: status running, snapshot_path its local place, a
    // new task. It goes back suspended, its paths sanitized as the bundle had them.
    JsonNode changed = restored_bundle_worker(*worker, "state/worker_1.json");
    changed.set_value("status", "running");
    changed.set_value("task", "next");
    auto text = bundle_with_worker(document, *worker, std::move(changed));
    REQUIRE(text);
    const std::size_t start =
        static_cast<std::size_t>(worker->value.data() - document.text().data());
    CHECK(text->substr(0, start) == document.text().substr(0, start));
    const std::size_t tail = document.text().size() - start - worker->value.size();
    CHECK(text->substr(text->size() - tail) ==
          document.text().substr(start + worker->value.size()));

    auto again = Document::from_string(*text, "again.json");
    REQUIRE(again);
    REQUIRE(check_session_bundle(*again));
    auto reread = find_bundle_worker(*again, "worker_1");
    REQUIRE(reread);
    const auto json = JsonNode::raw(reread->value).to_json();
    CHECK(json["status"] == "suspended");
    CHECK(json["task"] == "next");
    CHECK(json["snapshot_path"] == "[redacted]");
    CHECK(json["suspension"]["snapshot_ref"] == "[redacted]");
    // The other worker is untouched.
    auto other = find_bundle_worker(*again, "worker_019dda61-4120-750a-ab2c-3d4e5f6a7b8c");
    auto other_before = find_bundle_worker(document, "worker_019dda61-4120-750a-ab2c-3d4e5f6a7b8c");
    REQUIRE(other);
    REQUIRE(other_before);
    CHECK(other->value == other_before->value);
  }

  SUBCASE("a worker without a suspension record cannot go into a bundle") {
    const Document document = bundle("sanitized.bundle.json");
    auto worker = find_bundle_worker(document, "worker_1");
    REQUIRE(worker);
    JsonNode changed = JsonNode::expand(worker->value);
    changed.set_value("suspension", nullptr);
    auto text = bundle_with_worker(document, *worker, std::move(changed));
    REQUIRE_FALSE(text);
    CHECK(text.error().message.find("missing required field $.worker_snapshot.suspension") !=
          std::string::npos);
  }
}
