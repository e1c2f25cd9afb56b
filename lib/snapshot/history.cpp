#include "snapshot/history.hpp"

#include "base/atomic_file.hpp"
#include "base/fd.hpp"
#include "snapshot/state_layout.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

namespace reprise {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr int k_level = 3;
constexpr const char* k_index = "index.jsonl";

// A stored file's name parsed: "<n>.json", "<n>.zst" or "<n>.d<b>.zst".
struct StoredName {
  std::uint64_t number = 0;
  VersionStorage storage = VersionStorage::plain;
  std::uint64_t base = 0;
};

std::optional<std::uint64_t> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 18) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n == 0 ? std::nullopt : std::optional(n);
}

std::optional<StoredName> parse_stored_name(std::string_view name) {
  StoredName parsed;
  if (name.ends_with(".json")) {
    name.remove_suffix(5);
    parsed.storage = VersionStorage::plain;
  } else if (name.ends_with(".zst")) {
    name.remove_suffix(4);
    const std::size_t dot = name.find(".d");
    if (dot != std::string_view::npos) {
      auto base = parse_number(name.substr(dot + 2));
      if (!base) {
        return std::nullopt;
      }
      parsed.base = *base;
      parsed.storage = VersionStorage::delta;
      name = name.substr(0, dot);
    } else {
      parsed.storage = VersionStorage::full;
    }
  } else {
    return std::nullopt;
  }
  auto number = parse_number(name);
  if (!number) {
    return std::nullopt;
  }
  parsed.number = *number;
  return parsed;
}

std::string stored_name(std::uint64_t number, VersionStorage storage, std::uint64_t base) {
  switch (storage) {
  case VersionStorage::plain:
    return fmt::format("{}.json", number);
  case VersionStorage::full:
    return fmt::format("{}.zst", number);
  case VersionStorage::delta:
    return fmt::format("{}.d{}.zst", number, base);
  }
  return {};
}

std::optional<std::string> read_whole(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    return std::nullopt;
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  for (;;) {
    if (done == text.size()) {
      text.resize(text.size() + 4096); // the file grew: read on until its end
    }
    const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return std::nullopt;
    }
    if (n == 0) {
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  return text;
}

bool write_whole(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The index lines by version number (the last line for a number wins).
std::map<std::uint64_t, Json> read_index(const std::string& dir) {
  std::map<std::uint64_t, Json> lines;
  auto text = read_whole(fmt::format("{}/{}", dir, k_index));
  if (!text) {
    return lines;
  }
  std::size_t start = 0;
  while (start < text->size()) {
    const std::size_t end = text->find('\n', start);
    if (end == std::string::npos) {
      break; // an unterminated last line is a crash mid-write
    }
    Json line = Json::parse(text->begin() + static_cast<std::ptrdiff_t>(start),
                            text->begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    if (line.is_object() && line.contains("n") && line["n"].is_number_unsigned()) {
      const auto number = line["n"].get<std::uint64_t>();
      lines[number] = std::move(line);
    }
    start = end + 1;
  }
  return lines;
}

template <typename T> T get_or(const Json& object, const char* key, T fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return fallback;
  }
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    return fallback;
  }
}

// An exclusive flock on the worker's history lock, released on destruction.
class HistoryLock {
public:
  static Result<HistoryLock> acquire(const std::string& state_dir, const std::string& key) {
    std::error_code ec;
    fs::create_directories(locks_dir(state_dir), ec);
    const std::string path = history_lock_path(state_dir, key);
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd.valid()) {
      return fail(ErrorCode::cannot_write,
                  fmt::format("cannot open the history lock: {}", std::strerror(errno)), path);
    }
    int rc = 0;
    do {
      rc = ::flock(fd.get(), LOCK_EX);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      return fail(ErrorCode::cannot_write, fmt::format("cannot lock: {}", std::strerror(errno)),
                  path);
    }
    return HistoryLock(std::move(fd));
  }

private:
  explicit HistoryLock(Fd fd) : m_fd(std::move(fd)) {}
  Fd m_fd;
};

bool valid_key(const std::string& key) {
  return !key.empty() && key != "." && key != ".." && key.find('/') == std::string::npos &&
         key.find('\0') == std::string::npos;
}

struct CctxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// The window (log2) that lets the frame of `size` bytes reach back over a prefix of `prefix`.
int window_log_for(std::size_t prefix, std::size_t size) {
  const std::uint64_t span = static_cast<std::uint64_t>(prefix) + size + 1;
  int log = 10;
  while (log < 30 && (std::uint64_t{1} << log) < span) {
    ++log;
  }
  return log;
}

Result<std::string> compress(std::string_view bytes, std::string_view prefix) {
  std::unique_ptr<ZSTD_CCtx, CctxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) {
    return fail(ErrorCode::cannot_write, "zstd: cannot create a compression context");
  }
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, k_level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_enableLongDistanceMatching, 1);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_windowLog, window_log_for(prefix.size(), bytes.size()));
  if (!prefix.empty()) {
    const std::size_t rc = ZSTD_CCtx_refPrefix(cctx.get(), prefix.data(), prefix.size());
    if (ZSTD_isError(rc)) {
      return fail(ErrorCode::cannot_write, fmt::format("zstd: {}", ZSTD_getErrorName(rc)));
    }
  }
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  const std::size_t n =
      ZSTD_compress2(cctx.get(), out.data(), out.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(n)) {
    return fail(ErrorCode::cannot_write, fmt::format("zstd: {}", ZSTD_getErrorName(n)));
  }
  out.resize(n);
  return out;
}

Result<std::string> decompress(std::string_view frame, std::string_view prefix,
                               const std::string& file) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return fail(ErrorCode::invalid_snapshot, "not a zstd frame of a known size", file);
  }
  std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) {
    return fail(ErrorCode::failed, "zstd: cannot create a decompression context", file);
  }
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 31);
  if (!prefix.empty()) {
    const std::size_t rc = ZSTD_DCtx_refPrefix(dctx.get(), prefix.data(), prefix.size());
    if (ZSTD_isError(rc)) {
      return fail(ErrorCode::invalid_snapshot, fmt::format("zstd: {}", ZSTD_getErrorName(rc)),
                  file);
    }
  }
  std::string out(static_cast<std::size_t>(size), '\0');
  const std::size_t n =
      ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != out.size()) {
    return fail(ErrorCode::invalid_snapshot,
                fmt::format("damaged history entry: zstd: {}",
                            ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"),
                file);
  }
  return out;
}

struct Scan {
  std::vector<HistoryVersion> versions; // oldest first
  std::uint64_t highest = 0;            // also counting index lines of pruned versions
};

Scan scan(const std::string& state_dir, const std::string& key) {
  Scan result;
  const std::string dir = history_dir(state_dir, key);
  const auto index = read_index(dir);
  if (!index.empty()) {
    result.highest = index.rbegin()->first;
  }
  std::map<std::uint64_t, HistoryVersion> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().native();
    auto parsed = parse_stored_name(name);
    if (!parsed) {
      continue;
    }
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    HistoryVersion version;
    version.number = parsed->number;
    version.file = it->path().string();
    version.storage = parsed->storage;
    version.base = parsed->base;
    version.stored_bytes = static_cast<std::uint64_t>(st.st_size);
    version.file_mtime_ms =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (parsed->storage == VersionStorage::plain) {
      version.size = version.stored_bytes;
    }
    if (auto line = index.find(parsed->number); line != index.end()) {
      const Json& j = line->second;
      if (j.contains("size") && j["size"].is_number_unsigned()) {
        version.size = j["size"].get<std::uint64_t>();
      }
      if (j.contains("replaced_ms") && j["replaced_ms"].is_number_integer()) {
        version.replaced_ms = j["replaced_ms"].get<std::int64_t>();
      }
      version.replaced_by = get_or<std::string>(j, "replaced_by", "");
      version.attempt = get_or<int>(j, "attempt", 0);
      version.status = get_or<std::string>(j, "status", "");
      version.task = get_or<std::string>(j, "task", "");
      version.restored = get_or<std::uint64_t>(j, "restored", 0);
    }
    // Two files for one number (a crash between writing a new form and removing the old): the
    // plainer one wins, it needs nothing else.
    auto [slot, inserted] = found.try_emplace(version.number, version);
    if (!inserted && static_cast<int>(version.storage) < static_cast<int>(slot->second.storage)) {
      slot->second = version;
    }
    result.highest = std::max(result.highest, version.number);
  }
  for (auto& [number, version] : found) {
    result.versions.push_back(std::move(version));
  }
  return result;
}

const HistoryVersion* find_version(const Scan& scanned, std::uint64_t number) {
  for (const HistoryVersion& version : scanned.versions) {
    if (version.number == number) {
      return &version;
    }
  }
  return nullptr;
}

// The full versions decompressed under a VersionCacheScope: stored file → bytes.
thread_local std::map<std::string, std::string>* t_cache = nullptr;

Result<std::string> read_stored(const Scan& scanned, const HistoryVersion& version, int depth) {
  if (t_cache != nullptr && version.storage == VersionStorage::full) {
    if (auto hit = t_cache->find(version.file); hit != t_cache->end()) {
      return hit->second;
    }
  }
  auto stored = read_whole(version.file);
  if (!stored) {
    return fail(ErrorCode::not_found,
                fmt::format("cannot read history entry: {}", std::strerror(errno)), version.file);
  }
  switch (version.storage) {
  case VersionStorage::plain:
    return std::move(*stored);
  case VersionStorage::full: {
    auto bytes = decompress(*stored, {}, version.file);
    if (bytes && t_cache != nullptr) {
      (*t_cache)[version.file] = *bytes;
    }
    return bytes;
  }
  case VersionStorage::delta: {
    const HistoryVersion* base = find_version(scanned, version.base);
    if (base == nullptr || depth > 2) {
      return fail(ErrorCode::invalid_snapshot,
                  fmt::format("damaged history: version {} needs version {}, which is gone",
                              version.number, version.base),
                  version.file);
    }
    auto base_bytes = read_stored(scanned, *base, depth + 1);
    if (!base_bytes) {
      return std::unexpected(base_bytes.error());
    }
    return decompress(*stored, *base_bytes, version.file);
  }
  }
  return fail(ErrorCode::invalid_snapshot, "unknown history entry", version.file);
}

Result<void> append_index(const std::string& dir, const Json& line) {
  const std::string path = fmt::format("{}/{}", dir, k_index);
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return fail(ErrorCode::cannot_write, std::strerror(errno), path);
  }
  const std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  if (!write_whole(fd.get(), text)) {
    return fail(ErrorCode::cannot_write, std::strerror(errno), path);
  }
  return {};
}

// Removes `versions` (numbers) and rewrites the index without them.
Result<PruneReport> remove_versions(const std::string& state_dir, const std::string& key,
                                    const Scan& scanned, const std::set<std::uint64_t>& doomed) {
  PruneReport report;
  if (doomed.empty()) {
    return report;
  }
  const std::string dir = history_dir(state_dir, key);
  // The index first keeps lines of removed versions out, but keeps the highest number so that
  // numbers are never reused.
  auto index = read_index(dir);
  std::string text;
  const std::uint64_t highest = index.empty() ? 0 : index.rbegin()->first;
  for (const auto& [number, line] : index) {
    if (!doomed.contains(number) || number == highest) {
      text += line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    }
  }
  if (auto written = write_file_atomically(fmt::format("{}/{}", dir, k_index), text); !written) {
    return std::unexpected(written.error());
  }
  for (const HistoryVersion& version : scanned.versions) {
    if (doomed.contains(version.number) && ::unlink(version.file.c_str()) == 0) {
      ++report.versions;
      report.bytes += version.stored_bytes;
    }
  }
  return report;
}

Result<PruneReport> prune_locked(const std::string& state_dir, const std::string& key,
                                 std::optional<std::size_t> keep,
                                 std::optional<std::int64_t> cutoff_ms) {
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
  // A full version stays while a delta that is kept refers to it.
  for (const HistoryVersion& version : scanned.versions) {
    if (!doomed.contains(version.number) && version.storage == VersionStorage::delta) {
      doomed.erase(version.base);
    }
  }
  return remove_versions(state_dir, key, scanned, doomed);
}

} // namespace

namespace {
thread_local VersionCacheScope* t_scope = nullptr;
thread_local std::map<std::string, std::string> t_cache_storage;
} // namespace

VersionCacheScope::VersionCacheScope() : m_outer(t_scope) {
  t_scope = this;
  t_cache = &t_cache_storage;
}

VersionCacheScope::~VersionCacheScope() {
  t_scope = m_outer;
  if (t_scope == nullptr) {
    t_cache = nullptr;
    t_cache_storage.clear();
  }
}

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
  const Scan scanned = valid_key(key) ? scan(state_dir, key) : Scan{};
  const HistoryVersion* version = find_version(scanned, number);
  if (version == nullptr) {
    return fail(ErrorCode::not_found, fmt::format("{}: version {} is not kept", key, number),
                history_dir(state_dir, key));
  }
  return read_stored(scanned, *version, 0);
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
                                    std::string_view bytes, const KeepInfo& info, unsigned mode) {
  // The key comes from a file name: it must not lead the history out of the state dir.
  if (!valid_key(key)) {
    return fail(ErrorCode::cannot_write,
                fmt::format("cannot keep history: worker key '{}' is not a file name", key),
                state_dir);
  }
  const std::string dir = history_dir(state_dir, key);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCode::cannot_write,
                fmt::format("cannot create the history directory: {}", ec.message()), dir);
  }
  auto lock = HistoryLock::acquire(state_dir, key);
  if (!lock) {
    return std::unexpected(lock.error());
  }
  const Scan scanned = scan(state_dir, key);
  const std::uint64_t number = scanned.highest + 1;

  // The base: the newest full version, while it is recent enough; else this one is full. (Plain
  // entries of older reprise are left alone, never a base.)
  const HistoryVersion* base = nullptr;
  for (auto it = scanned.versions.rbegin(); it != scanned.versions.rend(); ++it) {
    if (it->storage == VersionStorage::full) {
      base = &*it;
      break;
    }
  }
  if (base != nullptr && number - base->number >= k_full_every) {
    base = nullptr;
  }
  std::string base_bytes;
  if (base != nullptr) {
    auto read = read_stored(scanned, *base, 0);
    if (read) {
      base_bytes = std::move(*read);
    } else {
      base = nullptr;
    }
  }
  auto frame = compress(bytes, base_bytes);
  if (!frame) {
    return std::unexpected(frame.error());
  }
  const VersionStorage storage = base != nullptr ? VersionStorage::delta : VersionStorage::full;
  const std::string path =
      fmt::format("{}/{}", dir, stored_name(number, storage, base ? base->number : 0));
  // Overwrite::no: a number taken meanwhile (by a reprise without this lock) is not replaced.
  if (auto written =
          write_file_atomically(path, *frame, Overwrite::no, static_cast<mode_t>(mode & 07777));
      !written) {
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
  if (info.keep > 0) {
    if (auto pruned = prune_locked(state_dir, key, info.keep, std::nullopt); !pruned) {
      return std::unexpected(pruned.error());
    }
  }
  return path;
}

Result<std::string> keep_version(const std::string& snapshot_path, std::string_view bytes,
                                 const KeepInfo& info) {
  struct stat st {};
  const unsigned mode = ::stat(snapshot_path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  return keep_version_in(state_dir_for_snapshot(snapshot_path),
                         worker_key_for_snapshot(snapshot_path), bytes, info, mode);
}

Result<PruneReport> prune_history(const std::string& state_dir, const std::string& key,
                                  std::optional<std::size_t> keep,
                                  std::optional<std::int64_t> cutoff_ms) {
  if (!valid_key(key)) {
    return PruneReport{};
  }
  auto lock = HistoryLock::acquire(state_dir, key);
  if (!lock) {
    return std::unexpected(lock.error());
  }
  return prune_locked(state_dir, key, keep, cutoff_ms);
}

} // namespace reprise
