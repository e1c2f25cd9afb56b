// `reprise list [DIR] [--status S]... [--mode M]... [--json|--jsonl|--ids]`: one row per snapshot.
#include "base/duration.hpp"
#include "base/exit_code.hpp"
#include "base/text.hpp"
#include "base/uuid7.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/worker_lock.hpp"
#include "run/worker_summary.hpp"
#include "snapshot/snapshot_peek.hpp"
#include "snapshot/state_dir.hpp"
#include "snapshot/worker_status.hpp"
#include "targets.hpp"
#include "terminal.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <fmt/color.h>
#include <fmt/format.h>
#include <fnmatch.h>
#include <nlohmann/json.hpp>
#include <span>
#include <unistd.h>
#include <vector>

namespace reprise::cli {

namespace {

constexpr std::size_t k_task_width = 40;
constexpr std::size_t k_error_width = 48;

enum class ListFormat { table, json, jsonl, ids };

struct ListOptions {
  std::string dir;
  std::vector<std::string> statuses;
  std::vector<std::string> modes;
  bool json = false;
  bool jsonl = false;
  bool ids = false;
  bool null_separated = false;    // -0
  std::string since;              // --since DUR: started within DUR
  std::vector<std::string> names; // --name GLOB (repeatable)
  std::string sort;               // --sort FIELD, '-' in front for descending
  bool no_headers = false;
};

// The statuses harn writes (plus the states of files that are not snapshots); a value seen in the
// listed snapshots is accepted too.
constexpr std::array<std::string_view, 10> k_statuses = {
    "running",   "awaiting",    "suspended", "completed", "failed",
    "cancelled", "interrupted", "stopped",   "invalid",   "unreadable"};
constexpr std::array<std::string_view, 3> k_modes = {"workflow", "stage", "sub_agent"};
constexpr std::array<std::string_view, 7> k_sort_fields = {"id",   "name",    "status", "mode",
                                                           "task", "started", "age"};

// One listed snapshot with what the table and JSON show.
struct Row {
  SnapshotPeek peek;
  std::optional<pid_t> owner_pid;
  std::optional<std::int64_t> started_ms;
  std::optional<std::int64_t> age_ms;
};

// The status a row is filtered and shown by: the peeked status, or the file's state.
std::string_view row_status(const Row& row) {
  switch (row.peek.state) {
  case PeekState::ok:
    return row.peek.status;
  case PeekState::invalid:
    return "invalid";
  case PeekState::unreadable:
    return "unreadable";
  }
  return "invalid";
}

bool selected(const Row& row, const ListOptions& options,
              std::optional<std::chrono::milliseconds> since) {
  auto matches = [](const std::vector<std::string>& wanted, std::string_view value) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
  };
  const bool ok = row.peek.state == PeekState::ok;
  if (!options.names.empty()) {
    const bool named =
        ok && std::any_of(options.names.begin(), options.names.end(), [&](const std::string& glob) {
          return ::fnmatch(glob.c_str(), row.peek.name.c_str(), 0) == 0;
        });
    if (!named) {
      return false;
    }
  }
  if (since && !(row.age_ms && *row.age_ms <= since->count())) {
    return false;
  }
  return matches(options.statuses, row_status(row)) &&
         (options.modes.empty() || (ok && matches(options.modes, row.peek.mode)));
}

// A usage error for a --status or --mode value that no snapshot can have: one harn does not write
// and that no listed snapshot has.
Result<void> check_values(const std::vector<std::string>& wanted, const char* option,
                          std::span<const std::string_view> known,
                          const std::vector<std::string>& seen) {
  for (const std::string& value : wanted) {
    if (std::find(known.begin(), known.end(), value) != known.end() ||
        std::find(seen.begin(), seen.end(), value) != seen.end()) {
      continue;
    }
    std::string list;
    for (std::string_view k : known) {
      list += fmt::format("{}{}", list.empty() ? "" : ", ", k);
    }
    return fail(ErrorCode::usage,
                fmt::format("unknown {} value '{}' (one of: {})", option, value, list));
  }
  return {};
}

// The value rows sort by for `field`.
std::string sort_key(const Row& row, std::string_view field) {
  const SnapshotPeek& peek = row.peek;
  if (field == "id") {
    return peek.id.empty() ? worker_key_for_snapshot(peek.path) : peek.id;
  }
  if (field == "name") {
    return peek.name;
  }
  if (field == "status") {
    return std::string(row_status(row));
  }
  if (field == "mode") {
    return peek.mode;
  }
  if (field == "task") {
    return peek.task;
  }
  // started / age: by the start time (age sorts the other way round)
  return row.started_ms ? fmt::format("{:020}", *row.started_ms) : std::string();
}

const char* state_name(PeekState state) {
  switch (state) {
  case PeekState::ok:
    return "ok";
  case PeekState::invalid:
    return "invalid";
  case PeekState::unreadable:
    return "unreadable";
  }
  return "invalid";
}

// The problem of an invalid or unreadable row without the file name (the row names it).
std::string problem(const SnapshotPeek& peek) {
  Error error = peek.error;
  error.file.clear();
  return error.to_string();
}

std::string file_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string started_text(const Row& row) {
  if (!row.started_ms) {
    return "-";
  }
  // "2026-04-29T17:50:05.123Z" → "2026-04-29 17:50:05"
  std::string text = format_millis_utc(*row.started_ms).substr(0, 19);
  text[10] = ' ';
  return text;
}

nlohmann::ordered_json row_json(const Row& row) {
  const SnapshotPeek& peek = row.peek;
  const bool ok = peek.state == PeekState::ok;
  auto or_null = [ok](const std::string& value) {
    return ok ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
  };
  auto number = [](const std::optional<std::int64_t>& value) {
    return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json out = {{"file", peek.path}, {"state", state_name(peek.state)}};
  out["id"] = or_null(peek.id);
  out["name"] = or_null(peek.name);
  out["mode"] = or_null(peek.mode);
  out["config_mode"] = or_null(peek.config_mode);
  out["status"] = ok ? nlohmann::ordered_json(row_status(row)) : nullptr;
  out["written_status"] = or_null(peek.written_status);
  out["owner_pid"] = row.owner_pid ? nlohmann::ordered_json(*row.owner_pid) : nullptr;
  out["task"] = or_null(peek.task);
  out["created_at"] = or_null(peek.created_at);
  out["started_at"] = or_null(peek.started_at);
  out["started_at_ms"] = number(row.started_ms);
  out["age_ms"] = number(row.age_ms);
  out["latest_error"] = ok && peek.latest_error ? nlohmann::ordered_json(*peek.latest_error)
                                                : nlohmann::ordered_json(nullptr);
  if (ok) {
    out["error"] = nullptr;
  } else {
    out["error"] = {
        {"code", peek.error.code_name()},
        {"message", problem(peek)},
        {"pointer", peek.error.pointer},
        {"line", peek.error.line > 0 ? nlohmann::ordered_json(peek.error.line) : nullptr},
        {"column", peek.error.line > 0 ? nlohmann::ordered_json(peek.error.column) : nullptr}};
  }
  return out;
}

fmt::text_style status_style(const Row& row) {
  const fmt::text_style alarm = fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold;
  if (row.peek.state != PeekState::ok) {
    return alarm; // invalid or unreadable
  }
  switch (parse_worker_status(row.peek.status)) {
  case WorkerStatus::completed:
    return fmt::fg(fmt::terminal_color::green);
  case WorkerStatus::failed:
    return alarm;
  case WorkerStatus::running:
  case WorkerStatus::awaiting:
    return fmt::fg(fmt::terminal_color::cyan);
  case WorkerStatus::suspended:
  case WorkerStatus::interrupted:
  case WorkerStatus::cancelled:
  case WorkerStatus::stopped:
    return fmt::fg(fmt::terminal_color::yellow);
  case WorkerStatus::unknown:
    break;
  }
  return {};
}

// Shrinks the widest shrinkable column (TASK, ERROR, NAME, ID) until the table fits `columns`.
void fit_widths(std::array<std::size_t, 8>& widths, std::size_t columns) {
  constexpr std::array<std::size_t, 4> k_shrinkable = {4, 7, 1, 0};
  constexpr std::size_t k_min_width = 8;
  auto total = [&widths] {
    std::size_t sum = 0;
    for (const std::size_t width : widths) {
      sum += width + 2;
    }
    return sum - 2;
  };
  while (total() > columns) {
    std::size_t* widest = nullptr;
    for (const std::size_t column : k_shrinkable) {
      if (widths[column] > k_min_width && (widest == nullptr || widths[column] > *widest)) {
        widest = &widths[column];
      }
    }
    if (widest == nullptr) {
      return; // as narrow as it gets; the terminal wraps
    }
    --*widest;
  }
}

void print_table(const std::vector<const Row*>& rows, bool color, std::size_t columns,
                 bool headers) {
  using Cells = std::array<std::string, 8>;
  std::vector<Cells> lines;
  lines.push_back({"ID", "NAME", "MODE", "STATUS", "TASK", "STARTED", "AGE", "ERROR"});
  // Cells hold snapshot text: control characters escaped, never sent to the terminal.
  auto cell = [](const std::string& text, std::size_t width) {
    return fit_display_width(escape_control(text), width);
  };
  for (const Row* row : rows) {
    const SnapshotPeek& peek = row->peek;
    if (peek.state != PeekState::ok) {
      lines.push_back({escape_control(file_name(peek.path)), "-", "-",
                       std::string(row_status(*row)), "-", "-", "-",
                       cell(problem(peek), k_error_width)});
      continue;
    }
    std::string status = escape_control(peek.status);
    if (row->owner_pid) {
      status += fmt::format(" (pid {})", *row->owner_pid);
    }
    lines.push_back({peek.id.empty() ? "-" : cell(peek.id, 64), cell(peek.name, 24),
                     cell(peek.mode, 16), status, cell(peek.task, k_task_width), started_text(*row),
                     row->age_ms ? format_duration(std::chrono::milliseconds(*row->age_ms)) : "-",
                     peek.latest_error ? cell(*peek.latest_error, k_error_width) : "-"});
  }
  // Widths in terminal columns, so that "…", CJK and emoji align.
  std::array<std::size_t, 8> widths{};
  for (const Cells& cells : lines) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(cells[i]));
    }
  }
  if (columns > 0) {
    fit_widths(widths, columns);
  }
  for (std::size_t n = headers ? 0 : 1; n < lines.size(); ++n) {
    std::string out;
    for (std::size_t i = 0; i < lines[n].size(); ++i) {
      const std::string text = fit_display_width(lines[n][i], widths[i]);
      const bool last = i + 1 == lines[n].size();
      const std::string padding = last ? "" : std::string(widths[i] - display_width(text) + 2, ' ');
      if (color && n > 0 && i == 3) {
        out += fmt::format(status_style(*rows[n - 1]), "{}", text);
      } else if (color && n == 0) {
        out += fmt::format(fmt::emphasis::bold, "{}", text);
      } else {
        out += text;
      }
      out += padding;
    }
    fmt::print("{}\n", out);
  }
}

int run_list(const ListOptions& options, const GlobalOptions& global) {
  const std::string dir = options.dir.empty() ? state_dir_of(global) : options.dir;
  auto peeks = peek_state_dir(dir);
  if (!peeks) {
    return report_error(peeks.error(), options.json || options.jsonl);
  }
  report_stale_temps(global, dir);
  const std::int64_t now_ms = global.now_ms
                                  ? *global.now_ms
                                  : std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count();
  std::vector<Row> rows;
  rows.reserve(peeks->size());
  for (SnapshotPeek& peek : *peeks) {
    Row row;
    row.peek = std::move(peek);
    if (row.peek.state == PeekState::ok) {
      // The lock is keyed by the file name, like everything under .reprise/.
      const std::string key = worker_key_for_snapshot(row.peek.path);
      if (parse_worker_status(row.peek.written_status) == WorkerStatus::running &&
          valid_worker_id(key)) {
        if (auto owner = live_owner(dir, key)) {
          row.peek.status = effective_status(row.peek.written_status, Liveness::live);
          row.owner_pid = owner->pid;
        }
      }
      row.started_ms = uuid7_millis(row.peek.started_at);
      if (row.started_ms && now_ms >= *row.started_ms) {
        row.age_ms = now_ms - *row.started_ms;
      }
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> seen_statuses;
  std::vector<std::string> seen_modes;
  for (const Row& row : rows) {
    seen_statuses.emplace_back(row_status(row));
    seen_modes.push_back(row.peek.mode);
  }
  const bool json_errors = options.json || options.jsonl;
  if (auto ok = check_values(options.statuses, "--status", k_statuses, seen_statuses); !ok) {
    return report_error(ok.error(), json_errors);
  }
  if (auto ok = check_values(options.modes, "--mode", k_modes, seen_modes); !ok) {
    return report_error(ok.error(), json_errors);
  }
  std::optional<std::chrono::milliseconds> since;
  if (!options.since.empty()) {
    auto parsed = parse_duration(options.since);
    if (!parsed) {
      return report_error(parsed.error(), json_errors);
    }
    since = *parsed;
  }
  std::vector<const Row*> shown;
  for (const Row& row : rows) {
    if (selected(row, options, since)) {
      shown.push_back(&row);
    }
  }
  if (!options.sort.empty()) {
    std::string_view field = options.sort;
    bool descending = field.starts_with('-');
    if (descending) {
      field.remove_prefix(1);
    }
    if (std::find(k_sort_fields.begin(), k_sort_fields.end(), field) == k_sort_fields.end()) {
      return report_error(
          fail(ErrorCode::usage,
               fmt::format("unknown --sort field '{}' (one of: id, name, status, mode, task, "
                           "started, age; '-' in front sorts descending)",
                           options.sort))
              .error(),
          json_errors);
    }
    if (field == "age") {
      descending = !descending; // the youngest (latest start) first
    }
    std::stable_sort(shown.begin(), shown.end(), [&](const Row* a, const Row* b) {
      const std::string ka = sort_key(*a, field);
      const std::string kb = sort_key(*b, field);
      return descending ? kb < ka : ka < kb;
    });
  }

  const ListFormat format = options.json    ? ListFormat::json
                            : options.jsonl ? ListFormat::jsonl
                            : options.ids   ? ListFormat::ids
                                            : ListFormat::table;
  constexpr auto k_replace = nlohmann::json::error_handler_t::replace;
  switch (format) {
  case ListFormat::json: {
    Json array = Json::array();
    for (const Row* row : shown) {
      array.push_back(row_json(*row));
    }
    print_result(array);
    break;
  }
  case ListFormat::jsonl:
    for (const Row* row : shown) {
      fmt::print("{}\n", row_json(*row).dump(-1, ' ', false, k_replace));
    }
    break;
  case ListFormat::ids:
    for (const Row* row : shown) {
      if (row->peek.state != PeekState::ok) {
        // Not silently skipped: it has no id to print, so say so where a pipe does not read.
        report_warning(global,
                       fmt::format("{} ({})", row->peek.error.to_string(), row_status(*row)));
      } else if (!row->peek.id.empty()) {
        fmt::print("{}{}", row->peek.id, options.null_separated ? '\0' : '\n');
      }
    }
    break;
  case ListFormat::table:
    if (!shown.empty()) {
      print_table(shown, global.use_color(STDOUT_FILENO), terminal_columns(STDOUT_FILENO, global),
                  !options.no_headers);
    } else if (::isatty(STDOUT_FILENO) != 0) {
      // Nothing on a pipe (a script sees no rows); a person sees why the screen stayed empty.
      fmt::print("no workers match\n");
    }
    break;
  }
  return exit_code::k_success;
}

} // namespace

Command setup_list(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* app = root.add_subcommand("list", "One row per snapshot in the state dir (or DIR)");
  app->add_option("dir", options->dir, "Directory of snapshots (default: the state dir)");
  app->add_option("--status", options->statuses,
                  "Only workers with this status (repeatable; also invalid, unreadable)")
      ->allow_extra_args(false);
  app->add_option("--mode", options->modes, "Only workers with this top-level mode (repeatable)")
      ->allow_extra_args(false);
  CLI::Option* json = app->add_flag("--json", options->json,
                                    "Print the rows as JSON (an envelope; data: an array)");
  CLI::Option* jsonl = app->add_flag("--jsonl", options->jsonl, "Print one JSON object a line");
  CLI::Option* ids = app->add_flag("--ids", options->ids, "Print only the ids, one a line");
  app->add_flag(
         "-0,--null", options->null_separated,
         "With --ids: end each id with NUL instead of a newline (xargs -0, relaunch --stdin-ids)")
      ->needs(ids);
  app->add_option("--since", options->since, "Only workers started within DUR (e.g. 1h, 2d)")
      ->type_name("DUR");
  app->add_option("--name", options->names,
                  "Only workers whose name matches this glob (repeatable)")
      ->allow_extra_args(false);
  app->add_option("--sort", options->sort,
                  "Sort by id, name, status, mode, task, started or age ('-name': descending)");
  app->add_flag("--no-headers", options->no_headers, "Table without its header line");
  json->excludes(jsonl)->excludes(ids);
  jsonl->excludes(ids);
  app->footer(
      "Examples:\n"
      "  reprise list --status failed\n"
      "  reprise list --status failed --ids | reprise relaunch --stdin-ids --task 'Again' -- "
      "my-agent\n"
      "  reprise list --ids -0 | xargs -0 reprise show --no-pager\n"
      "  reprise list --json | jq -r '.data[] | select(.status == \"failed\") | .id'\n\n"
      "Exit status:\n"
      "  0   listed (invalid and unreadable snapshots are rows, not failures)\n"
      "  66  the directory does not exist or cannot be read");
  return {app, [options, &global] { return run_list(*options, global); }};
}

} // namespace reprise::cli
