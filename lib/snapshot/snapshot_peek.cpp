#include "snapshot/snapshot_peek.hpp"

#include "base/fd.hpp"
#include "base/input_file.hpp"
#include "base/io.hpp"
#include "snapshot/worker_status.hpp"

#include "json/document.hpp"
#include "json/json_scan.hpp"
#include "json/member.hpp"
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise {

namespace {

const std::string k_missing_mode = "worker snapshot is missing a valid config mode";

// A top-level string member list shows, and what harn reads when it is missing or not a string.
struct StringField {
  std::string_view key;
  std::string SnapshotPeek::*member;
  std::string_view fallback;
};

constexpr StringField k_string_fields[] = {
    {"id", &SnapshotPeek::id, ""},
    {"name", &SnapshotPeek::name, "worker"},
    {"mode", &SnapshotPeek::mode, "workflow"},
    {"task", &SnapshotPeek::task, ""},
    {"created_at", &SnapshotPeek::created_at, ""},
    {"started_at", &SnapshotPeek::started_at, ""},
};

// What a JSON value is, in a word, from its first byte (for messages).
std::string_view kind_of(std::string_view value) {
  switch (value.empty() ? '\0' : value.front()) {
  case '{':
    return "a map";
  case '[':
    return "a sequence";
  case '"':
    return "a string";
  case 't':
  case 'f':
    return "a boolean";
  case 'n':
    return "null";
  default:
    return "a number";
  }
}

// The decoded string when `value` is a JSON string literal.
std::optional<std::string> decode_string(std::string_view value) {
  if (value.size() < 2 || value.front() != '"') {
    return std::nullopt;
  }
  const std::string_view inner = value.substr(1, value.size() - 2);
  if (inner.find('\\') == std::string_view::npos) {
    return std::string(inner);
  }
  try {
    return nlohmann::json::parse(value).get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Error invalid_at(std::string_view text, const std::string& path, std::string pointer,
                 std::optional<std::string_view> value, std::string message) {
  Error error = Error::invalid_snapshot(std::move(message), path, std::move(pointer));
  if (value) {
    const auto position =
        json::line_column(text, static_cast<std::size_t>(value->data() - text.data()));
    error.line = position.line;
    error.column = position.column;
  }
  return error;
}

// The config mode of the `config` member, or an error in the loader's words.
Result<std::string> config_mode_of(std::string_view text, const std::string& path,
                                   std::optional<std::string_view> config) {
  if (!config) {
    return std::unexpected(
        invalid_at(text, path, "", std::nullopt, k_missing_mode + " (no config)"));
  }
  if (config->front() != '{') {
    return std::unexpected(
        invalid_at(text, path, "/config", config,
                   fmt::format("{} (config is {})", k_missing_mode, kind_of(*config))));
  }
  auto members = json::object_members(*config);
  if (!members) {
    return std::unexpected(json_syntax_error(text, path));
  }
  const std::optional<std::string_view> mode = json::member(*members, "mode");
  auto decoded = mode ? decode_string(*mode) : std::nullopt;
  if (decoded && (*decoded == "workflow" || *decoded == "stage" || *decoded == "sub_agent")) {
    return *decoded;
  }
  if (!mode) {
    return std::unexpected(
        invalid_at(text, path, "/config", config, k_missing_mode + " (config has no mode)"));
  }
  return std::unexpected(
      invalid_at(text, path, "/config/mode", mode,
                 decoded ? fmt::format("{} (unknown mode \"{}\")", k_missing_mode, *decoded)
                         : fmt::format("{} (mode is {})", k_missing_mode, kind_of(*mode))));
}

// Reads the whole of `path` into `out`; an unreadable error otherwise.
Result<void> read_whole(const std::string& path, std::string& out) {
  auto input = open_input_file(path);
  if (!input) {
    return std::unexpected(input.error());
  }
  out.clear();
  out.reserve(static_cast<std::size_t>(input->size));
  if (const int error = read_append(input->fd.get(), out); error != 0) {
    return fail(ErrorCode::not_found, fmt::format("cannot read: {}", std::strerror(error)), path);
  }
  return {};
}

// Every non-hidden `*.json` entry of `dir`, as `<dir>/<name>` sorted by name. Entries that are not
// regular files are kept: peeking reports them unreadable rather than leaving them out.
Result<std::vector<std::string>> snapshot_paths(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), &::closedir);
  if (!handle) {
    const int error = errno;
    return fail(ErrorCode::not_found,
                error == ENOENT ? std::string("no such state dir") : std::strerror(error), dir);
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(handle.get())) {
    const std::string_view name = entry->d_name;
    if (!name.starts_with('.') && name.ends_with(".json")) {
      names.emplace_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const std::string& name : names) {
    paths.push_back(prefix + name);
  }
  return paths;
}

// Reads `path` into `buffer` (reused between files) and peeks at it.
SnapshotPeek peek_with_buffer(const std::string& path, std::string& buffer) {
  if (auto read = read_whole(path, buffer); !read) {
    SnapshotPeek peek;
    peek.path = path;
    peek.state = PeekState::unreadable;
    peek.error = read.error();
    return peek;
  }
  return peek_snapshot(buffer, path);
}

} // namespace

SnapshotPeek peek_snapshot(std::string_view text, const std::string& path) {
  SnapshotPeek peek;
  peek.path = path;
  peek.name = "worker";
  peek.mode = "workflow";
  peek.status = effective_status(std::nullopt, Liveness::follow_loader);
  auto set_invalid = [&](Error error) {
    peek.state = PeekState::invalid;
    peek.error = std::move(error);
    return peek;
  };

  const std::size_t start = json::skip_whitespace(text, 0);
  const auto end = json::value_end(text, start);
  if (!end || json::skip_whitespace(text, *end) != text.size()) {
    return set_invalid(json_syntax_error(text, path));
  }
  if (text[start] != '{') {
    return set_invalid(invalid_at(text, path, "", text.substr(start, *end - start),
                                  fmt::format("{} (the document is {}, not an object)",
                                              k_missing_mode, kind_of(text.substr(start)))));
  }
  auto members = json::object_members(text.substr(start, *end - start));
  if (!members) {
    return set_invalid(json_syntax_error(text, path));
  }

  // The last duplicate wins, as in harn's loader.
  std::optional<std::string_view> config;
  std::optional<std::string_view> execution;
  std::optional<std::string_view> status;
  for (const json::Member& member : *members) {
    const std::string& key = member.key;
    if (key == "config") {
      config = member.value;
    } else if (key == "execution") {
      execution = member.value;
    } else if (key == "status") {
      status = member.value;
    } else if (key == "latest_error") {
      peek.latest_error = decode_string(member.value);
    } else {
      for (const StringField& field : k_string_fields) {
        if (key == field.key) {
          // A wrong type reads as harn's default.
          peek.*field.member = decode_string(member.value).value_or(std::string(field.fallback));
        }
      }
    }
  }

  auto mode = config_mode_of(text, path, config);
  if (!mode) {
    return set_invalid(mode.error());
  }
  peek.config_mode = std::move(*mode);
  if (!execution || *execution == "null") {
    return set_invalid(invalid_at(
        text, path, execution ? "/execution" : "", execution,
        fmt::format("worker snapshot execution parse error: invalid type: null, expected struct "
                    "WorkerExecutionProfile{}",
                    execution ? "" : " (execution is missing)")));
  }
  const auto decoded = status ? decode_string(*status) : std::nullopt;
  peek.written_status = decoded.value_or("");
  peek.status = effective_status(decoded, Liveness::follow_loader);
  return peek;
}

SnapshotPeek peek_snapshot_file(const std::string& path) {
  std::string buffer;
  return peek_with_buffer(path, buffer);
}

Result<std::vector<SnapshotPeek>> peek_state_dir(const std::string& dir) {
  auto paths = snapshot_paths(dir);
  if (!paths) {
    return std::unexpected(paths.error());
  }
  std::vector<SnapshotPeek> peeks;
  peeks.reserve(paths->size());
  std::string buffer; // one buffer for every file
  for (const std::string& path : *paths) {
    peeks.push_back(peek_with_buffer(path, buffer));
  }
  return peeks;
}

} // namespace reprise
