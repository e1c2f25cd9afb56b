#include "auto_gc.hpp"

#include "run/process.hpp"
#include "snapshot/history.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <spawn.h>
#include <string>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ; // NOLINT(readability-redundant-declaration): passed through, never read

namespace reprise::cli {

namespace {

// Starts `reprise gc --auto KEY` for `history`; waits for it when `wait`. Best effort: a
// compaction that cannot start is done by the next write or `reprise gc`.
void start_compaction(const std::string& self, const HistoryKey& history, bool wait) {
  std::error_code ec;
  const std::string state_dir = std::filesystem::absolute(history.state_dir, ec).string();
  if (ec) {
    return;
  }
  std::vector<std::string> argv = {self, "--state-dir", state_dir,  "--quiet",
                                   "gc", "--auto",      history.key};
  std::vector<char*> args;
  for (std::string& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  SpawnAttributes attributes;
  SpawnFileActions actions;
  if (attributes.set_new_session() != 0 ||
      actions.add_open(STDIN_FILENO, "/dev/null", O_RDONLY, 0) != 0 ||
      actions.add_open(STDOUT_FILENO, "/dev/null", O_WRONLY, 0) != 0 ||
      actions.add_open(STDERR_FILENO, "/dev/null", O_WRONLY, 0) != 0) {
    return;
  }
  pid_t pid = 0;
  if (::posix_spawn(&pid, self.c_str(), actions.get(), attributes.get(), args.data(), environ) !=
      0) {
    return;
  }
  if (wait) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

} // namespace

void start_due_compactions(const GlobalOptions& global) {
  const std::vector<HistoryKey> kept = take_kept_histories();
  if (kept.empty() || global.env.auto_gc == "off") {
    return;
  }
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    return;
  }
  for (const HistoryKey& history : kept) {
    if (compaction_due(history.state_dir, history.key)) {
      start_compaction(self, history, global.env.auto_gc == "wait");
    }
  }
}

void lower_priority() {
  ::setpriority(PRIO_PROCESS, 0, 19);
  // ioprio_set(2) has no C library wrapper: IOPRIO_WHO_PROCESS (1), this process (0), the idle
  // class (3) in the class bits (from bit 13).
  constexpr int k_who_process = 1;
  constexpr int k_class_idle = 3;
  constexpr int k_class_shift = 13;
  ::syscall(SYS_ioprio_set, k_who_process, 0, k_class_idle << k_class_shift);
}

} // namespace reprise::cli
