// `reprise show TARGET... [--json]`: one worker (or several) at a glance.
#include "base/exit_code.hpp"
#include "base/text.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/worker_summary.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"
#include "terminal.hpp"

#include "json/redact.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reprise::cli {

namespace {

struct ShowOptions {
  std::vector<std::string> targets;
  std::string name;
  std::string bundle; // --from-bundle
  bool json = false;
  bool show_secrets = false;
};

int run_show(const ShowOptions& options, const GlobalOptions& global) {
  // TARGETs (unique prefixes, ID@REV) or --name; a TARGET that resolves to nothing is its error.
  auto resolved =
      targets_or_name(from_bundle(options.bundle, options.targets), options.name, global);
  if (!resolved) {
    return report_error(resolved.error(), options.json);
  }
  const std::vector<Result<Target>>& targets = *resolved;
  Json data = Json::array();
  std::optional<Error> first_error;
  if (!options.json) {
    start_pager(global);
  }
  bool first = true;
  for (const Result<Target>& target : targets) {
    // The snapshot, and the read lease on its file, are gone before anything is printed: a pager
    // that is not reading must not keep a writer such as harn waiting on the lease.
    const Result<WorkerSummary> summary = [&]() -> Result<WorkerSummary> {
      auto snapshot = target ? load_target_snapshot(*target, FileAccess::map, global.harn)
                             : Result<Snapshot>{std::unexpected(target.error())};
      if (!snapshot) {
        return std::unexpected(snapshot.error());
      }
      return summarize(*snapshot);
    }();
    if (!summary) {
      if (!options.json) {
        std::fflush(stdout);
        report_error(summary.error(), false);
      }
      if (!first_error) {
        first_error = summary.error();
      }
      continue;
    }
    if (options.json) {
      data.push_back(summary_to_json(*summary));
    } else {
      // Text from the snapshot never drives the terminal: control characters are escaped.
      // Secrets are masked as harn's redaction would write them, unless asked for.
      const std::string text = summary_to_text(*summary);
      fmt::print("{}{}", first ? "" : "\n",
                 escape_control(options.show_secrets ? text : redact::mask_text(text), true));
      first = false;
    }
  }
  if (options.json) {
    if (first_error) {
      return report_error_with_data(*first_error, data);
    }
    print_result(data);
  }
  return first_error ? first_error->exit_code() : exit_code::k_success;
}

} // namespace

Command setup_show(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<ShowOptions>();
  CLI::App* app = root.add_subcommand(
      "show", "One worker at a glance: identity, status, timing, carry policy, sizes, errors");
  app->add_option("targets", options->targets,
                  "Snapshot paths, worker ids (or unique prefixes), ID@REV, or - for standard "
                  "input");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  add_from_bundle(*app, options->bundle);
  app->add_flag("--json", options->json, "Print the workers as JSON (an envelope; data: an array)");
  app->add_flag("--show-secrets", options->show_secrets,
                "Show secret-looking values instead of masking them (text output)");
  app->footer("Examples:\n"
              "  reprise show worker_demo\n"
              "  reprise show worker_demo --json | jq -r '.data[0].status'\n"
              "  reprise show worker_demo@-1\n"
              "  reprise show run.bundle.json#worker_1   # a worker in a harn session bundle\n"
              "  reprise list --status failed --ids | xargs reprise show --no-pager\n\n"
              "Exit status:\n"
              "  0   every TARGET shown\n"
              "  65  a snapshot is not valid JSON or breaks harn's loader rules\n"
              "  66  a TARGET does not exist or cannot be read\n"
              "  (the others shown are still printed)");
  return {app, [options, &global] { return run_show(*options, global); }};
}

} // namespace reprise::cli
