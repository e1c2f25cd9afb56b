// `reprise restore TARGET@N`: make an earlier version of a worker's snapshot current again.
#include "commands.hpp"
#include "output.hpp"
#include "run/restore.hpp"
#include "targets.hpp"

#include <fmt/format.h>

namespace reprise::cli {

namespace {

struct RestoreOptions {
  std::string target;
  std::string name; // --name: the worker with this name (TARGET is then only @REV)
  bool json = false;
};

int run_restore(const RestoreOptions& options, const GlobalOptions& global) {
  auto texts = targets_with_name(options.target.empty() ? std::vector<std::string>()
                                                        : std::vector<std::string>{options.target},
                                 options.name, global, "restore");
  if (!texts) {
    return report_error(texts.error(), options.json);
  }
  const std::string text = texts->front();
  auto target = target_of(text, global);
  if (!target) {
    return report_error(target.error(), options.json);
  }
  if (target->is_stdin) {
    return report_error(Error::usage("restore needs a worker, not standard input"), options.json);
  }
  if (target->revision.empty()) {
    return report_error(
        Error::usage(fmt::format("restore needs a version: {}@N, {}@-1 or {}@attempt:K "
                                 "(reprise log {} lists them)",
                                 text, text, text, text)),
        options.json);
  }
  IdSource ids(global.now_ms, global.seed);
  auto report = restore_version(target->path, target->revision, ids);
  if (!report) {
    return report_error(report.error(), options.json);
  }
  if (options.json) {
    print_result(Json{{"target", target->path},
                      {"worker_id", target->worker_id_hint},
                      {"restored", report->restored},
                      {"changed", report->kept != 0},
                      {"version", report->kept == 0 ? Json() : Json(report->kept + 1)},
                      {"replaced", report->kept == 0 ? Json() : Json(report->kept)}});
    return 0;
  }
  if (report->kept == 0) {
    fmt::print("{}\tversion {} is already current; nothing changed\n", target->worker_id_hint,
               report->restored);
  } else {
    fmt::print("{}\trestored version {} as version {} (the replaced one is version {})\n",
               target->worker_id_hint, report->restored, report->kept + 1, report->kept);
  }
  return 0;
}

} // namespace

Command setup_restore(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<RestoreOptions>();
  CLI::App* app = root.add_subcommand(
      "restore", "Make an earlier version of a worker's snapshot current again (undo)");
  app->add_option("target", options->target,
                  "ID@N, ID@-1 or ID@attempt:K (see reprise log); with --name, @N, @-1 or "
                  "@attempt:K");
  app->add_option("--name", options->name, "The worker with this name (instead of ID)");
  app->add_flag("--json", options->json, "Print the outcome as JSON (an envelope)");
  app->footer("The replaced version is kept, so a restore is undone by another.\n\n"
              "Examples:\n"
              "  reprise restore worker_demo@-1\n"
              "  reprise restore worker_demo@2\n"
              "  reprise restore worker_demo@attempt:3\n"
              "  reprise restore --name 'triage bot' @-1\n\n"
              "Exit status:\n"
              "  0   restored (or the version was already current)\n"
              "  2   bad option, or TARGET names no version (@N, @-1, @attempt:K)\n"
              "  66  no such TARGET or version;  73  cannot write the snapshot\n"
              "  75  a reprise runs the worker");
  return {app, [options, &global] { return run_restore(*options, global); }};
}

} // namespace reprise::cli
