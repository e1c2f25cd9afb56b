// `reprise cancel TARGET`: harn's close_agent.
#include "base/duration.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/suspend.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include <fmt/format.h>

namespace reprise::cli {

namespace {

struct CancelOptions {
  std::string target;
  std::string kill_after = "5s";
  bool force = false;
};

int run_cancel(const CancelOptions& options, const GlobalOptions& global) {
  auto found = current_target(options.target, global, "cancel");
  if (!found) {
    return report_error(found.error(), false);
  }
  const Target& target = *found;
  if (target.is_stdin) {
    return report_error(
        Error{ErrorCode::usage, "cancel needs a snapshot file, not standard input", {}, {}, 0, 0},
        false);
  }
  auto kill_after = parse_duration(options.kill_after);
  if (!kill_after) {
    return report_error(kill_after.error(), false);
  }
  IdSource ids(global.now_ms, global.seed);
  auto report = cancel_worker(target.path, *kill_after, options.force, ids);
  if (!report) {
    return report_error(report.error(), false);
  }
  fmt::print("{}\t{}{}\n", report->worker_id, report->status,
             report->signalled ? " (process group terminated)" : "");
  return 0;
}

} // namespace

Command setup_cancel(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<CancelOptions>();
  CLI::App* app = root.add_subcommand(
      "cancel", "Cancel a worker (harn's close_agent) and terminate its process group");
  app->add_option("target", options->target, "Snapshot path or worker id")->required();
  app->add_option("--kill-after", options->kill_after,
                  "SIGKILL the group if it is still there after DUR (default 5s)");
  app->add_flag("--force", options->force,
                "Cancel a worker that is not running too (its version is kept in the history)");
  app->footer("Exit status: 2 when the worker is not running (nothing changed; see --force).\n"
              "Example: reprise cancel worker_demo");
  return {app, [options, &global] { return run_cancel(*options, global); }};
}

} // namespace reprise::cli
