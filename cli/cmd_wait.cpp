// `reprise wait TARGET... [--timeout DUR] [--any] [--follow-triggers] [--json]`.
#include "base/duration.hpp"
#include "base/exit_code.hpp"
#include "base/text.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/wait.hpp"
#include "snapshot/state_dir.hpp"
#include "snapshot/worker_status.hpp"
#include "targets.hpp"
#include "terminal.hpp"

#include "json/json_node.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reprise::cli {

namespace {

struct WaitOptions {
  std::vector<std::string> targets;
  std::string name; // --name: the worker with this name
  std::string timeout;
  bool any = false;
  bool follow_triggers = false;
  bool json = false;
};

// The first line of `text`.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string describe(const WaitResult& result) {
  if (!result.settled) {
    return "running (still, when --timeout expired)";
  }
  if (result.owner_gone) {
    return "interrupted (snapshot says running, but no reprise owns the run)";
  }
  const WorkerStatus status = parse_worker_status(result.status);
  if (status == WorkerStatus::awaiting) {
    return "awaiting (waiting for input)";
  }
  if (result.latest_error &&
      (status == WorkerStatus::failed || status == WorkerStatus::cancelled)) {
    return fmt::format("{}: {}", result.status, first_line(*result.latest_error));
  }
  return result.status;
}

int run_wait(const WaitOptions& options, const GlobalOptions& global) {
  std::optional<std::chrono::milliseconds> timeout;
  if (!options.timeout.empty()) {
    auto parsed = parse_duration(options.timeout);
    if (!parsed) {
      return report_error(parsed.error(), options.json);
    }
    timeout = *parsed;
  }
  const std::string state_dir = state_dir_of(global);
  auto targets = targets_with_name(options.targets, options.name, global, "wait");
  if (!targets) {
    return report_error(targets.error(), options.json);
  }
  std::vector<std::string> paths;
  for (const std::string& text : *targets) {
    auto found = current_target_in(text, state_dir, "wait");
    if (!found) {
      return report_error(found.error(), options.json);
    }
    const Target& target = *found;
    if (target.is_stdin) {
      return report_error(Error::usage("wait needs a snapshot file, not standard input"),
                          options.json);
    }
    paths.push_back(target.path);
  }
  auto outcome =
      wait_for_workers(paths, options.follow_triggers ? FollowTriggers::yes : FollowTriggers::no,
                       options.any ? WaitFor::any : WaitFor::all, timeout);
  if (!outcome) {
    return report_error(outcome.error(), options.json);
  }
  int exit = exit_code::k_success;
  Json json = Json::array();
  std::optional<Error> first_error;
  for (const WaitResult& result : outcome->results) {
    if (result.error) {
      if (!options.json) {
        report_error(*result.error, false);
      }
      if (!first_error) {
        first_error = *result.error;
      }
      exit = std::max(exit, result.error->exit_code());
      continue;
    }
    if (result.settled && exit == exit_code::k_success) {
      exit = exit_code_for(parse_worker_status(result.status));
    }
    if (options.any && !result.settled) {
      continue; // with --any only the settled ones are reported
    }
    if (options.json) {
      json.push_back({{"worker_id", result.worker_id},
                      {"snapshot", result.snapshot_path},
                      {"status", result.settled ? result.status : to_string(WorkerStatus::running)},
                      {"settled", result.settled},
                      {"interrupted", result.owner_gone},
                      {"latest_error", result.latest_error ? Json(*result.latest_error) : Json()}});
    } else {
      fmt::print("{}\t{}\n", result.worker_id, escape_control(describe(result)));
    }
  }
  if (outcome->timed_out) {
    const Error timeout_error{
        ErrorCode::timeout, fmt::format("--timeout {} expired", options.timeout), {}, {}, 0, 0};
    if (options.json) {
      return report_error_with_data(timeout_error, json);
    }
    if (global.verbosity >= 0) {
      report_error(timeout_error, false);
    }
    return exit_code::k_timeout;
  }
  if (options.json) {
    if (first_error) {
      return report_error_with_data(*first_error, json);
    }
    print_result(json);
  }
  return exit;
}

} // namespace

Command setup_wait(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<WaitOptions>();
  CLI::App* app = root.add_subcommand("wait", "Block while workers run, then report each outcome");
  app->add_option("targets", options->targets, "Snapshot paths or worker ids");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  app->add_option("--timeout", options->timeout,
                  "Give up after DUR, e.g. 90s, 10m, 1h30m (exit 124)")
      ->type_name("DUR");
  app->add_flag("--any", options->any, "Return as soon as one worker has settled");
  app->add_flag("--follow-triggers", options->follow_triggers,
                "Keep waiting through awaiting (retriggerable) workers");
  app->add_flag("--json", options->json,
                "Print the outcomes as JSON (an envelope; data: an array)");
  app->footer("Examples:\n"
              "  reprise wait worker_demo --timeout 10m\n"
              "  reprise wait worker_a worker_b --any --json\n\n"
              "Exit status:\n"
              "  0    every worker settled successfully (completed or awaiting)\n"
              "  1    a worker failed, was cancelled or interrupted\n"
              "  65   invalid snapshot;  66  no such TARGET\n"
              "  124  --timeout expired (the JSON error envelope holds the outcomes so far)");
  return {app, [options, &global] { return run_wait(*options, global); }};
}

} // namespace reprise::cli
