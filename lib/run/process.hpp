#pragma once

#include "base/error.hpp"
#include "base/fd.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <spawn.h>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

// The POSIX process layer: posix_spawn with RAII for its attribute and file-action objects, a
// child handle that never leaks a zombie, pidfds for waiting.
namespace reprise {

// How a process ended: "exited with N" and "killed by signal S" are kept apart; 128+S is made only
// at the CLI edge.
struct ExitStatus {
  enum class Kind { exited, signalled };
  Kind kind = Kind::exited;
  int value = 0; // the exit code (exited) or the signal number (signalled)

  // A normal exit with `code`.
  static ExitStatus exited(int code) { return {Kind::exited, code}; }
  // Death by signal `signal`.
  static ExitStatus signalled(int signal) { return {Kind::signalled, signal}; }
  // Decodes a waitpid status word.
  static ExitStatus from_wait_status(int status);
  // Whether the process exited with code 0.
  bool success() const { return kind == Kind::exited && value == 0; }
  // "exit code 3" or "signal SIGSEGV".
  std::string describe() const;
  bool operator==(const ExitStatus&) const = default;
};

// The abbreviation of a signal with its SIG prefix ("SIGTERM"), or "signal N" when unknown.
std::string signal_name(int signal);

// Owns a posix_spawnattr_t; move-only, destroyed once.
class SpawnAttributes {
public:
  // Initialised attributes; throws std::bad_alloc only if the C library cannot allocate.
  SpawnAttributes();
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  SpawnAttributes(SpawnAttributes&& other) noexcept;
  SpawnAttributes& operator=(SpawnAttributes&& other) noexcept;
  ~SpawnAttributes();

  // The child leads a new process group, gets default dispositions for every signal and an empty
  // signal mask. Returns 0 or an error number.
  int set_clean_group();
  // As set_clean_group, but the child leads a new session (so no terminal's signals reach it), for
  // work that outlives the caller. Returns 0 or an error number.
  int set_new_session();
  // The wrapped object, or nullptr when moved from.
  const posix_spawnattr_t* get() const { return m_attr.get(); }

private:
  struct Deleter {
    void operator()(posix_spawnattr_t* attr) const;
  };
  std::unique_ptr<posix_spawnattr_t, Deleter> m_attr;
};

// Owns a posix_spawn_file_actions_t; move-only, destroyed once.
class SpawnFileActions {
public:
  // Empty file actions.
  SpawnFileActions();
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  SpawnFileActions(SpawnFileActions&& other) noexcept;
  SpawnFileActions& operator=(SpawnFileActions&& other) noexcept;
  ~SpawnFileActions();

  // dup2(from, to) in the child (clears O_CLOEXEC on `to`). Returns 0 or an error number.
  int add_dup2(int from, int to);
  // open(path, flags, mode) as descriptor `to` in the child. Returns 0 or an error number.
  int add_open(int to, const std::string& path, int flags, mode_t mode);
  // chdir(dir) in the child before exec. Returns 0 or an error number.
  int add_chdir(const std::string& dir);
  // The wrapped object, or nullptr when moved from.
  const posix_spawn_file_actions_t* get() const { return m_actions.get(); }

private:
  struct Deleter {
    void operator()(posix_spawn_file_actions_t* actions) const;
  };
  std::unique_ptr<posix_spawn_file_actions_t, Deleter> m_actions;
  std::vector<std::string> m_strings; // paths referenced by actions; kept alive until spawn
};

// What to run and how: argv (argv[0] looked up in PATH of `env` unless it contains '/'), the full
// environment, an optional working directory and the descriptors for 0, 1 and 2 (-1: /dev/null
// for stdin, inherit for stdout/stderr).
struct SpawnRequest {
  std::vector<std::string> argv;
  std::vector<std::string> env; // "KEY=VALUE" entries, the child's whole environment
  std::string cwd;              // empty: the caller's
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// A spawned child process leading its own process group. Move-only; a child that was never
// waited for is killed (with its group) and reaped in the destructor, so no zombie is left.
class Child {
public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  // Kills the group with SIGKILL and reaps the child if it was not waited for; never throws.
  ~Child();

  // The child's pid (also its process group id); -1 once reaped or when empty.
  pid_t pid() const { return m_pid; }
  // A pidfd that becomes readable when the child exits; -1 when the kernel has none.
  int pidfd() const { return m_pidfd.get(); }
  // The child's start time in clock ticks since boot (/proc/<pid>/stat field 22), 0 if unknown.
  std::uint64_t start_time() const { return m_start_time; }
  // Sends `signal` to the child's whole process group; returns 0 or an error number.
  int signal_group(int signal) const;
  // Blocks until the child ends and reaps it.
  Result<ExitStatus> wait();
  // Reaps the child if it has ended; nullopt while it runs.
  Result<std::optional<ExitStatus>> try_wait();

private:
  friend Result<Child> spawn_process(const SpawnRequest& request);
  Child(pid_t pid, Fd pidfd, std::uint64_t start_time);
  void forget() noexcept;

  pid_t m_pid = -1;               // -1 once reaped or when empty
  Fd m_pidfd;                     // pidfd of m_pid; empty when unsupported
  std::uint64_t m_start_time = 0; // for recognising the pid later
};

// Spawns `request` as a new process group leader with a clean signal state. Errors:
// command_not_found (127) when argv[0] does not exist, cannot_execute (126) when it exists but
// cannot be run, not_found when `cwd` is missing.
Result<Child> spawn_process(const SpawnRequest& request);

// Ends a child's process group when the process that supervises it dies without saying it is done
// (a SIGKILL, a crash): a forked watcher in a process group of its own, holding no descriptor but
// the read end of a pipe whose write end only the supervisor holds. At the pipe's end without a
// release, it sends the group SIGTERM and SIGCONT, then SIGKILL if members remain after `grace`.
// Move-only; releasing it (the destructor) leaves the group as it is and reaps the watcher.
class GroupWatcher {
public:
  GroupWatcher() = default;
  GroupWatcher(const GroupWatcher&) = delete;
  GroupWatcher& operator=(const GroupWatcher&) = delete;
  GroupWatcher(GroupWatcher&& other) noexcept;
  GroupWatcher& operator=(GroupWatcher&& other) noexcept;
  ~GroupWatcher() { release(); }

  // Starts watching process group `group`; failed when no watcher can be forked.
  static Result<GroupWatcher> watch(pid_t group, std::chrono::milliseconds grace);
  // The watcher's pid; -1 when empty or released.
  pid_t pid() const { return m_pid; }
  // Tells the watcher the supervisor is done (the group is left as it is) and reaps it.
  void release() noexcept;

private:
  pid_t m_pid = -1; // the watcher, -1 when none
  Fd m_release;     // the pipe's write end: one byte releases, its end without one ends the group
};

// Opens a pidfd for `pid` (O_CLOEXEC by definition); an empty Fd when unsupported or gone.
Fd open_pidfd(pid_t pid);

// A pipe whose two ends are O_CLOEXEC.
struct Pipe {
  Fd read;
  Fd write;
};

// Creates a pipe with O_CLOEXEC on both ends (and O_NONBLOCK on the read end when asked).
enum class ReadEnd { blocking, nonblocking };
Result<Pipe> make_pipe(ReadEnd read_end = ReadEnd::blocking);

// waitpid(2) retried on EINTR (descriptor reads and writes are in base/io.hpp).
pid_t wait_pid(pid_t pid, int* status, int options);
// poll(2) on `fd` for readability, retried on EINTR with the remaining time; true when readable.
bool wait_readable(int fd, std::chrono::milliseconds timeout);

// The start time of `pid` in clock ticks since boot, or nullopt when there is no such process.
std::optional<std::uint64_t> process_start_time(pid_t pid);
// Whether `pid` is alive (not a zombie) and, when `start_time` is non-zero, started at that time.
bool process_alive(pid_t pid, std::uint64_t start_time);

// Looks `name` up in `path_list` (PATH syntax): the first executable match, or the first existing
// non-executable one; nullopt when nothing exists.
std::optional<std::string> find_in_path(const std::string& name, const std::string& path_list);

// Milliseconds on the monotonic clock.
std::int64_t monotonic_ms();

} // namespace reprise
