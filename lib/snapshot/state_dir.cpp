#include "snapshot/state_dir.hpp"

#include "base/atomic_file.hpp"
#include "snapshot/session_bundle.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fmt/format.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace reprise {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_json_suffix = ".json";
constexpr std::size_t k_max_candidates_shown = 10;

// `dir/name`, without doubling a trailing slash and without "./" for an empty dir.
std::string join(const std::string& dir, std::string_view name) {
  if (dir.empty()) {
    return std::string(name);
  }
  if (dir.back() == '/') {
    return dir + std::string(name);
  }
  return fmt::format("{}/{}", dir, name);
}

} // namespace

std::string resolve_state_dir(const std::string& flag, const std::string& environment) {
  if (!flag.empty()) {
    return flag;
  }
  if (!environment.empty()) {
    return environment;
  }
  return ".harn/workers";
}

std::string find_state_dir(const std::string& flag, const std::string& env_value,
                           const std::string& cwd) {
  if (!flag.empty()) {
    return flag;
  }
  if (!env_value.empty()) {
    return env_value;
  }
  std::error_code ec;
  fs::path dir = fs::path(cwd);
  if (!cwd.empty()) {
    for (bool first = true;; first = false) {
      if (fs::is_directory(dir / ".harn" / "workers", ec)) {
        return first ? std::string(".harn/workers") : (dir / ".harn" / "workers").string();
      }
      if (!dir.has_relative_path()) {
        break; // the root
      }
      dir = dir.parent_path();
    }
  }
  return ".harn/workers";
}

std::pair<std::string_view, std::string_view> split_revision(std::string_view text) {
  const std::size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0) {
    return {text, {}};
  }
  std::string_view rev = text.substr(at + 1);
  std::string_view digits = rev;
  if (digits.starts_with("attempt:")) {
    digits.remove_prefix(8);
  } else if (digits.starts_with('-')) {
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return {text, {}};
  }
  return {text.substr(0, at), rev};
}

Result<Target> find_target(std::string_view text, const std::string& state_dir) {
  if (auto bundle = split_bundle_target(text)) {
    Target target = resolve_target(bundle->first, state_dir);
    target.worker_id_hint = std::string(bundle->second);
    target.in_bundle = true;
    target.bundle_worker = std::string(bundle->second);
    target.state_dir = state_dir;
    return target;
  }
  auto [name, revision] = split_revision(text);
  Target target = resolve_target(name, state_dir);
  target.revision = std::string(revision);
  if (target.is_stdin || name.find('/') != std::string_view::npos ||
      name.ends_with(k_json_suffix)) {
    return target;
  }
  std::error_code ec;
  if (fs::exists(target.path, ec)) {
    return target;
  }
  std::vector<std::string> candidates;
  for (const std::string& path : list_snapshot_files(state_dir)) {
    const std::string key = worker_key_for_snapshot(path);
    if (key.starts_with(name) ||
        (key.starts_with("worker_") && std::string_view(key).substr(7).starts_with(name))) {
      candidates.push_back(key);
    }
  }
  if (candidates.size() == 1) {
    Target found = resolve_target(candidates.front(), state_dir);
    found.revision = std::string(revision);
    return found;
  }
  if (candidates.size() > 1) {
    std::string list;
    for (std::size_t i = 0; i < candidates.size() && i < k_max_candidates_shown; ++i) {
      list += fmt::format("{}{}", i == 0 ? " " : ", ", candidates[i]);
    }
    if (candidates.size() > k_max_candidates_shown) {
      list += fmt::format(" and {} more", candidates.size() - k_max_candidates_shown);
    }
    return fail(ErrorCode::usage,
                fmt::format("'{}' is ambiguous: {} workers start with it:{}; give more of the id",
                            name, candidates.size(), list));
  }
  return target;
}

Target resolve_target(std::string_view target, const std::string& state_dir) {
  if (target == "-") {
    return Target{{}, {}, true, {}, false, {}, {}};
  }
  if (target.find('/') != std::string_view::npos || target.ends_with(k_json_suffix)) {
    std::string_view name = target.substr(target.rfind('/') + 1);
    if (name.ends_with(k_json_suffix)) {
      name.remove_suffix(k_json_suffix.size());
    }
    return Target{std::string(target), std::string(name), false, {}, false, {}, {}};
  }
  return Target{join(state_dir, fmt::format("{}{}", target, k_json_suffix)),
                std::string(target),
                false,
                {},
                false,
                {},
                {}};
}

std::optional<FileIdentity> file_identity(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return std::nullopt;
  }
  FileIdentity identity;
  identity.device = st.st_dev;
  identity.inode = st.st_ino;
  identity.size = st.st_size;
  identity.mtime_ns =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  identity.links = st.st_nlink;
  return identity;
}

std::vector<std::string> list_snapshot_files(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().native();
    if (name.starts_with('.') || !name.ends_with(k_json_suffix)) {
      continue;
    }
    std::error_code type_ec;
    if (it->is_regular_file(type_ec)) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const std::string& name : names) {
    paths.push_back(join(dir, name));
  }
  return paths;
}

} // namespace reprise
