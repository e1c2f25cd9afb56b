#include "run/process.hpp"

#include "base/io.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <new>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utility>

namespace reprise {

namespace {

constexpr std::string_view k_default_path = "/usr/local/bin:/usr/bin:/bin";

// State letter and start time (field 22) of /proc/<pid>/stat.
struct ProcStat {
  char state = '?';
  std::uint64_t start_time = 0;
};

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  const std::string path = fmt::format("/proc/{}/stat", pid);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return std::nullopt;
  }
  auto text = read_to_end(fd.get());
  if (!text) {
    return std::nullopt;
  }
  // The command name may contain spaces and parentheses; the fields start after the last ')'.
  const std::size_t close = text->rfind(')');
  if (close == std::string::npos || close + 2 >= text->size()) {
    return std::nullopt;
  }
  ProcStat stat;
  stat.state = (*text)[close + 2];
  std::size_t pos = close + 2;
  // Field 3 is the state; field 22 is 19 fields further on.
  for (int field = 3; field < 22; ++field) {
    pos = text->find(' ', pos);
    if (pos == std::string::npos) {
      return std::nullopt;
    }
    ++pos;
  }
  stat.start_time = std::strtoull(text->c_str() + pos, nullptr, 10);
  return stat;
}

// The value of PATH in a "KEY=VALUE" environment, or the default search path.
std::string path_of(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    if (entry.starts_with("PATH=")) {
      return entry.substr(5);
    }
  }
  return std::string(k_default_path);
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

} // namespace

ExitStatus ExitStatus::from_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    return signalled(WTERMSIG(status));
  }
  return exited(WEXITSTATUS(status));
}

std::string ExitStatus::describe() const {
  if (kind == Kind::signalled) {
    return fmt::format("signal {}", signal_name(value));
  }
  return fmt::format("exit code {}", value);
}

std::string signal_name(int signal) {
  if (const char* abbrev = sigabbrev_np(signal); abbrev != nullptr) {
    return fmt::format("SIG{}", abbrev);
  }
  return fmt::format("signal {}", signal);
}

// ---- SpawnAttributes ----------------------------------------------------------------------------

void SpawnAttributes::Deleter::operator()(posix_spawnattr_t* attr) const {
  posix_spawnattr_destroy(attr);
  delete attr;
}

SpawnAttributes::SpawnAttributes() : m_attr(new posix_spawnattr_t) {
  if (posix_spawnattr_init(m_attr.get()) != 0) {
    delete m_attr.release();
    throw std::bad_alloc();
  }
}

SpawnAttributes::SpawnAttributes(SpawnAttributes&& other) noexcept = default;
SpawnAttributes& SpawnAttributes::operator=(SpawnAttributes&& other) noexcept = default;
SpawnAttributes::~SpawnAttributes() = default;

namespace {

// Default dispositions for every signal and an empty mask in the child, plus `flags`.
int set_clean_signals(posix_spawnattr_t* attr, short flags) {
  sigset_t defaults;
  sigfillset(&defaults);
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  sigset_t empty;
  sigemptyset(&empty);
  if (int rc = posix_spawnattr_setsigdefault(attr, &defaults); rc != 0) {
    return rc;
  }
  if (int rc = posix_spawnattr_setsigmask(attr, &empty); rc != 0) {
    return rc;
  }
  return posix_spawnattr_setflags(
      attr, static_cast<short>(flags | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
}

} // namespace

int SpawnAttributes::set_new_session() {
  return set_clean_signals(m_attr.get(), POSIX_SPAWN_SETSID);
}

int SpawnAttributes::set_clean_group() {
  if (int rc = posix_spawnattr_setpgroup(m_attr.get(), 0); rc != 0) {
    return rc;
  }
  return set_clean_signals(m_attr.get(), POSIX_SPAWN_SETPGROUP);
}

// ---- SpawnFileActions ---------------------------------------------------------------------------

void SpawnFileActions::Deleter::operator()(posix_spawn_file_actions_t* actions) const {
  posix_spawn_file_actions_destroy(actions);
  delete actions;
}

SpawnFileActions::SpawnFileActions() : m_actions(new posix_spawn_file_actions_t) {
  if (posix_spawn_file_actions_init(m_actions.get()) != 0) {
    delete m_actions.release();
    throw std::bad_alloc();
  }
}

SpawnFileActions::SpawnFileActions(SpawnFileActions&& other) noexcept = default;
SpawnFileActions& SpawnFileActions::operator=(SpawnFileActions&& other) noexcept = default;
SpawnFileActions::~SpawnFileActions() = default;

int SpawnFileActions::add_dup2(int from, int to) {
  return posix_spawn_file_actions_adddup2(m_actions.get(), from, to);
}

int SpawnFileActions::add_open(int to, const std::string& path, int flags, mode_t mode) {
  // glibc copies the path, but keep our own copy for C libraries that do not.
  m_strings.push_back(path);
  return posix_spawn_file_actions_addopen(m_actions.get(), to, m_strings.back().c_str(), flags,
                                          mode);
}

int SpawnFileActions::add_chdir(const std::string& dir) {
  m_strings.push_back(dir);
  return posix_spawn_file_actions_addchdir_np(m_actions.get(), m_strings.back().c_str());
}

// ---- Child --------------------------------------------------------------------------------------

Child::Child(pid_t pid, Fd pidfd, std::uint64_t start_time)
    : m_pid(pid), m_pidfd(std::move(pidfd)), m_start_time(start_time) {}

Child::Child(Child&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1)), m_pidfd(std::move(other.m_pidfd)),
      m_start_time(std::exchange(other.m_start_time, 0)) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    forget();
    m_pid = std::exchange(other.m_pid, -1);
    m_pidfd = std::move(other.m_pidfd);
    m_start_time = std::exchange(other.m_start_time, 0);
  }
  return *this;
}

Child::~Child() {
  forget();
}

void Child::forget() noexcept {
  if (m_pid > 0) {
    ::kill(-m_pid, SIGKILL);
    int status = 0;
    wait_pid(m_pid, &status, 0);
    m_pid = -1;
  }
  m_pidfd.close();
}

int Child::signal_group(int signal) const {
  if (m_pid <= 0) {
    return ESRCH;
  }
  return ::kill(-m_pid, signal) == 0 ? 0 : errno;
}

Result<ExitStatus> Child::wait() {
  if (m_pid <= 0) {
    return fail(ErrorCode::failed, "no child to wait for");
  }
  int status = 0;
  if (wait_pid(m_pid, &status, 0) < 0) {
    return fail(ErrorCode::failed, fmt::format("waitpid: {}", std::strerror(errno)));
  }
  m_pid = -1;
  m_pidfd.close();
  return ExitStatus::from_wait_status(status);
}

Result<std::optional<ExitStatus>> Child::try_wait() {
  if (m_pid <= 0) {
    return fail(ErrorCode::failed, "no child to wait for");
  }
  int status = 0;
  const pid_t rc = wait_pid(m_pid, &status, WNOHANG);
  if (rc < 0) {
    return fail(ErrorCode::failed, fmt::format("waitpid: {}", std::strerror(errno)));
  }
  if (rc == 0) {
    return std::optional<ExitStatus>{};
  }
  m_pid = -1;
  m_pidfd.close();
  return std::optional<ExitStatus>(ExitStatus::from_wait_status(status));
}

// ---- spawning -----------------------------------------------------------------------------------

std::optional<std::string> find_in_path(const std::string& name, const std::string& path_list) {
  std::optional<std::string> existing;
  std::size_t start = 0;
  while (start <= path_list.size()) {
    std::size_t end = path_list.find(':', start);
    if (end == std::string::npos) {
      end = path_list.size();
    }
    std::string_view dir = std::string_view(path_list).substr(start, end - start);
    // An empty PATH entry means the current directory.
    std::string candidate = fmt::format("{}/{}", dir.empty() ? std::string_view(".") : dir, name);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      if (::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
      if (!existing) {
        existing = std::move(candidate);
      }
    }
    start = end + 1;
  }
  return existing;
}

Result<Child> spawn_process(const SpawnRequest& request) {
  if (request.argv.empty() || request.argv[0].empty()) {
    return fail(ErrorCode::usage, "no command to run");
  }
  const std::string& name = request.argv[0];
  std::string program = name;
  if (name.find('/') == std::string::npos) {
    auto found = find_in_path(name, path_of(request.env));
    if (!found) {
      return fail(ErrorCode::command_not_found, fmt::format("{}: command not found", name));
    }
    program = std::move(*found);
  }
  if (!request.cwd.empty() && !is_directory(request.cwd)) {
    return fail(ErrorCode::not_found,
                fmt::format("working directory {} does not exist", request.cwd));
  }

  SpawnAttributes attributes;
  if (int rc = attributes.set_clean_group(); rc != 0) {
    return fail(ErrorCode::failed, fmt::format("posix_spawnattr: {}", std::strerror(rc)));
  }
  SpawnFileActions actions;
  int rc = 0;
  if (request.stdin_fd >= 0) {
    rc = actions.add_dup2(request.stdin_fd, STDIN_FILENO);
  } else {
    rc = actions.add_open(STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (rc == 0 && request.stdout_fd >= 0) {
    rc = actions.add_dup2(request.stdout_fd, STDOUT_FILENO);
  }
  if (rc == 0 && request.stderr_fd >= 0) {
    rc = actions.add_dup2(request.stderr_fd, STDERR_FILENO);
  }
  if (rc == 0 && !request.cwd.empty()) {
    rc = actions.add_chdir(request.cwd);
  }
  if (rc != 0) {
    return fail(ErrorCode::failed, fmt::format("posix_spawn_file_actions: {}", std::strerror(rc)));
  }

  std::vector<char*> argv;
  argv.reserve(request.argv.size() + 1);
  for (const std::string& arg : request.argv) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(request.env.size() + 1);
  for (const std::string& entry : request.env) {
    envp.push_back(const_cast<char*>(entry.c_str()));
  }
  envp.push_back(nullptr);

  pid_t pid = -1;
  // posix_spawn reports failure as its return value (exec errors included, on glibc), not errno.
  rc =
      posix_spawn(&pid, program.c_str(), actions.get(), attributes.get(), argv.data(), envp.data());
  if (rc == ENOENT) {
    return fail(ErrorCode::command_not_found, fmt::format("{}: command not found", name));
  }
  if (rc != 0) {
    return fail(ErrorCode::cannot_execute,
                fmt::format("{}: cannot execute: {}", name, std::strerror(rc)));
  }
  Fd pidfd = open_pidfd(pid);
  const std::uint64_t start = process_start_time(pid).value_or(0);
  return Child(pid, std::move(pidfd), start);
}

namespace {

// The watcher's whole life, in the forked child: system calls only (the parent may have threads).
[[noreturn]] void guard_group(int release_fd, pid_t group, std::chrono::milliseconds grace) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  // A terminal's signals and a kill of the supervisor's group must not end the watcher: it is
  // what cleans up after them.
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE}) {
    ::sigaction(signal, &ignore, nullptr);
  }
  ::setpgid(0, 0);
  // No other descriptor is kept: not the worker's lock, nor a log, nor another child's pipe.
  if (release_fd != 0) {
    ::dup2(release_fd, 0);
  }
  ::close_range(1, ~0U, 0);
  char byte = 0;
  ssize_t n = 0;
  do {
    n = ::read(0, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 1 || ::kill(-group, 0) != 0) {
    ::_exit(0); // released, or nothing left to end
  }
  ::kill(-group, SIGTERM);
  ::kill(-group, SIGCONT);
  constexpr long k_tick_ns = 10'000'000;
  for (long long waited = 0; waited < grace.count() * 1'000'000LL; waited += k_tick_ns) {
    const timespec tick{0, k_tick_ns};
    ::nanosleep(&tick, nullptr);
    if (::kill(-group, 0) != 0) {
      ::_exit(0);
    }
  }
  ::kill(-group, SIGKILL);
  ::_exit(0);
}

} // namespace

GroupWatcher::GroupWatcher(GroupWatcher&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1)), m_release(std::move(other.m_release)) {}

GroupWatcher& GroupWatcher::operator=(GroupWatcher&& other) noexcept {
  if (this != &other) {
    release();
    m_pid = std::exchange(other.m_pid, -1);
    m_release = std::move(other.m_release);
  }
  return *this;
}

Result<GroupWatcher> GroupWatcher::watch(pid_t group, std::chrono::milliseconds grace) {
  auto pipe = make_pipe();
  if (!pipe) {
    return std::unexpected(pipe.error());
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    return fail(ErrorCode::failed, fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    guard_group(pipe->read.get(), group, grace);
  }
  GroupWatcher guard;
  guard.m_pid = pid;
  guard.m_release = std::move(pipe->write);
  return guard;
}

void GroupWatcher::release() noexcept {
  if (m_pid < 0) {
    return;
  }
  (void)write_all(m_release.get(), "r"); // if it fails, the watcher finds the group ended anyway
  m_release.close();
  int status = 0;
  wait_pid(m_pid, &status, 0);
  m_pid = -1;
}

Fd open_pidfd(pid_t pid) {
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  return Fd(fd < 0 ? -1 : static_cast<int>(fd));
}

Result<Pipe> make_pipe(ReadEnd read_end) {
  int fds[2] = {-1, -1};
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(ErrorCode::failed, fmt::format("pipe: {}", std::strerror(errno)));
  }
  Pipe pipe{Fd(fds[0]), Fd(fds[1])};
  if (read_end == ReadEnd::nonblocking) {
    const int flags = ::fcntl(fds[0], F_GETFL);
    ::fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
  }
  return pipe;
}

// ---- Waiting ------------------------------------------------------------------------------------

pid_t wait_pid(pid_t pid, int* status, int options) {
  return retry_on_eintr([&] { return ::waitpid(pid, status, options); });
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd pfd{fd, POLLIN, 0};
  const auto ms = std::clamp<std::int64_t>(timeout.count(), 0, INT_MAX);
  return poll_retrying({&pfd, 1}, static_cast<int>(ms)) > 0;
}

std::optional<std::uint64_t> process_start_time(pid_t pid) {
  if (auto stat = read_proc_stat(pid)) {
    return stat->start_time;
  }
  return std::nullopt;
}

bool process_alive(pid_t pid, std::uint64_t start_time) {
  if (pid <= 0) {
    return false;
  }
  auto stat = read_proc_stat(pid);
  if (!stat || stat->state == 'Z' || stat->state == 'X') {
    return false;
  }
  return start_time == 0 || stat->start_time == start_time;
}

std::int64_t monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

} // namespace reprise
