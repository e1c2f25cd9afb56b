#include "proc_helpers.hpp"
#include "run_ledger.hpp"
#include "wait.hpp"
#include "worker_lock.hpp"

#include <csignal>

using namespace reprise;
using namespace reprise::test;

namespace {

std::vector<std::string> detach_args(const std::string& dir, const std::string& mode) {
  return {"--state-dir", dir,  "relaunch", "worker_demo",   "--task", "x",
          "--detach",    "--", "python3",  example_child(), "--mode", mode};
}

} // namespace

TEST_CASE("wait") {
  ProcScratch scratch;
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
  }
}
