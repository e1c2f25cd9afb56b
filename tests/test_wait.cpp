#include "proc_helpers.hpp"
#include "run/run_ledger.hpp"
#include "run/wait.hpp"
#include "run/waiters.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/worker_status.hpp"

#include <csignal>
#include <future>

using namespace reprise;
using namespace reprise::test;

namespace {

std::vector<std::string> detach_args(const std::string& dir, const std::string& mode) {
  return {"--state-dir", dir,  "relaunch", "worker_demo",   "--task", "x",
          "--detach",    "--", "python3",  example_child(), "--mode", mode};
}

// wait_for_workers on `path` on another thread, with a generous timeout.
std::future<Result<WaitOutcome>> wait_in_background(const std::string& path) {
  return std::async(std::launch::async, [path] {
    return wait_for_workers({path}, FollowTriggers::no, WaitFor::all, std::chrono::seconds(30));
  });
}

// Whether the background wait is still blocked a moment after it started.
bool still_waiting(const std::future<Result<WaitOutcome>>& waiting) {
  return waiting.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout;
}

// Makes the worker at `path` (in `dir`) running, owned by this test process, which stays alive:
// only a write to the snapshot can end a wait on it.
void run_as_owner(const std::string& dir, const std::string& path) {
  auto snapshot = read_json(path);
  snapshot["status"] = "running";
  std::ofstream(path) << snapshot.dump(2);
  std::filesystem::create_directories(dir + "/.reprise/locks");
  std::ofstream(worker_lock_path(dir, "worker_demo"))
      << ::getpid() << " " << process_start_time(::getpid()).value_or(0) << "\n";
}

} // namespace

TEST_CASE("wait: woken through the waiter registry, without inotify") {
  Scratch scratch;

  // The owner stays alive, so neither its pidfd nor anything but the registry (or inotify, which
  // is not to be used) can wake the waiter. A state dir deeper than a socket address can name goes
  // through /proc/self/fd.
  for (const std::string& dir :
       {scratch.str(), scratch.str() + "/" + std::string(70, 'd') + "/" + std::string(40, 'e')}) {
    CAPTURE(dir);
    std::filesystem::create_directories(dir);
    const std::string path = copy_demo(dir);
    run_as_owner(dir, path);
    auto waiting = wait_in_background(path);
    REQUIRE(still_waiting(waiting));
    CHECK_FALSE(std::filesystem::is_empty(waiters_dir(dir, "worker_demo")));
    const std::int64_t written_at = monotonic_ms();
    const Finished cancelled = run_reprise({"--state-dir", dir, "cancel", "worker_demo"});
    REQUIRE(cancelled.exit == ExitStatus::exited(0));
    const auto outcome = waiting.get();
    REQUIRE(outcome.has_value());
    CHECK(monotonic_ms() - written_at < 10000);
    CHECK_FALSE(outcome->timed_out);
    CHECK(outcome->results[0].status == "cancelled");
    CHECK_FALSE(outcome->used_inotify);
    CHECK(std::filesystem::is_empty(waiters_dir(dir, "worker_demo"))); // the socket file is gone
  }
}

TEST_CASE("wait: suspend of a running worker wakes the waiter with suspended") {
  Scratch scratch;
  const std::string path = copy_demo(scratch.str());
  REQUIRE(run_reprise(detach_args(scratch.str(), "hang")).exit == ExitStatus::exited(0));
  const auto start = last_start(scratch.str(), "worker_demo");
  REQUIRE(start.has_value());
  GroupGuard group;
  group.guard(start->child_pid);
  auto waiting = wait_in_background(path);
  REQUIRE(still_waiting(waiting));
  const Finished suspended =
      run_reprise({"--state-dir", scratch.str(), "suspend", "worker_demo", "--reason", "review"});
  CAPTURE(suspended.err);
  REQUIRE(suspended.exit == ExitStatus::exited(0));
  const auto outcome = waiting.get();
  REQUIRE(outcome.has_value());
  CHECK_FALSE(outcome->timed_out);
  CHECK(outcome->results[0].status == "suspended");
  CHECK(exit_code_for(parse_worker_status(outcome->results[0].status)) == 0);
  CHECK_FALSE(outcome->used_inotify);
  // The stopped run must not outlive the test.
  CHECK(run_reprise({"--state-dir", scratch.str(), "cancel", "worker_demo"}).exit ==
        ExitStatus::exited(0));
}

TEST_CASE("wait") {
  Scratch scratch;
  const std::string path = copy_demo(scratch.str());

  SUBCASE("detach, then wait from another process") {
    const Finished detached = run_reprise(detach_args(scratch.str(), "ok"));
    REQUIRE(detached.exit == ExitStatus::exited(0));
    CHECK(detached.out == "worker_demo\n");
    const Finished waited = run_reprise({"--state-dir", scratch.str(), "wait", "worker_demo"});
    CHECK(waited.exit == ExitStatus::exited(0));
    CHECK(waited.out == "worker_demo\tcompleted\n");
    CHECK(read_json(path)["status"] == "completed");
  }

  SUBCASE("SIGKILL the supervisor: wait reports interrupted promptly") {
    REQUIRE(run_reprise(detach_args(scratch.str(), "hang")).exit == ExitStatus::exited(0));
    const auto start = last_start(scratch.str(), "worker_demo");
    REQUIRE(start.has_value());
    Running waiter = start_reprise({"--state-dir", scratch.str(), "wait", "worker_demo"});
    // The waiter blocks: nothing within a short while.
    CHECK_FALSE(wait_readable(waiter.out.get(), std::chrono::milliseconds(200)));
    const std::int64_t killed_at = monotonic_ms();
    REQUIRE(::kill(start->supervisor_pid, SIGKILL) == 0);
    const Finished done = finish(waiter);
    CHECK(monotonic_ms() - killed_at < 5000);
    CHECK(done.exit == ExitStatus::exited(1));
    CHECK(done.out.find("interrupted") != std::string::npos);
    ::kill(-start->child_pid, SIGKILL); // the orphaned child
  }

  SUBCASE("--timeout expires with 124; cancel ends the run") {
    REQUIRE(run_reprise(detach_args(scratch.str(), "hang")).exit == ExitStatus::exited(0));
    const Finished timed =
        run_reprise({"--state-dir", scratch.str(), "wait", "worker_demo", "--timeout", "200ms"});
    CHECK(timed.exit == ExitStatus::exited(124));
    const auto start = last_start(scratch.str(), "worker_demo");
    REQUIRE(start.has_value());
    const Finished cancelled = run_reprise({"--state-dir", scratch.str(), "cancel", "worker_demo"});
    CHECK(cancelled.exit == ExitStatus::exited(0));
    const Finished waited =
        run_reprise({"--state-dir", scratch.str(), "wait", "worker_demo", "--json"});
    CHECK(waited.exit == ExitStatus::exited(1));
    CHECK(nlohmann::json::parse(waited.out)[0]["status"] == "cancelled");
    CHECK_FALSE(process_alive(start->child_pid, start->child_start));
  }

  SUBCASE("a running snapshot whose lock names a reused pid is interrupted") {
    auto snapshot = read_json(path);
    snapshot["status"] = "running";
    std::ofstream(path) << snapshot.dump(2);
    std::filesystem::create_directories(scratch.file(".reprise/locks"));
    // Our own pid with another start time: alive, but not the owner that wrote the lock.
    std::ofstream(worker_lock_path(scratch.str(), "worker_demo")) << ::getpid() << " 1\n";
    auto outcome =
        wait_for_workers({path}, FollowTriggers::no, WaitFor::all, std::chrono::milliseconds(5000));
    REQUIRE(outcome.has_value());
    CHECK_FALSE(outcome->timed_out);
    CHECK(outcome->results[0].status == "interrupted");
    CHECK(outcome->results[0].owner_gone);
  }

  SUBCASE("awaiting is settled unless following triggers") {
    auto snapshot = read_json(path);
    snapshot["status"] = "awaiting";
    std::ofstream(path) << snapshot.dump(2);
    auto settled = wait_for_workers({path}, FollowTriggers::no, WaitFor::all, {});
    REQUIRE(settled.has_value());
    CHECK(settled->results[0].status == "awaiting");
    auto followed =
        wait_for_workers({path}, FollowTriggers::yes, WaitFor::all, std::chrono::milliseconds(100));
    REQUIRE(followed.has_value());
    CHECK(followed->timed_out);
    CHECK(followed->used_inotify); // harn, which writes triggers, does not notify waiters
  }
}
