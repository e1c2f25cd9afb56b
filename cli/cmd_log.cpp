// `reprise log TARGET [--json] [--patch]`: a worker's timeline of versions and attempts.
#include "base/duration.hpp"
#include "base/exit_code.hpp"
#include "base/text.hpp"
#include "base/uuid7.hpp"
#include "commands.hpp"
#include "diff/diff.hpp"
#include "diff/diff_format.hpp"
#include "output.hpp"
#include "run/timeline.hpp"
#include "targets.hpp"
#include "terminal.hpp"

#include "json/json_node.hpp"
#include "json/redact.hpp"
#include <chrono>
#include <cstdio>
#include <fmt/color.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace reprise::cli {

namespace {

using Json = nlohmann::ordered_json;

struct LogOptions {
  std::string target;
  std::string name;
  bool json = false;
  bool patch = false;
  bool show_secrets = false;
};

std::string when_text(const std::optional<std::int64_t>& ms) {
  if (!ms) {
    return "-";
  }
  std::string text = format_millis_utc(*ms).substr(0, 19);
  text[10] = ' ';
  return text;
}

std::string bytes_text(std::uint64_t bytes) {
  if (bytes >= 1000 * 1000) {
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
  }
  if (bytes >= 1000) {
    return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
  }
  return fmt::format("{} B", bytes);
}

std::string change_text(std::int64_t change) {
  const std::uint64_t magnitude = static_cast<std::uint64_t>(change < 0 ? -change : change);
  return fmt::format("{}{}", change < 0 ? "-" : "+", bytes_text(magnitude));
}

// "relaunch (attempt 3 started)", "finish (attempt 3 ended)", "restore of version 2", …
std::string writer_text(const TimelineVersion& v) {
  if (v.written_by.empty()) {
    return v.number == 1 || !v.written_ms ? "written outside reprise (or history pruned)" : "?";
  }
  if (v.written_by == "finish") {
    return fmt::format("attempt {} ended", v.attempt);
  }
  if ((v.written_by == "relaunch" || v.written_by == "resume") && v.attempt > 0) {
    return fmt::format("{} (attempt {} started from it)", v.written_by, v.attempt);
  }
  if (v.written_by == "restore" && v.restored > 0) {
    return fmt::format("restore of version {}", v.restored);
  }
  return v.written_by;
}

std::string exit_text(const AttemptEnd& end) {
  if (!end.exit) {
    return "did not start";
  }
  if (end.exit->kind == ExitStatus::Kind::signalled) {
    return fmt::format("killed by {}", signal_name(end.exit->value));
  }
  return fmt::format("exit {}", end.exit->value);
}

Json version_json(const TimelineVersion& v, const std::optional<std::int64_t>& when) {
  Json out = {{"kind", "version"}, {"version", v.number}, {"current", v.current}};
  out["written_ms"] = v.written_ms ? Json(*v.written_ms) : Json(nullptr);
  out["written_at"] = when ? Json(format_millis_utc(*when)) : Json(nullptr);
  out["written_by"] = v.written_by.empty() ? Json(nullptr) : Json(v.written_by);
  out["attempt"] = v.attempt > 0 ? Json(v.attempt) : Json(nullptr);
  out["restored"] = v.restored > 0 ? Json(v.restored) : Json(nullptr);
  out["status"] = v.status.empty() ? Json(nullptr) : Json(v.status);
  out["previous_status"] = v.previous_status.empty() ? Json(nullptr) : Json(v.previous_status);
  out["task"] = v.task;
  out["size"] = v.size ? Json(*v.size) : Json(nullptr);
  out["change"] = v.change ? Json(*v.change) : Json(nullptr);
  out["storage"] = v.storage;
  out["stored_bytes"] = v.stored_bytes;
  return out;
}

Json attempt_json(const AttemptRecord& record) {
  Json out = {{"kind", "attempt"}, {"attempt", record.attempt}};
  const AttemptStart* start = record.start ? &*record.start : nullptr;
  const AttemptEnd* end = record.end ? &*record.end : nullptr;
  out["started_ms"] = start ? Json(start->started_ms) : Json(nullptr);
  out["finished_ms"] = end ? Json(end->finished_ms) : Json(nullptr);
  out["duration_ms"] = start && end ? Json(end->finished_ms - start->started_ms) : Json(nullptr);
  out["status"] = end ? Json(end->status) : Json("running");
  Json exit = nullptr;
  if (end && end->exit) {
    exit = end->exit->kind == ExitStatus::Kind::signalled
               ? Json{{"signal", end->exit->value}, {"signal_name", signal_name(end->exit->value)}}
               : Json{{"code", end->exit->value}};
  }
  out["exit"] = exit;
  out["timed_out"] = end ? end->timed_out : false;
  out["log_out"] = start ? Json(start->log_out) : Json(nullptr);
  out["log_err"] = start ? Json(start->log_err) : Json(nullptr);
  out["argv"] = start ? Json(start->argv) : Json(nullptr);
  out["detached"] = start ? start->detached : false;
  return out;
}

// The text diff from version `number - 1` to `number` of the target, indented under its entry.
void print_patch(const Target& target, std::uint64_t number, bool current, Color color,
                 bool show_secrets) {
  Target before = target;
  before.revision = std::to_string(number - 1);
  Target after = target;
  after.revision = current ? std::string() : std::to_string(number);
  auto a = read_target_document(before);
  auto b = read_target_document(after);
  if (!a || !b) {
    fmt::print("    (no diff: {})\n", (!a ? a.error() : b.error()).message);
    return;
  }
  auto diff = diff_documents(*a, *b, DiffOptions{});
  if (!diff) {
    fmt::print("    (no diff: {})\n", diff.error().message);
    return;
  }
  StringSink text;
  write_diff_text(*diff, color, text);
  std::string out;
  std::size_t start = 0;
  const std::string s = show_secrets ? text.str() : redact::mask_text(text.str());
  while (start < s.size()) {
    const std::size_t end = s.find('\n', start);
    const std::size_t stop = end == std::string::npos ? s.size() : end;
    out += "    " + s.substr(start, stop - start) + "\n";
    start = stop + 1;
  }
  fmt::print("{}", out.empty() ? "    (no differences)\n" : out);
}

int run_log(const LogOptions& options, const GlobalOptions& global) {
  auto target = target_or_name(options.target, options.name, global);
  if (!target) {
    return report_error(target.error(), options.json);
  }
  if (target->is_stdin) {
    return report_error(Error::usage("log needs a worker, not standard input"), options.json);
  }
  if (auto refused = refuse_revision(*target, "log"); !refused) {
    return report_error(refused.error(), options.json);
  }
  if (::access(target->path.c_str(), F_OK) != 0) {
    return report_error(Error::not_found("no such worker snapshot", target->path), options.json);
  }
  const std::vector<TimelineEntry> entries = worker_timeline(target->path);
  if (options.json) {
    Json array = Json::array();
    for (const TimelineEntry& entry : entries) {
      array.push_back(entry.version ? version_json(*entry.version, entry.when_ms)
                                    : attempt_json(*entry.attempt));
    }
    print_result(array);
    return exit_code::k_success;
  }
  const bool color = global.use_color(STDOUT_FILENO);
  start_pager(global);
  for (const TimelineEntry& entry : entries) {
    if (entry.version) {
      const TimelineVersion& v = *entry.version;
      std::string head = fmt::format("version {}{}", v.number, v.current ? " (current)" : "");
      fmt::print("{}  {}  {}\n",
                 color ? fmt::format(fmt::fg(fmt::terminal_color::yellow), "{}", head) : head,
                 when_text(entry.when_ms), writer_text(v));
      std::string status = v.status.empty() ? "?" : v.status;
      if (!v.previous_status.empty() && v.previous_status != v.status) {
        status = fmt::format("{} -> {}", v.previous_status, status);
      }
      // Text from the snapshot never drives the terminal: control characters are escaped.
      fmt::print("    status {}  task \"{}\"\n", escape_control(status, false),
                 escape_control(
                     options.show_secrets ? v.task : redact::redact_string(v.task).value_or(v.task),
                     false));
      std::string size = v.size ? bytes_text(*v.size) : "?";
      if (v.change) {
        size += fmt::format(" ({})", change_text(*v.change));
      }
      if (!v.current) {
        size += fmt::format(", stored as {} {}", v.storage, bytes_text(v.stored_bytes));
      }
      fmt::print("    size {}\n", size);
      if (options.patch && v.number > 1) {
        print_patch(*target, v.number, v.current,
                    global.use_color(STDOUT_FILENO) ? Color::on : Color::off, options.show_secrets);
      }
    } else {
      const AttemptRecord& a = *entry.attempt;
      const std::string head = fmt::format("attempt {}", a.attempt);
      std::string result = "running";
      if (a.end) {
        result = fmt::format("{}, {}{}", a.end->status, exit_text(*a.end),
                             a.end->timed_out ? " (timed out)" : "");
        if (a.start) {
          result += fmt::format(", {}", format_duration(std::chrono::milliseconds(
                                            a.end->finished_ms - a.start->started_ms)));
        }
      }
      fmt::print("{}  {}  {}\n",
                 color ? fmt::format(fmt::fg(fmt::terminal_color::cyan), "{}", head) : head,
                 when_text(entry.when_ms), result);
      if (a.start) {
        fmt::print("    logs {} {}\n", a.start->log_out, a.start->log_err);
      }
    }
  }
  return exit_code::k_success;
}

} // namespace

Command setup_log(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<LogOptions>();
  CLI::App* app = root.add_subcommand(
      "log", "A worker's timeline, newest first: every version kept and every attempt");
  app->add_option("target", options->target, "Worker id (or a unique prefix) or snapshot path");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  app->add_flag("--json", options->json,
                "Print the timeline as JSON (an envelope; data: an array, newest first)");
  app->add_flag("--patch", options->patch, "Show each version as a diff against the one before");
  app->add_flag("--show-secrets", options->show_secrets,
                "Show secret-looking values instead of masking them (text output)");
  app->footer("Versions are named ID@N (reprise show, diff, restore accept them).\n\n"
              "Examples:\n"
              "  reprise log worker_demo\n"
              "  reprise log worker_demo --patch\n"
              "  reprise log worker_demo --json | jq '.data[] | select(.kind == \"attempt\")'\n\n"
              "Exit status:\n"
              "  0   the timeline was printed\n"
              "  2   bad option, standard input, or a TARGET@REV (log shows them all)\n"
              "  66  no such TARGET");
  return {app, [options, &global] { return run_log(*options, global); }};
}

} // namespace reprise::cli
