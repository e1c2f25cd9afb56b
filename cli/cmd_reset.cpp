// `reprise reset TARGET (--task TEXT | --trigger PAYLOAD)`: the snapshot of the worker's next run.
#include "base/atomic_file.hpp"
#include "base/file_bytes.hpp"
#include "base/text.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "reset/reset.hpp"
#include "reset_flags.hpp"
#include "run/completion.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/history.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"
#include "targets.hpp"
#include "terminal.hpp"

#include "json/output_sink.hpp"
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise::cli {

namespace {

struct ResetOptions {
  std::vector<std::string> targets;
  std::string name;
  ResetFlags reset;
  std::string output;
  std::string bundle;      // --from-bundle: TARGETs are worker ids in this session bundle
  std::string into_bundle; // --into-bundle: a copy of the bundle with the reset worker in it
  bool to_state_dir = false;
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
  return !options.output.empty() || options.in_place || options.to_state_dir ||
         !options.into_bundle.empty() ||
         (::fstat(STDOUT_FILENO, &out) == 0 && S_ISREG(out.st_mode));
}

// --into-bundle: the bundle of `target` with its worker replaced by `root` (a checkpoint harn can
// resume, session_bundle.hpp), written atomically to `out`; every other byte of the bundle kept.
Result<void> write_into_bundle(const Target& target, const std::string& out, JsonNode root) {
  auto found = read_bundle_target(target);
  if (!found) {
    return std::unexpected(found.error());
  }
  auto text = bundle_with_worker(found->bundle, found->worker, std::move(root));
  if (!text) {
    return std::unexpected(text.error());
  }
  return write_file_atomically(out, *text);
}

// --to-state-dir: the reset worker written at `path`, its place in the state dir, which must be
// free (a worker there already is reset there, by id).
Result<void> write_to_state_dir(const Target& target, const std::string& path,
                                const JsonNode& root) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return fail(ErrorCode::usage,
                fmt::format("{}: a worker is in the state dir already at {}; reset it by id",
                            target_label(target), path));
  }
  std::filesystem::create_directories(target.state_dir, ec);
  return write_snapshot_file(path, root);
}

// Resets one TARGET; with --json its row for the envelope is appended to `rows`.
std::optional<Error> reset_one(const ResetOptions& options, const GlobalOptions& global,
                               const Target& target, const ResetRequest& request_value,
                               Json& rows) {
  const ResetRequest* request = &request_value;
  if (options.in_place) {
    if (auto refused = refuse_revision(target, "reset --in-place"); !refused) {
      return refused.error();
    }
  }
  if (options.in_place && target.is_stdin) {
    return Error::usage("--in-place needs a snapshot file, not standard input");
  }
  if ((options.to_state_dir || !options.into_bundle.empty()) && !target.in_bundle) {
    return Error::usage(fmt::format("{} is for a worker in a session bundle (FILE#ID); '{}' is not",
                                    options.to_state_dir ? "--to-state-dir" : "--into-bundle",
                                    target_label(target)));
  }
  // --in-place writes the worker's file like every writer: under its worker lock (busy, exit 75,
  // while a relaunch runs it or another reset writes it) and its edit lock (a cancel or suspend
  // editing it finishes first), both taken before the read so no update is lost.
  std::optional<WorkerLock> worker_lock;
  std::optional<SnapshotEditLock> edit_lock;
  if (options.in_place) {
    auto locked = lock_snapshot(target.path);
    if (!locked) {
      return locked.error();
    }
    worker_lock.emplace(std::move(*locked));
    auto editing = SnapshotEditLock::acquire(state_dir_for_snapshot(target.path),
                                             worker_key_for_snapshot(target.path));
    if (!editing) {
      return editing.error();
    }
    edit_lock.emplace(std::move(*editing));
  }
  auto snapshot = load_target_snapshot(
      target, writes_to_file(options) ? FileAccess::map : FileAccess::read, request->rules);
  if (!snapshot) {
    return snapshot.error();
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
    return reset.error();
  }
  if (target.in_bundle && options.into_bundle.empty()) {
    // Read from a bundle, the worker is reset as the one at its place in the state dir: a reset
    // records that path as snapshot_path, and harn's import restores suspension.snapshot_ref too.
    if (JsonNode* suspension = reset->root.object_member("suspension")) {
      suspension->set_value("snapshot_ref", snapshot->path);
    }
  }
  // What the history records about the version replaced (read before the tree goes).
  KeepInfo keep;
  keep.command = "reset";
  keep.now_ms = ids.now_ms();
  keep.status = written_status(*snapshot).value_or("");
  keep.task = snapshot->task;
  // From here on only the snapshot's bytes are needed: free its parse tree while writing.
  snapshot->document.release_tree();

  if (options.dry_run) {
    if (options.json) {
      rows.push_back(plan_to_json(reset->plan));
    } else {
      fmt::print("{}", escape_control(format_plan_text(reset->plan), true));
    }
    return std::nullopt;
  }
  std::string kept_path;
  if (options.in_place) {
    // Keyed by the file name, as relaunch, cancel and the locks key it (not by the `id` inside).
    auto kept = keep_version(target.path, snapshot->document.text(), keep);
    if (!kept) {
      return kept.error();
    }
    kept_path = *kept;
    if (global.verbosity > 0) {
      report_warning(global, fmt::format("previous version kept as {}", *kept));
    }
  }
  std::string written_path = options.in_place ? target.path : options.output;
  Result<void> written;
  if (!options.into_bundle.empty()) {
    written = write_into_bundle(target, options.into_bundle, std::move(reset->root));
    written_path = options.into_bundle;
  } else if (options.to_state_dir) {
    written = write_to_state_dir(target, snapshot->path, reset->root);
    written_path = snapshot->path;
  } else {
    written = !options.output.empty() ? write_snapshot_file(options.output, reset->root)
              : options.in_place      ? write_snapshot_file(target.path, reset->root)
                                      : print_snapshot(reset->root);
  }
  if (!written) {
    return written.error();
  }
  if (options.json) {
    rows.push_back(Json{{"target", target.is_stdin ? "<stdin>" : target_label(target)},
                        {"written", written_path},
                        {"history", kept_path.empty() ? Json() : Json(kept_path)}});
  }
  return std::nullopt;
}

int run_reset(const ResetOptions& options, const GlobalOptions& global) {
  if (options.targets.size() > 1 && !options.dry_run) {
    return report_error(
        Error::usage("several TARGETs need --dry-run (one snapshot is written at a time)"),
        options.json);
  }
  if (options.json && !options.dry_run && !options.in_place && options.output.empty() &&
      !options.to_state_dir && options.into_bundle.empty()) {
    return report_error(
        Error::usage("--json needs --dry-run, --output, --in-place, --to-state-dir or "
                     "--into-bundle (the reset snapshot printed is JSON already)"),
        options.json);
  }
  auto request = make_reset_request(options.reset, global.harn);
  if (!request) {
    return report_error(request.error(), options.json);
  }
  // TARGETs (unique prefixes, ID@REV) or --name.
  auto resolved =
      targets_or_name(from_bundle(options.bundle, options.targets), options.name, global);
  if (!resolved) {
    return report_error(resolved.error(), options.json);
  }
  const std::vector<Result<Target>>& targets = *resolved;
  Json rows = Json::array();
  std::optional<Error> first_error;
  for (const Result<Target>& target : targets) {
    std::optional<Error> error =
        target ? reset_one(options, global, *target, *request, rows) : target.error();
    if (error) {
      if (!options.json) {
        std::fflush(stdout);
        report_error(*error, false);
      }
      if (!first_error) {
        first_error = std::move(error);
      }
    }
  }
  if (options.json) {
    if (first_error) {
      return report_error_with_data(*first_error, rows);
    }
    print_result(rows);
  }
  return first_error ? first_error->exit_code() : 0;
}

} // namespace

Command setup_reset(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<ResetOptions>();
  CLI::App* app = root.add_subcommand(
      "reset", "Print the snapshot of the worker's next run, as harn's carry policy makes it");
  app->add_option("targets", options->targets,
                  "Snapshot path, worker id (or a unique prefix), ID@REV, or - for standard input "
                  "(several with --dry-run)");
  app->add_option("--name", options->name, "The worker with this name (instead of TARGET)");
  add_reset_flags(*app, options->reset);
  CLI::Option* output =
      app->add_option("-o,--output", options->output, "Write the snapshot to FILE atomically");
  CLI::Option* in_place = app->add_flag(
      "--in-place", options->in_place,
      "Replace the snapshot atomically, keeping the previous one under .reprise/history/");
  add_from_bundle(*app, options->bundle);
  CLI::Option* to_state_dir = app->add_flag(
      "--to-state-dir", options->to_state_dir,
      "For a worker in a session bundle: write it to <state dir>/<id>.json, its paths restored");
  CLI::Option* into_bundle =
      app->add_option("--into-bundle", options->into_bundle,
                      "For a worker in a session bundle: write a copy of the bundle with the "
                      "reset worker in it (suspended, as harn resumes it) to OUT (may be the "
                      "bundle itself)")
          ->type_name("OUT");
  output->excludes(in_place);
  output->excludes(to_state_dir);
  output->excludes(into_bundle);
  in_place->excludes(to_state_dir);
  in_place->excludes(into_bundle);
  to_state_dir->excludes(into_bundle);
  app->add_flag("--dry-run", options->dry_run,
                "Write nothing; print the plan: changed fields, artifact decisions, transcript");
  app->add_flag("--json", options->json,
                "With --dry-run: the plans as JSON (an envelope); with --output or --in-place: "
                "what was written");
  app->footer("Examples:\n"
              "  reprise reset worker_demo --task 'Try again' --dry-run\n"
              "  reprise reset worker_a worker_b --task 'Try again' --dry-run --json\n"
              "  reprise reset worker_demo --task 'Try again' --in-place\n"
              "  reprise reset worker_demo --trigger '{\"event\": \"retry\"}' -o next.json\n"
              "  reprise reset run.bundle.json#worker_1 --task 'Try again' --into-bundle "
              "next.bundle.json\n\n"
              "Exit status:\n"
              "  0   done (or planned, with --dry-run)\n"
              "  2   bad option, or the worker cannot take that entry (harn's rules)\n"
              "  65  invalid snapshot;  66  no such TARGET;  73  cannot write the output\n"
              "  75  the worker runs, or another reprise holds its lock");
  return {app, [options, &global] {
            if (!options->reset.has_entry()) {
              return report_error(Error::usage("reset needs --task TEXT or --trigger PAYLOAD"),
                                  options->json);
            }
            return run_reset(*options, global);
          }};
}

} // namespace reprise::cli
