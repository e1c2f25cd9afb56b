#include "snapshot/state_dir.hpp"

#include "base/atomic_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace reprise {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_json_suffix = ".json";
constexpr int k_max_history_attempts = 100;

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

// The number n of a history entry named "<n>.json", or 0 for any other name.
std::uint64_t history_number(std::string_view name) {
  if (!name.ends_with(k_json_suffix)) {
    return 0;
  }
  name.remove_suffix(k_json_suffix.size());
  if (name.empty() || name.size() > 18) {
    return 0;
  }
  std::uint64_t n = 0;
  for (const char c : name) {
    if (c < '0' || c > '9') {
      return 0;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// The highest n of the "<n>.json" files in `dir`, 0 when there are none.
std::uint64_t highest_history_number(const std::string& dir) {
  std::uint64_t highest = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    highest = std::max(highest, history_number(it->path().filename().native()));
  }
  return highest;
}

} // namespace

std::string resolve_state_dir(const std::string& flag) {
  if (!flag.empty()) {
    return flag;
  }
  if (const char* env = std::getenv("HARN_WORKER_STATE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return ".harn/workers";
}

Target resolve_target(std::string_view target, const std::string& state_dir) {
  if (target == "-") {
    return Target{{}, {}, true};
  }
  if (target.find('/') != std::string_view::npos || target.ends_with(k_json_suffix)) {
    std::string_view name = target.substr(target.rfind('/') + 1);
    if (name.ends_with(k_json_suffix)) {
      name.remove_suffix(k_json_suffix.size());
    }
    return Target{std::string(target), std::string(name), false};
  }
  return Target{join(state_dir, fmt::format("{}{}", target, k_json_suffix)), std::string(target),
                false};
}

namespace {

// Keeps the history entry as a hard link to `source` or, when that is not possible, as a copy.
Result<std::string> keep_history_entry(const std::string& state_dir, const std::string& worker_id,
                                       std::string_view bytes, const std::string* source,
                                       const FileIdentity* source_identity) {
  // The id comes from a snapshot: it must not lead the history out of the state dir.
  if (worker_id.empty() || worker_id == "." || worker_id == ".." ||
      worker_id.find('/') != std::string::npos) {
    return fail(ErrorCode::cannot_write,
                fmt::format("cannot keep history: worker id '{}' is not a file name", worker_id),
                state_dir);
  }
  const std::string dir = history_dir(state_dir, worker_id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCode::cannot_write,
                fmt::format("cannot create the history directory: {}", ec.message()), dir);
  }
  // A second link would make the entry change with whatever else the inode is reachable as.
  bool try_link = source != nullptr && source_identity->links == 1;
  // Another process may take the same number between the scan and the link; then scan again.
  for (int attempt = 0; attempt < k_max_history_attempts; ++attempt) {
    const std::string path =
        join(dir, fmt::format("{}{}", highest_history_number(dir) + 1, k_json_suffix));
    if (try_link) {
      const auto now = file_identity(*source);
      if (now && now->same_file(*source_identity) && now->links == 1) {
        if (::link(source->c_str(), path.c_str()) == 0) {
          // Checked again through the new name: the source may have been replaced in between.
          const auto linked = file_identity(path);
          if (linked && linked->same_file(*source_identity)) {
            if (auto flushed = flush_directory(dir); !flushed) {
              return std::unexpected(std::move(flushed.error()));
            }
            return path;
          }
          ::unlink(path.c_str());
        } else if (errno == EEXIST) {
          continue;
        }
      }
      try_link = false; // replaced, modified, or a filesystem without hard links: copy
    }
    Result<void> written = write_file_atomically(path, bytes, Overwrite::no);
    if (written) {
      return path;
    }
    if (!fs::exists(path, ec)) {
      return std::unexpected(std::move(written.error()));
    }
  }
  return fail(ErrorCode::cannot_write, "cannot pick a free history number", dir);
}

} // namespace

Result<std::string> keep_history(const std::string& state_dir, const std::string& worker_id,
                                 std::string_view bytes) {
  return keep_history_entry(state_dir, worker_id, bytes, nullptr, nullptr);
}

Result<std::string> keep_history(const std::string& state_dir, const std::string& worker_id,
                                 std::string_view bytes, const std::string& source,
                                 const FileIdentity& source_identity) {
  return keep_history_entry(state_dir, worker_id, bytes, &source, &source_identity);
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
