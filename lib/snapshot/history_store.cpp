#include "snapshot/history_store.hpp"

#include "base/atomic_file.hpp"
#include "base/io.hpp"
#include "snapshot/state_layout.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

namespace reprise::history_store {

namespace {

namespace fs = std::filesystem;

constexpr int k_level = 3;
constexpr const char* k_index = "index.jsonl";

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

// Readies a large output buffer for writing: huge pages where the kernel gives them on request,
// then every page faulted in by one call. Page by page, the faults of a few hundred MB cost more
// than decompressing into them (on a virtual machine most of all). Advice only: a kernel that
// refuses either leaves the faults to the decompression.
void prepare_output(char* data, std::size_t length) {
  constexpr std::size_t k_min_prepared = std::size_t{16} << 20;
  constexpr std::uintptr_t k_huge_page = std::uintptr_t{2} << 20;
  if (length < k_min_prepared) {
    return;
  }
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + k_huge_page - 1) & ~(k_huge_page - 1);
  const std::uintptr_t last = (begin + length) & ~(k_huge_page - 1);
  if (last > first) {
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
  const std::uintptr_t page_begin = begin & ~std::uintptr_t{4095};
  ::madvise(reinterpret_cast<void*>(page_begin), begin + length - page_begin, MADV_POPULATE_WRITE);
}

} // namespace

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
  // Not zero-filled first: for a version of hundreds of MB, clearing the buffer costs about as
  // much as decompressing into it.
  std::string out;
  std::size_t n = 0;
  out.resize_and_overwrite(static_cast<std::size_t>(size), [&](char* data, std::size_t length) {
    prepare_output(data, length);
    n = ZSTD_decompressDCtx(dctx.get(), data, length, frame.data(), frame.size());
    return ZSTD_isError(n) ? 0 : n;
  });
  if (ZSTD_isError(n) || n != static_cast<std::size_t>(size)) {
    return fail(ErrorCode::invalid_snapshot,
                fmt::format("damaged history entry: zstd: {}",
                            ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"),
                file);
  }
  return out;
}

std::string index_line(const Json& line) {
  return line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
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

bool valid_key(const std::string& key) {
  return !key.empty() && key != "." && key != ".." && key.find('/') == std::string::npos &&
         key.find('\0') == std::string::npos;
}

std::optional<std::string> read_whole(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    return std::nullopt;
  }
  // Sized once from the file's size (a snapshot can be hundreds of MB), then read on to the end in
  // case it grew.
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  const ssize_t n = read_full(fd.get(), text.data(), text.size());
  if (n < 0) {
    return std::nullopt;
  }
  text.resize(static_cast<std::size_t>(n));
  if (static_cast<std::size_t>(n) == static_cast<std::size_t>(st.st_size) &&
      read_append(fd.get(), text) != 0) {
    return std::nullopt;
  }
  return text;
}

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

Result<void> append_index(const std::string& dir, const Json& line) {
  const std::string path = fmt::format("{}/{}", dir, k_index);
  auto fd = open_private_file(path, O_WRONLY | O_APPEND | O_CREAT);
  if (!fd) {
    return std::unexpected(fd.error());
  }
  if (!write_all(fd->get(), index_line(line))) {
    return fail(ErrorCode::cannot_write, std::strerror(errno), path);
  }
  return {};
}

Result<void> write_index(const std::string& dir, const std::map<std::uint64_t, Json>& lines) {
  std::string text;
  for (const auto& [number, line] : lines) {
    text += index_line(line);
  }
  return write_file_atomically(fmt::format("{}/{}", dir, k_index), text);
}

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
    if (!inserted) {
      const bool plainer =
          static_cast<int>(version.storage) < static_cast<int>(slot->second.storage);
      result.shadowed.push_back(plainer ? slot->second.file : version.file);
      if (plainer) {
        slot->second = version;
      }
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

Result<std::string> read_stored(const Scan& scanned, const HistoryVersion& version) {
  auto stored = read_whole(version.file);
  if (!stored) {
    return fail(ErrorCode::not_found,
                fmt::format("cannot read history entry: {}", std::strerror(errno)), version.file);
  }
  switch (version.storage) {
  case VersionStorage::plain:
    // A plain version is the replaced file itself (a hard link): a size other than the one
    // recorded means something wrote into that file after it was replaced.
    if (version.size && *version.size != stored->size()) {
      return fail(ErrorCode::invalid_snapshot,
                  fmt::format("damaged history: version {} was {} bytes when kept, now {}",
                              version.number, *version.size, stored->size()),
                  version.file);
    }
    return std::move(*stored);
  case VersionStorage::full:
    return decompress(*stored, {}, version.file);
  case VersionStorage::delta: {
    const HistoryVersion* base = find_version(scanned, version.base);
    // A delta's base is a full version (never another delta), so at most two frames are read.
    if (base == nullptr || base->storage == VersionStorage::delta) {
      return fail(ErrorCode::invalid_snapshot,
                  fmt::format("damaged history: version {} needs version {}, which is gone",
                              version.number, version.base),
                  version.file);
    }
    auto base_bytes = read_stored(scanned, *base);
    if (!base_bytes) {
      return std::unexpected(base_bytes.error());
    }
    return decompress(*stored, *base_bytes, version.file);
  }
  }
  return fail(ErrorCode::invalid_snapshot, "unknown history entry", version.file);
}

Result<HistoryLock> HistoryLock::acquire(const std::string& state_dir, const std::string& key,
                                         HistoryLockKind kind, LockWait wait) {
  // Not create_directories: a compaction started for a state dir that is gone meanwhile must not
  // make it again; `.reprise/` exists wherever there is a history.
  ::mkdir(locks_dir(state_dir).c_str(), 0700);
  const std::string path = kind == HistoryLockKind::append
                               ? history_lock_path(state_dir, key)
                               : history_rewrite_lock_path(state_dir, key);
  auto opened = open_private_file(path, O_RDWR | O_CREAT);
  if (!opened) {
    return std::unexpected(opened.error());
  }
  Fd fd = std::move(*opened);
  const int operation = wait == LockWait::block ? LOCK_EX : LOCK_EX | LOCK_NB;
  if (retry_on_eintr([&] { return ::flock(fd.get(), operation); }) != 0) {
    if (errno == EWOULDBLOCK) {
      return std::unexpected(
          Error::busy(fmt::format("the history of {} is being rewritten", key), path));
    }
    return fail(ErrorCode::cannot_write, fmt::format("cannot lock: {}", std::strerror(errno)),
                path);
  }
  return HistoryLock(std::move(fd));
}

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
  const std::uint64_t highest = index.empty() ? 0 : index.rbegin()->first;
  std::erase_if(index, [&](const auto& entry) {
    return doomed.contains(entry.first) && entry.first != highest;
  });
  if (auto written = write_index(dir, index); !written) {
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

} // namespace reprise::history_store
