#include "snapshot/state_layout.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise {

namespace {

constexpr std::string_view k_reprise = ".reprise";

std::unexpected<Error> refuse(const std::string& path, const std::string& why) {
  return std::unexpected(Error::cannot_write(why, path));
}

// Where `.reprise` ends in `dir` (the index past its last character), or npos.
std::size_t reprise_component_end(std::string_view dir) {
  for (std::size_t at = dir.rfind(k_reprise); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : dir.rfind(k_reprise, at - 1)) {
    const std::size_t end = at + k_reprise.size();
    if ((at == 0 || dir[at - 1] == '/') && (end == dir.size() || dir[end] == '/')) {
      return end;
    }
  }
  return std::string_view::npos;
}

// Creates `path` (mode 0700) if missing; then it must be a directory, not a link to one.
Result<void> private_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return refuse(path, fmt::format("cannot create directory: {}", std::strerror(errno)));
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    return refuse(path, fmt::format("cannot read directory: {}", std::strerror(errno)));
  }
  if (S_ISLNK(info.st_mode)) {
    return refuse(path, "refusing a symbolic link inside .reprise/");
  }
  if (!S_ISDIR(info.st_mode)) {
    return refuse(path, "not a directory");
  }
  return {};
}

} // namespace

std::string state_dir_for_snapshot(const std::string& snapshot_path) {
  const std::size_t slash = snapshot_path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return snapshot_path.substr(0, slash);
}

std::string worker_key_for_snapshot(const std::string& snapshot_path) {
  std::string name = std::filesystem::path(snapshot_path).filename().string();
  if (name.ends_with(".json")) {
    name.resize(name.size() - 5);
  }
  return name;
}

std::string reprise_dir(const std::string& state_dir) {
  if (state_dir.empty()) {
    return "./.reprise";
  }
  if (state_dir.back() == '/') {
    return state_dir + ".reprise";
  }
  return state_dir + "/.reprise";
}

std::string history_root(const std::string& state_dir) {
  return reprise_dir(state_dir) + "/history";
}

std::string history_dir(const std::string& state_dir, const std::string& key) {
  return fmt::format("{}/{}", history_root(state_dir), key);
}

std::string runs_root(const std::string& state_dir) {
  return reprise_dir(state_dir) + "/runs";
}

std::string ledger_path(const std::string& state_dir, const std::string& key) {
  return fmt::format("{}/{}.jsonl", runs_root(state_dir), key);
}

std::string run_files_dir(const std::string& state_dir, const std::string& key) {
  return fmt::format("{}/{}", runs_root(state_dir), key);
}

std::string attempt_result_path(const std::string& state_dir, const std::string& key, int attempt) {
  return fmt::format("{}/{}.result.json", run_files_dir(state_dir, key), attempt);
}

std::string attempt_snapshot_path(const std::string& state_dir, const std::string& key,
                                  int attempt) {
  return fmt::format("{}/{}.json", run_files_dir(state_dir, key), attempt);
}

std::string logs_root(const std::string& state_dir) {
  return reprise_dir(state_dir) + "/logs";
}

std::string logs_dir(const std::string& state_dir, const std::string& key) {
  return fmt::format("{}/{}", logs_root(state_dir), key);
}

std::string attempt_log_path(const std::string& state_dir, const std::string& key, int attempt,
                             std::string_view stream) {
  return fmt::format("{}/{}.{}", logs_dir(state_dir, key), attempt, stream);
}

std::string locks_dir(const std::string& state_dir) {
  return reprise_dir(state_dir) + "/locks";
}

std::string worker_lock_path(const std::string& state_dir, const std::string& key) {
  return fmt::format("{}/{}.lock", locks_dir(state_dir), key);
}

std::string edit_lock_path(const std::string& state_dir, const std::string& key) {
  return fmt::format("{}/{}.edit", locks_dir(state_dir), key);
}

std::string history_lock_path(const std::string& state_dir, const std::string& key) {
  return fmt::format("{}/{}.history", locks_dir(state_dir), key);
}

std::string history_rewrite_lock_path(const std::string& state_dir, const std::string& key) {
  return fmt::format("{}/{}.history-rewrite", locks_dir(state_dir), key);
}

std::string waiters_dir(const std::string& state_dir, const std::string& key) {
  return fmt::format("{}/waiters/{}", reprise_dir(state_dir), key);
}

Result<void> make_private_dir(const std::string& dir) {
  const std::size_t end = reprise_component_end(dir);
  if (end == std::string::npos) {
    // Not bookkeeping of a state dir (a log path a caller chose): only made.
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return refuse(dir, fmt::format("cannot create directory: {}", ec.message()));
    }
    return {};
  }
  const std::string root = dir.substr(0, end);
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) {
    return refuse(root, fmt::format("cannot create directory: {}", std::strerror(errno)));
  }
  struct stat info {};
  if (::lstat(root.c_str(), &info) != 0) {
    return refuse(root, fmt::format("cannot read directory: {}", std::strerror(errno)));
  }
  const std::string rule = "(it must be a directory of yours that no one else can write)";
  if (S_ISLNK(info.st_mode) || !S_ISDIR(info.st_mode)) {
    return refuse(root, fmt::format("refusing a .reprise that is not a directory {}", rule));
  }
  if (info.st_uid != ::geteuid()) {
    return refuse(root, fmt::format("refusing a .reprise owned by another user (uid {}) {}",
                                    info.st_uid, rule));
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return refuse(root, fmt::format("refusing a .reprise writable by others (mode {:04o}) {}",
                                    info.st_mode & 07777, rule));
  }
  // Each directory below .reprise/, outermost first (dir[at] is the '/' before it).
  for (std::size_t at = end; at < dir.size();) {
    std::size_t next = dir.find('/', at + 1);
    next = next == std::string::npos ? dir.size() : next;
    if (next > at + 1) {
      if (auto made = private_directory(dir.substr(0, next)); !made) {
        return made;
      }
    }
    at = next;
  }
  return {};
}

Result<Fd> open_private_file(const std::string& path, int flags) {
  // O_NONBLOCK: a FIFO planted under a lock or log name must not block the open.
  Fd fd(::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600));
  if (!fd.valid()) {
    const int error = errno;
    return refuse(path, error == ELOOP ? std::string("refusing to follow a symbolic link")
                                       : fmt::format("cannot open: {}", std::strerror(error)));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return refuse(path, "refusing a file that is not a regular file");
  }
  if ((flags & O_NONBLOCK) == 0) {
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  }
  return fd;
}

} // namespace reprise
