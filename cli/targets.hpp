#pragma once

#include "base/error.hpp"
#include "global_options.hpp"
#include "snapshot/session_bundle.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"

#include "json/document.hpp"
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

// How the commands find workers: the state dir (--state-dir, $HARN_WORKER_STATE_DIR, else the
// nearest .harn/workers walking up from the working directory), TARGETs with unique prefixes and
// `@REV` revisions, and --name.
namespace reprise::cli {

// The state dir for this invocation.
std::string state_dir_of(const GlobalOptions& global);

// Resolves TARGET (find_target in the state dir).
Result<Target> target_of(std::string_view text, const GlobalOptions& global);

// The one worker whose `name` is `name` in the state dir: not_found when none, a usage error
// listing them when several.
Result<Target> target_by_name(const std::string& name, const GlobalOptions& global);

// TARGET or --name, whichever was given (a usage error for both or neither).
// TARGETs (each resolved on its own: one that names nothing is its error) or --name: a usage error
// for both or neither. For the commands that take several TARGETs (show, reset).
Result<std::vector<Result<Target>>> targets_or_name(const std::vector<std::string>& texts,
                                                    const std::string& name,
                                                    const GlobalOptions& global);

Result<Target> target_or_name(const std::string& text, const std::string& name,
                              const GlobalOptions& global);

// Whether TARGETs other than revisions may stand beside --name.
enum class BesideName { refused, allowed };

// The TARGETs of a command, with --name: NAME's worker (its path) stands for a TARGET, and a
// TARGET that is only "@REV" names that revision of it (`reprise restore --name NAME @-1`); other
// TARGETs beside --name are a usage error unless `beside` allows them (diff's other side). Without
// --name, `targets` as they are; a usage error naming `command` when there are none.
Result<std::vector<std::string>> targets_with_name(std::vector<std::string> targets,
                                                   const std::string& name,
                                                   const GlobalOptions& global,
                                                   std::string_view command,
                                                   BesideName beside = BesideName::refused);

// The TARGETs of a command given --from-bundle FILE: each worker id as "FILE#ID", or "FILE#" (the
// bundle's only worker) when there are none. `ids` unchanged when `bundle` is empty.
std::vector<std::string> from_bundle(const std::string& bundle, std::vector<std::string> ids);

// Adds --from-bundle FILE to `app`: the TARGETs are then worker ids inside that session bundle.
void add_from_bundle(CLI::App& app, std::string& bundle);

// The session bundle `target` names (in_bundle), checked by harn's bundle rules, and the worker it
// names in it, checked by harn's checkpoint rules. The worker's bytes are a view into the document.
struct BundleTarget {
  Document bundle;
  BundleWorker worker;
  std::string import_path; // where the worker lives once in the state dir
};
Result<BundleTarget> read_bundle_target(const Target& target);

// Brings the worker of a bundle target into the state dir, as harn's import does: written to its
// import path with the sanitized paths restored (restored_bundle_worker). A usage error when a
// file is there already (the worker is in the state dir: name it by id). Returns the path.
Result<std::string> import_bundle_worker(const Target& target);

// How a target is named in messages: its path, with "@REV" when it names a revision.
std::string target_label(const Target& target);

// The target's snapshot document: the file (mapped per `access`), standard input, or the version
// its revision names (read from the history, named "<path>@<number>").
Result<Document> read_target_document(const Target& target, FileAccess access = FileAccess::read);

// read_target_document, loaded as a snapshot under `rules`.
Result<Snapshot> load_target_snapshot(const Target& target, FileAccess access, HarnRules rules);

// find_target in `state_dir` for a command that changes the worker: a revision is a usage error.
Result<Target> current_target_in(std::string_view text, const std::string& state_dir,
                                 std::string_view command);

// current_target_in the state dir of this invocation.
Result<Target> current_target(std::string_view text, const GlobalOptions& global,
                              std::string_view command);

// A usage error when `target` names a revision and `command` only works on the current version.
Result<void> refuse_revision(const Target& target, std::string_view command);

} // namespace reprise::cli
