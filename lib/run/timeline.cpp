#include "run/timeline.hpp"

#include "snapshot/snapshot_peek.hpp"
#include "snapshot/state_layout.hpp"

#include <algorithm>
#include <map>
#include <sys/stat.h>

namespace reprise {

std::vector<TimelineEntry> worker_timeline(const std::string& snapshot_path) {
  const std::string state_dir = state_dir_for_snapshot(snapshot_path);
  const std::string key = worker_key_for_snapshot(snapshot_path);
  const std::vector<HistoryVersion> kept = list_history(state_dir, key);
  std::map<std::uint64_t, const HistoryVersion*> by_number;
  for (const HistoryVersion& version : kept) {
    by_number[version.number] = &version;
  }
  std::vector<TimelineVersion> versions;
  for (const HistoryVersion& version : kept) {
    TimelineVersion v;
    v.number = version.number;
    v.status = version.status;
    v.task = version.task;
    v.size = version.size;
    v.stored_bytes = version.stored_bytes;
    v.storage = storage_name(version.storage);
    versions.push_back(std::move(v));
  }
  TimelineVersion current;
  current.number = current_version_number(state_dir, key);
  current.current = true;
  current.storage = "current";
  const SnapshotPeek peek = peek_snapshot_file(snapshot_path);
  if (peek.state == PeekState::ok) {
    current.status = peek.written_status;
    current.task = peek.task;
  }
  struct stat st {};
  if (::stat(snapshot_path.c_str(), &st) == 0) {
    current.size = static_cast<std::uint64_t>(st.st_size);
  }
  versions.push_back(std::move(current));
  // What the version before says about the write that replaced it.
  for (TimelineVersion& v : versions) {
    auto before = by_number.find(v.number - 1);
    if (v.number <= 1 || before == by_number.end()) {
      continue;
    }
    const HistoryVersion& previous = *before->second;
    v.written_ms = previous.replaced_ms;
    v.written_by = previous.replaced_by;
    v.attempt = previous.attempt;
    v.restored = previous.restored;
    v.previous_status = previous.status;
    if (v.size && previous.size) {
      v.change = static_cast<std::int64_t>(*v.size) - static_cast<std::int64_t>(*previous.size);
    }
  }
  std::vector<TimelineEntry> entries;
  for (TimelineVersion& v : versions) {
    TimelineEntry entry;
    entry.when_ms = v.written_ms;
    if (v.current && !entry.when_ms && st.st_mtim.tv_sec > 0) {
      entry.when_ms =
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    }
    entry.version = std::move(v);
    entries.push_back(std::move(entry));
  }
  for (AttemptRecord& record : read_attempts(state_dir, key)) {
    TimelineEntry entry;
    if (record.start) {
      entry.when_ms = record.start->started_ms;
    } else if (record.end) {
      entry.when_ms = record.end->finished_ms;
    }
    entry.attempt = std::move(record);
    entries.push_back(std::move(entry));
  }
  // Newest first. A version written at an attempt's start sorts above it (it is the attempt's
  // input); versions without a time go last, by number.
  auto rank = [](const TimelineEntry& e) {
    return e.version ? static_cast<std::int64_t>(e.version->number) : 0;
  };
  std::stable_sort(
      entries.begin(), entries.end(), [&](const TimelineEntry& a, const TimelineEntry& b) {
        if (a.when_ms.has_value() != b.when_ms.has_value()) {
          return a.when_ms.has_value();
        }
        if (a.when_ms && *a.when_ms != *b.when_ms) {
          return *a.when_ms > *b.when_ms;
        }
        if (a.version && b.version) {
          return rank(a) > rank(b);
        }
        return a.attempt.has_value() && b.version.has_value() ? false : a.version.has_value();
      });
  return entries;
}

} // namespace reprise
