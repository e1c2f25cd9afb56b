#include "proc_helpers.hpp"
#include "run/relaunch.hpp"
#include "run/run_ledger.hpp"
#include "run/supervisor.hpp"

#include <algorithm>
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

// A child that exists only on paper: a scripted clock, exit and signal arrival, and a record of the
// signals the supervisor sends, so its decisions are checked without a process.
class FakeRunner final : public ChildRunner {
public:
  // Script: the child exits by itself at `exits_at` with `exit_status` (never when empty), dies of
  // every signal it does not ignore, and reprise receives `signal` at `signal_at`.
  std::optional<std::int64_t> exits_at;
  ExitStatus exit_status = ExitStatus::exited(0);
  std::vector<int> ignored = {SIGCONT};
  std::optional<std::int64_t> signal_at;
  int signal = 0;
  int signal_fd = 1000;  // never polled: the fake reports it
  std::string child_out; // written to the child's standard output and error at start
  std::string child_err;
  std::optional<ErrorCode> start_error; // start fails with this code and "worker: failed"

  // Record.
  std::int64_t clock = 1000;
  std::vector<std::pair<std::int64_t, int>> sent; // (time, signal) in order
  SpawnRequest spawned;
  std::vector<std::chrono::milliseconds> ended_group; // end_group's grace, per call

  Result<StartedChild> start(const SpawnRequest& request) override {
    spawned = request;
    if (start_error) {
      return fail(*start_error, "worker: failed");
    }
    write_all(request.stdout_fd, child_out);
    write_all(request.stderr_fd, child_err);
    return StartedChild{4242, 77};
  }

  std::int64_t now_ms() override { return clock; }

  Result<bool> wait(std::vector<pollfd>& fds, std::int64_t timeout_ms) override {
    if (!m_ended) {
      std::optional<std::int64_t> until;
      const auto nearer = [&until](std::int64_t at) { until = until ? std::min(*until, at) : at; };
      if (timeout_ms >= 0) {
        nearer(clock + timeout_ms);
      }
      if (exits_at) {
        nearer(*exits_at);
      }
      if (signal_at && watched_signal(fds)) { // once unwatched, the signal wakes nobody
        nearer(*signal_at);
      }
      if (!until) {
        return fail(ErrorCode::failed, "the fake child would wait forever");
      }
      clock = std::max(clock, *until);
      if (exits_at && clock >= *exits_at) {
        m_ended = exit_status;
      }
    }
    // Real pipes (the tee's) are asked for real, without waiting.
    ::poll(fds.data(), fds.size(), 0);
    for (pollfd& fd : fds) {
      if (fd.fd == signal_fd) {
        fd.revents = signal_at && clock >= *signal_at ? POLLIN : 0;
      }
    }
    return m_ended.has_value();
  }

  void signal_group(int sig) override {
    sent.emplace_back(clock, sig);
    const bool ignores = std::find(ignored.begin(), ignored.end(), sig) != ignored.end();
    if (!m_ended && !m_reaped && (sig == SIGKILL || !ignores)) {
      m_ended = ExitStatus::signalled(sig);
    }
  }

  void end_group(std::chrono::milliseconds grace) override { ended_group.push_back(grace); }

  Result<std::optional<ExitStatus>> try_wait() override {
    if (!m_ended || m_reaped) {
      return std::optional<ExitStatus>{};
    }
    m_reaped = true;
    return m_ended;
  }

  int received_signal() override { return signal; }

private:
  bool watched_signal(const std::vector<pollfd>& fds) const {
    return std::any_of(fds.begin(), fds.end(),
                       [this](const pollfd& fd) { return fd.fd == signal_fd; });
  }

  std::optional<ExitStatus> m_ended; // set once the child ended
  bool m_reaped = false;
};

using Sent = std::vector<std::pair<std::int64_t, int>>;

} // namespace

TEST_CASE("supervisor (fake runner)") {
  Scratch scratch;
  SuperviseRequest request;
  request.argv = {"worker", "--flag"};
  request.env = {"A=1"};
  request.cwd = "/work";
  request.log_out = scratch.file("logs/1.out");
  request.log_err = scratch.file("logs/1.err");
  request.tee = Tee::logs_only;
  request.kill_after = std::chrono::milliseconds(200);
  FakeRunner runner;

  SUBCASE("an exit is the outcome; no signal is sent") {
    runner.exits_at = 1300;
    runner.exit_status = ExitStatus::exited(3);
    runner.child_err = "starting\nthe last words\n";
    std::optional<StartedChild> started;
    request.on_started = [&](const StartedChild& child) { started = child; };
    request.timeout = std::chrono::milliseconds(1000);
    auto outcome = supervise(request, runner);
    REQUIRE(outcome.has_value());
    CHECK(outcome->exit == ExitStatus::exited(3));
    CHECK_FALSE(outcome->timed_out);
    CHECK(outcome->forwarded_signal == 0);
    CHECK(outcome->duration_ms == 300);
    CHECK(outcome->stderr_tail == "starting\nthe last words");
    CHECK(runner.sent.empty());
    REQUIRE(started.has_value());
    CHECK(started->pid == 4242);
    CHECK(started->start_time == 77);
    CHECK(runner.spawned.argv == request.argv);
    CHECK(runner.spawned.env == request.env);
    CHECK(runner.spawned.cwd == "/work");
  }

  SUBCASE("what is left of the group ends with the child, unless kept") {
    runner.exits_at = 1100;
    request.kill_after = std::chrono::milliseconds(5000);
    REQUIRE(supervise(request, runner).has_value());
    // The grace is kill_after, at most 2 s: the attempt's end is not held up for long.
    CHECK(runner.ended_group == std::vector{std::chrono::milliseconds(2000)});

    FakeRunner short_grace;
    short_grace.exits_at = 1100;
    request.kill_after = std::chrono::milliseconds(300);
    REQUIRE(supervise(request, short_grace).has_value());
    CHECK(short_grace.ended_group == std::vector{std::chrono::milliseconds(300)});

    FakeRunner opted_out;
    opted_out.exits_at = 1100;
    request.keep_group = true;
    REQUIRE(supervise(request, opted_out).has_value());
    CHECK(opted_out.ended_group.empty());
    CHECK(opted_out.sent.empty());
  }

  SUBCASE("a death by signal stays a signal") {
    runner.exits_at = 1010;
    runner.exit_status = ExitStatus::signalled(SIGSEGV);
    auto outcome = supervise(request, runner);
    REQUIRE(outcome.has_value());
    CHECK(outcome->exit == ExitStatus::signalled(SIGSEGV));
    CHECK(runner.sent.empty());
  }

  SUBCASE("timeout: SIGTERM (and SIGCONT), SIGKILL after the grace, then the group") {
    runner.ignored = {SIGCONT, SIGTERM};
    request.timeout = std::chrono::milliseconds(1000);
    auto outcome = supervise(request, runner);
    REQUIRE(outcome.has_value());
    CHECK(outcome->timed_out);
    CHECK(outcome->exit == ExitStatus::signalled(SIGKILL));
    CHECK(outcome->duration_ms == 1200);
    CHECK(runner.sent == Sent{{2000, SIGTERM}, {2000, SIGCONT}, {2200, SIGKILL}, {2200, SIGKILL}});
  }

  SUBCASE("timeout: a child that obeys SIGTERM gets no SIGKILL from the grace timer") {
    request.timeout = std::chrono::milliseconds(500);
    auto outcome = supervise(request, runner);
    REQUIRE(outcome.has_value());
    CHECK(outcome->timed_out);
    CHECK(outcome->exit == ExitStatus::signalled(SIGTERM));
    // The last SIGKILL is the sweep of whatever else is left of the group.
    CHECK(runner.sent == Sent{{1500, SIGTERM}, {1500, SIGCONT}, {1500, SIGKILL}});
  }

  SUBCASE("a child that ends before its timeout is not signalled") {
    runner.exits_at = 1999;
    request.timeout = std::chrono::milliseconds(1000);
    auto outcome = supervise(request, runner);
    REQUIRE(outcome.has_value());
    CHECK_FALSE(outcome->timed_out);
    CHECK(outcome->exit == ExitStatus::exited(0));
    CHECK(runner.sent.empty());
  }

  SUBCASE("a received signal is forwarded once to the group") {
    runner.signal_at = 1400;
    runner.signal = SIGINT;
    request.signal_fd = runner.signal_fd;
    auto outcome = supervise(request, runner);
    REQUIRE(outcome.has_value());
    CHECK(outcome->forwarded_signal == SIGINT);
    CHECK_FALSE(outcome->timed_out);
    CHECK(outcome->exit == ExitStatus::signalled(SIGINT));
    CHECK(runner.sent == Sent{{1400, SIGINT}, {1400, SIGCONT}, {1400, SIGKILL}});
  }

  SUBCASE("a forwarded signal the child ignores is followed by SIGKILL after the grace") {
    runner.ignored = {SIGCONT, SIGHUP};
    runner.signal_at = 1400;
    runner.signal = SIGHUP;
    request.signal_fd = runner.signal_fd;
    request.timeout = std::chrono::milliseconds(10000);
    auto outcome = supervise(request, runner);
    REQUIRE(outcome.has_value());
    CHECK(outcome->forwarded_signal == SIGHUP);
    CHECK_FALSE(outcome->timed_out);
    CHECK(outcome->exit == ExitStatus::signalled(SIGKILL));
    CHECK(runner.sent == Sent{{1400, SIGHUP}, {1400, SIGCONT}, {1600, SIGKILL}, {1600, SIGKILL}});
  }

  SUBCASE("a signal during the timeout's grace is recorded but not sent again") {
    runner.ignored = {SIGCONT, SIGTERM, SIGINT};
    runner.signal_at = 1100;
    runner.signal = SIGINT;
    request.signal_fd = runner.signal_fd;
    request.timeout = std::chrono::milliseconds(50);
    auto outcome = supervise(request, runner);
    REQUIRE(outcome.has_value());
    CHECK(outcome->timed_out);
    CHECK(outcome->forwarded_signal == SIGINT);
    CHECK(runner.sent == Sent{{1050, SIGTERM}, {1050, SIGCONT}, {1250, SIGKILL}, {1250, SIGKILL}});
  }

  SUBCASE("output is teed to the caller and logged") {
    request.tee = Tee::to_caller;
    Fd caller_out(::open(scratch.file("caller.out").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    Fd caller_err(::open(scratch.file("caller.err").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    request.caller_out = caller_out.get();
    request.caller_err = caller_err.get();
    runner.child_out = "hello\n";
    runner.child_err = "oops\n";
    runner.exits_at = 1100;
    auto outcome = supervise(request, runner);
    REQUIRE(outcome.has_value());
    CHECK(read_bytes(request.log_out) == "hello\n");
    CHECK(read_bytes(request.log_err) == "oops\n");
    CHECK(read_bytes(scratch.file("caller.out")) == "hello\n");
    CHECK(read_bytes(scratch.file("caller.err")) == "oops\n");
    CHECK(outcome->stderr_tail == "oops");
  }

  SUBCASE("a spawn error is returned and written to the error log") {
    runner.start_error = ErrorCode::command_not_found;
    auto outcome = supervise(request, runner);
    REQUIRE_FALSE(outcome.has_value());
    CHECK(outcome.error().code == ErrorCode::command_not_found);
    CHECK(read_bytes(request.log_err) == "reprise: worker: failed\n");
    CHECK(runner.sent.empty());
  }
}

TEST_CASE("supervisor") {
  Scratch scratch;

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
    CHECK(std::filesystem::exists(scratch.file(".reprise/history/worker_demo/1.json")));
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
