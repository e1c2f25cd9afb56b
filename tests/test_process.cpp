#include "base/io.hpp"
#include "proc_helpers.hpp"
#include "run/process.hpp"
#include "run/signal_guard.hpp"

#include <csignal>
#include <sys/wait.h>

using namespace reprise;
using namespace reprise::test;

namespace {

// Runs `argv` with standard output captured.
std::pair<ExitStatus, std::string> capture(std::vector<std::string> argv) {
  auto pipe = make_pipe();
  REQUIRE(pipe.has_value());
  SpawnRequest request;
  request.argv = std::move(argv);
  request.env = {"PATH=/usr/bin:/bin"};
  request.stdout_fd = pipe->write.get();
  auto child = spawn_process(request);
  REQUIRE(child.has_value());
  pipe->write.close();
  auto out = read_to_end(pipe->read.get());
  auto exit = child->wait();
  REQUIRE(exit.has_value());
  return {*exit, out.value_or("")};
}

} // namespace

TEST_CASE("process") {
  Scratch scratch;

  SUBCASE("exited and signalled stay apart") {
    CHECK(capture({"sh", "-c", "exit 3"}).first == ExitStatus::exited(3));
    CHECK(capture({"sh", "-c", "kill -TERM $$"}).first == ExitStatus::signalled(SIGTERM));
    CHECK(ExitStatus::signalled(SIGSEGV).describe() == "signal SIGSEGV");
    CHECK(ExitStatus::exited(0).success());
  }

  SUBCASE("not found is 127, not executable is 126") {
    SpawnRequest request;
    request.argv = {"reprise-no-such-command"};
    request.env = {"PATH=/usr/bin:/bin"};
    auto missing = spawn_process(request);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().exit_code() == 127);
    const std::string script = scratch.file("plain.sh");
    std::ofstream(script) << "#!/bin/sh\n";
    request.argv = {script};
    auto denied = spawn_process(request);
    REQUIRE_FALSE(denied.has_value());
    CHECK(denied.error().exit_code() == 126);
  }

  SUBCASE("own process group, clean signal state, no inherited descriptors") {
    // Ignore and block signals here; the child must see defaults and an empty mask.
    SignalGuard guard; // ignores SIGPIPE, catches SIGINT/SIGTERM/SIGHUP
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigset_t old;
    ::sigprocmask(SIG_BLOCK, &block, &old);
    auto pipe = make_pipe(); // O_CLOEXEC: must not reach the child
    REQUIRE(pipe.has_value());
    // No shell in between: each program reports on itself through /proc/self.
    const auto [exit, status] = capture({"grep", "-E", "^(SigBlk|SigIgn)", "/proc/self/status"});
    const auto fds = capture({"ls", "/proc/self/fd"}).second;
    const auto stat = capture({"cat", "/proc/self/stat"}).second;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    CHECK(exit == ExitStatus::exited(0));
    CHECK(status.find("SigBlk:\t0000000000000000") != std::string::npos);
    // Signals 1-31 (the low 31 bits); glibc's reserved real-time signals are outside its reach.
    CHECK(status.find("SigIgn:\t") != std::string::npos);
    const auto ignored = std::stoull(status.substr(status.find("SigIgn:\t") + 8, 16), nullptr, 16);
    CHECK((ignored & 0x7fffffffULL) == 0);
    // Our O_CLOEXEC pipe never reaches the child (descriptors the test runner inherited may).
    std::istringstream listed(fds);
    for (std::string fd; std::getline(listed, fd);) {
      CHECK(fd != std::to_string(pipe->read.get()));
      CHECK(fd != std::to_string(pipe->write.get()));
    }
    // /proc/self/stat: pid (comm) state ppid pgrp ...
    int pid = 0;
    int ppid = 0;
    int pgrp = 0;
    char state = 0;
    const auto close = stat.rfind(')');
    REQUIRE(close != std::string::npos);
    std::sscanf(stat.c_str(), "%d", &pid);
    std::sscanf(stat.c_str() + close + 1, " %c %d %d", &state, &ppid, &pgrp);
    CHECK(pgrp == pid);
  }

  SUBCASE("a forgotten child is killed with its group and reaped") {
    pid_t pid = -1;
    {
      SpawnRequest request;
      request.argv = {"sleep", "30"};
      request.env = {"PATH=/usr/bin:/bin"};
      auto child = spawn_process(request);
      REQUIRE(child.has_value());
      pid = child->pid();
      CHECK(process_alive(pid, child->start_time()));
      CHECK(child->pidfd() >= 0);
    }
    int status = 0;
    CHECK(::waitpid(pid, &status, WNOHANG) == -1); // already reaped: no zombie left
    CHECK_FALSE(process_alive(pid, 0));
  }

  SUBCASE("find_in_path prefers an executable match") {
    CHECK(find_in_path("sh", "/nonexistent:/bin").value_or("") == "/bin/sh");
    CHECK_FALSE(find_in_path("reprise-no-such-command", "/bin").has_value());
  }
}
