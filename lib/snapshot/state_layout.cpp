#include "snapshot/state_layout.hpp"

#include <filesystem>
#include <fmt/format.h>

namespace reprise {

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

} // namespace reprise
