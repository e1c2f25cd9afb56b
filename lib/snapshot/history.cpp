#include "snapshot/history.hpp"

#include "base/atomic_file.hpp"
#include "base/file_bytes.hpp"
#include "base/io.hpp"
#include "snapshot/history_store.hpp"
#include "snapshot/state_layout.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise {

using namespace history_store;

namespace {

namespace fs = std::filesystem;

// Whether the open file `fd` (a link to the file being replaced) holds exactly `bytes`: the same
// file the bytes were mapped from (file_bytes.hpp) or, for bytes that were read, the same content.
bool holds_bytes(int fd, std::string_view bytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) != bytes.size()) {
    return false;
  }
  if (auto range = file_range_of(bytes); range && range->offset == 0) {
    struct stat source {};
    return ::fstat(range->fd, &source) == 0 && source.st_dev == st.st_dev &&
           source.st_ino == st.st_ino;
  }
  std::array<char, 1 << 16> buffer{};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = read_full(fd, buffer.data(), std::min(buffer.size(), bytes.size() - done));
    if (n <= 0 ||
        std::memcmp(buffer.data(), bytes.data() + done, static_cast<std::size_t>(n)) != 0) {
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Keeps the file at `source` as `target` by a hard link to it, when it still holds `bytes`: the
// link is made under a temporary name, checked, then linked into place (failing, as a numbered
// file must, when `target` exists). False when the file cannot be linked (another file system, a
// file system without links, too many links) or has changed; nothing is left behind then.
// The link is safe because the caller goes on to rename a new file over `source`, after which no
// one opens the old one by name. A process that opened it before the rename and writes into it
// after (harn overwrites snapshots in place, and its open waits for a reset's lease) would change
// the kept version; when its size then differs from the recorded one, reading it reports it
// damaged and compaction leaves it alone rather than pass it off as the replaced version.
bool keep_by_link(const std::string& source, std::string_view bytes, const std::string& target,
                  const std::string& temp) {
  ::unlink(temp.c_str()); // left by a crash
  if (::linkat(AT_FDCWD, source.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return false;
  }
  Fd fd(::open(temp.c_str(), O_RDONLY | O_CLOEXEC));
  const bool same =
      fd.valid() && holds_bytes(fd.get(), bytes) && ::link(temp.c_str(), target.c_str()) == 0;
  ::unlink(temp.c_str());
  return same;
}

std::mutex g_kept_mutex;
std::vector<HistoryKey> g_kept; // take_kept_histories

void record_kept(const std::string& state_dir, const std::string& key) {
  const std::lock_guard guard(g_kept_mutex);
  const bool known = std::any_of(g_kept.begin(), g_kept.end(), [&](const HistoryKey& kept) {
    return kept.state_dir == state_dir && kept.key == key;
  });
  if (!known) {
    g_kept.push_back({state_dir, key});
  }
}

// Prunes with the rewrite lock held: versions beyond `keep` and those replaced before `cutoff_ms`;
// a full version that a kept delta needs stays.
Result<PruneReport> prune_locked(const std::string& state_dir, const std::string& key,
                                 std::optional<std::size_t> keep,
                                 std::optional<std::int64_t> cutoff_ms) {
  // Adding a version rewrites the index too: take its lock for the rewrite.
  auto append = HistoryLock::acquire(state_dir, key, HistoryLockKind::append);
  if (!append) {
    return std::unexpected(append.error());
  }
  const Scan scanned = scan(state_dir, key);
  const std::size_t count = scanned.versions.size();
  std::set<std::uint64_t> doomed;
  for (std::size_t i = 0; i < count; ++i) {
    const HistoryVersion& version = scanned.versions[i];
    const bool beyond_keep = keep && count - i > *keep;
    const std::int64_t when = version.replaced_ms.value_or(version.file_mtime_ms);
    const bool too_old = cutoff_ms && when < *cutoff_ms;
    if (beyond_keep || too_old) {
      doomed.insert(version.number);
    }
  }
  for (const HistoryVersion& version : scanned.versions) {
    if (!doomed.contains(version.number) && version.storage == VersionStorage::delta) {
      doomed.erase(version.base);
    }
  }
  return remove_versions(state_dir, key, scanned, doomed);
}

} // namespace

const char* storage_name(VersionStorage storage) {
  switch (storage) {
  case VersionStorage::plain:
    return "plain";
  case VersionStorage::full:
    return "full";
  case VersionStorage::delta:
    return "delta";
  }
  return "plain";
}

std::vector<HistoryVersion> list_history(const std::string& state_dir, const std::string& key) {
  if (!valid_key(key)) {
    return {};
  }
  return scan(state_dir, key).versions;
}

Result<std::string> read_version(const std::string& state_dir, const std::string& key,
                                 std::uint64_t number) {
  // No lock: a compaction may replace the file of a version (or of its full version) between the
  // scan and the read. Every file it removes has its successor in place first, so a failed read
  // whose version has meanwhile moved to another file is read again from a fresh scan.
  Scan scanned = valid_key(key) ? scan(state_dir, key) : Scan{};
  for (int tries = 0;; ++tries) {
    const HistoryVersion* version = find_version(scanned, number);
    if (version == nullptr) {
      return fail(ErrorCode::not_found, fmt::format("{}: version {} is not kept", key, number),
                  history_dir(state_dir, key));
    }
    auto bytes = read_stored(scanned, *version);
    if (bytes || tries == 3) {
      return bytes;
    }
    Scan again = scan(state_dir, key);
    const HistoryVersion* moved = find_version(again, number);
    if (moved == nullptr || (moved->file == version->file && moved->base == version->base)) {
      return bytes;
    }
    scanned = std::move(again);
  }
}

std::uint64_t current_version_number(const std::string& state_dir, const std::string& key) {
  return (valid_key(key) ? scan(state_dir, key).highest : 0) + 1;
}

Result<RevisionRef> resolve_revision(const std::string& snapshot_path, std::string_view revision) {
  const std::string state_dir = state_dir_for_snapshot(snapshot_path);
  const std::string key = worker_key_for_snapshot(snapshot_path);
  const Scan scanned = valid_key(key) ? scan(state_dir, key) : Scan{};
  const std::uint64_t current = scanned.highest + 1;
  RevisionRef ref;
  ref.number = current;
  ref.file = snapshot_path;
  auto kept_range = [&] {
    if (scanned.versions.empty()) {
      return fmt::format("no earlier version of {} is kept", key);
    }
    return fmt::format("kept versions of {}: {}..{}, current {}", key,
                       scanned.versions.front().number, scanned.versions.back().number, current);
  };
  auto named = [&](std::uint64_t number) -> Result<RevisionRef> {
    if (number == current) {
      return ref;
    }
    if (find_version(scanned, number) == nullptr) {
      return fail(ErrorCode::not_found,
                  fmt::format("version {} of {} is not kept ({})", number, key,
                              number > current ? "no such version yet"
                                               : (number <= scanned.highest ? "pruned" : "")) +
                      fmt::format("; {}", kept_range()),
                  snapshot_path);
    }
    RevisionRef found;
    found.number = number;
    found.in_history = true;
    return found;
  };
  if (revision.empty()) {
    return ref;
  }
  auto number_of = [](std::string_view digits) -> std::optional<std::uint64_t> {
    if (digits.empty() || digits.size() > 9) {
      return std::nullopt;
    }
    std::uint64_t n = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
  };
  if (revision.starts_with("attempt:")) {
    auto attempt = number_of(revision.substr(8));
    if (!attempt || *attempt == 0) {
      return fail(ErrorCode::usage, fmt::format("bad revision '@{}'", revision));
    }
    for (const HistoryVersion& version : scanned.versions) {
      if (static_cast<std::uint64_t>(version.attempt) == *attempt &&
          (version.replaced_by == "relaunch" || version.replaced_by == "resume")) {
        return named(version.number + 1);
      }
    }
    // A worker that does not persist its state ran from its own copy.
    const std::string own = attempt_snapshot_path(state_dir, key, static_cast<int>(*attempt));
    std::error_code ec;
    if (fs::exists(own, ec)) {
      RevisionRef copy;
      copy.number = 0;
      copy.file = own;
      return copy;
    }
    return fail(ErrorCode::not_found,
                fmt::format("no kept version of {} is the start of attempt {} ({})", key, *attempt,
                            kept_range()),
                snapshot_path);
  }
  if (revision.starts_with('-')) {
    auto back = number_of(revision.substr(1));
    if (!back) {
      return fail(ErrorCode::usage, fmt::format("bad revision '@{}'", revision));
    }
    if (*back == 0) {
      return ref;
    }
    // Counted over what is kept: -1 is the newest kept version.
    if (*back > scanned.versions.size()) {
      return fail(ErrorCode::not_found,
                  fmt::format("{} has no version @{} ({})", key, revision, kept_range()),
                  snapshot_path);
    }
    return named(scanned.versions[scanned.versions.size() - *back].number);
  }
  auto number = number_of(revision);
  if (!number || *number == 0) {
    return fail(
        ErrorCode::usage,
        fmt::format("bad revision '@{}' (N, -N or attempt:K; versions count from 1)", revision));
  }
  return named(*number);
}

Result<std::string> read_revision(const std::string& snapshot_path, const RevisionRef& ref) {
  if (ref.in_history) {
    return read_version(state_dir_for_snapshot(snapshot_path),
                        worker_key_for_snapshot(snapshot_path), ref.number);
  }
  auto bytes = read_whole(ref.file);
  if (!bytes) {
    return fail(ErrorCode::not_found, fmt::format("cannot read: {}", std::strerror(errno)),
                ref.file);
  }
  return std::move(*bytes);
}

Result<std::string> keep_version_in(const std::string& state_dir, const std::string& key,
                                    std::string_view bytes, const KeepInfo& info, unsigned mode,
                                    const std::string& source) {
  // The key comes from a file name: it must not lead the history out of the state dir.
  if (!valid_key(key)) {
    return fail(ErrorCode::cannot_write,
                fmt::format("cannot keep history: worker key '{}' is not a file name", key),
                state_dir);
  }
  const std::string dir = history_dir(state_dir, key);
  if (auto made = make_private_dir(dir); !made) {
    return std::unexpected(made.error());
  }
  std::string path;
  std::size_t count = 0;
  {
    auto lock = HistoryLock::acquire(state_dir, key, HistoryLockKind::append);
    if (!lock) {
      return std::unexpected(lock.error());
    }
    const Scan scanned = scan(state_dir, key);
    const std::uint64_t number = scanned.highest + 1;
    count = scanned.versions.size() + 1;
    path = fmt::format("{}/{}", dir, stored_name(number, VersionStorage::plain, 0));
    // A link costs the same for any size; the copy (from the bytes, file to file where they are
    // mapped) is for what cannot be linked.
    const bool linked = !source.empty() &&
                        keep_by_link(source, bytes, path, fmt::format("{}/.{}.link", dir, number));
    if (linked) {
      if (auto flushed = flush_directory(dir); !flushed) {
        return std::unexpected(flushed.error());
      }
    } else if (auto written = write_file_atomically(path, bytes, Overwrite::no,
                                                    static_cast<mode_t>(mode & 07777));
               !written) {
      // Overwrite::no: a number taken meanwhile (by a reprise without this lock) is not replaced.
      return std::unexpected(written.error());
    }
    Json line = {{"n", number},
                 {"size", bytes.size()},
                 {"replaced_ms", info.now_ms},
                 {"replaced_by", info.command}};
    if (info.attempt > 0) {
      line["attempt"] = info.attempt;
    }
    if (info.restored > 0) {
      line["restored"] = info.restored;
    }
    line["status"] = info.status;
    line["task"] = info.task;
    if (auto appended = append_index(dir, line); !appended) {
      return std::unexpected(appended.error());
    }
  }
  record_kept(state_dir, key);
  // Retention never waits: while a compaction holds the rewrite lock, it prunes when it is done.
  if (info.keep > 0 && count > info.keep) {
    if (auto rewrite =
            HistoryLock::acquire(state_dir, key, HistoryLockKind::rewrite, LockWait::try_once)) {
      if (auto pruned = prune_locked(state_dir, key, info.keep, std::nullopt); !pruned) {
        return std::unexpected(pruned.error());
      }
    }
  }
  return path;
}

Result<std::string> keep_version(const std::string& snapshot_path, std::string_view bytes,
                                 const KeepInfo& info) {
  struct stat st {};
  const unsigned mode = ::stat(snapshot_path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  return keep_version_in(state_dir_for_snapshot(snapshot_path),
                         worker_key_for_snapshot(snapshot_path), bytes, info, mode, snapshot_path);
}

Result<PruneReport> prune_history(const std::string& state_dir, const std::string& key,
                                  std::optional<std::size_t> keep,
                                  std::optional<std::int64_t> cutoff_ms) {
  if (!valid_key(key)) {
    return PruneReport{};
  }
  auto lock = HistoryLock::acquire(state_dir, key, HistoryLockKind::rewrite);
  if (!lock) {
    return std::unexpected(lock.error());
  }
  return prune_locked(state_dir, key, keep, cutoff_ms);
}

std::vector<HistoryKey> take_kept_histories() {
  const std::lock_guard guard(g_kept_mutex);
  return std::exchange(g_kept, {});
}

} // namespace reprise
