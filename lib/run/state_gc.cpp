#include "run/state_gc.hpp"

#include "base/temp_files.hpp"
#include "run/run_ledger.hpp"
#include "run/worker_lock.hpp"
#include "snapshot/history.hpp"
#include "snapshot/state_layout.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <unistd.h>

namespace reprise {

namespace {

namespace fs = std::filesystem;

// The worker keys with something under `.reprise/`: history and log dirs, ledgers, run files.
std::set<std::string> worker_keys(const std::string& state_dir) {
  std::set<std::string> keys;
  std::error_code ec;
  for (const std::string& root : {history_root(state_dir), logs_root(state_dir)}) {
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_directory(ec)) {
        keys.insert(it->path().filename().string());
      }
    }
    ec.clear();
  }
  for (fs::directory_iterator it(runs_root(state_dir), ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.ends_with(".jsonl")) {
      name.resize(name.size() - 6);
    }
    keys.insert(name);
  }
  return keys;
}

} // namespace

Result<GcReport> collect_garbage(const std::string& state_dir, const GcRequest& request) {
  GcReport report;
  const std::set<std::string> keys =
      request.keys.empty() ? worker_keys(state_dir)
                           : std::set<std::string>(request.keys.begin(), request.keys.end());
  for (const std::string& key : keys) {
    if (!valid_worker_id(key)) {
      continue;
    }
    auto compacted = compact_history(state_dir, key);
    if (!compacted) {
      return std::unexpected(compacted.error());
    }
    report.compacted += compacted->versions;
    report.compacted_bytes +=
        compacted->plain_bytes - std::min(compacted->plain_bytes, compacted->stored_bytes);
    if (live_owner(state_dir, key)) {
      report.running.push_back(key);
      continue;
    }
    ++report.workers;
    auto versions = prune_history(state_dir, key, request.keep, request.cutoff_ms);
    if (!versions) {
      return std::unexpected(versions.error());
    }
    report.versions += versions->versions;
    report.bytes += versions->bytes;
    auto attempts = prune_attempts(state_dir, key, request.keep, request.cutoff_ms);
    if (!attempts) {
      return std::unexpected(attempts.error());
    }
    report.attempts += attempts->attempts;
    report.bytes += attempts->bytes;
  }
  // Only temporaries whose writer is provably gone (temp_files.hpp): a live write is never touched.
  std::vector<std::string> dirs = {state_dir, runs_root(state_dir)};
  for (const std::string& key : keys) {
    if (valid_worker_id(key)) {
      dirs.push_back(history_dir(state_dir, key));
      dirs.push_back(run_files_dir(state_dir, key));
    }
  }
  for (const std::string& dir : dirs) {
    for (const StaleTemp& temp : find_stale_temps(dir)) {
      if (::unlink(temp.path.c_str()) == 0) {
        ++report.temporaries;
        report.temporary_bytes += temp.bytes;
      }
    }
  }
  return report;
}

} // namespace reprise
