// `reprise cancel TARGET...`: harn's close_agent.
#include "base/duration.hpp"
#include "command_line.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/suspend.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include <fmt/format.h>

namespace reprise::cli {

namespace {

struct CancelOptions {
  std::vector<std::string> targets;
  std::string name; // --name: the worker with this name
  std::string kill_after = "5s";
  bool json = false;
  bool force = false;
};

int run_cancel(const CancelOptions& options, const GlobalOptions& global) {
  auto kill_after = parse_duration(options.kill_after);
  if (!kill_after) {
    return report_error(kill_after.error(), options.json);
  }
  auto targets = targets_with_name(options.targets, options.name, global, "cancel");
  if (!targets) {
    return report_error(targets.error(), options.json);
  }
  IdSource ids(global.now_ms, global.seed);
  return for_each_target(
      *targets, global, options.json, "cancel",
      [&](const Target& target, std::string& text) -> Result<Json> {
        if (auto refused = refuse_revision(target, "cancel"); !refused) {
          return std::unexpected(refused.error());
        }
        auto report = cancel_worker(target.path, *kill_after, options.force, global.harn, ids);
        if (!report) {
          return std::unexpected(report.error());
        }
        text = fmt::format("{}\t{}{}", report->worker_id, report->status,
                           report->signalled ? " (process group terminated)" : "");
        return Json{{"target", target.path},
                    {"worker_id", report->worker_id},
                    {"status", report->status},
                    {"changed", report->changed},
                    {"signalled", report->signalled}};
      });
}

} // namespace

Command setup_cancel(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<CancelOptions>();
  CLI::App* app = root.add_subcommand(
      "cancel", "Cancel workers (harn's close_agent) and terminate their process groups");
  app->add_option("targets", options->targets, "Snapshot paths or worker ids");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  app->add_option("--kill-after", options->kill_after,
                  "SIGKILL the group if it is still there after DUR (default 5s)")
      ->type_name("DUR");
  app->add_flag("--force", options->force,
                "Cancel a worker that is not running too (its version is kept in the history)");
  app->add_flag("--json", options->json, "Print the outcomes as JSON (an envelope)");
  app->footer("Examples:\n"
              "  reprise cancel worker_demo\n"
              "  reprise cancel worker_a worker_b --kill-after 30s --json\n\n"
              "Exit status:\n"
              "  0   every TARGET cancelled (or already was)\n"
              "  2   the worker is not running (nothing changed; see --force) or cannot be\n"
              "      cancelled (harn's rules)\n"
              "  65  invalid snapshot;  66  no such TARGET;  75  locked by another reprise");
  return {app, [options, &global] { return run_cancel(*options, global); }};
}

} // namespace reprise::cli
