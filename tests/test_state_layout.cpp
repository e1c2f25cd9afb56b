#include "snapshot/state_layout.hpp"

#include <doctest/doctest.h>

using namespace reprise;

TEST_CASE("state_layout") {
  SUBCASE("the state dir is the snapshot's folder, as written") {
    CHECK(state_dir_for_snapshot(".harn/workers/w1.json") == ".harn/workers");
    CHECK(state_dir_for_snapshot("/state/w1.json") == "/state");
    CHECK(state_dir_for_snapshot("/w1.json") == "/");
    CHECK(state_dir_for_snapshot("w1.json") == ".");
    CHECK(state_dir_for_snapshot("a/b/") == "a/b");
  }

  SUBCASE("the worker key is the file name without .json, never the id inside") {
    CHECK(worker_key_for_snapshot(".harn/workers/w1.json") == "w1");
    CHECK(worker_key_for_snapshot("copy-of-w1.json") == "copy-of-w1");
    CHECK(worker_key_for_snapshot("dir/w1.json.json") == "w1.json"); // only one suffix goes
    CHECK(worker_key_for_snapshot("dir/w1") == "w1");
    CHECK(worker_key_for_snapshot("dir/w1.JSON") == "w1.JSON");
  }

  SUBCASE(".reprise/ beside the snapshots, whatever the state dir's spelling") {
    CHECK(reprise_dir("/state") == "/state/.reprise");
    CHECK(reprise_dir("/state/") == "/state/.reprise");
    CHECK(reprise_dir("/") == "/.reprise");
    CHECK(reprise_dir("") == "./.reprise");
    CHECK(reprise_dir(".") == "./.reprise");
  }

  SUBCASE("every path of the layout, keyed by the worker key") {
    const std::string s = "/state";
    CHECK(history_root(s) == "/state/.reprise/history");
    CHECK(history_dir(s, "w1") == "/state/.reprise/history/w1");
    CHECK(runs_root(s) == "/state/.reprise/runs");
    CHECK(ledger_path(s, "w1") == "/state/.reprise/runs/w1.jsonl");
    CHECK(run_files_dir(s, "w1") == "/state/.reprise/runs/w1");
    CHECK(attempt_result_path(s, "w1", 3) == "/state/.reprise/runs/w1/3.result.json");
    CHECK(attempt_snapshot_path(s, "w1", 3) == "/state/.reprise/runs/w1/3.json");
    CHECK(logs_root(s) == "/state/.reprise/logs");
    CHECK(logs_dir(s, "w1") == "/state/.reprise/logs/w1");
    CHECK(attempt_log_path(s, "w1", 2, "out") == "/state/.reprise/logs/w1/2.out");
    CHECK(attempt_log_path(s, "w1", 2, "err") == "/state/.reprise/logs/w1/2.err");
    CHECK(locks_dir(s) == "/state/.reprise/locks");
    CHECK(worker_lock_path(s, "w1") == "/state/.reprise/locks/w1.lock");
    CHECK(edit_lock_path(s, "w1") == "/state/.reprise/locks/w1.edit");
    CHECK(history_lock_path(s, "w1") == "/state/.reprise/locks/w1.history");
    CHECK(waiters_dir(s, "w1") == "/state/.reprise/waiters/w1");
  }

  SUBCASE("a snapshot's paths: its folder and its key put together") {
    const std::string snapshot = "workers/w1.json";
    CHECK(ledger_path(state_dir_for_snapshot(snapshot), worker_key_for_snapshot(snapshot)) ==
          "workers/.reprise/runs/w1.jsonl");
    CHECK(worker_lock_path(state_dir_for_snapshot("w1.json"), worker_key_for_snapshot("w1.json")) ==
          "./.reprise/locks/w1.lock");
  }
}
