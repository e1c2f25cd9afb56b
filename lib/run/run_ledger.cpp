#include "run/run_ledger.hpp"

#include "base/atomic_file.hpp"
#include "base/fd.hpp"
#include "base/input_file.hpp"
#include "base/io.hpp"
#include "snapshot/state_layout.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace reprise {

namespace {

using Json = nlohmann::ordered_json;

Result<void> append_line(const std::string& path, const Json& line) {
  if (auto made = make_private_dir(std::filesystem::path(path).parent_path().string()); !made) {
    return std::unexpected(made.error());
  }
  auto fd = open_private_file(path, O_WRONLY | O_APPEND | O_CREAT);
  if (!fd) {
    return std::unexpected(fd.error());
  }
  // One write per line: O_APPEND keeps records whole even if another process appended meanwhile.
  const std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  if (!write_all(fd->get(), text)) {
    return fail(ErrorCode::cannot_write, std::strerror(errno), path);
  }
  return {};
}

std::vector<Json> read_lines(const std::string& path) {
  std::vector<Json> lines;
  auto input = open_input_file(path);
  if (!input) {
    return lines;
  }
  auto text = read_to_end(input->fd.get());
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

namespace {

AttemptStart start_of(const Json& line) {
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
  return start;
}

AttemptEnd parse_end(const Json& line) {
  AttemptEnd end;
  end.attempt = line["attempt"].get<int>();
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

} // namespace

std::optional<AttemptStart> last_start(const std::string& state_dir, const std::string& worker_id) {
  std::optional<AttemptStart> last;
  for (const Json& line : read_lines(ledger_path(state_dir, worker_id))) {
    if (get_or<std::string>(line, "event", "") == "start") {
      last = start_of(line);
    }
  }
  return last;
}

std::vector<AttemptRecord> read_attempts(const std::string& state_dir,
                                         const std::string& worker_id) {
  std::map<int, AttemptRecord> records;
  for (const Json& line : read_lines(ledger_path(state_dir, worker_id))) {
    const int attempt = line["attempt"].get<int>();
    AttemptRecord& record = records[attempt];
    record.attempt = attempt;
    const std::string event = get_or<std::string>(line, "event", "");
    if (event == "start") {
      record.start = start_of(line);
    } else if (event == "end") {
      record.end = parse_end(line);
    }
  }
  std::vector<AttemptRecord> out;
  for (auto& [attempt, record] : records) {
    out.push_back(std::move(record));
  }
  return out;
}

Result<AttemptPruneReport> prune_attempts(const std::string& state_dir,
                                          const std::string& worker_id,
                                          std::optional<std::size_t> keep,
                                          std::optional<std::int64_t> cutoff_ms) {
  AttemptPruneReport report;
  const std::vector<AttemptRecord> records = read_attempts(state_dir, worker_id);
  if (records.empty()) {
    return report;
  }
  const int newest = records.back().attempt;
  std::set<int> doomed;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const AttemptRecord& record = records[i];
    if (!record.end || record.attempt == newest) {
      continue;
    }
    const bool beyond_keep = keep && records.size() - i > *keep;
    const bool too_old = cutoff_ms && record.end->finished_ms < *cutoff_ms;
    if (beyond_keep || too_old) {
      doomed.insert(record.attempt);
    }
  }
  if (doomed.empty()) {
    return report;
  }
  // The ledger first (atomically), then the files it no longer names.
  const std::string path = ledger_path(state_dir, worker_id);
  std::string text;
  for (const Json& line : read_lines(path)) {
    if (!doomed.contains(line["attempt"].get<int>())) {
      text += line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    }
  }
  if (auto written = write_file_atomically(path, text); !written) {
    return std::unexpected(written.error());
  }
  for (const int attempt : doomed) {
    for (const std::string& file : {attempt_log_path(state_dir, worker_id, attempt, "out"),
                                    attempt_log_path(state_dir, worker_id, attempt, "err"),
                                    attempt_result_path(state_dir, worker_id, attempt),
                                    attempt_snapshot_path(state_dir, worker_id, attempt)}) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(file, ec);
      if (!ec && std::filesystem::remove(file, ec)) {
        report.bytes += size;
      }
    }
    ++report.attempts;
  }
  return report;
}

std::optional<AttemptEnd> end_of(const std::string& state_dir, const std::string& worker_id,
                                 int attempt) {
  // The last end record of the attempt wins: a later one corrects an outcome that could not be
  // written to the snapshot (as read_attempts reads them).
  std::optional<AttemptEnd> end;
  for (const Json& line : read_lines(ledger_path(state_dir, worker_id))) {
    if (get_or<std::string>(line, "event", "") == "end" && line["attempt"].get<int>() == attempt) {
      end = parse_end(line);
    }
  }
  return end;
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
