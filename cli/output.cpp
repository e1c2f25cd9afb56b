#include "output.hpp"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace reprise::cli {

bool GlobalOptions::use_color(int fd) const {
  switch (color) {
  case ColorMode::always:
    return true;
  case ColorMode::never:
    return false;
  case ColorMode::auto_detect:
    break;
  }
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') {
    return false;
  }
  return isatty(fd) == 1;
}

int report_error(const Error& error, bool json) {
  fmt::print(stderr, "reprise: error: {}\n", error.to_string());
  if (json) {
    nlohmann::ordered_json object = {
        {"code", error.code_name()}, {"exit", error.exit_code()}, {"message", error.message}};
    if (!error.file.empty()) {
      object["file"] = error.file;
    }
    if (!error.pointer.empty()) {
      object["pointer"] = error.pointer;
    }
    if (error.line > 0) {
      object["line"] = error.line;
      object["column"] = error.column;
    }
    nlohmann::ordered_json wrapper = {{"error", object}};
    fmt::print(stderr, "{}\n",
               wrapper.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return error.exit_code();
}

void report_warning(const GlobalOptions& global, std::string_view message) {
  if (global.verbosity >= 0) {
    fmt::print(stderr, "reprise: warning: {}\n", message);
  }
}

} // namespace reprise::cli
