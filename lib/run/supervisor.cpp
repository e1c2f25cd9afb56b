#include "run/supervisor.hpp"

#include "base/fd.hpp"
#include "base/io.hpp"
#include "run/signal_guard.hpp"
#include "snapshot/state_layout.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <poll.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace reprise {

namespace {

constexpr std::size_t k_copy_buffer = 64 * 1024;
constexpr std::size_t k_tail_bytes = 4096;
constexpr std::size_t k_stderr_tail_lines = 5;
constexpr int k_no_pidfd_tick_ms = 20;
// How long what is left of a finished child's group gets between SIGTERM and SIGKILL (at most),
// and how often it is looked at meanwhile.
constexpr std::chrono::milliseconds k_group_grace{2000};
constexpr int k_group_poll_ms = 10;

// One output stream of the child: the pipe we read, the log we write, where the tee goes.
struct Stream {
  Fd pipe;         // read end; closed at end of file
  Fd log;          // the attempt's log file
  int caller = -1; // -1: not teed
};

Result<Fd> open_log(const std::string& path) {
  if (auto made = make_private_dir(std::filesystem::path(path).parent_path().string()); !made) {
    return std::unexpected(made.error());
  }
  return open_private_file(path, O_WRONLY | O_CREAT | O_TRUNC);
}

// Copies what the pipe has to the log and the caller; false once the pipe is at end of file (or
// has nothing more, for a non-blocking drain).
bool pump(Stream& stream) {
  char buffer[k_copy_buffer];
  const ssize_t n = read_some(stream.pipe.get(), buffer, sizeof buffer);
  if (n <= 0) {
    if (n == 0 || errno != EAGAIN) {
      stream.pipe.close();
    }
    return false;
  }
  const std::string_view bytes(buffer, static_cast<std::size_t>(n));
  write_all(stream.log.get(), bytes);
  if (stream.caller >= 0 && !write_all(stream.caller, bytes)) {
    stream.caller = -1; // the caller went away (EPIPE): keep logging, stop teeing
  }
  return true;
}

void drain(Stream& stream) {
  while (stream.pipe.valid() && pump(stream)) {
  }
}

} // namespace

Result<std::vector<std::string>> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      ++i;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 < text.size()) {
        if (text[i + 1] != '\n') { // backslash-newline is a line continuation
          word += text[i + 1];
        }
        i += 2;
      } else {
        word += c;
        ++i;
      }
    } else if (c == '\'') {
      const std::size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return fail(ErrorCode::usage, fmt::format("unterminated single quote in '{}'", text));
      }
      word.append(text.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char d = text[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < text.size() &&
            std::string_view("\"\\$`\n").find(text[i + 1]) != std::string_view::npos) {
          if (text[i + 1] != '\n') {
            word += text[i + 1];
          }
          i += 2;
          continue;
        }
        word += d;
        ++i;
      }
      if (!closed) {
        return fail(ErrorCode::usage, fmt::format("unterminated double quote in '{}'", text));
      }
    } else {
      word += c;
      ++i;
    }
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  return words;
}

std::vector<std::string> substitute_placeholders(const std::vector<std::string>& argv,
                                                 const ChildContext& context) {
  const std::pair<std::string_view, const std::string*> words[] = {
      {"{snapshot}", &context.snapshot_path},
      {"{id}", &context.worker_id},
      {"{task}", &context.task},
      {"{result}", &context.result_path},
  };
  std::vector<std::string> out;
  out.reserve(argv.size());
  for (const std::string& arg : argv) {
    std::string result;
    std::size_t i = 0;
    while (i < arg.size()) {
      bool replaced = false;
      if (arg[i] == '{') {
        for (const auto& [word, value] : words) {
          if (std::string_view(arg).substr(i).starts_with(word)) {
            result += *value;
            i += word.size();
            replaced = true;
            break;
          }
        }
      }
      if (!replaced) {
        result += arg[i];
        ++i;
      }
    }
    out.push_back(std::move(result));
  }
  return out;
}

std::vector<std::string> child_environment(const ChildContext& context, char* const* caller) {
  std::vector<std::string> env;
  const auto set = [&env](std::string_view key, std::string_view value) {
    const std::string prefix = fmt::format("{}=", key);
    std::string entry = prefix + std::string(value);
    for (std::string& existing : env) {
      if (existing.starts_with(prefix)) {
        existing = std::move(entry);
        return;
      }
    }
    env.push_back(std::move(entry));
  };
  for (char* const* entry = caller; entry != nullptr && *entry != nullptr; ++entry) {
    env.emplace_back(*entry);
  }
  for (const auto& [key, value] : context.env) {
    set(key, value);
  }
  set("REPRISE_SNAPSHOT", context.snapshot_path);
  set("REPRISE_WORKER_ID", context.worker_id);
  set("REPRISE_TASK", context.task);
  set("REPRISE_ATTEMPT", std::to_string(context.attempt));
  set("REPRISE_RESULT", context.result_path);
  set("HARN_WORKER_STATE_DIR", context.state_dir);
  return env;
}

std::string tail_lines(const std::string& path, std::size_t max_lines) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return {};
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return {};
  }
  const off_t size = st.st_size;
  const off_t start = size > static_cast<off_t>(k_tail_bytes) ? size - k_tail_bytes : 0;
  if (::lseek(fd.get(), start, SEEK_SET) < 0) {
    return {};
  }
  auto text = read_to_end(fd.get());
  if (!text) {
    return {};
  }
  std::vector<std::string_view> lines;
  std::string_view rest(*text);
  if (start > 0) { // the first line is probably cut; drop it
    const std::size_t nl = rest.find('\n');
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  }
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
      line.remove_suffix(1);
    }
    if (!line.empty()) {
      lines.push_back(line);
    }
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  }
  const std::size_t first = lines.size() > max_lines ? lines.size() - max_lines : 0;
  std::string out;
  for (std::size_t i = first; i < lines.size(); ++i) {
    if (!out.empty()) {
      out += '\n';
    }
    out.append(lines[i]);
  }
  return out;
}

namespace {

// The real runner: posix_spawn, poll with the child's pidfd (a short tick where the kernel has
// none), kill(2) on the group and waitpid.
class PosixChildRunner final : public ChildRunner {
public:
  // `grace`: what the group gets between SIGTERM and SIGKILL if the supervisor dies.
  explicit PosixChildRunner(std::chrono::milliseconds grace) : m_grace(grace) {}

  Result<StartedChild> start(const SpawnRequest& request) override {
    auto spawned = spawn_process(request);
    if (!spawned) {
      return std::unexpected(spawned.error());
    }
    m_child = std::move(*spawned);
    m_group = m_child.pid();
    // A supervisor killed outright must not leave the group running unwatched. Without a watcher
    // (no process could be forked) the child is still supervised as usual.
    if (auto guard = GroupWatcher::watch(m_group, m_grace)) {
      m_guard = std::move(*guard);
    }
    return StartedChild{m_child.pid(), m_child.start_time()};
  }

  std::int64_t now_ms() override { return monotonic_ms(); }

  Result<bool> wait(std::vector<pollfd>& fds, std::int64_t timeout_ms) override {
    const bool has_pidfd = m_child.pidfd() >= 0;
    if (has_pidfd) {
      fds.push_back({m_child.pidfd(), POLLIN, 0});
    } else {
      timeout_ms = timeout_ms < 0 ? k_no_pidfd_tick_ms
                                  : std::min<std::int64_t>(timeout_ms, k_no_pidfd_tick_ms);
    }
    const int rc = poll_retrying(fds, static_cast<int>(timeout_ms));
    if (rc < 0) {
      return fail(ErrorCode::failed, fmt::format("poll: {}", std::strerror(errno)));
    }
    if (rc <= 0) {
      for (pollfd& fd : fds) {
        fd.revents = 0;
      }
    }
    bool child_ready = !has_pidfd;
    if (has_pidfd) {
      child_ready = fds.back().revents != 0;
      fds.pop_back();
    }
    return child_ready;
  }

  void signal_group(int signal) override {
    if (m_group > 0) {
      ::kill(-m_group, signal);
    }
  }

  void end_group(std::chrono::milliseconds grace) override {
    const auto group_alive = [this] { return m_group > 0 && ::kill(-m_group, 0) == 0; };
    if (!group_alive()) {
      return;
    }
    signal_group(SIGTERM);
    signal_group(SIGCONT);
    const std::int64_t deadline = monotonic_ms() + grace.count();
    while (group_alive() && monotonic_ms() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(k_group_poll_ms));
    }
    if (group_alive()) {
      signal_group(SIGKILL);
    }
  }

  Result<std::optional<ExitStatus>> try_wait() override { return m_child.try_wait(); }

  int received_signal() override { return SignalGuard::received(); }

private:
  std::chrono::milliseconds m_grace;
  Child m_child;        // killed and reaped on destruction if never waited for
  pid_t m_group = -1;   // the child's process group, kept after the child is reaped
  GroupWatcher m_guard; // released (before m_child goes) once supervise() is done with the group
};

// One supervised run, cut into the steps supervise() takes: start the child, watch it (copy its
// output, wait for an event or a deadline), act on a forwarded signal, a timeout or the end of
// the grace period, and finish with the outcome.
class Supervision {
public:
  Supervision(const SuperviseRequest& request, ChildRunner& runner)
      : m_request(request), m_runner(runner), m_watch_signals(request.signal_fd >= 0) {}

  Result<SuperviseOutcome> run() {
    if (auto started = start(); !started) {
      return std::unexpected(started.error());
    }
    std::optional<ExitStatus> exit;
    while (!exit) {
      auto watched = watch();
      if (!watched) {
        return std::unexpected(watched.error());
      }
      exit = *watched;
    }
    return finish(*exit);
  }

private:
  // Opens the logs and the pipes, spawns the child and reports it started.
  Result<void> start() {
    auto log_out = open_log(m_request.log_out);
    if (!log_out) {
      return std::unexpected(log_out.error());
    }
    auto log_err = open_log(m_request.log_err);
    if (!log_err) {
      return std::unexpected(log_err.error());
    }
    SpawnRequest spawn;
    spawn.argv = m_request.argv;
    spawn.env = m_request.env;
    spawn.cwd = m_request.cwd;
    Pipe out_pipe;
    Pipe err_pipe;
    if (m_request.tee == Tee::to_caller) {
      auto made_out = make_pipe(ReadEnd::nonblocking);
      auto made_err = make_pipe(ReadEnd::nonblocking);
      if (!made_out || !made_err) {
        return std::unexpected(!made_out ? made_out.error() : made_err.error());
      }
      out_pipe = std::move(*made_out);
      err_pipe = std::move(*made_err);
      spawn.stdout_fd = out_pipe.write.get();
      spawn.stderr_fd = err_pipe.write.get();
    } else {
      // Detached: the child writes its logs directly; nothing to copy.
      spawn.stdout_fd = log_out->get();
      spawn.stderr_fd = log_err->get();
    }

    m_started = m_runner.now_ms();
    auto started = m_runner.start(spawn);
    if (!started) {
      write_all(log_err->get(), fmt::format("reprise: {}\n", started.error().message));
      return std::unexpected(started.error());
    }
    // Our copies of the write ends must go, or the pipes would never report end of file.
    out_pipe.write.close();
    err_pipe.write.close();
    m_out = Stream{std::move(out_pipe.read), std::move(*log_out), m_request.caller_out};
    m_err = Stream{std::move(err_pipe.read), std::move(*log_err), m_request.caller_err};
    if (m_request.timeout) {
      m_timeout_at = m_started + m_request.timeout->count();
    }
    if (m_request.on_started) {
      m_request.on_started(*started);
    }
    return {};
  }

  // One round: waits for output, the child's end, a signal or the next deadline, copies the
  // output, acts on what came, and reaps the child once it ended.
  Result<std::optional<ExitStatus>> watch() {
    std::vector<pollfd> fds;
    enum Slot { slot_out, slot_err, slot_signal };
    std::vector<Slot> slots;
    if (m_out.pipe.valid()) {
      fds.push_back({m_out.pipe.get(), POLLIN, 0});
      slots.push_back(slot_out);
    }
    if (m_err.pipe.valid()) {
      fds.push_back({m_err.pipe.get(), POLLIN, 0});
      slots.push_back(slot_err);
    }
    if (m_watch_signals) {
      fds.push_back({m_request.signal_fd, POLLIN, 0});
      slots.push_back(slot_signal);
    }
    auto child_ready = m_runner.wait(fds, wait_ms());
    if (!child_ready) {
      return std::unexpected(child_ready.error());
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      switch (slots[i]) {
      case slot_out:
        pump(m_out);
        break;
      case slot_err:
        pump(m_err);
        break;
      case slot_signal:
        m_watch_signals = false; // the byte stays in the pipe; act once
        m_outcome.forwarded_signal = m_runner.received_signal();
        break;
      }
    }
    if (m_outcome.forwarded_signal != 0) {
      on_signal(m_outcome.forwarded_signal);
    }
    const std::int64_t now = m_runner.now_ms();
    if (m_timeout_at && now >= *m_timeout_at && !m_outcome.timed_out) {
      on_timeout();
    }
    if (m_kill_at && now >= *m_kill_at) {
      on_grace_over();
    }
    if (!*child_ready) {
      return std::optional<ExitStatus>{};
    }
    return m_runner.try_wait();
  }

  // How long the next wait may last: until the nearest deadline, or without limit (-1).
  std::int64_t wait_ms() {
    std::int64_t wait = -1;
    const std::int64_t now = m_runner.now_ms();
    for (const auto& deadline : {m_timeout_at, m_kill_at}) {
      if (deadline) {
        const std::int64_t left = std::max<std::int64_t>(0, *deadline - now);
        wait = wait < 0 ? left : std::min(wait, left);
      }
    }
    return wait;
  }

  // Reprise received a termination signal: forward it to the group, unless the group is already
  // being terminated.
  void on_signal(int signal) {
    if (!m_kill_at && !m_killed) {
      escalate(signal);
    }
  }

  // --timeout expired: SIGTERM to the group, SIGKILL after --kill-after.
  void on_timeout() {
    m_outcome.timed_out = true;
    m_timeout_at.reset();
    escalate(SIGTERM);
  }

  // The group had its --kill-after grace and still runs: SIGKILL.
  void on_grace_over() {
    m_runner.signal_group(SIGKILL);
    m_killed = true;
    m_kill_at.reset();
  }

  // Sends `signal` to the group and starts the grace period before SIGKILL.
  void escalate(int signal) {
    m_runner.signal_group(signal);
    m_runner.signal_group(SIGCONT); // a stopped (suspended) group must run to act on it
    if (!m_kill_at && !m_killed) {
      m_kill_at = m_runner.now_ms() + m_request.kill_after.count();
    }
  }

  // The child ended: copies what is left in the pipes, ends what is left of a terminated group
  // and fills in the outcome.
  SuperviseOutcome finish(ExitStatus exit) {
    drain(m_out);
    drain(m_err);
    if (m_outcome.timed_out || m_outcome.forwarded_signal != 0) {
      // Whatever is left of the group goes too: a timed-out run must not linger.
      m_runner.signal_group(SIGKILL);
    } else if (!m_request.keep_group) {
      // The attempt is over: background helpers the child left in its group end with it.
      m_runner.end_group(std::min(m_request.kill_after, k_group_grace));
    }
    m_outcome.exit = exit;
    m_outcome.duration_ms = m_runner.now_ms() - m_started;
    m_outcome.stderr_tail = tail_lines(m_request.log_err, k_stderr_tail_lines);
    return std::move(m_outcome);
  }

  const SuperviseRequest& m_request;
  ChildRunner& m_runner;
  Stream m_out;
  Stream m_err;
  SuperviseOutcome m_outcome;
  std::int64_t m_started = 0;               // the runner's clock when the child was spawned
  std::optional<std::int64_t> m_timeout_at; // when --timeout expires; empty once it did
  std::optional<std::int64_t> m_kill_at;    // when the grace period ends; empty when none runs
  bool m_killed = false;                    // SIGKILL sent to the group
  bool m_watch_signals = false;             // the signal fd is watched until it fired once
};

} // namespace

Result<SuperviseOutcome> supervise(const SuperviseRequest& request, ChildRunner& runner) {
  return Supervision(request, runner).run();
}

Result<SuperviseOutcome> supervise(const SuperviseRequest& request) {
  PosixChildRunner runner(std::min(request.kill_after, k_group_grace));
  return supervise(request, runner);
}

} // namespace reprise
