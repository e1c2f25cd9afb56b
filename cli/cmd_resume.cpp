// `reprise resume TARGET [--input TEXT] [--no-continue-transcript] [-- COMMAND...]`.
#include "base/duration.hpp"
#include "base/exit_code.hpp"
#include "command_line.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/relaunch.hpp"
#include "run/signal_guard.hpp"
#include "run/suspend.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace reprise::cli {

namespace {

struct ResumeOptions {
  std::string name;               // --name: the worker with this name
  std::vector<std::string> words; // TARGET, then after -- the COMMAND
  std::vector<std::string> rest;  // see setup_relaunch: keeps `--` in this subcommand
  std::optional<std::string> input;
  bool no_continue_transcript = false;
  std::string initiator = "operator";
  std::string timeout;
  std::string kill_after = "5s";
  bool detach = false;
  bool json = false;
  std::string cwd;
  bool keep_group = false;
};

int run_resume(const ResumeOptions& options, const GlobalOptions& global) {
  auto split = split_targets_and_command(options.words, "resume");
  if (!split) {
    return report_error(split.error(), options.json);
  }
  auto& [words, command] = *split;
  auto targets = targets_with_name(std::move(words), options.name, global, "resume");
  if (!targets) {
    return report_error(targets.error(), options.json);
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
  settings.keep_group = options.keep_group;
  settings.kill_after = *kill_after;
  settings.detach = options.detach ? Detach::yes : Detach::no;
  if (options.json) {
    settings.caller_out = STDERR_FILENO; // standard output carries the JSON alone
  }
  if (!options.cwd.empty()) {
    settings.cwd = options.cwd;
  }
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
  int worst = exit_code::k_success;
  const int exit = for_each_target(
      *targets, global, options.json, "resume",
      [&](const Target& target, std::string& text) -> Result<Json> {
        if (SignalGuard::received() != 0) {
          return fail(ErrorCode::failed, "not resumed: interrupted", target.path);
        }
        if (auto refused = refuse_revision(target, "resume"); !refused) {
          return std::unexpected(refused.error());
        }
        auto report = resume_worker(target.path, request, settings, global.harn, ids);
        if (!report) {
          return std::unexpected(report.error());
        }
        Json row = {{"target", target.path},
                    {"worker_id", report->worker_id},
                    {"status", report->status},
                    {"continued", !report->relaunch.has_value()}};
        if (!report->relaunch) {
          text = fmt::format("{}\t{} (process group continued)", report->worker_id, report->status);
          return row;
        }
        const RelaunchReport& relaunch = *report->relaunch;
        if (relaunch.spawn_error) {
          return std::unexpected(*relaunch.spawn_error);
        }
        row["attempt"] = relaunch.attempt;
        row["status"] = relaunch.status;
        row["timed_out"] = relaunch.timed_out;
        row["log_out"] = relaunch.log_out;
        row["log_err"] = relaunch.log_err;
        const int code = exit_code_of(relaunch);
        row["exit"] = code;
        worst = std::max(worst, code);
        if (options.detach) {
          text = relaunch.worker_id;
        } else if (!options.json && global.verbosity >= 0) {
          // As relaunch: the child's output is on standard output, the summary beside it.
          fmt::print(stderr, "reprise: {} attempt {}: {}\n", relaunch.worker_id, relaunch.attempt,
                     relaunch.status);
        }
        return row;
      });
  if (const int signal = SignalGuard::received(); signal != 0) {
    guard.reset();
    reraise_signal(signal);
    return exit_code::k_signal_base + signal;
  }
  return exit != exit_code::k_success ? exit : worst;
}

} // namespace

Command setup_resume(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<ResumeOptions>();
  CLI::App* app = root.add_subcommand(
      "resume", "Resume a suspended worker: continue its paused process, or relaunch it");
  app->add_option("words", options->words, "TARGET... [-- COMMAND [ARG...]]")
      ->required()
      ->allow_extra_args();
  app->add_option("rest", options->rest)->expected(1, -1)->group("");
  app->allow_extras();
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  app->add_option("--input", options->input, "The resume input (becomes the task)");
  app->add_flag("--no-continue-transcript", options->no_continue_transcript,
                "Replace the transcript by a summary of it");
  app->add_option("--initiator", options->initiator, "Who resumes (default operator)");
  app->add_option("--timeout", options->timeout, "When relaunching: as relaunch --timeout");
  app->add_option("--kill-after", options->kill_after, "When relaunching: as relaunch");
  app->add_flag("--detach", options->detach, "When relaunching: as relaunch --detach");
  app->add_flag("--keep-group", options->keep_group, "When relaunching: as relaunch --keep-group");
  app->add_option("--cwd", options->cwd, "When relaunching: as relaunch --cwd")->type_name("DIR");
  app->add_flag("--json", options->json, "Print the outcomes as JSON (an envelope)");
  app->footer("Examples:\n"
              "  reprise resume worker_demo --input 'Go on' -- python3 child.py\n"
              "  reprise resume worker_a worker_b --json\n\n"
              "Relaunching without COMMAND (or $REPRISE_COMMAND): a top_level_agent worker runs\n"
              "harn's own `harn run --resume {snapshot} --json` (harn found on PATH).\n\n"
              "Exit status:\n"
              "  0    resumed (process continued, or relaunched and completed)\n"
              "  1    the relaunched worker failed;  124  --timeout expired\n"
              "  2    not suspended, cancelled, or blank input (harn's HARN-SUS rules)\n"
              "  65   invalid snapshot;  66  no such TARGET;  75  locked\n"
              "  126/127  COMMAND cannot be executed / not found");
  return {app, [options, &global, app] {
            if (auto ok = check_leftovers(app->remaining()); !ok) {
              return report_error(ok.error(), options->json);
            }
            return run_resume(*options, global);
          }};
}

} // namespace reprise::cli
