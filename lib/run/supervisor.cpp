#include "run/supervisor.hpp"

#include "base/fd.hpp"
#include "base/io.hpp"
#include "run/signal_guard.hpp"

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
#include <unistd.h>

namespace reprise {

namespace {

constexpr std::size_t k_copy_buffer = 64 * 1024;
constexpr std::size_t k_tail_bytes = 4096;
constexpr std::size_t k_stderr_tail_lines = 5;
constexpr int k_no_pidfd_tick_ms = 20;

// One output stream of the child: the pipe we read, the log we write, where the tee goes.
struct Stream {
  Fd pipe;         // read end; closed at end of file
  Fd log;          // the attempt's log file
  int caller = -1; // -1: not teed
};

Result<Fd> open_log(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return fail(ErrorCode::cannot_write, fmt::format("cannot open log: {}", std::strerror(errno)),
                path);
  }
  return fd;
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

Result<SuperviseOutcome> supervise(const SuperviseRequest& request) {
  auto log_out = open_log(request.log_out);
  if (!log_out) {
    return std::unexpected(log_out.error());
  }
  auto log_err = open_log(request.log_err);
  if (!log_err) {
    return std::unexpected(log_err.error());
  }

  SpawnRequest spawn;
  spawn.argv = request.argv;
  spawn.env = request.env;
  spawn.cwd = request.cwd;
  Stream out;
  Stream err;
  Pipe out_pipe;
  Pipe err_pipe;
  if (request.tee == Tee::to_caller) {
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

  const std::int64_t started = monotonic_ms();
  auto spawned = spawn_process(spawn);
  if (!spawned) {
    write_all(log_err->get(), fmt::format("reprise: {}\n", spawned.error().message));
    return std::unexpected(spawned.error());
  }
  Child child = std::move(*spawned);
  const pid_t group = child.pid();
  // Our copies of the write ends must go, or the pipes would never report end of file.
  out_pipe.write.close();
  err_pipe.write.close();
  out = Stream{std::move(out_pipe.read), std::move(*log_out), request.caller_out};
  err = Stream{std::move(err_pipe.read), std::move(*log_err), request.caller_err};
  if (request.on_started) {
    request.on_started(child);
  }

  SuperviseOutcome outcome;
  std::optional<std::int64_t> timeout_at;
  if (request.timeout) {
    timeout_at = started + request.timeout->count();
  }
  std::optional<std::int64_t> kill_at;
  bool killed = false; // SIGKILL sent to the group
  bool watch_signals = request.signal_fd >= 0;
  const auto escalate = [&](int signal) {
    child.signal_group(signal);
    child.signal_group(SIGCONT); // a stopped (suspended) group must run to act on it
    if (!kill_at && !killed) {
      kill_at = monotonic_ms() + request.kill_after.count();
    }
  };

  std::optional<ExitStatus> exit;
  while (!exit) {
    std::vector<pollfd> fds;
    enum Slot { slot_out, slot_err, slot_child, slot_signal };
    std::vector<Slot> slots;
    if (out.pipe.valid()) {
      fds.push_back({out.pipe.get(), POLLIN, 0});
      slots.push_back(slot_out);
    }
    if (err.pipe.valid()) {
      fds.push_back({err.pipe.get(), POLLIN, 0});
      slots.push_back(slot_err);
    }
    if (child.pidfd() >= 0) {
      fds.push_back({child.pidfd(), POLLIN, 0});
      slots.push_back(slot_child);
    }
    if (watch_signals) {
      fds.push_back({request.signal_fd, POLLIN, 0});
      slots.push_back(slot_signal);
    }
    std::int64_t wait_ms = -1;
    const std::int64_t now = monotonic_ms();
    for (const auto& deadline : {timeout_at, kill_at}) {
      if (deadline) {
        const std::int64_t left = std::max<std::int64_t>(0, *deadline - now);
        wait_ms = wait_ms < 0 ? left : std::min(wait_ms, left);
      }
    }
    if (child.pidfd() < 0) {
      wait_ms =
          wait_ms < 0 ? k_no_pidfd_tick_ms : std::min<std::int64_t>(wait_ms, k_no_pidfd_tick_ms);
    }
    const int rc = poll_retrying(fds, static_cast<int>(wait_ms));
    if (rc < 0) {
      return fail(ErrorCode::failed, fmt::format("poll: {}", std::strerror(errno)));
    }
    bool child_ready = child.pidfd() < 0;
    for (std::size_t i = 0; rc > 0 && i < fds.size(); ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      switch (slots[i]) {
      case slot_out:
        pump(out);
        break;
      case slot_err:
        pump(err);
        break;
      case slot_child:
        child_ready = true;
        break;
      case slot_signal:
        watch_signals = false; // the byte stays in the pipe; act once
        outcome.forwarded_signal = SignalGuard::received();
        break;
      }
    }
    if (outcome.forwarded_signal != 0 && !kill_at && !killed) {
      escalate(outcome.forwarded_signal);
    }
    const std::int64_t after = monotonic_ms();
    if (timeout_at && after >= *timeout_at && !outcome.timed_out) {
      outcome.timed_out = true;
      timeout_at.reset();
      escalate(SIGTERM);
    }
    if (kill_at && after >= *kill_at) {
      child.signal_group(SIGKILL);
      killed = true;
      kill_at.reset();
    }
    if (child_ready) {
      auto waited = child.try_wait();
      if (!waited) {
        return std::unexpected(waited.error());
      }
      exit = *waited;
    }
  }
  // What the child wrote before it ended is still in the pipes.
  drain(out);
  drain(err);
  if (outcome.timed_out || outcome.forwarded_signal != 0) {
    // Whatever is left of the group goes too: a timed-out run must not linger.
    ::kill(-group, SIGKILL);
  }
  outcome.exit = *exit;
  outcome.duration_ms = monotonic_ms() - started;
  outcome.stderr_tail = tail_lines(request.log_err, k_stderr_tail_lines);
  return outcome;
}

} // namespace reprise
