// Compaction of a history: plain versions (kept by a link when replaced) become zstd frames.
#include "base/atomic_file.hpp"
#include "snapshot/history.hpp"
#include "snapshot/history_store.hpp"
#include "snapshot/state_layout.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise {

using namespace history_store;

namespace {

namespace fs = std::filesystem;

// Clears what an interrupted compaction or write left: the older form of a version whose plain
// file is still there (a crash between renaming a frame into place and removing the plain file),
// and temporary files. Holds the append lock meanwhile, so no write has a temporary file open.
Result<void> clear_leftovers(const std::string& state_dir, const std::string& key) {
  auto append = HistoryLock::acquire(state_dir, key, HistoryLockKind::append);
  if (!append) {
    return std::unexpected(append.error());
  }
  for (const std::string& file : scan(state_dir, key).shadowed) {
    ::unlink(file.c_str());
  }
  std::error_code ec;
  for (fs::directory_iterator it(history_dir(state_dir, key), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().filename().native().starts_with('.')) {
      ::unlink(it->path().c_str());
    }
  }
  return {};
}

} // namespace

bool compaction_due(const std::string& state_dir, const std::string& key) {
  if (!valid_key(key)) {
    return false;
  }
  std::size_t plain = 0;
  std::uint64_t bytes = 0;
  for (const HistoryVersion& version : scan(state_dir, key).versions) {
    if (version.storage == VersionStorage::plain) {
      ++plain;
      bytes += version.stored_bytes;
    }
  }
  return plain > k_plain_versions_max || bytes > k_plain_bytes_max;
}

Result<CompactReport> compact_history(const std::string& state_dir, const std::string& key) {
  CompactReport report;
  std::error_code ec;
  if (!valid_key(key) || !fs::is_directory(history_dir(state_dir, key), ec)) {
    return report;
  }
  auto rewrite = HistoryLock::acquire(state_dir, key, HistoryLockKind::rewrite);
  if (!rewrite) {
    return std::unexpected(rewrite.error());
  }
  if (auto cleared = clear_leftovers(state_dir, key); !cleared) {
    return std::unexpected(cleared.error());
  }
  const std::string dir = history_dir(state_dir, key);
  // Versions added after this scan stay plain until the next compaction: the writer that added
  // them starts one.
  const Scan scanned = scan(state_dir, key);
  std::uint64_t newest_full = 0; // the newest full version so far, in number order
  std::uint64_t base_number = 0; // the full version whose bytes are in base_bytes
  std::string base_bytes;
  for (const HistoryVersion& version : scanned.versions) {
    if (version.storage == VersionStorage::full) {
      newest_full = version.number;
    }
    if (version.storage != VersionStorage::plain) {
      continue;
    }
    auto bytes = read_whole(version.file);
    if (!bytes) {
      return fail(ErrorCode::cannot_write,
                  fmt::format("cannot read history entry: {}", std::strerror(errno)), version.file);
    }
    if (version.size && *version.size != bytes->size()) {
      continue; // damaged: compressing it would hide that
    }
    // A delta against the newest full version while it is fewer than k_full_every versions back
    // (its bytes read once for all the deltas against it), else a new full version.
    bool delta = newest_full != 0 && version.number - newest_full < k_full_every;
    if (delta && base_number != newest_full) {
      const HistoryVersion* base = find_version(scanned, newest_full);
      Result<std::string> read =
          base != nullptr ? read_stored(scanned, *base) : Result<std::string>();
      if (base != nullptr && read) {
        base_bytes = std::move(*read);
        base_number = newest_full;
      } else {
        delta = false; // an unreadable base: this version becomes a full one
      }
    }
    const std::string_view prefix = delta ? std::string_view(base_bytes) : std::string_view();
    auto frame = compress(*bytes, prefix);
    if (!frame) {
      return std::unexpected(frame.error());
    }
    const std::string path = fmt::format(
        "{}/{}", dir,
        stored_name(version.number, delta ? VersionStorage::delta : VersionStorage::full,
                    delta ? base_number : 0));
    // The frame must give the version back byte for byte before it may replace the plain file.
    auto back = decompress(*frame, prefix, path);
    if (!back || *back != *bytes) {
      return fail(
          ErrorCode::cannot_write,
          fmt::format("compressing version {} did not give it back; left plain", version.number),
          version.file);
    }
    struct stat st {};
    const mode_t mode = ::stat(version.file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
    if (auto written = write_file_atomically(path, *frame, Overwrite::no, mode); !written) {
      return std::unexpected(written.error());
    }
    if (::unlink(version.file.c_str()) != 0) {
      return fail(
          ErrorCode::cannot_write,
          fmt::format("cannot remove the compacted plain version: {}", std::strerror(errno)),
          version.file);
    }
    ++report.versions;
    report.plain_bytes += bytes->size();
    report.stored_bytes += frame->size();
    if (!delta) {
      newest_full = version.number;
      base_number = version.number;
      base_bytes = std::move(*bytes);
    }
  }
  return report;
}

} // namespace reprise
