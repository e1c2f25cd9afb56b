#include "targets.hpp"

#include "run/completion.hpp"
#include "snapshot/history.hpp"
#include "snapshot/snapshot_peek.hpp"

#include <filesystem>
#include <fmt/format.h>

namespace reprise::cli {

std::string state_dir_of(const GlobalOptions& global) {
  // --state-dir and $HARN_WORKER_STATE_DIR are one option (main reads the variable through the
  // parser, ->envname): either wins over the walk up from the working directory.
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  return find_state_dir(global.state_dir, {}, ec ? std::string() : cwd);
}

Result<Target> target_of(std::string_view text, const GlobalOptions& global) {
  return find_target(text, state_dir_of(global));
}

Result<Target> target_by_name(const std::string& name, const GlobalOptions& global) {
  const std::string dir = state_dir_of(global);
  auto peeks = peek_state_dir(dir);
  if (!peeks) {
    return std::unexpected(peeks.error());
  }
  std::vector<std::string> found;
  for (const SnapshotPeek& peek : *peeks) {
    if (peek.state == PeekState::ok && peek.name == name) {
      found.push_back(peek.path);
    }
  }
  if (found.empty()) {
    return fail(ErrorCode::not_found, fmt::format("no worker named '{}'", name), dir);
  }
  if (found.size() > 1) {
    std::string list;
    for (const std::string& path : found) {
      list += fmt::format("{}{}", list.empty() ? " " : ", ", worker_key_for_snapshot(path));
    }
    return fail(ErrorCode::usage, fmt::format("{} workers are named '{}':{}; name one by id",
                                              found.size(), name, list));
  }
  return resolve_target(found.front(), dir);
}

Result<std::vector<Result<Target>>> targets_or_name(const std::vector<std::string>& texts,
                                                    const std::string& name,
                                                    const GlobalOptions& global) {
  if (!texts.empty() && !name.empty()) {
    return fail(ErrorCode::usage, "give TARGET or --name, not both");
  }
  std::vector<Result<Target>> targets;
  if (!name.empty()) {
    targets.push_back(target_by_name(name, global));
    return targets;
  }
  if (texts.empty()) {
    return fail(ErrorCode::usage, "TARGET (or --name NAME) is required");
  }
  const std::string state_dir = state_dir_of(global);
  for (const std::string& text : texts) {
    targets.push_back(find_target(text, state_dir));
  }
  return targets;
}

Result<Target> target_or_name(const std::string& text, const std::string& name,
                              const GlobalOptions& global) {
  if (!text.empty() && !name.empty()) {
    return fail(ErrorCode::usage, "give TARGET or --name, not both");
  }
  if (!name.empty()) {
    return target_by_name(name, global);
  }
  if (text.empty()) {
    return fail(ErrorCode::usage, "TARGET (or --name NAME) is required");
  }
  return target_of(text, global);
}

Result<std::vector<std::string>> targets_with_name(std::vector<std::string> targets,
                                                   const std::string& name,
                                                   const GlobalOptions& global,
                                                   std::string_view command, BesideName beside) {
  if (name.empty()) {
    if (targets.empty()) {
      return fail(ErrorCode::usage, fmt::format("{} needs a TARGET (or --name NAME)", command));
    }
    return targets;
  }
  auto named = target_by_name(name, global);
  if (!named) {
    return std::unexpected(named.error());
  }
  bool revision = false;
  for (std::string& text : targets) {
    if (text.starts_with('@')) {
      text = named->path + text;
      revision = true;
    } else if (beside == BesideName::refused) {
      return fail(ErrorCode::usage, "give TARGET or --name, not both (with --name, @REV names a "
                                    "version of that worker)");
    }
  }
  if (!revision) {
    targets.insert(targets.begin(), named->path);
  }
  return targets;
}

std::vector<std::string> from_bundle(const std::string& bundle, std::vector<std::string> ids) {
  if (bundle.empty()) {
    return ids;
  }
  if (ids.empty()) {
    ids.emplace_back();
  }
  for (std::string& id : ids) {
    id = fmt::format("{}#{}", bundle, id);
  }
  return ids;
}

void add_from_bundle(CLI::App& app, std::string& bundle) {
  app.add_option("--from-bundle", bundle,
                 "Read the workers from this harn session bundle: TARGETs are worker ids in it "
                 "(none: its only worker); the same as FILE#ID")
      ->type_name("FILE");
}

Result<BundleTarget> read_bundle_target(const Target& target) {
  auto bundle = Document::read_file(target.path);
  if (!bundle) {
    return std::unexpected(bundle.error());
  }
  if (auto checked = check_session_bundle(*bundle); !checked) {
    return std::unexpected(checked.error());
  }
  auto worker = find_bundle_worker(*bundle, target.bundle_worker);
  if (!worker) {
    return std::unexpected(worker.error());
  }
  std::string import_path = bundle_import_path(target.state_dir, worker->worker_id);
  return BundleTarget{std::move(*bundle), std::move(*worker), std::move(import_path)};
}

Result<std::string> import_bundle_worker(const Target& target) {
  auto found = read_bundle_target(target);
  if (!found) {
    return std::unexpected(found.error());
  }
  std::error_code ec;
  if (std::filesystem::exists(found->import_path, ec)) {
    return fail(ErrorCode::usage,
                fmt::format("{}: worker '{}' is in the state dir already ({}); name it by id",
                            target_label(target), found->worker.worker_id, found->import_path));
  }
  std::filesystem::create_directories(target.state_dir, ec);
  auto written = write_snapshot_file(found->import_path,
                                     restored_bundle_worker(found->worker, found->import_path));
  if (!written) {
    return std::unexpected(written.error());
  }
  return found->import_path;
}

std::string target_label(const Target& target) {
  if (target.in_bundle) {
    return fmt::format("{}#{}", target.path, target.bundle_worker);
  }
  const std::string path = target.is_stdin ? "<stdin>" : target.path;
  return target.revision.empty() ? path : fmt::format("{}@{}", path, target.revision);
}

Result<Document> read_target_document(const Target& target, FileAccess access) {
  if (target.in_bundle) {
    auto found = read_bundle_target(target);
    if (!found) {
      return std::unexpected(found.error());
    }
    return Document::from_string(found->worker.value, target_label(target));
  }
  if (target.is_stdin) {
    if (!target.revision.empty()) {
      return fail(ErrorCode::usage, "standard input has no revisions");
    }
    return Document::read_stdin();
  }
  if (target.revision.empty()) {
    return Document::read_file(target.path, access);
  }
  auto ref = resolve_revision(target.path, target.revision);
  if (!ref) {
    return std::unexpected(ref.error());
  }
  if (!ref->in_history) {
    return Document::read_file(ref->file, access);
  }
  auto bytes = read_revision(target.path, *ref);
  if (!bytes) {
    return std::unexpected(bytes.error());
  }
  return Document::from_string(*bytes, fmt::format("{}@{}", target.path, ref->number));
}

Result<Snapshot> load_target_snapshot(const Target& target, FileAccess access, HarnRules rules) {
  if (target.in_bundle) {
    auto found = read_bundle_target(target);
    if (!found) {
      return std::unexpected(found.error());
    }
    return load_bundle_worker(found->bundle, found->worker, found->import_path, rules);
  }
  if (target.revision.empty()) {
    return load_snapshot_file(target.is_stdin ? "-" : target.path, access, rules);
  }
  auto document = read_target_document(target, access);
  if (!document) {
    return std::unexpected(document.error());
  }
  return load_snapshot(std::move(*document), rules);
}

Result<Target> current_target_in(std::string_view text, const std::string& state_dir,
                                 std::string_view command) {
  auto target = find_target(text, state_dir);
  if (!target) {
    return target;
  }
  if (auto refused = refuse_revision(*target, command); !refused) {
    return std::unexpected(refused.error());
  }
  return target;
}

Result<Target> current_target(std::string_view text, const GlobalOptions& global,
                              std::string_view command) {
  return current_target_in(text, state_dir_of(global), command);
}

Result<void> refuse_revision(const Target& target, std::string_view command) {
  if (target.in_bundle) {
    return fail(ErrorCode::usage,
                fmt::format("{} works on a worker in the state dir; '{}' is in a session bundle "
                            "(relaunch brings it in)",
                            command, target_label(target)));
  }
  if (!target.revision.empty()) {
    return fail(ErrorCode::usage,
                fmt::format("{} works on the current version; '@{}' names an earlier one "
                            "(reprise restore makes it current)",
                            command, target.revision));
  }
  return {};
}

} // namespace reprise::cli
