// `reprise suspend TARGET... --reason TEXT [--initiator self|parent|operator|triggered]`.
#include "command_line.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/suspend.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include <fmt/format.h>

namespace reprise::cli {

namespace {

struct SuspendOptions {
  std::vector<std::string> targets;
  std::string name; // --name: the worker with this name
  std::string reason;
  std::string initiator = "operator";
  bool json = false;
};

int run_suspend(const SuspendOptions& options, const GlobalOptions& global) {
  auto targets = targets_with_name(options.targets, options.name, global, "suspend");
  if (!targets) {
    return report_error(targets.error(), options.json);
  }
  IdSource ids(global.now_ms, global.seed);
  return for_each_target(
      *targets, global, options.json, "suspend",
      [&](const Target& target, std::string& text) -> Result<Json> {
        if (auto refused = refuse_revision(target, "suspend"); !refused) {
          return std::unexpected(refused.error());
        }
        auto report =
            suspend_worker(target.path, options.reason, options.initiator, global.harn, ids);
        if (!report) {
          return std::unexpected(report.error());
        }
        text = fmt::format("{}\t{}{}", report->worker_id, report->status,
                           report->changed ? "" : " (already suspended; nothing changed)");
        return Json{{"target", target.path},
                    {"worker_id", report->worker_id},
                    {"status", report->status},
                    {"changed", report->changed},
                    {"signalled", report->signalled}};
      });
}

} // namespace

Command setup_suspend(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<SuspendOptions>();
  CLI::App* app = root.add_subcommand(
      "suspend", "Mark running workers suspended and pause their process groups (SIGSTOP)");
  app->add_option("targets", options->targets, "Snapshot paths or worker ids");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  app->add_option("--reason", options->reason, "Why (stored in the suspension record)")
      ->required()
      ->type_name("TEXT");
  app->add_option("--initiator", options->initiator, "Who suspends (default operator)")
      ->check(CLI::IsMember({"self", "parent", "operator", "triggered"}))
      ->type_name("WHO");
  app->add_flag("--json", options->json, "Print the outcomes as JSON (an envelope)");
  app->footer("Examples:\n"
              "  reprise suspend worker_demo --reason 'waiting for review'\n"
              "  reprise suspend worker_a worker_b --reason 'quota' --json\n\n"
              "Exit status:\n"
              "  0   every TARGET suspended (or already was)\n"
              "  2   not running (harn's HARN-SUS rules)\n"
              "  65  invalid snapshot;  66  no such TARGET;  75  locked by another reprise");
  return {app, [options, &global] { return run_suspend(*options, global); }};
}

} // namespace reprise::cli
