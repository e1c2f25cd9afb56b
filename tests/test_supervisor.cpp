#include "proc_helpers.hpp"
#include "run/relaunch.hpp"
#include "run/run_ledger.hpp"
#include "run/supervisor.hpp"

#include <csignal>
#include <fcntl.h>

using namespace reprise;
using namespace reprise::test;

namespace {

// Runs the demo worker attached, through the library, with the child's output sent to /dev/null.
Result<RelaunchReport>
relaunch_demo(const std::string& path, std::vector<std::string> child_args,
              std::optional<std::chrono::milliseconds> timeout = {},
              std::chrono::milliseconds kill_after = std::chrono::milliseconds(5000)) {
  Fd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  RunSettings settings;
  settings.command = {"python3", example_child()};
  settings.command.insert(settings.command.end(), child_args.begin(), child_args.end());
  settings.timeout = timeout;
  settings.kill_after = kill_after;
  settings.caller_out = null.get();
  settings.caller_err = null.get();
  ResetRequest request;
  request.input = "Count these four words";
  IdSource ids(1777485641000, 7);
  return relaunch_worker(path, request, settings, ids);
}

} // namespace

TEST_CASE("supervisor") {
  ProcScratch scratch;

  SUBCASE("split_words: quotes and escapes as a shell, no expansion") {
    auto words = split_words(R"(python3 -c 'print("a b")' "x \"y\" $HOME" a\ b)");
    REQUIRE(words.has_value());
    CHECK(*words ==
          std::vector<std::string>{"python3", "-c", "print(\"a b\")", "x \"y\" $HOME", "a b"});
    CHECK(!split_words("'open").has_value());
    CHECK(split_words("   ")->empty());
  }

  SUBCASE("placeholders and environment") {
    ChildContext context{"/s/w.json", "w", "do it", 3, "/s/r.json", "/s", "", {{"A", "1"}}};
    CHECK(substitute_placeholders({"{snapshot}", "--id={id}", "{task}{result}", "{other}"},
                                  context) ==
          std::vector<std::string>{"/s/w.json", "--id=w", "do it/s/r.json", "{other}"});
    char a[] = "A=0";
    char path[] = "PATH=/bin";
    char* caller[] = {a, path, nullptr};
    const auto env = child_environment(context, caller);
    CHECK(std::find(env.begin(), env.end(), "A=1") != env.end());
    CHECK(std::find(env.begin(), env.end(), "A=0") == env.end());
    CHECK(std::find(env.begin(), env.end(), "REPRISE_ATTEMPT=3") != env.end());
    CHECK(std::find(env.begin(), env.end(), "HARN_WORKER_STATE_DIR=/s") != env.end());
  }

  SUBCASE("success writes payload, transcript, artifacts and child run ids back") {
    const std::string path = copy_demo(scratch.str());
    auto report = relaunch_demo(path, {});
    REQUIRE(report.has_value());
    CHECK(report->status == "completed");
    CHECK(report->attempt == 1);
    const auto snapshot = read_json(path);
    CHECK(snapshot["status"] == "completed");
    CHECK(snapshot["latest_error"].is_null());
    CHECK(snapshot["latest_payload"]["summary"] == "The task has 4 words: done.");
    CHECK(snapshot["transcript"]["messages"].back()["content"] == "The task has 4 words: done.");
    CHECK(snapshot["artifacts"][0]["id"] == "artifact_example_1");
    CHECK(snapshot["child_run_id"] == "run_example_1");
    CHECK(snapshot["audit"]["run_id"] == "run_example_1");
    CHECK(snapshot["finished_at"].is_string());
    // The previous version is in history; the ledger numbers the next attempt.
    CHECK(std::filesystem::exists(scratch.file(".reprise/history/worker_demo/1.zst")));
    CHECK(next_attempt(scratch.str(), "worker_demo") == 2);
    CHECK(std::filesystem::file_size(report->log_out) > 0);
  }

  SUBCASE("failure exit: failed with the exit code and the last stderr line") {
    const std::string path = copy_demo(scratch.str());
    auto report = relaunch_demo(path, {"--mode", "fail"});
    REQUIRE(report.has_value());
    CHECK(report->exit == ExitStatus::exited(3));
    const auto snapshot = read_json(path);
    CHECK(snapshot["status"] == "failed");
    const std::string error = snapshot["latest_error"];
    CHECK(error.find("exited with code 3") != std::string::npos);
    CHECK(error.find("example_child: told to fail") != std::string::npos);
    // Payload and transcript of the failed cycle are untouched (spec 3.6).
    CHECK(snapshot["latest_payload"].is_null());
  }

  SUBCASE("signal death is kept apart from an exit code") {
    const std::string path = copy_demo(scratch.str());
    auto report = relaunch_demo(path, {"--mode", "crash"});
    REQUIRE(report.has_value());
    CHECK(report->exit == ExitStatus::signalled(SIGSEGV));
    CHECK(read_json(path)["latest_error"].get<std::string>().find("SIGSEGV") != std::string::npos);
  }

  SUBCASE("timeout: SIGTERM ignored, SIGKILL after kill-after") {
    const std::string path = copy_demo(scratch.str());
    // The child must have set SIGTERM to ignored before the timeout fires: a Python start on a
    // loaded machine can take a second, so the timeout leaves room for it.
    auto report = relaunch_demo(path, {"--mode", "ignore-term"}, std::chrono::milliseconds(3000),
                                std::chrono::milliseconds(200));
    REQUIRE(report.has_value());
    CHECK(report->timed_out);
    CHECK(report->exit == ExitStatus::signalled(SIGKILL));
    CHECK(read_json(path)["latest_error"].get<std::string>().find("timed out") !=
          std::string::npos);
  }

  SUBCASE("result error, command not found (127) and not executable (126)") {
    const std::string path = copy_demo(scratch.str());
    auto report = relaunch_demo(path, {"--mode", "error"});
    REQUIRE(report.has_value());
    CHECK(read_json(path)["latest_error"] == "example_child: told to report an error");

    RunSettings settings;
    settings.command = {"reprise-no-such-command"};
    ResetRequest request;
    request.input = "again";
    IdSource ids;
    auto missing = relaunch_worker(path, request, settings, ids);
    REQUIRE(missing.has_value());
    REQUIRE(missing->spawn_error.has_value());
    CHECK(missing->spawn_error->exit_code() == 127);
    CHECK(read_json(path)["status"] == "failed");

    const std::string script = scratch.file("not-executable.sh");
    std::ofstream(script) << "#!/bin/sh\n";
    settings.command = {script};
    auto denied = relaunch_worker(path, request, settings, ids);
    REQUIRE(denied.has_value());
    REQUIRE(denied->spawn_error.has_value());
    CHECK(denied->spawn_error->exit_code() == 126);
  }

  SUBCASE("retriggerable: success ends awaiting") {
    const std::string path =
        copy_demo(scratch.str(), [](auto& s) { s["carry_policy"]["retriggerable"] = true; });
    auto report = relaunch_demo(path, {});
    REQUIRE(report.has_value());
    const auto snapshot = read_json(path);
    CHECK(snapshot["status"] == "awaiting");
    CHECK(snapshot["finished_at"].is_null());
    CHECK(snapshot["awaiting_started_at"].is_string());
  }

  SUBCASE("compact: the produced transcript is compacted after success") {
    const std::string path =
        copy_demo(scratch.str(), [](auto& s) { s["carry_policy"]["transcript_mode"] = "compact"; });
    auto report = relaunch_demo(path, {});
    REQUIRE(report.has_value());
    const auto snapshot = read_json(path);
    CHECK(snapshot["status"] == "completed");
    // 3 old messages + 2 new: all but the last user/assistant pair go into the summary.
    CHECK(snapshot["transcript"]["messages"].size() == 3);
    CHECK(snapshot["transcript"]["summary"].get<std::string>().starts_with(
        "[auto-compacted 3 older messages"));
  }

  SUBCASE("execution.cwd and execution.env are honoured") {
    const std::string cwd = scratch.file("work");
    std::filesystem::create_directory(cwd);
    const std::string path = copy_demo(scratch.str(), [&](auto& s) {
      s["execution"]["cwd"] = cwd;
      s["execution"]["env"] = {{"EXAMPLE_COLOUR", "blue"}};
    });
    const std::string env_out = scratch.file("env.json");
    auto report = relaunch_demo(path, {"--env-out", env_out});
    REQUIRE(report.has_value());
    const auto seen = read_json(env_out);
    CHECK(seen["cwd"] == std::filesystem::canonical(cwd).string());
    CHECK(seen["env"]["EXAMPLE_COLOUR"] == "blue");
    CHECK(seen["env"]["REPRISE_WORKER_ID"] == "worker_demo");
    CHECK(seen["env"]["REPRISE_ATTEMPT"] == "1");
    CHECK(seen["env"]["REPRISE_TASK"] == "Count these four words");
    CHECK(seen["env"]["REPRISE_SNAPSHOT"] == std::filesystem::absolute(path).string());
  }

  SUBCASE("SIGINT to an attached relaunch reaches the whole child group") {
    copy_demo(scratch.str());
    Running reprise = start_reprise({"--state-dir", scratch.str(), "relaunch", "worker_demo",
                                     "--task", "x", "--kill-after", "2s", "--", "python3",
                                     example_child(), "--ready", "--grandchild", "--mode", "hang"});
    const std::string ready = read_line(reprise.out.get(), std::chrono::seconds(20));
    REQUIRE(ready.starts_with("ready "));
    pid_t child = 0;
    pid_t grandchild = 0;
    std::sscanf(ready.c_str(), "ready %d %d", &child, &grandchild);
    REQUIRE(grandchild > 0);
    REQUIRE(reprise.child.signal_group(SIGINT) == 0); // as a terminal's Ctrl-C would
    const Finished done = finish(reprise);
    CHECK(done.exit == ExitStatus::signalled(SIGINT));
    CHECK_FALSE(process_alive(child, 0));
    CHECK_FALSE(process_alive(grandchild, 0));
    CHECK(read_json(scratch.file("worker_demo.json"))["status"] == "cancelled");
  }

  SUBCASE("8 concurrent relaunches of one worker: one runs, the rest exit 75") {
    copy_demo(scratch.str());
    std::vector<Running> runs;
    for (int i = 0; i < 8; ++i) {
      runs.push_back(
          start_reprise({"--state-dir", scratch.str(), "relaunch", "worker_demo", "--task", "x",
                         "--", "python3", example_child(), "--ready", "--mode", "hang"}));
    }
    int busy = 0;
    std::optional<std::size_t> runner;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      // A loser exits at once; the runner prints "ready" and hangs.
      const std::string first = read_line(runs[i].out.get(), std::chrono::seconds(20));
      if (first.starts_with("ready")) {
        CHECK_FALSE(runner.has_value());
        runner = i;
        continue;
      }
      const Finished done = finish(runs[i]);
      CHECK(done.exit == ExitStatus::exited(75));
      CHECK(done.err.find("is busy: locked by reprise pid") != std::string::npos);
      ++busy;
    }
    CHECK(busy == 7);
    REQUIRE(runner.has_value());
    runs[*runner].child.signal_group(SIGTERM);
    CHECK(finish(runs[*runner]).exit == ExitStatus::signalled(SIGTERM));
  }
}
