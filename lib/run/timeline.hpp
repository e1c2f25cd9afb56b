#pragma once

#include "run/run_ledger.hpp"
#include "snapshot/history.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// `reprise log`: the life of one worker as a timeline of versions (history.hpp) and attempts (the
// run ledger), newest first.
namespace reprise {

// One version of the snapshot.
struct TimelineVersion {
  std::uint64_t number = 0;
  bool current = false;                   // the snapshot file itself
  std::optional<std::int64_t> written_ms; // when a reprise command wrote it (unknown for harn's)
  std::string written_by;                 // that command ("" when not recorded)
  int attempt = 0;                        // the attempt written_by started or ended
  std::uint64_t restored = 0;             // written by restore: the version it copies
  std::string status;                     // as written in it ("" when not recorded)
  std::string previous_status;            // of the version before, when recorded
  std::string task;
  std::optional<std::uint64_t> size;  // bytes
  std::optional<std::int64_t> change; // bytes more (or fewer) than the version before
  std::uint64_t stored_bytes = 0;     // what the history stores for it (0: the current file)
  std::string storage;                // "current", "full", "delta" or "plain"
};

// One entry of the timeline: a version or an attempt.
struct TimelineEntry {
  std::optional<std::int64_t> when_ms; // for ordering; attempts by their start
  std::optional<TimelineVersion> version;
  std::optional<AttemptRecord> attempt;
};

// The timeline of the snapshot at `snapshot_path`, newest first: every version kept, the current
// one, and every attempt in the ledger. Entries without a time (versions harn wrote before reprise
// saw the worker) sort by number, after those with one.
std::vector<TimelineEntry> worker_timeline(const std::string& snapshot_path);

} // namespace reprise
