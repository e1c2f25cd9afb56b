#include "scratch.hpp"
#include "snapshot/state_layout.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

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

TEST_CASE("state_layout: a .reprise/ that can be trusted") {
  reprise::test::Scratch scratch;
  const std::string state = scratch.str();
  const std::string locks = locks_dir(state);

  SUBCASE("made 0700 with its folders, then files opened 0600") {
    REQUIRE(make_private_dir(locks).has_value());
    struct stat info {};
    REQUIRE(::stat(reprise_dir(state).c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0700);
    REQUIRE(::stat(locks.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0700);
    auto fd = open_private_file(worker_lock_path(state, "w1"), O_RDWR | O_CREAT);
    REQUIRE(fd.has_value());
    REQUIRE(::fstat(fd->get(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0600);
    CHECK((::fcntl(fd->get(), F_GETFL) & O_NONBLOCK) == 0);
  }

  SUBCASE("refused when others may write it, or it is a link") {
    REQUIRE(::mkdir(reprise_dir(state).c_str(), 0777) == 0);
    REQUIRE(::chmod(reprise_dir(state).c_str(), 0777) == 0);
    auto refused = make_private_dir(locks);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::cannot_write);
    CHECK(refused.error().message.find("writable by others (mode 0777)") != std::string::npos);
    REQUIRE(::rmdir(reprise_dir(state).c_str()) == 0);
    REQUIRE(::symlink("/tmp", reprise_dir(state).c_str()) == 0);
    auto linked = make_private_dir(locks);
    REQUIRE_FALSE(linked.has_value());
    CHECK(linked.error().message.find("not a directory") != std::string::npos);
  }

  SUBCASE("a link, a FIFO or a folder link below it is refused, never followed") {
    REQUIRE(make_private_dir(locks).has_value());
    const std::string victim = scratch.file("victim");
    { std::ofstream(victim) << "keep"; }
    const std::string lock = worker_lock_path(state, "w1");
    REQUIRE(::symlink(victim.c_str(), lock.c_str()) == 0);
    auto followed = open_private_file(lock, O_WRONLY | O_TRUNC | O_CREAT);
    REQUIRE_FALSE(followed.has_value());
    CHECK(followed.error().message == "refusing to follow a symbolic link");
    std::ifstream kept(victim);
    std::string text;
    kept >> text;
    CHECK(text == "keep");
    const std::string fifo = edit_lock_path(state, "w1");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto special = open_private_file(fifo, O_WRONLY | O_CREAT); // would block without O_NONBLOCK
    REQUIRE_FALSE(special.has_value());
    REQUIRE(::symlink(scratch.str().c_str(), logs_root(state).c_str()) == 0);
    CHECK_FALSE(make_private_dir(logs_dir(state, "w1")).has_value());
  }

  SUBCASE("a folder outside any .reprise/ is only made") {
    CHECK(make_private_dir(scratch.file("plain/logs")).has_value());
    CHECK(std::filesystem::is_directory(scratch.file("plain/logs")));
  }
}
