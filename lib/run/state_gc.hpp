#pragma once

#include "base/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// `reprise gc`: compacting and pruning a state dir's history, pruning run ledgers and logs.
namespace reprise {

// The attempts (logs, result files, ledger lines) a worker keeps unless told otherwise; relaunch
// prunes beyond it as it starts an attempt, so a state dir stays bounded.
inline constexpr std::size_t k_default_attempt_keep = 50;

struct GcRequest {
  std::optional<std::size_t> keep;       // versions and attempts kept per worker
  std::optional<std::int64_t> cutoff_ms; // and only those newer than this (Unix ms)
  std::vector<std::string> keys;         // only these workers; empty: every worker
};

struct GcReport {
  std::size_t workers = 0;           // workers whose bookkeeping was looked at
  std::size_t compacted = 0;         // plain history versions compressed
  std::uint64_t compacted_bytes = 0; // their size before, less the frames that replaced them
  std::size_t versions = 0;          // history versions removed
  std::size_t attempts = 0;          // attempts whose logs and files were removed
  std::uint64_t bytes = 0;           // bytes freed
  std::vector<std::string> running;  // workers skipped because a reprise runs them
  std::size_t temporaries = 0;       // temporaries of killed writers removed (temp_files.hpp)
  std::uint64_t temporary_bytes = 0; // their size
};

// For every worker that has anything under `<state_dir>/.reprise/` (also workers whose snapshot is
// gone), or those of `request.keys`: compacts the history (compact_history, history.hpp), then
// prunes history beyond `keep` versions or older than the cutoff, attempts likewise. Workers whose
// lock a live reprise holds are compacted (which is safe beside a run) but not pruned. Then the
// temporaries killed writers left (in the state dir, and in history and run folders) go.
Result<GcReport> collect_garbage(const std::string& state_dir, const GcRequest& request);

} // namespace reprise
