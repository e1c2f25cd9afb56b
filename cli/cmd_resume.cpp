// `reprise resume TARGET [--input TEXT] [--no-continue-transcript] [-- COMMAND...]`.
#include "base/duration.hpp"
#include "base/exit_code.hpp"
#include "command_line.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/signal_guard.hpp"
#include "run/suspend.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include <fmt/format.h>

namespace reprise::cli {

namespace {

struct ResumeOptions {
  std::vector<std::string> words; // TARGET, then after -- the COMMAND
  std::vector<std::string> rest;  // see setup_relaunch: keeps `--` in this subcommand
  std::optional<std::string> input;
  bool no_continue_transcript = false;
  std::string initiator = "operator";
  std::string timeout;
  std::string kill_after = "5s";
  bool detach = false;
};

int run_resume(const ResumeOptions& options, const GlobalOptions& global) {
  auto split = split_targets_and_command(options.words, "resume");
  if (!split) {
    return report_error(split.error(), false);
  }
  auto& [targets, command] = *split;
  if (targets.size() != 1) {
    return report_error(Error{ErrorCode::usage, "resume takes one TARGET", {}, {}, 0, 0}, false);
  }
  auto found = current_target(targets[0], global, "resume");
  if (!found) {
    return report_error(found.error(), false);
  }
  const Target& target = *found;
  if (target.is_stdin) {
    return report_error(
        Error{ErrorCode::usage, "resume needs a snapshot file, not standard input", {}, {}, 0, 0},
        false);
  }
  RunSettings settings;
  auto resolved = command_or_environment(command);
  if (!resolved) {
    return report_error(resolved.error(), false);
  }
  settings.command = std::move(*resolved);
  if (!options.timeout.empty()) {
    auto timeout = parse_duration(options.timeout);
    if (!timeout) {
      return report_error(timeout.error(), false);
    }
    settings.timeout = *timeout;
  }
  auto kill_after = parse_duration(options.kill_after);
  if (!kill_after) {
    return report_error(kill_after.error(), false);
  }
  settings.kill_after = *kill_after;
  settings.detach = options.detach ? Detach::yes : Detach::no;
  std::optional<SignalGuard> guard;
  if (!options.detach) {
    guard.emplace();
    settings.signal_fd = guard->fd();
  }
  ResumeRequest request;
  request.input = options.input;
  request.continue_transcript =
      options.no_continue_transcript ? ContinueTranscript::no : ContinueTranscript::yes;
  request.initiator = options.initiator;
  IdSource ids(global.now_ms, global.seed);
  auto report = resume_worker(target.path, request, settings, ids);
  if (!report) {
    return report_error(report.error(), false);
  }
  if (!report->relaunch) {
    fmt::print("{}\t{} (process group continued)\n", report->worker_id, report->status);
    return 0;
  }
  const RelaunchReport& relaunch = *report->relaunch;
  if (relaunch.spawn_error) {
    return report_error(*relaunch.spawn_error, false);
  }
  if (options.detach) {
    fmt::print("{}\n", relaunch.worker_id);
    return 0;
  }
  if (global.verbosity >= 0) {
    fmt::print(stderr, "reprise: {} attempt {}: {}\n", relaunch.worker_id, relaunch.attempt,
               relaunch.status);
  }
  if (const int signal = SignalGuard::received(); signal != 0) {
    guard.reset();
    reraise_signal(signal);
    return exit_code::k_signal_base + signal;
  }
  if (relaunch.timed_out) {
    return exit_code::k_timeout;
  }
  return relaunch.status == "completed" || relaunch.status == "awaiting" ? 0 : exit_code::k_failure;
}

} // namespace

Command setup_resume(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<ResumeOptions>();
  CLI::App* app = root.add_subcommand(
      "resume", "Resume a suspended worker: continue its paused process, or relaunch it");
  app->add_option("words", options->words, "TARGET [-- COMMAND [ARG...]]")
      ->required()
      ->allow_extra_args();
  app->add_option("rest", options->rest)->expected(1, -1)->group("");
  app->allow_extras();
  app->add_option("--input", options->input, "The resume input (becomes the task)");
  app->add_flag("--no-continue-transcript", options->no_continue_transcript,
                "Replace the transcript by a summary of it");
  app->add_option("--initiator", options->initiator, "Who resumes (default operator)");
  app->add_option("--timeout", options->timeout, "When relaunching: as relaunch --timeout");
  app->add_option("--kill-after", options->kill_after, "When relaunching: as relaunch");
  app->add_flag("--detach", options->detach, "When relaunching: as relaunch --detach");
  app->footer("Example: reprise resume worker_demo --input 'Go on' -- python3 child.py");
  return {app, [options, &global, app] {
            if (auto ok = check_leftovers(app->remaining()); !ok) {
              return report_error(ok.error(), false);
            }
            return run_resume(*options, global);
          }};
}

} // namespace reprise::cli
