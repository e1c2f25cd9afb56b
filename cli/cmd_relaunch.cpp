// `reprise relaunch TARGET... (--task TEXT | --trigger PAYLOAD) [options] [-- COMMAND [ARG...]]`.
#include "base/duration.hpp"
#include "base/exit_code.hpp"
#include "base/text.hpp"
#include "command_line.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "reset_flags.hpp"
#include "run/relaunch.hpp"
#include "run/signal_guard.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"
#include "terminal.hpp"

#include <chrono>
#include <fmt/format.h>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace reprise::cli {

namespace {

struct RelaunchOptions {
  std::vector<std::string> words; // TARGET... then, after --, COMMAND [ARG...]
  std::vector<std::string> rest;  // see setup_relaunch
  ResetFlags reset;
  std::string timeout;
  std::string kill_after = "5s";
  bool detach = false;
  unsigned jobs = 1;
  bool json = false;
  bool jsonl = false;
  bool stdin_ids = false;
  std::string name;   // --name: the worker with this name
  std::string bundle; // --from-bundle: TARGETs are worker ids in this session bundle
  std::string cwd;
  bool keep_group = false;
};

// One target's outcome for the summary.
struct Row {
  std::string target;
  Result<RelaunchReport> report = fail(ErrorCode::failed, "not run");
};

int exit_code_of(const Row& row) {
  if (!row.report) {
    return row.report.error().exit_code();
  }
  return exit_code_of(*row.report);
}

Json row_json(const Row& row) {
  Json object = {{"target", row.target}};
  if (!row.report) {
    const Error& error = row.report.error();
    object["error"] = error_json(error);
    object["exit"] = error.exit_code();
    return object;
  }
  const RelaunchReport& report = *row.report;
  object["worker_id"] = report.worker_id;
  object["attempt"] = report.attempt;
  object["status"] = report.status;
  object["snapshot"] = report.snapshot_path;
  if (report.exit) {
    object["child_exit"] = report.exit->kind == ExitStatus::Kind::exited
                               ? Json{{"code", report.exit->value}}
                               : Json{{"signal", signal_name(report.exit->value)}};
  }
  object["timed_out"] = report.timed_out;
  object["latest_error"] = report.latest_error.empty() ? Json() : Json(report.latest_error);
  object["error"] = report.spawn_error ? error_json(*report.spawn_error) : Json();
  object["pid"] = report.child_pid;
  if (report.supervisor_pid > 0) {
    object["supervisor_pid"] = report.supervisor_pid;
  }
  object["log_out"] = report.log_out;
  object["log_err"] = report.log_err;
  object["duration_ms"] = report.duration_ms;
  object["exit"] = exit_code_of(row);
  return object;
}

std::string describe_row(const Row& row) {
  if (!row.report) {
    return row.report.error().to_string();
  }
  const RelaunchReport& report = *row.report;
  if (report.spawn_error) {
    return report.spawn_error->message;
  }
  std::string text = report.status;
  if (report.exit) {
    text += fmt::format(" ({}, {})", report.exit->describe(),
                        format_duration(std::chrono::milliseconds(report.duration_ms)));
  }
  if (report.timed_out) {
    text += ", timed out";
  }
  return text;
}

// The error of a row that did not run (load, lock, spawn), if any.
std::optional<Error> row_error(const Row& row) {
  if (!row.report) {
    return row.report.error();
  }
  if (row.report->spawn_error) {
    return *row.report->spawn_error;
  }
  return std::nullopt;
}

// The first line of `text`, at most `width` columns.
std::string excerpt(const std::string& text, std::size_t width = 100) {
  return fit_display_width(escape_control(text.substr(0, text.find('\n'))), width);
}

// Prints each row of a batch as it finishes, a progress line on a terminal, and the totals.
class BatchReporter {
public:
  BatchReporter(const RelaunchOptions& options, const GlobalOptions& global, std::size_t total)
      : m_options(options), m_global(global), m_total(total),
        m_progress(global.verbosity >= 0 && !options.json && !options.jsonl &&
                   isatty(STDERR_FILENO) == 1),
        m_started(std::chrono::steady_clock::now()) {}

  void started() {
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_running;
    draw_progress();
  }

  void finished(const Row& row) {
    std::lock_guard<std::mutex> lock(m_mutex);
    --m_running;
    ++m_done;
    const int code = exit_code_of(row);
    (code == exit_code::k_success ? m_ok : m_failed)++;
    clear_progress();
    if (m_options.jsonl) {
      if (auto error = row_error(row)) {
        report_error_with_data(*error, row_json(row));
      } else {
        print_json_line(row_json(row));
      }
    } else if (!m_options.json) {
      print_text(row);
    }
    draw_progress();
  }

  void totals(std::size_t not_started, bool interrupted) {
    std::lock_guard<std::mutex> lock(m_mutex);
    clear_progress();
    if (m_options.json || m_options.jsonl || m_global.verbosity < 0) {
      return;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - m_started);
    std::string line = fmt::format("reprise: {} of {} ran in {}: {} ok, {} failed", m_done, m_total,
                                   format_duration(elapsed), m_ok, m_failed);
    if (not_started > 0) {
      line += fmt::format(", {} not started", not_started);
    }
    if (interrupted) {
      line += " (interrupted)";
    }
    fmt::print(stderr, "{}\n", line);
  }

private:
  void print_text(const Row& row) {
    if (auto error = row_error(row)) {
      std::fflush(stdout);
      fmt::print(stderr, "reprise: error: {}: {}\n", row.target,
                 escape_control(error->to_string()));
      return;
    }
    const RelaunchReport& report = *row.report;
    fmt::print("{:<40} {:>7} {}\n", report.worker_id, fmt::format("#{}", report.attempt),
               escape_control(describe_row(row)));
    if (exit_code_of(row) != exit_code::k_success) {
      if (!report.latest_error.empty()) {
        fmt::print("    error: {}\n", excerpt(report.latest_error));
      }
      if (!report.log_err.empty()) {
        fmt::print("    log:   {}\n", report.log_err);
      }
    }
    std::fflush(stdout);
  }

  void clear_progress() {
    if (m_progress && m_drawn) {
      fmt::print(stderr, "\r\033[K");
      m_drawn = false;
    }
  }

  void draw_progress() {
    if (!m_progress || m_done == m_total) {
      return;
    }
    fmt::print(stderr, "\r\033[K[{}/{}] {} running, {} ok, {} failed", m_done, m_total, m_running,
               m_ok, m_failed);
    std::fflush(stderr);
    m_drawn = true;
  }

  const RelaunchOptions& m_options;
  const GlobalOptions& m_global;
  std::size_t m_total;
  bool m_progress;
  std::chrono::steady_clock::time_point m_started;
  std::mutex m_mutex;
  std::size_t m_running = 0;
  std::size_t m_done = 0;
  std::size_t m_ok = 0;
  std::size_t m_failed = 0;
  bool m_drawn = false;
};

int run_relaunch(const RelaunchOptions& options, const GlobalOptions& global) {
  auto split = split_targets_and_command(options.words, "relaunch");
  if (!split) {
    return report_error(split.error(), options.json);
  }
  auto& [targets, command] = *split;
  if (options.stdin_ids) {
    auto ids = read_stdin_ids();
    if (!ids) {
      return report_error(ids.error(), options.json);
    }
    targets.insert(targets.end(), ids->begin(), ids->end());
  }
  if (!options.name.empty()) {
    auto named = targets_with_name(std::move(targets), options.name, global, "relaunch");
    if (!named) {
      return report_error(named.error(), options.json);
    }
    targets = std::move(*named);
  }
  targets = from_bundle(options.bundle, std::move(targets));
  if (targets.empty()) {
    return report_error(Error::usage(options.stdin_ids ? "no worker ids on standard input"
                                                       : "relaunch needs a TARGET"),
                        options.json);
  }
  auto request = make_reset_request(options.reset, global.harn);
  if (!request) {
    return report_error(request.error(), options.json);
  }
  RunSettings settings;
  if (auto set = set_run_command(settings, command, global.env); !set) {
    return report_error(set.error(), options.json);
  }
  if (!options.timeout.empty()) {
    auto timeout = parse_duration(options.timeout);
    if (!timeout) {
      return report_error(timeout.error(), options.json);
    }
    settings.timeout = *timeout;
  }
  auto kill_after = parse_duration(options.kill_after);
  if (!kill_after) {
    return report_error(kill_after.error(), options.json);
  }
  settings.kill_after = *kill_after;
  settings.detach = options.detach ? Detach::yes : Detach::no;
  settings.keep_group = options.keep_group;
  if (!options.cwd.empty()) {
    settings.cwd = options.cwd;
  }
  const bool single = targets.size() == 1;
  // Several children teeing into one terminal would interleave; their logs keep each stream.
  settings.tee = single ? Tee::to_caller : Tee::logs_only;
  if (options.json || options.jsonl) {
    settings.caller_out = STDERR_FILENO; // standard output carries the JSON alone
  }

  const std::string state_dir = state_dir_of(global);
  // A worker in a session bundle is brought into the state dir first (its paths restored), then
  // relaunched there like any other.
  for (std::string& text : targets) {
    auto found = find_target(text, state_dir);
    if (found && found->in_bundle) {
      auto imported = import_bundle_worker(*found);
      if (!imported) {
        return report_error(imported.error(), options.json);
      }
      text = *imported;
    }
  }
  std::vector<Row> rows(targets.size());
  std::optional<SignalGuard> guard;
  if (!options.detach) {
    guard.emplace();
    settings.signal_fd = guard->fd();
  }
  std::optional<BatchReporter> reporter;
  if (!single && !options.detach) {
    reporter.emplace(options, global, targets.size());
  }
  const auto run_one = [&](std::size_t index) {
    Row& row = rows[index];
    row.target = targets[index];
    if (reporter) {
      reporter->started();
    }
    auto found = current_target_in(targets[index], state_dir, "relaunch");
    if (!found) {
      row.report = std::unexpected(found.error());
    } else if (found->is_stdin) {
      row.report = fail(ErrorCode::usage, "relaunch needs a snapshot file, not standard input");
    } else {
      const Target& target = *found;
      std::optional<std::uint64_t> seed = global.seed;
      if (seed) {
        *seed += index;
      }
      IdSource ids(global.now_ms, seed);
      row.report = relaunch_worker(target.path, *request, settings, ids);
    }
    if (reporter) {
      reporter->finished(row);
    }
  };
  const unsigned jobs = options.detach ? 1U : std::max(1U, options.jobs);
  if (jobs == 1 || single) {
    for (std::size_t i = 0; i < targets.size(); ++i) {
      run_one(i);
      if (SignalGuard::received() != 0) {
        break;
      }
    }
  } else {
    std::mutex mutex;
    std::size_t next = 0;
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < std::min<std::size_t>(jobs, targets.size()); ++t) {
      threads.emplace_back([&] {
        for (;;) {
          std::size_t index = 0;
          {
            std::lock_guard<std::mutex> lock(mutex);
            if (next >= targets.size() || SignalGuard::received() != 0) {
              return;
            }
            index = next++;
          }
          run_one(index);
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
  }

  int exit = exit_code::k_success;
  Json json = Json::array();
  std::optional<Error> first_error;
  std::size_t not_started = 0;
  for (const Row& row : rows) {
    if (row.target.empty()) {
      ++not_started; // not started: reprise was interrupted first
      continue;
    }
    const int code = exit_code_of(row);
    const auto error = row_error(row);
    if (error && !first_error) {
      first_error = error;
    }
    if (options.json) {
      json.push_back(row_json(row));
    } else if (reporter) {
      // printed as it finished
    } else if (options.jsonl) {
      if (error) {
        report_error_with_data(*error, row_json(row));
      } else {
        print_json_line(row_json(row));
      }
    } else if (error) {
      report_error(*error, false);
    } else if (options.detach) {
      fmt::print("{}\n", row.report->worker_id);
    } else if (!single) {
      fmt::print("{:<40} {:>7} {}\n", row.report->worker_id,
                 fmt::format("#{}", row.report->attempt), escape_control(describe_row(row)));
    } else if (global.verbosity >= 0) {
      fmt::print(stderr, "reprise: {} attempt {}: {}\n", row.report->worker_id, row.report->attempt,
                 escape_control(describe_row(row)));
    }
    if (single) {
      exit = code;
    } else if (code != exit_code::k_success) {
      exit = exit_code::k_failure;
    }
  }
  const int signal = SignalGuard::received();
  if (reporter) {
    reporter->totals(not_started, signal != 0);
  }
  if (options.json) {
    if (first_error) {
      report_error_with_data(*first_error, json);
    } else {
      print_result(json);
    }
  }
  std::fflush(stdout);
  if (signal != 0) {
    guard.reset(); // restore dispositions, then die of the same signal
    reraise_signal(signal);
    return exit_code::k_signal_base + signal;
  }
  return exit;
}

} // namespace

Command setup_relaunch(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<RelaunchOptions>();
  CLI::App* app = root.add_subcommand(
      "relaunch", "Reset a worker, run COMMAND as its child and write the outcome back");
  // Required (CLI11 refuses two unlimited positionals otherwise): with --stdin-ids, COMMAND is the
  // word that fills it.
  app->add_option("words", options->words, "TARGET... [-- COMMAND [ARG...]]")
      ->required()
      ->allow_extra_args();
  // Never filled: while it waits for a value CLI11 keeps `--` and what follows in this subcommand
  // (the words land in `words`, and split_targets_and_command finds where `--` was).
  app->add_option("rest", options->rest)->expected(1, -1)->group("");
  app->allow_extras(); // keeps the `--` marker; anything else left over is refused below
  add_reset_flags(*app, options->reset);
  app->add_option("--timeout", options->timeout,
                  "End the child's process group after DUR (SIGTERM, then SIGKILL); exit 124")
      ->type_name("DUR");
  app->add_option("--kill-after", options->kill_after,
                  "Delay between SIGTERM and SIGKILL on timeout or interrupt (default 5s)");
  app->add_flag("--detach", options->detach,
                "Return once the child has started; a supervisor records the outcome");
  app->add_flag("--keep-group", options->keep_group,
                "Leave the child's process group running when the child ends (by default what "
                "is left of it is ended: SIGTERM, then SIGKILL)");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  add_from_bundle(*app, options->bundle);
  app->add_option("-j,--jobs", options->jobs, "Run up to N targets at once (default 1)")
      ->check(CLI::PositiveNumber);
  app->add_option("--cwd", options->cwd,
                  "Run the child in DIR instead of the snapshot's execution.cwd (a worker recorded "
                  "on another machine)")
      ->type_name("DIR");
  app->add_flag(
      "--stdin-ids", options->stdin_ids,
      "Also read TARGETs from standard input, one a line or NUL-separated (list --ids -0)");
  CLI::Option* json =
      app->add_flag("--json", options->json,
                    "Print the outcomes as JSON at the end (an envelope; data: an array)");
  app->add_flag("--jsonl", options->jsonl, "Print each outcome as one JSON line as it finishes")
      ->excludes(json);
  app->footer(
      "Examples:\n"
      "  reprise relaunch worker_demo --task 'Try again' --timeout 10m -- python3 child.py\n"
      "  reprise list --status failed --ids | reprise relaunch --stdin-ids --task 'Again' -j 4 -- "
      "my-agent --snapshot {snapshot}\n"
      "  reprise relaunch worker_ci --task 'Again' --cwd . -- my-agent   # recorded elsewhere\n"
      "  reprise relaunch run.bundle.json#worker_1 --task 'Again' -- my-agent   # a teammate's\n\n"
      "COMMAND may use {snapshot}, {id}, {task}, {result}; without one, "
      "$REPRISE_COMMAND;\nwithout either, a top_level_agent worker runs harn's own "
      "`harn run --resume {snapshot} --json`\n(harn found on PATH).\n"
      "Several TARGETs: a row per worker as it finishes, then totals; Ctrl-C stops the batch.\n\n"
      "Exit status:\n"
      "  0    the worker completed (or is awaiting input); with several TARGETs: all did\n"
      "  1    a worker failed\n"
      "  2    bad option, or the worker cannot take that entry\n"
      "  65   invalid snapshot;  66  no such TARGET or --cwd;  75  the worker runs already\n"
      "  124  --timeout expired;  126/127  COMMAND cannot be executed / not found\n"
      "  128+N  interrupted by signal N");
  return {app, [options, &global, app] {
            if (auto ok = check_leftovers(app->remaining()); !ok) {
              return report_error(ok.error(), options->json);
            }
            if (!options->reset.has_entry()) {
              return report_error(Error::usage("relaunch needs --task TEXT or --trigger PAYLOAD"),
                                  options->json);
            }
            return run_relaunch(*options, global);
          }};
}

} // namespace reprise::cli
