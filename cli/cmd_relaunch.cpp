// `reprise relaunch TARGET... (--task TEXT | --trigger PAYLOAD) [options] -- COMMAND [ARG...]`.
#include "base/duration.hpp"
#include "base/exit_code.hpp"
#include "command_line.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "reset_flags.hpp"
#include "run/relaunch.hpp"
#include "run/signal_guard.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <mutex>
#include <thread>

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
  const RelaunchReport& report = *row.report;
  if (report.spawn_error) {
    return report.spawn_error->exit_code();
  }
  if (report.forwarded_signal != 0) {
    return exit_code::k_signal_base + report.forwarded_signal;
  }
  if (report.timed_out) {
    return exit_code::k_timeout;
  }
  if (report.status == "completed" || report.status == "awaiting" || report.status == "running" ||
      report.status == "suspended") {
    return exit_code::k_success;
  }
  return exit_code::k_failure;
}

OrderedJson row_json(const Row& row) {
  OrderedJson object = {{"target", row.target}};
  if (!row.report) {
    const Error& error = row.report.error();
    object["error"] = {
        {"code", error.code_name()}, {"exit", error.exit_code()}, {"message", error.to_string()}};
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
                               ? OrderedJson{{"code", report.exit->value}}
                               : OrderedJson{{"signal", signal_name(report.exit->value)}};
  }
  object["timed_out"] = report.timed_out;
  object["latest_error"] =
      report.latest_error.empty() ? OrderedJson() : OrderedJson(report.latest_error);
  if (report.spawn_error) {
    object["error"] = {{"code", report.spawn_error->code_name()},
                       {"exit", report.spawn_error->exit_code()},
                       {"message", report.spawn_error->message}};
  }
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

int run_relaunch(const RelaunchOptions& options, const GlobalOptions& global) {
  auto split = split_targets_and_command(options.words, "relaunch");
  if (!split) {
    return report_error(split.error(), options.json);
  }
  auto& [targets, command] = *split;
  if (targets.empty()) {
    return report_error(Error{ErrorCode::usage, "relaunch needs a TARGET", {}, {}, 0, 0},
                        options.json);
  }
  auto request = make_reset_request(options.reset);
  if (!request) {
    return report_error(request.error(), options.json);
  }
  RunSettings settings;
  auto resolved_command = command_or_environment(command);
  if (!resolved_command) {
    return report_error(resolved_command.error(), options.json);
  }
  settings.command = std::move(*resolved_command);
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
  const bool single = targets.size() == 1;
  // Several children teeing into one terminal would interleave; their logs keep each stream.
  settings.tee = single ? Tee::to_caller : Tee::logs_only;

  const std::string state_dir = state_dir_of(global);
  std::vector<Row> rows(targets.size());
  std::optional<SignalGuard> guard;
  if (!options.detach) {
    guard.emplace();
    settings.signal_fd = guard->fd();
  }
  const auto run_one = [&](std::size_t index) {
    Row& row = rows[index];
    row.target = targets[index];
    auto found = current_target_in(targets[index], state_dir, "relaunch");
    if (!found) {
      row.report = std::unexpected(found.error());
      return;
    }
    const Target& target = *found;
    if (target.is_stdin) {
      row.report = fail(ErrorCode::usage, "relaunch needs a snapshot file, not standard input");
      return;
    }
    std::optional<std::uint64_t> seed = global.seed;
    if (seed) {
      *seed += index;
    }
    IdSource ids(global.now_ms, seed);
    row.report = relaunch_worker(target.path, *request, settings, ids);
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
  OrderedJson json = OrderedJson::array();
  for (const Row& row : rows) {
    if (row.target.empty()) {
      continue; // not started: reprise was interrupted first
    }
    const int code = exit_code_of(row);
    if (options.json) {
      json.push_back(row_json(row));
    } else if (!row.report) {
      report_error(row.report.error(), false);
    } else if (row.report->spawn_error) {
      report_error(*row.report->spawn_error, false);
    } else if (options.detach) {
      fmt::print("{}\n", row.report->worker_id);
    } else if (!single) {
      fmt::print("{:<40} {:>7} {}\n", row.report->worker_id,
                 fmt::format("#{}", row.report->attempt), describe_row(row));
    } else if (global.verbosity >= 0) {
      fmt::print(stderr, "reprise: {} attempt {}: {}\n", row.report->worker_id, row.report->attempt,
                 describe_row(row));
    }
    if (single) {
      exit = code;
    } else if (code != exit_code::k_success) {
      exit = exit_code::k_failure;
    }
  }
  if (options.json) {
    fmt::print(
        "{}\n",
        (single ? json.at(0) : json).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  std::fflush(stdout);
  if (const int signal = SignalGuard::received(); signal != 0) {
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
  app->add_option("words", options->words, "TARGET... -- COMMAND [ARG...]")
      ->required()
      ->allow_extra_args();
  // Never filled: while it waits for a value CLI11 keeps `--` and what follows in this subcommand
  // (the words land in `words`, and split_targets_and_command finds where `--` was).
  app->add_option("rest", options->rest)->expected(1, -1)->group("");
  app->allow_extras(); // keeps the `--` marker; anything else left over is refused below
  add_reset_flags(*app, options->reset);
  app->add_option("--timeout", options->timeout,
                  "End the child's process group after DUR (SIGTERM, then SIGKILL); exit 124");
  app->add_option("--kill-after", options->kill_after,
                  "Delay between SIGTERM and SIGKILL on timeout or interrupt (default 5s)");
  app->add_flag("--detach", options->detach,
                "Return once the child has started; a supervisor records the outcome");
  app->add_option("-j,--jobs", options->jobs, "Run up to N targets at once (default 1)")
      ->check(CLI::PositiveNumber);
  app->add_flag("--json", options->json, "Print the outcome as JSON; errors also as JSON");
  app->footer("Example: reprise relaunch worker_demo --task 'Try again' --timeout 10m -- "
              "python3 fixtures/children/example_child.py");
  return {app, [options, &global, app] {
            if (auto ok = check_leftovers(app->remaining()); !ok) {
              return report_error(ok.error(), options->json);
            }
            if (!options->reset.has_entry()) {
              return report_error(Error{ErrorCode::usage,
                                        "relaunch needs --task TEXT or --trigger PAYLOAD",
                                        {},
                                        {},
                                        0,
                                        0},
                                  options->json);
            }
            return run_relaunch(*options, global);
          }};
}

} // namespace reprise::cli
