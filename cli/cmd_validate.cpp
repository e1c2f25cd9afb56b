// `reprise validate TARGET... [--json]`: checks snapshots against harn's loader rules.
#include "base/exit_code.hpp"
#include "base/text.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/worker_summary.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <vector>

namespace reprise::cli {

namespace {

struct ValidateOptions {
  std::vector<std::string> targets;
  std::string name;   // --name: the worker with this name
  std::string bundle; // --from-bundle
  bool json = false;
  bool jsonl = false;
};

int run_validate(const ValidateOptions& options, const GlobalOptions& global) {
  const std::string state_dir = state_dir_of(global);
  bool any_invalid = false;
  bool any_unreadable = false;
  const bool json = options.json || options.jsonl;
  Json rows = Json::array();
  auto targets = targets_with_name(from_bundle(options.bundle, options.targets), options.name,
                                   global, "validate");
  if (!targets) {
    return report_error(targets.error(), json);
  }
  for (const std::string& argument : *targets) {
    auto found = find_target(argument, state_dir);
    if (!found) {
      return report_error(found.error(), options.json); // an ambiguous prefix: ask again
    }
    const Target& target = *found;
    const std::string file = target_label(target);
    if (target.revision.empty() && !target.is_stdin && !target.in_bundle) {
      const std::filesystem::path path(target.path);
      report_stale_temps(global, path.has_parent_path() ? path.parent_path().string() : ".",
                         path.filename().string());
    }
    // The warnings, or why the snapshot did not load. The snapshot itself (and the read lease on
    // its file) is gone before anything is printed, so a reader that is slow to read our output
    // never holds up a writer of the file.
    const Result<std::vector<Warning>> snapshot = [&]() -> Result<std::vector<Warning>> {
      auto loaded = load_target_snapshot(target, FileAccess::map, global.harn);
      if (!loaded) {
        return std::unexpected(loaded.error());
      }
      std::vector<Warning> found_warnings = std::move(loaded->warnings);
      if (live_run_owner(*loaded)) {
        // A live reprise runs it: "running" is true, harn's repair does not apply.
        std::erase_if(found_warnings, [](const Warning& w) { return w.pointer == "/status"; });
      }
      return found_warnings;
    }();
    std::vector<Warning> warnings;
    if (snapshot) {
      warnings = *snapshot;
    } else {
      if (snapshot.error().code == ErrorCode::usage) {
        return report_error(snapshot.error(), options.json); // FILE# of several workers: ask again
      }
      if (!json) {
        report_error(snapshot.error(), false);
      }
      (snapshot.error().code == ErrorCode::not_found ? any_unreadable : any_invalid) = true;
    }
    const char* state = snapshot                                        ? "ok"
                        : snapshot.error().code == ErrorCode::not_found ? "unreadable"
                                                                        : "invalid";
    if (json) {
      // A finding, not a failure of validate: the row says it, the exit status sums it up.
      Json line = {{"file", file}, {"status", state}, {"harn_rules", to_string(global.harn)}};
      line["warnings"] = Json::array();
      for (const Warning& warning : warnings) {
        line["warnings"].push_back({{"pointer", warning.pointer}, {"message", warning.message}});
      }
      line["error"] = snapshot ? Json(nullptr) : error_json(snapshot.error());
      if (options.jsonl) {
        print_json_line(line);
      } else {
        rows.push_back(std::move(line));
      }
      continue;
    }
    if (warnings.empty()) {
      fmt::print("{}: {}\n", escape_control(file), state);
      continue;
    }
    fmt::print("{}: ok, {} warning{}\n", escape_control(file), warnings.size(),
               warnings.size() == 1 ? "" : "s");
    for (const Warning& warning : warnings) {
      fmt::print("  warning: {}: {}\n",
                 escape_control(warning.pointer.empty() ? "/" : warning.pointer),
                 escape_control(warning.message));
    }
  }
  if (options.json) {
    print_result(rows);
  }
  // A target that cannot be read at all is the stronger failure: 66 before 65.
  if (any_unreadable) {
    return exit_code::k_not_found;
  }
  return any_invalid ? exit_code::k_invalid_snapshot : exit_code::k_success;
}

} // namespace

Command setup_validate(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* app = root.add_subcommand(
      "validate", "Check snapshots against harn's loader rules: errors and silent repairs");
  app->add_option("targets", options->targets,
                  "Snapshot paths, worker ids, or - for standard input");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  add_from_bundle(*app, options->bundle);
  CLI::Option* json = app->add_flag(
      "--json", options->json, "Print the findings as JSON (an envelope; data: one row a target)");
  app->add_flag("--jsonl", options->jsonl, "Print one JSON row a target, one a line, as checked")
      ->excludes(json);
  app->footer("Examples:\n"
              "  reprise validate .harn/workers/*.json\n"
              "  reprise validate worker_demo --json | jq '.data[] | select(.status != \"ok\")'\n"
              "  reprise validate --from-bundle run.bundle.json worker_1\n\n"
              "Exit status:\n"
              "  0   every snapshot loads (warnings name harn's silent repairs)\n"
              "  65  a snapshot is not valid JSON or breaks harn's loader rules\n"
              "  66  a TARGET does not exist or cannot be read (wins over 65)");
  return {app, [options, &global] { return run_validate(*options, global); }};
}

} // namespace reprise::cli
