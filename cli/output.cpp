#include "output.hpp"

#include "base/byte_size.hpp"
#include "base/exit_code.hpp"
#include "base/temp_files.hpp"
#include "base/text.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <vector>

namespace reprise::cli {

namespace {

constexpr auto k_replace = nlohmann::json::error_handler_t::replace;

bool g_json_mode = false;
std::vector<std::string> g_warnings;

Json warnings_json() {
  Json out = Json::array();
  for (const std::string& warning : g_warnings) {
    out.push_back(warning);
  }
  return out;
}

Json envelope(bool ok, const Json& data, const Json& error) {
  return Json{{"schemaVersion", k_schema_version},
              {"ok", ok},
              {"data", data},
              {"error", error},
              {"warnings", warnings_json()}};
}

} // namespace

void set_json_mode(bool on) {
  g_json_mode = on;
}

bool json_mode() {
  return g_json_mode;
}

Json error_json(const Error& error) {
  Json details = {{"exit", error.exit_code()}};
  if (!error.file.empty()) {
    details["file"] = error.file;
  }
  if (!error.pointer.empty()) {
    details["pointer"] = error.pointer;
  }
  if (error.line > 0) {
    details["line"] = error.line;
    details["column"] = error.column;
  }
  return Json{{"code", error.code_name()}, {"message", error.to_string()}, {"details", details}};
}

int report_error(const Error& error, bool json) {
  if (json || g_json_mode) {
    return report_error_with_data(error, nullptr);
  }
  fmt::print(stderr, "reprise: error: {}\n", escape_control(error.to_string()));
  return error.exit_code();
}

int finish_standard_output(int exit) {
  errno = 0;
  if (std::fflush(stdout) == 0 && std::ferror(stdout) == 0) {
    return exit;
  }
  return report_standard_output_failure(errno, exit);
}

int report_standard_output_failure(int error, int exit) {
  std::clearerr(stdout);
  if (error == EPIPE) {
    return exit;
  }
  fmt::print(stderr, "reprise: error: cannot write standard output: {}\n",
             error != 0 ? std::strerror(error) : "write failed");
  return exit_code::k_cannot_write;
}

int report_error_with_data(const Error& error, const Json& data) {
  std::fflush(stdout);
  fmt::print(stderr, "{}\n",
             envelope(false, data, error_json(error)).dump(2, ' ', false, k_replace));
  g_warnings.clear();
  return error.exit_code();
}

void print_result(const Json& data) {
  fmt::print("{}\n", envelope(true, data, nullptr).dump(2, ' ', false, k_replace));
  g_warnings.clear();
}

std::string result_prefix() {
  return fmt::format("{{\"schemaVersion\": {}, \"ok\": true, \"data\": ", k_schema_version);
}

std::string result_suffix() {
  const std::string warnings = warnings_json().dump(-1, ' ', false, k_replace);
  g_warnings.clear();
  return fmt::format(", \"error\": null, \"warnings\": {}}}\n", warnings);
}

void print_json_line(const Json& record) {
  fmt::print("{}\n", record.dump(-1, ' ', false, k_replace));
  std::fflush(stdout);
}

void report_warning(const GlobalOptions& global, std::string_view message) {
  if (g_json_mode) {
    g_warnings.emplace_back(message);
    return;
  }
  if (global.verbosity >= 0) {
    fmt::print(stderr, "reprise: warning: {}\n", escape_control(message));
  }
}

} // namespace reprise::cli

namespace reprise::cli {

void report_stale_temps(const GlobalOptions& global, const std::string& dir,
                        const std::string& base) {
  const std::vector<StaleTemp> stale = find_stale_temps(dir, base);
  if (stale.empty()) {
    return;
  }
  std::uint64_t bytes = 0;
  for (const StaleTemp& temp : stale) {
    bytes += temp.bytes;
  }
  report_warning(global,
                 fmt::format("{}: {} temporary file{} ({}) left by killed writers, e.g. {}; the "
                             "next write or `reprise gc` removes them",
                             dir, stale.size(), stale.size() == 1 ? "" : "s", format_bytes(bytes),
                             stale.front().path));
}

} // namespace reprise::cli
