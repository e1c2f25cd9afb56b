#include "run/process.hpp"
#include "run/worker_lock.hpp"
#include "scratch.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

using namespace reprise;
using reprise::test::Scratch;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("worker_lock") {
  Scratch scratch;
  const std::string dir = scratch.str();

  SUBCASE("worker ids that can name a file") {
    CHECK(valid_worker_id("worker_1"));
    CHECK(valid_worker_id(".hidden"));
    CHECK_FALSE(valid_worker_id(""));
    CHECK_FALSE(valid_worker_id("."));
    CHECK_FALSE(valid_worker_id(".."));
    CHECK_FALSE(valid_worker_id("a/b"));
    CHECK_FALSE(valid_worker_id(std::string("a\0b", 3)));
    CHECK(worker_lock_path("/state", "w") == "/state/.reprise/locks/w.lock");
    CHECK(worker_lock_path("", "w") == "./.reprise/locks/w.lock");
  }

  SUBCASE("the holder is recorded; a second taker is busy until it is released") {
    const std::string path = worker_lock_path(dir, "worker_1");
    {
      auto lock = WorkerLock::acquire(dir, "worker_1");
      REQUIRE(lock.has_value());
      CHECK(lock->path() == path);
      const std::uint64_t start = process_start_time(::getpid()).value_or(0);
      CHECK(read_text(path) == std::to_string(::getpid()) + " " + std::to_string(start) + "\n");
      const auto owner = live_owner(dir, "worker_1");
      REQUIRE(owner.has_value());
      CHECK(owner->pid == ::getpid());
      CHECK(owner->start_time == start);

      // flock belongs to the open file: a second open in this process is a second taker.
      const auto busy = WorkerLock::acquire(dir, "worker_1");
      REQUIRE_FALSE(busy.has_value());
      CHECK(busy.error().code == ErrorCode::busy);
      CHECK(busy.error().message == "worker worker_1 is busy: locked by reprise pid " +
                                        std::to_string(::getpid()) + " (" + path + ")");
      CHECK(WorkerLock::acquire(dir, "worker_2").has_value()); // other workers are free
    }
    CHECK(read_text(path).empty());
    CHECK_FALSE(live_owner(dir, "worker_1").has_value());
    CHECK(WorkerLock::acquire(dir, "worker_1").has_value());
  }

  SUBCASE("moving a lock onto another releases the one it held") {
    auto first = WorkerLock::acquire(dir, "worker_1");
    auto second = WorkerLock::acquire(dir, "worker_2");
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    *first = std::move(*second);
    CHECK(first->path() == worker_lock_path(dir, "worker_2"));
    CHECK_FALSE(live_owner(dir, "worker_1").has_value());
    CHECK(live_owner(dir, "worker_2").has_value());
    CHECK(WorkerLock::acquire(dir, "worker_1").has_value());
    CHECK_FALSE(WorkerLock::acquire(dir, "worker_2").has_value());
  }

  SUBCASE("hand_over closes the descriptor and leaves the owner line") {
    auto lock = WorkerLock::acquire(dir, "worker_1");
    REQUIRE(lock.has_value());
    lock->hand_over();
    CHECK(live_owner(dir, "worker_1").has_value()); // the line still names this process
    auto again = WorkerLock::acquire(dir, "worker_1");
    CHECK(again.has_value()); // no process holds the flock any more
  }

  SUBCASE("an owner line of a gone or different process is not a live owner") {
    std::filesystem::create_directories(dir + "/.reprise/locks");
    std::ofstream(worker_lock_path(dir, "stale")) << ::getpid() << " 1\n";
    CHECK_FALSE(live_owner(dir, "stale").has_value());
    std::ofstream(worker_lock_path(dir, "junk")) << "not a pid\n";
    CHECK_FALSE(live_owner(dir, "junk").has_value());
    CHECK_FALSE(live_owner(dir, "missing").has_value());
    CHECK_FALSE(live_owner(dir, "../escape").has_value());
  }

  SUBCASE("bad ids and unwritable lock folders are errors") {
    const auto bad = WorkerLock::acquire(dir, "a/b");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == ErrorCode::usage);
    CHECK(bad.error().message == "invalid worker id 'a/b'");
    std::ofstream(scratch.file("file")) << "not a folder";
    const auto blocked = WorkerLock::acquire(scratch.file("file"), "worker_1");
    REQUIRE_FALSE(blocked.has_value());
    CHECK(blocked.error().code == ErrorCode::cannot_write);
    CHECK(SnapshotEditLock::acquire(dir, "..").error().code == ErrorCode::usage);
  }

  SUBCASE("the edit lock is beside the worker lock and independent of it") {
    auto lock = WorkerLock::acquire(dir, "worker_1");
    REQUIRE(lock.has_value());
    {
      auto edit = SnapshotEditLock::acquire(dir, "worker_1");
      CHECK(edit.has_value());
    }
    CHECK(std::filesystem::exists(dir + "/.reprise/locks/worker_1.edit"));
    CHECK(SnapshotEditLock::acquire(dir, "worker_1").has_value()); // released with the first
  }

  SUBCASE("lock_and_load and edit_and_load: the lock (named after the file), then the snapshot") {
    const std::string snapshot = scratch.file("w1.json");
    std::filesystem::copy_file(reprise::test::fixture_path("snapshots/good-workflow-running.json"),
                               snapshot);
    {
      auto locked = lock_and_load(snapshot);
      REQUIRE(locked.has_value());
      CHECK(locked->lock.path() == dir + "/.reprise/locks/w1.lock");
      CHECK(locked->snapshot.path == snapshot);
      CHECK(WorkerLock::acquire(dir, "w1").error().code == ErrorCode::busy);
    }
    CHECK(WorkerLock::acquire(dir, "w1").has_value());
    {
      auto edited = edit_and_load(snapshot);
      REQUIRE(edited.has_value());
      CHECK(edited->snapshot.id == load_snapshot_file(snapshot)->id);
      // Held: another open file description cannot take it without waiting.
      const Fd other(::open((dir + "/.reprise/locks/w1.edit").c_str(), O_RDWR | O_CLOEXEC));
      REQUIRE(other.valid());
      CHECK(::flock(other.get(), LOCK_EX | LOCK_NB) != 0);
    }
  }

  SUBCASE("lock_and_load and edit_and_load: a snapshot that does not load leaves no lock held") {
    const std::string missing = scratch.file("missing.json");
    CHECK(lock_and_load(missing).error().code == ErrorCode::not_found);
    CHECK(WorkerLock::acquire(dir, "missing").has_value());
    const std::string bad = scratch.file("bad.json");
    std::ofstream(bad) << "{";
    CHECK(edit_and_load(bad).error().code == ErrorCode::invalid_snapshot);
    const Fd other(::open((dir + "/.reprise/locks/bad.edit").c_str(), O_RDWR | O_CLOEXEC));
    REQUIRE(other.valid());
    CHECK(::flock(other.get(), LOCK_EX | LOCK_NB) == 0);
  }
}
