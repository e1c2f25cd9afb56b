// `reprise suspend TARGET --reason TEXT [--initiator self|parent|operator|triggered]`.
#include "commands.hpp"
#include "output.hpp"
#include "run/suspend.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include <fmt/format.h>

namespace reprise::cli {

namespace {

struct SuspendOptions {
  std::string target;
  std::string reason;
  std::string initiator = "operator";
};

int run_suspend(const SuspendOptions& options, const GlobalOptions& global) {
  auto found = current_target(options.target, global, "suspend");
  if (!found) {
    return report_error(found.error(), false);
  }
  const Target& target = *found;
  if (target.is_stdin) {
    return report_error(
        Error{ErrorCode::usage, "suspend needs a snapshot file, not standard input", {}, {}, 0, 0},
        false);
  }
  IdSource ids(global.now_ms, global.seed);
  auto report = suspend_worker(target.path, options.reason, options.initiator, ids);
  if (!report) {
    return report_error(report.error(), false);
  }
  fmt::print("{}\t{}{}\n", report->worker_id, report->status,
             report->changed ? "" : " (already suspended; nothing changed)");
  return 0;
}

} // namespace

Command setup_suspend(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<SuspendOptions>();
  CLI::App* app = root.add_subcommand(
      "suspend", "Mark a running worker suspended and pause its process group (SIGSTOP)");
  app->add_option("target", options->target, "Snapshot path or worker id")->required();
  app->add_option("--reason", options->reason, "Why (stored in the suspension record)")->required();
  app->add_option("--initiator", options->initiator, "Who suspends (default operator)")
      ->check(CLI::IsMember({"self", "parent", "operator", "triggered"}));
  app->footer("Example: reprise suspend worker_demo --reason 'waiting for review'");
  return {app, [options, &global] { return run_suspend(*options, global); }};
}

} // namespace reprise::cli
