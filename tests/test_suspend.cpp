#include "base/uuid7.hpp"
#include "proc_helpers.hpp"
#include "run/run_ledger.hpp"
#include "run/suspend.hpp"

#include <csignal>

using namespace reprise;
using namespace reprise::test;

namespace {

// Generous: the machine running the tests may be loaded; a passing test never waits this long.
constexpr auto k_patience = std::chrono::seconds(30);
constexpr std::int64_t k_now = 1777485641000;

// An attached relaunch of the demo worker whose child prints "ready <pid> [<grandchild>]" first.
struct AttachedRun {
  AttachedRun(const std::string& dir, const std::vector<std::string>& child_args) {
    std::vector<std::string> args = {"--state-dir", dir,       "relaunch",
                                     "worker_demo", "--task",  "Count these four words",
                                     "--",          "python3", example_child(),
                                     "--ready"};
    args.insert(args.end(), child_args.begin(), child_args.end());
    reprise = start_reprise(args);
    const std::string ready = read_line(reprise.out.get(), k_patience);
    REQUIRE(ready.starts_with("ready "));
    std::sscanf(ready.c_str(), "ready %d %d", &child, &grandchild);
    REQUIRE(child > 0);
    group.guard(child);
  }

  // The relaunch's output once it ended; fails (rather than hangs) if it does not end in time.
  Finished finish_in_time() {
    REQUIRE(wait_readable(reprise.child.pidfd(), k_patience));
    return finish(reprise);
  }

  Running reprise;
  pid_t child = 0;
  pid_t grandchild = 0;
  GroupGuard group; // the child's group is not reprise's: it would outlive a failed test
};

Finished reprise_in(const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"--state-dir", dir});
  return run_reprise(args);
}

} // namespace

TEST_CASE("suspend") {
  Scratch scratch;
  const std::string dir = scratch.str();
  const std::string path = copy_demo(dir);

  SUBCASE("suspend stops the group and writes the record; suspending again changes nothing") {
    AttachedRun run(dir, {"--grandchild", "--mode", "hang"});
    REQUIRE(run.grandchild > 0);
    const Finished suspended =
        reprise_in(dir, {"--now", std::to_string(k_now), "--seed", "1", "suspend", "worker_demo",
                         "--reason", "waiting for review", "--initiator", "parent"});
    CHECK(suspended.exit == ExitStatus::exited(0));
    CHECK(suspended.out == "worker_demo\tsuspended\n");
    CHECK(reaches_state(run.child, 'T', k_patience));
    CHECK(reaches_state(run.grandchild, 'T', k_patience));

    const auto snapshot = read_json(path);
    CHECK(snapshot["status"] == "suspended");
    const auto& record = snapshot["suspension"];
    CHECK(record["reason"] == "waiting for review");
    CHECK(record["initiator"] == "parent");
    IdSource ids(k_now, 1);
    CHECK(record["suspended_at"] == ids.next());
    CHECK(record["snapshot_ref"] == path);

    // Idempotent: the first reason stands and not a byte changes.
    const std::string before = read_bytes(path);
    const Finished again =
        reprise_in(dir, {"suspend", "worker_demo", "--reason", "another reason"});
    CHECK(again.exit == ExitStatus::exited(0));
    CHECK(again.out == "worker_demo\tsuspended (already suspended; nothing changed)\n");
    CHECK(read_bytes(path) == before);
    CHECK(process_state(run.child) == 'T');

    // Cancel works on a stopped group too (SIGTERM only acts once the group is continued).
    Fd grandchild = open_pidfd(run.grandchild);
    const Finished cancelled = reprise_in(dir, {"cancel", "worker_demo"});
    CHECK(cancelled.exit == ExitStatus::exited(0));
    CHECK(ends_within(grandchild, k_patience));
    const Finished attached = run.finish_in_time();
    CHECK(attached.exit == ExitStatus::exited(1));
    CHECK(read_json(path)["status"] == "cancelled");
  }

  SUBCASE("suspend of a worker that is not running: HARN-SUS-001, usage exit, nothing written") {
    const std::string before = read_bytes(path);
    const Finished refused = reprise_in(dir, {"suspend", "worker_demo", "--reason", "r"});
    CHECK(refused.exit == ExitStatus::exited(2));
    CHECK(refused.out.empty());
    CHECK(refused.err == "reprise: error: " + path +
                             ": HARN-SUS-001: suspend_agent: worker worker_demo is not running "
                             "(status=failed)\n");
    CHECK(read_bytes(path) == before);

    // "running" on disk with no live reprise behind it is not running either.
    copy_demo(dir, [](auto& s) { s["status"] = "running"; });
    const Finished orphan = reprise_in(dir, {"suspend", "worker_demo", "--reason", "r"});
    CHECK(orphan.exit == ExitStatus::exited(2));
    CHECK(orphan.err.find("HARN-SUS-001") != std::string::npos);
    CHECK(read_json(path)["status"] == "running");
  }

  SUBCASE("warm resume: SIGCONT continues the paused child and the run completes") {
    AttachedRun run(dir, {"--await-sigcont"});
    REQUIRE(reprise_in(dir, {"suspend", "worker_demo", "--reason", "pause"}).exit ==
            ExitStatus::exited(0));
    REQUIRE(reaches_state(run.child, 'T', k_patience));
    const Finished resumed = reprise_in(dir, {"resume", "worker_demo"});
    CHECK(resumed.exit == ExitStatus::exited(0));
    CHECK(resumed.out == "worker_demo\trunning (process group continued)\n");
    // The child waits for exactly that SIGCONT, then does its normal run.
    const Finished attached = run.finish_in_time();
    CHECK(attached.exit == ExitStatus::exited(0));
    const auto snapshot = read_json(path);
    CHECK(snapshot["status"] == "completed");
    CHECK(snapshot["suspension"].is_null());
    CHECK(snapshot["latest_error"].is_null());
    CHECK(snapshot["latest_payload"]["summary"] == "The task has 4 words: done.");
  }

  SUBCASE("cold resume: the paused process is gone; relaunch under the resume rules") {
    const Finished detached = reprise_in(dir, {"relaunch", "worker_demo", "--task", "x", "--detach",
                                               "--", "python3", example_child(), "--mode", "hang"});
    REQUIRE(detached.exit == ExitStatus::exited(0));
    const auto start = last_start(dir, "worker_demo");
    REQUIRE(start.has_value());
    GroupGuard group;
    group.guard(start->child_pid);
    REQUIRE(reprise_in(dir, {"suspend", "worker_demo", "--reason", "overnight"}).exit ==
            ExitStatus::exited(0));
    // The machine "reboots": the paused group dies, the supervisor records it and goes.
    Fd supervisor = open_pidfd(start->supervisor_pid);
    REQUIRE(::kill(-start->child_pid, SIGKILL) == 0);
    REQUIRE(ends_within(supervisor, k_patience));
    const auto paused = read_json(path);
    CHECK(paused["status"] == "suspended"); // the supervisor does not overwrite the suspension
    const std::string transcript_before = paused["transcript"].dump();

    const Finished resumed =
        reprise_in(dir, {"resume", "worker_demo", "--input", "Go on now",
                         "--no-continue-transcript", "--", "python3", example_child()});
    CHECK(resumed.exit == ExitStatus::exited(0));
    CHECK(resumed.err == "reprise: worker_demo attempt 2: completed\n");
    const auto snapshot = read_json(path);
    CHECK(snapshot["status"] == "completed");
    CHECK(snapshot["suspension"].is_null());
    CHECK(snapshot["task"] == "Go on now");
    CHECK(snapshot["history"].back() == "Go on now");
    CHECK(snapshot["config"]["spec"]["task"] == "Go on now");
    const auto& continuity = snapshot["config"]["spec"]["options"]["_resume_continuity"];
    CHECK(continuity["continue_transcript"] == false);
    CHECK(continuity["input"] == "Go on now");
    CHECK(continuity["suspension"]["reason"] == "overnight");
    // The child started from a summary-only transcript: the digest as one user message.
    const auto& transcript = snapshot["transcript"];
    REQUIRE(transcript["summary"].is_string());
    const std::string digest = transcript["summary"];
    CHECK_FALSE(digest.empty());
    REQUIRE(transcript["messages"].size() == 3);
    CHECK(transcript["messages"][0]["role"] == "user");
    CHECK(transcript["messages"][0]["content"] == digest);
    CHECK(transcript["messages"][1]["content"] == "Go on now");
    CHECK(transcript["messages"][2]["content"] == "The task has 3 words: done.");
    CHECK(transcript.dump() != transcript_before);
  }

  SUBCASE("resume refusals: not suspended HARN-SUS-003, cancelled HARN-SUS-010") {
    const Finished failed = reprise_in(dir, {"resume", "worker_demo", "--", "true"});
    CHECK(failed.exit == ExitStatus::exited(2));
    CHECK(failed.err.find("HARN-SUS-003: resume_agent: worker worker_demo is not suspended "
                          "(status=failed)") != std::string::npos);
    // A failed worker is not running: cancel changes nothing unless forced.
    const Finished refused = reprise_in(dir, {"cancel", "worker_demo"});
    CHECK(refused.exit == ExitStatus::exited(2));
    CHECK(refused.err.find("is not running (status=failed)") != std::string::npos);
    REQUIRE(reprise_in(dir, {"cancel", "worker_demo", "--force"}).exit == ExitStatus::exited(0));
    const std::string before = read_bytes(path);
    const Finished cancelled = reprise_in(dir, {"resume", "worker_demo", "--", "true"});
    CHECK(cancelled.exit == ExitStatus::exited(2));
    CHECK(cancelled.err.find("HARN-SUS-010") != std::string::npos);
    CHECK(read_bytes(path) == before);
    CHECK(next_attempt(dir, "worker_demo") == 1); // nothing was run
  }

  SUBCASE("cancel a running worker: group terminated, cancelled, 'worker cancelled'") {
    AttachedRun run(dir, {"--grandchild", "--mode", "hang"});
    REQUIRE(run.grandchild > 0);
    Fd child = open_pidfd(run.child);
    Fd grandchild = open_pidfd(run.grandchild);
    const Finished cancelled = reprise_in(dir, {"cancel", "worker_demo"});
    CHECK(cancelled.exit == ExitStatus::exited(0));
    CHECK(cancelled.out == "worker_demo\tcancelled (process group terminated)\n");
    CHECK(ends_within(child, k_patience));
    CHECK(ends_within(grandchild, k_patience));
    const Finished attached = run.finish_in_time();
    CHECK(attached.exit == ExitStatus::exited(1));
    const auto snapshot = read_json(path);
    CHECK(snapshot["status"] == "cancelled");
    CHECK(snapshot["latest_error"] == "worker cancelled");
    CHECK(snapshot["finished_at"].is_string());
    const auto end = end_of(dir, "worker_demo", 1);
    REQUIRE(end.has_value());
    CHECK(end->status == "cancelled");
    CHECK(end->exit == ExitStatus::signalled(SIGTERM));
  }
}
