#include "base/error.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace reprise;

TEST_CASE("error") {
  SUBCASE("each named constructor: its code, name and exit code (the manual's table)") {
    struct Row {
      Error error;
      ErrorCode code;
      const char* name;
      int exit;
    };
    const Row rows[] = {
        {Error::usage("m"), ErrorCode::usage, "usage", 2},
        {Error::invalid_snapshot("m"), ErrorCode::invalid_snapshot, "invalid_snapshot", 65},
        {Error::not_found("m"), ErrorCode::not_found, "not_found", 66},
        {Error::cannot_write("m"), ErrorCode::cannot_write, "cannot_write", 73},
        {Error::busy("m"), ErrorCode::busy, "busy", 75},
        {Error::timeout("m"), ErrorCode::timeout, "timeout", 124},
        {Error::cannot_execute("m"), ErrorCode::cannot_execute, "cannot_execute", 126},
        {Error::command_not_found("m"), ErrorCode::command_not_found, "command_not_found", 127},
        {Error::failed("m"), ErrorCode::failed, "failed", 1},
    };
    for (const Row& row : rows) {
      CAPTURE(row.name);
      CHECK(row.error.code == row.code);
      CHECK(std::string(row.error.code_name()) == row.name);
      CHECK(row.error.exit_code() == row.exit);
      CHECK(row.error.message == "m");
      CHECK(row.error.file.empty());
      CHECK(row.error.pointer.empty());
      CHECK(row.error.line == 0);
      // `make` with the same code is the same error.
      CHECK(Error::make(row.code, "m").exit_code() == row.exit);
    }
  }

  SUBCASE("to_string: file, pointer and position, each left out when unknown") {
    CHECK(Error::usage("bad value").to_string() == "bad value");
    CHECK(Error::not_found("no such file", "w.json").to_string() == "w.json: no such file");
    CHECK(Error::invalid_snapshot("expected a string", "w.json", "/status").to_string() ==
          "w.json: /status: expected a string");
    CHECK(Error::invalid_snapshot("expected a string", "w.json", "/status", 3, 14).to_string() ==
          "w.json: /status at line 3, column 14: expected a string");
    CHECK(Error::invalid_snapshot("unexpected end", "w.json", "", 7, 1).to_string() ==
          "w.json at line 7, column 1: unexpected end");
    CHECK(Error::invalid_snapshot("unexpected end", "", "", 7, 1).to_string() ==
          "line 7, column 1: unexpected end");
    CHECK(Error::invalid_snapshot("bad", "", "/a").to_string() == "/a: bad");
  }

  SUBCASE("fail() is an unexpected Error with the code, message and file") {
    const Result<int> result = fail(ErrorCode::busy, "locked", "w.json");
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ErrorCode::busy);
    CHECK(result.error().message == "locked");
    CHECK(result.error().file == "w.json");
    CHECK(result.error().exit_code() == 75);
  }
}
