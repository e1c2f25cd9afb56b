#pragma once

#include <expected>
#include <string>
#include <utility>

namespace reprise {

// What went wrong, in the vocabulary of the exit-code table.
enum class ErrorCode {
  usage,             // bad option value or precondition the user can fix by asking differently
  invalid_snapshot,  // JSON syntax error or a harn loader rule
  not_found,         // target missing or unreadable
  cannot_write,      // output cannot be written
  busy,              // worker running or locked
  timeout,           // --timeout expired
  cannot_execute,    // COMMAND exists but cannot be executed
  command_not_found, // COMMAND not found
  failed,            // a worker failed (wait/relaunch)
};

// An error as a value: code, message, and where it applies the file, JSON pointer and position.
struct Error {
  ErrorCode code = ErrorCode::failed;
  std::string message;
  std::string file;    // empty when no file is involved
  std::string pointer; // RFC 6901 JSON pointer inside `file`, empty when not applicable
  int line = 0;        // 1-based; 0 when unknown
  int column = 0;      // 1-based; 0 when unknown

  // One named constructor per kind: `Error::usage("…")`, `Error::not_found("…", path)`; `make`
  // when the kind is a variable.
  static Error make(ErrorCode code, std::string message, std::string file = {}) {
    return Error{code, std::move(message), std::move(file), {}, 0, 0};
  }
  static Error usage(std::string message) { return make(ErrorCode::usage, std::move(message)); }
  // A loader rule or syntax error, with where it applies when known.
  static Error invalid_snapshot(std::string message, std::string file = {},
                                std::string pointer = {}, int line = 0, int column = 0) {
    return Error{ErrorCode::invalid_snapshot,
                 std::move(message),
                 std::move(file),
                 std::move(pointer),
                 line,
                 column};
  }
  static Error not_found(std::string message, std::string file = {}) {
    return make(ErrorCode::not_found, std::move(message), std::move(file));
  }
  static Error cannot_write(std::string message, std::string file = {}) {
    return make(ErrorCode::cannot_write, std::move(message), std::move(file));
  }
  static Error busy(std::string message, std::string file = {}) {
    return make(ErrorCode::busy, std::move(message), std::move(file));
  }
  static Error timeout(std::string message) { return make(ErrorCode::timeout, std::move(message)); }
  static Error cannot_execute(std::string message) {
    return make(ErrorCode::cannot_execute, std::move(message));
  }
  static Error command_not_found(std::string message) {
    return make(ErrorCode::command_not_found, std::move(message));
  }
  static Error failed(std::string message, std::string file = {}) {
    return make(ErrorCode::failed, std::move(message), std::move(file));
  }

  // One line: "<file>: <pointer> (line L, column C): <message>", omitting the parts that are empty.
  std::string to_string() const;
  // The stable name of `code` ("invalid_snapshot", …) used in --json error objects.
  const char* code_name() const;
  // The exit code of cli.md's table for `code`.
  int exit_code() const;
};

template <typename T> using Result = std::expected<T, Error>;

// Shorthand for `std::unexpected(Error::make(code, message, file))`.
inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string file = {}) {
  return std::unexpected(Error::make(code, std::move(message), std::move(file)));
}

} // namespace reprise
