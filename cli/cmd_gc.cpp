// `reprise gc [TARGET...] [--keep N] [--older-than DUR]`: compact history, prune history, run
// ledgers and logs.
#include "auto_gc.hpp"
#include "base/duration.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "run/state_gc.hpp"
#include "snapshot/history.hpp"
#include "snapshot/state_layout.hpp"
#include "targets.hpp"

#include <chrono>
#include <fmt/format.h>

namespace reprise::cli {

namespace {

struct GcOptions {
  std::vector<std::string> targets;
  std::string name;
  bool automatic = false;
  std::optional<std::size_t> keep;
  std::string older_than;
  bool json = false;
};

std::string human_bytes(std::uint64_t bytes) {
  if (bytes >= 1000 * 1000) {
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
  }
  if (bytes >= 1000) {
    return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
  }
  return fmt::format("{} B", bytes);
}

int run_gc(const GcOptions& options, const GlobalOptions& global) {
  if (options.automatic) {
    lower_priority();
  }
  GcRequest request;
  request.keep = options.keep;
  if (!options.name.empty() && !options.targets.empty()) {
    return report_error(Error::usage("give TARGET or --name, not both"), options.json);
  }
  if (!options.name.empty()) {
    auto target = target_by_name(options.name, global);
    if (!target) {
      return report_error(target.error(), options.json);
    }
    request.keys.push_back(worker_key_for_snapshot(target->path));
  }
  for (const std::string& text : options.targets) {
    auto target = current_target(text, global, "gc");
    if (!target) {
      return report_error(target.error(), options.json);
    }
    if (target->is_stdin) {
      return report_error(Error::usage("gc needs a worker, not standard input"), options.json);
    }
    request.keys.push_back(worker_key_for_snapshot(target->path));
  }
  if (!options.older_than.empty()) {
    auto age = parse_duration(options.older_than);
    if (!age) {
      return report_error(age.error(), options.json);
    }
    const std::int64_t now = global.now_ms
                                 ? *global.now_ms
                                 : std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count();
    request.cutoff_ms = now - age->count();
  }
  if (!request.keep && !request.cutoff_ms) {
    request.keep = k_default_history_keep;
  }
  auto report = collect_garbage(state_dir_of(global), request);
  if (!report) {
    return report_error(report.error(), options.json);
  }
  for (const std::string& key : report->running) {
    report_warning(global, fmt::format("{} is running: left as it is", key));
  }
  if (options.json) {
    print_result(Json{{"compacted", report->compacted},
                      {"compacted_bytes", report->compacted_bytes},
                      {"versions", report->versions},
                      {"attempts", report->attempts},
                      {"workers", report->workers},
                      {"bytes", report->bytes},
                      {"running", report->running},
                      {"temporaries", report->temporaries},
                      {"temporary_bytes", report->temporary_bytes}});
    return 0;
  }
  if (report->compacted > 0) {
    fmt::print("compressed {} version{}, {} saved\n", report->compacted,
               report->compacted == 1 ? "" : "s", human_bytes(report->compacted_bytes));
  }
  fmt::print("removed {} version{} and the logs of {} attempt{} from {} worker{}, {} freed\n",
             report->versions, report->versions == 1 ? "" : "s", report->attempts,
             report->attempts == 1 ? "" : "s", report->workers, report->workers == 1 ? "" : "s",
             human_bytes(report->bytes));
  if (report->temporaries > 0) {
    fmt::print("removed {} temporary file{} left by killed writers, {} freed\n",
               report->temporaries, report->temporaries == 1 ? "" : "s",
               human_bytes(report->temporary_bytes));
  }
  return 0;
}

} // namespace

Command setup_gc(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<GcOptions>();
  CLI::App* app = root.add_subcommand(
      "gc", "Compress and prune the state dir's history, prune run ledgers and logs (.reprise/)");
  app->add_option("target", options->targets,
                  "Only these workers (ID, unique prefix or path; default: every worker)");
  app->add_option("--name", options->name, "Only the worker with this name");
  app->add_flag("--auto", options->automatic,
                "What a write starts by itself: at the lowest CPU and I/O priority");
  app->add_option("--keep", options->keep,
                  fmt::format("Versions and attempts kept per worker (default {}, also the "
                              "retention every write applies)",
                              k_default_history_keep));
  app->add_option("--older-than", options->older_than,
                  "Remove versions and attempts older than DUR (e.g. 7d, 12h), beyond --keep")
      ->type_name("DUR");
  app->add_flag("--json", options->json, "Print what was removed as JSON (an envelope)");
  app->footer("Versions are kept uncompressed when a write replaces them; gc compresses them "
              "(a write also starts 'gc --auto' in the background once a worker has more than "
              "two, or 64 MiB, of them; REPRISE_AUTO_GC=off stops that, =wait waits for it). "
              "A worker a reprise runs is compressed but not pruned; the newest attempt and any "
              "full version a kept delta needs always stay.\n\n"
              "Examples:\n"
              "  reprise gc\n"
              "  reprise gc worker_demo\n"
              "  reprise gc --keep 5 --older-than 7d\n\n"
              "Exit status:\n"
              "  0   pruned (or nothing to prune)\n"
              "  2   bad option\n"
              "  73  cannot remove from the state dir");
  return {app, [options, &global] { return run_gc(*options, global); }};
}

} // namespace reprise::cli
