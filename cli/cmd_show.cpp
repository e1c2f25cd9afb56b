// `reprise show TARGET [--json]`: one worker at a glance.
#include "commands.hpp"
#include "output.hpp"
#include "run/worker_summary.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reprise::cli {

namespace {

struct ShowOptions {
  std::string target;
  std::string name;
  bool json = false;
};

int run_show(const ShowOptions& options, const GlobalOptions& global) {
  auto target = target_or_name(options.target, options.name, global);
  if (!target) {
    return report_error(target.error(), options.json);
  }
  auto snapshot = load_target_snapshot(*target, FileAccess::map);
  if (!snapshot) {
    return report_error(snapshot.error(), options.json);
  }
  const WorkerSummary summary = summarize(*snapshot);
  if (options.json) {
    fmt::print("{}\n", summary_to_json(summary).dump(2, ' ', false,
                                                     nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{}", summary_to_text(summary));
  }
  return 0;
}

} // namespace

Command setup_show(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<ShowOptions>();
  CLI::App* app = root.add_subcommand(
      "show", "One worker at a glance: identity, status, timing, carry policy, sizes, errors");
  app->add_option("target", options->target,
                  "Snapshot path, worker id (or a unique prefix), ID@REV, or - for standard input");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  app->add_flag("--json", options->json, "Print the same data as one JSON object");
  app->footer("Example: reprise show worker_019dda65-d500-7a1b-ac3d-4e5f6a7b8c90 --json");
  return {app, [options, &global] { return run_show(*options, global); }};
}

} // namespace reprise::cli
