#include "run/run_ledger.hpp"

#include "base/fd.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reprise {

namespace {

using Json = nlohmann::ordered_json;

Result<void> append_line(const std::string& path, const Json& line) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return fail(ErrorCode::cannot_write, std::strerror(errno), path);
  }
  // One write per line: O_APPEND keeps records whole even if another process appended meanwhile.
  const std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  if (!write_all(fd.get(), text)) {
    return fail(ErrorCode::cannot_write, std::strerror(errno), path);
  }
  return {};
}

std::vector<Json> read_lines(const std::string& path) {
  std::vector<Json> lines;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return lines;
  }
  auto text = read_to_end(fd.get());
  if (!text) {
    return lines;
  }
  std::size_t start = 0;
  while (start < text->size()) {
    std::size_t end = text->find('\n', start);
    if (end == std::string::npos) {
      break; // an unterminated last line is a crash mid-write
    }
    Json line = Json::parse(text->begin() + static_cast<std::ptrdiff_t>(start),
                            text->begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    if (line.is_object() && line.contains("attempt") && line["attempt"].is_number_integer()) {
      lines.push_back(std::move(line));
    }
    start = end + 1;
  }
  return lines;
}

Json exit_to_json(const ExitStatus& exit) {
  if (exit.kind == ExitStatus::Kind::signalled) {
    return Json{{"signal", exit.value}, {"signal_name", signal_name(exit.value)}};
  }
  return Json{{"code", exit.value}};
}

template <typename T> T get_or(const Json& object, const char* key, T fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return fallback;
  }
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    return fallback;
  }
}

} // namespace

int next_attempt(const std::string& state_dir, const std::string& worker_id) {
  int highest = 0;
  for (const Json& line : read_lines(ledger_path(state_dir, worker_id))) {
    highest = std::max(highest, line["attempt"].get<int>());
  }
  return highest + 1;
}

Result<void> record_start(const std::string& state_dir, const std::string& worker_id,
                          const AttemptStart& start) {
  Json line = {{"event", "start"},
               {"attempt", start.attempt},
               {"supervisor_pid", start.supervisor_pid},
               {"supervisor_start", start.supervisor_start},
               {"child_pid", start.child_pid},
               {"child_start", start.child_start},
               {"started_ms", start.started_ms},
               {"log_out", start.log_out},
               {"log_err", start.log_err},
               {"plan_hash", start.plan_hash},
               {"argv", start.argv},
               {"detached", start.detached}};
  return append_line(ledger_path(state_dir, worker_id), line);
}

Result<void> record_end(const std::string& state_dir, const std::string& worker_id,
                        const AttemptEnd& end) {
  Json line = {{"event", "end"},
               {"attempt", end.attempt},
               {"status", end.status},
               {"exit", end.exit ? exit_to_json(*end.exit) : Json(nullptr)},
               {"timed_out", end.timed_out},
               {"finished_ms", end.finished_ms}};
  return append_line(ledger_path(state_dir, worker_id), line);
}

std::optional<AttemptStart> last_start(const std::string& state_dir, const std::string& worker_id) {
  std::optional<AttemptStart> last;
  for (const Json& line : read_lines(ledger_path(state_dir, worker_id))) {
    if (get_or<std::string>(line, "event", "") != "start") {
      continue;
    }
    AttemptStart start;
    start.attempt = line["attempt"].get<int>();
    start.supervisor_pid = get_or<pid_t>(line, "supervisor_pid", -1);
    start.supervisor_start = get_or<std::uint64_t>(line, "supervisor_start", 0);
    start.child_pid = get_or<pid_t>(line, "child_pid", -1);
    start.child_start = get_or<std::uint64_t>(line, "child_start", 0);
    start.started_ms = get_or<std::int64_t>(line, "started_ms", 0);
    start.log_out = get_or<std::string>(line, "log_out", "");
    start.log_err = get_or<std::string>(line, "log_err", "");
    start.plan_hash = get_or<std::string>(line, "plan_hash", "");
    start.argv = get_or<std::vector<std::string>>(line, "argv", {});
    start.detached = get_or<bool>(line, "detached", false);
    last = std::move(start);
  }
  return last;
}

std::optional<AttemptEnd> end_of(const std::string& state_dir, const std::string& worker_id,
                                 int attempt) {
  for (const Json& line : read_lines(ledger_path(state_dir, worker_id))) {
    if (get_or<std::string>(line, "event", "") != "end" || line["attempt"].get<int>() != attempt) {
      continue;
    }
    AttemptEnd end;
    end.attempt = attempt;
    end.status = get_or<std::string>(line, "status", "");
    end.timed_out = get_or<bool>(line, "timed_out", false);
    end.finished_ms = get_or<std::int64_t>(line, "finished_ms", 0);
    if (auto it = line.find("exit"); it != line.end() && it->is_object()) {
      if (it->contains("signal")) {
        end.exit = ExitStatus::signalled(get_or<int>(*it, "signal", 0));
      } else {
        end.exit = ExitStatus::exited(get_or<int>(*it, "code", 0));
      }
    }
    return end;
  }
  return std::nullopt;
}

std::string fnv1a_hex(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", hash);
}

} // namespace reprise
