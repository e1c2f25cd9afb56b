#include "targets.hpp"

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

std::string target_label(const Target& target) {
  const std::string path = target.is_stdin ? "<stdin>" : target.path;
  return target.revision.empty() ? path : fmt::format("{}@{}", path, target.revision);
}

Result<Document> read_target_document(const Target& target, FileAccess access) {
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
  if (!target.revision.empty()) {
    return fail(ErrorCode::usage,
                fmt::format("{} works on the current version; '@{}' names an earlier one "
                            "(reprise restore makes it current)",
                            command, target.revision));
  }
  return {};
}

} // namespace reprise::cli
