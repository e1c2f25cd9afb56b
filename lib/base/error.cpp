#include "base/error.hpp"

#include "base/exit_code.hpp"

#include <fmt/format.h>

namespace reprise {

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
  }
  if (!pointer.empty()) {
    out += out.empty() ? "" : ": ";
    out += pointer;
  }
  if (line > 0) {
    out += fmt::format("{}line {}, column {}", out.empty() ? "" : " at ", line, column);
  }
  if (!out.empty()) {
    out += ": ";
  }
  out += message;
  return out;
}

const char* Error::code_name() const {
  switch (code) {
  case ErrorCode::usage:
    return "usage";
  case ErrorCode::invalid_snapshot:
    return "invalid_snapshot";
  case ErrorCode::not_found:
    return "not_found";
  case ErrorCode::cannot_write:
    return "cannot_write";
  case ErrorCode::busy:
    return "busy";
  case ErrorCode::timeout:
    return "timeout";
  case ErrorCode::cannot_execute:
    return "cannot_execute";
  case ErrorCode::command_not_found:
    return "command_not_found";
  case ErrorCode::failed:
    return "failed";
  }
  return "failed";
}

int Error::exit_code() const {
  switch (code) {
  case ErrorCode::usage:
    return exit_code::k_usage;
  case ErrorCode::invalid_snapshot:
    return exit_code::k_invalid_snapshot;
  case ErrorCode::not_found:
    return exit_code::k_not_found;
  case ErrorCode::cannot_write:
    return exit_code::k_cannot_write;
  case ErrorCode::busy:
    return exit_code::k_busy;
  case ErrorCode::timeout:
    return exit_code::k_timeout;
  case ErrorCode::cannot_execute:
    return exit_code::k_cannot_execute;
  case ErrorCode::command_not_found:
    return exit_code::k_command_not_found;
  case ErrorCode::failed:
    return exit_code::k_failure;
  }
  return exit_code::k_failure;
}

} // namespace reprise
