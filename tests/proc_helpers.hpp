#pragma once

// Helpers shared by the tests that run real processes: the demo worker copied into a scratch
// folder, children guarded and watched, and the reprise binary run with captured output.
#include "base/io.hpp"
#include "run/process.hpp"
#include "scratch.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace reprise::test {

inline std::string example_child() {
  return fixture_path("children/example_child.py");
}

// Copies the demo worker into `dir` as `<id>.json` with that id (optionally editing its JSON) and
// returns the snapshot path.
inline std::string copy_demo(const std::string& dir,
                             const std::function<void(nlohmann::ordered_json&)>& edit = {},
                             const std::string& id = "worker_demo") {
  std::ifstream in(fixture_path("demo/worker_demo.json"));
  nlohmann::ordered_json snapshot = nlohmann::ordered_json::parse(in);
  snapshot["id"] = id;
  if (edit) {
    edit(snapshot);
  }
  const std::string path = dir + "/" + id + ".json";
  std::ofstream(path) << snapshot.dump(2);
  return path;
}

inline nlohmann::ordered_json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::ordered_json::parse(in);
}

// The whole file at `path` as bytes ("" when it cannot be read).
inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The state letter of /proc/<pid>/stat (R, S, T, Z, ...), or 0 when there is no such process.
inline char process_state(pid_t pid) {
  const std::string stat = read_bytes("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? 0 : stat[close + 2];
}

// Whether `pid` reaches state `state` within `timeout`. A stop is not an event a non-parent can
// wait for (no pidfd or pipe reports it), so /proc is polled briefly.
inline bool reaches_state(pid_t pid, char state, std::chrono::milliseconds timeout) {
  const std::int64_t deadline = monotonic_ms() + timeout.count();
  while (process_state(pid) != state) {
    if (monotonic_ms() >= deadline) {
      return false;
    }
    ::usleep(2000);
  }
  return true;
}

// Kills the process group led by `pid` at scope exit if that leader still runs, so a failing test
// leaves no hanging child behind (the pid's start time guards against a reused pid).
class GroupGuard {
public:
  GroupGuard() = default;
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;
  ~GroupGuard() {
    if (m_pid > 0 && process_alive(m_pid, m_start)) {
      ::kill(-m_pid, SIGKILL);
    }
  }
  // Starts guarding the group led by `pid`.
  void guard(pid_t pid) {
    m_pid = pid;
    m_start = process_start_time(pid).value_or(0);
  }

private:
  pid_t m_pid = -1;
  std::uint64_t m_start = 0;
};

// Whether the process behind `pidfd` ends within `timeout`.
inline bool ends_within(const Fd& pidfd, std::chrono::milliseconds timeout) {
  return pidfd.valid() && wait_readable(pidfd.get(), timeout);
}

// A running reprise binary with its standard output and error on pipes.
struct Running {
  Child child;
  Fd out;
  Fd err;
};

inline std::vector<std::string> environment_without_state() {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (!text.starts_with("HARN_WORKER_STATE_DIR=") && !text.starts_with("REPRISE_")) {
      env.push_back(text);
    }
  }
  // No background history compaction: it would outlive the test and write into its scratch folder.
  env.emplace_back("REPRISE_AUTO_GC=off");
  return env;
}

inline Running start_reprise(const std::vector<std::string>& args, const std::string& cwd = {}) {
  auto out = make_pipe();
  auto err = make_pipe();
  REQUIRE(out.has_value());
  REQUIRE(err.has_value());
  SpawnRequest request;
  request.argv = {REPRISE_BINARY};
  request.argv.insert(request.argv.end(), args.begin(), args.end());
  request.env = environment_without_state();
  request.cwd = cwd;
  request.stdout_fd = out->write.get();
  request.stderr_fd = err->write.get();
  auto child = spawn_process(request);
  REQUIRE(child.has_value());
  return Running{std::move(*child), std::move(out->read), std::move(err->read)};
}

// Output of a finished reprise.
struct Finished {
  ExitStatus exit;
  std::string out;
  std::string err;
};

inline Finished finish(Running& running) {
  // Read the two pipes to the end before reaping (the outputs here are small).
  auto out = read_to_end(running.out.get());
  auto err = read_to_end(running.err.get());
  auto exit = running.child.wait();
  REQUIRE(exit.has_value());
  return Finished{*exit, out.value_or(""), err.value_or("")};
}

inline Finished run_reprise(const std::vector<std::string>& args, const std::string& cwd = {}) {
  Running running = start_reprise(args, cwd);
  return finish(running);
}

// The first line the process writes on `fd`, read without a time limit beyond `timeout`.
inline std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  char c = 0;
  while (wait_readable(fd, timeout) && read_some(fd, &c, 1) == 1 && c != '\n') {
    line += c;
  }
  return line;
}

} // namespace reprise::test
