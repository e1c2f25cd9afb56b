// `reprise cancel TARGET`: harn's close_agent.
#include "base/duration.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/suspend.hpp"
#include "snapshot/state_dir.hpp"

#include <fmt/format.h>

namespace reprise::cli {

namespace {

struct CancelOptions {
  std::string target;
  std::string kill_after = "5s";
};

int run_cancel(const CancelOptions& options, const GlobalOptions& global) {
  const Target target = resolve_target(options.target, resolve_state_dir(global.state_dir));
  if (target.is_stdin) {
    return report_error(Error::usage("cancel needs a snapshot file, not standard input"), false);
  }
  auto kill_after = parse_duration(options.kill_after);
  if (!kill_after) {
    return report_error(kill_after.error(), false);
  }
  IdSource ids(global.now_ms, global.seed);
  auto report = cancel_worker(target.path, *kill_after, ids);
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
  app->footer("Example: reprise cancel worker_demo");
  return {app, [options, &global] { return run_cancel(*options, global); }};
}

} // namespace reprise::cli
