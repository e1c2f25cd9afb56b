// `reprise reset TARGET (--task TEXT | --trigger PAYLOAD)`: the snapshot of the worker's next run.
#include "base/file_bytes.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "reset/reset.hpp"
#include "reset_flags.hpp"
#include "run/completion.hpp"
#include "snapshot/history.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"

#include "json/output_sink.hpp"
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise::cli {

namespace {

struct ResetOptions {
  std::string target;
  std::string name;
  ResetFlags reset;
  std::string output;
  bool in_place = false;
  bool dry_run = false;
  bool json = false;
};

// Writes all of `bytes` to standard output; the first errno is kept in `error`.
void write_stdout(std::string_view bytes, int& error) {
  if (error == 0) {
    error = write_through(STDOUT_FILENO, bytes);
  }
}

// The reset snapshot to standard output (with a final newline, unlike the file harn writes).
Result<void> print_snapshot(const JsonNode& root) {
  int error = 0;
  BufferedSink sink([&error](std::string_view bytes) { write_stdout(bytes, error); });
  write_snapshot(sink, root);
  sink.append("\n");
  sink.flush();
  if (error != 0) {
    return fail(ErrorCode::cannot_write, fmt::format("cannot write: {}", std::strerror(error)),
                "<stdout>");
  }
  return {};
}

// Whether the snapshot goes to a file (-o, --in-place, or standard output redirected to one). Only
// then is the source mapped under a lease: a reader at the other end of a pipe (a pager) could
// keep the lease, and with it a writer such as harn, waiting.
bool writes_to_file(const ResetOptions& options) {
  struct stat out {};
  return !options.output.empty() || options.in_place ||
         (::fstat(STDOUT_FILENO, &out) == 0 && S_ISREG(out.st_mode));
}

int run_reset(const ResetOptions& options, const GlobalOptions& global) {
  auto found = target_or_name(options.target, options.name, global);
  if (!found) {
    return report_error(found.error(), options.json);
  }
  const Target& target = *found;
  if (options.in_place) {
    if (auto refused = refuse_revision(target, "reset --in-place"); !refused) {
      return report_error(refused.error(), options.json);
    }
  }
  if (options.in_place && target.is_stdin) {
    return report_error(
        Error{
            ErrorCode::usage, "--in-place needs a snapshot file, not standard input", {}, {}, 0, 0},
        options.json);
  }
  auto request = make_reset_request(options.reset);
  if (!request) {
    return report_error(request.error(), options.json);
  }
  auto snapshot =
      load_target_snapshot(target, writes_to_file(options) ? FileAccess::map : FileAccess::read);
  if (!snapshot) {
    return report_error(snapshot.error(), options.json);
  }
  if (global.verbosity > 0) {
    for (const Warning& warning : snapshot->warnings) {
      report_warning(global,
                     fmt::format("{}: {}: {}", snapshot->path, warning.pointer, warning.message));
    }
  }
  IdSource ids(global.now_ms, global.seed);
  auto reset = plan_reset(*snapshot, *request, ids);
  if (!reset) {
    return report_error(reset.error(), options.json);
  }
  // What the history records about the version replaced (read before the tree goes).
  KeepInfo keep;
  keep.command = "reset";
  keep.now_ms = ids.now_ms();
  keep.status = written_status(*snapshot);
  keep.task = snapshot->task;
  // From here on only the snapshot's bytes are needed: free its parse tree while writing.
  snapshot->document.release_tree();

  if (options.dry_run) {
    if (options.json) {
      fmt::print(
          "{}\n",
          plan_to_json(reset->plan).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      fmt::print("{}", format_plan_text(reset->plan));
    }
    return 0;
  }
  if (options.in_place) {
    // Keyed by the file name, as relaunch, cancel and the locks key it (not by the `id` inside).
    auto kept = keep_version(target.path, snapshot->document.text(), keep);
    if (!kept) {
      return report_error(kept.error(), options.json);
    }
    if (global.verbosity > 0) {
      report_warning(global, fmt::format("previous version kept as {}", *kept));
    }
  }
  Result<void> written = !options.output.empty() ? write_snapshot_file(options.output, reset->root)
                         : options.in_place      ? write_snapshot_file(target.path, reset->root)
                                                 : print_snapshot(reset->root);
  if (!written) {
    return report_error(written.error(), options.json);
  }
  return 0;
}

} // namespace

Command setup_reset(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<ResetOptions>();
  CLI::App* app = root.add_subcommand(
      "reset", "Print the snapshot of the worker's next run, as harn's carry policy makes it");
  app->add_option("target", options->target,
                  "Snapshot path, worker id (or a unique prefix), ID@REV, or - for standard input");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  add_reset_flags(*app, options->reset);
  CLI::Option* output =
      app->add_option("-o,--output", options->output, "Write the snapshot to FILE atomically");
  CLI::Option* in_place = app->add_flag(
      "--in-place", options->in_place,
      "Replace the snapshot atomically, keeping the previous one under .reprise/history/");
  output->excludes(in_place);
  app->add_flag("--dry-run", options->dry_run,
                "Write nothing; print the plan: changed fields, artifact decisions, transcript");
  app->add_flag("--json", options->json, "With --dry-run: the plan as JSON; errors also as JSON");
  app->footer("Example: reprise reset worker_019dda65-d500-7a1b-ac3d-4e5f6a7b8c90 --task 'Next' "
              "--dry-run");
  return {
      app, [options, &global] {
        if (!options->reset.has_entry()) {
          return report_error(
              Error{ErrorCode::usage, "reset needs --task TEXT or --trigger PAYLOAD", {}, {}, 0, 0},
              options->json);
        }
        return run_reset(*options, global);
      }};
}

} // namespace reprise::cli
