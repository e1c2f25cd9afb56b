#include "scratch.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/snapshot_peek.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using reprise::ErrorCode;
using reprise::peek_snapshot;
using reprise::peek_snapshot_file;
using reprise::peek_state_dir;
using reprise::PeekState;

namespace {

const std::string k_snapshots = reprise::test::fixture_path("snapshots/");

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

} // namespace

TEST_CASE("snapshot_peek") {
  SUBCASE("reads the listed members with harn's defaults") {
    auto peek = peek_snapshot(R"({"id": "worker_a", "name": 7, "status": "running",
      "task": "say \"hi\"\n", "config": {"mode": "stage"}, "execution": {},
      "latest_error": "boom", "started_at": "019dda65-d500-7b1c-ad3e-4f5a6b7c8d90"})",
                              "a.json");
    REQUIRE(peek.state == PeekState::ok);
    CHECK(peek.id == "worker_a");
    CHECK(peek.name == "worker");
    CHECK(peek.mode == "workflow");
    CHECK(peek.config_mode == "stage");
    CHECK(peek.status == "interrupted");
    CHECK(peek.written_status == "running");
    CHECK(peek.task == "say \"hi\"\n");
    CHECK(peek.latest_error == "boom");
    CHECK(peek.started_at == "019dda65-d500-7b1c-ad3e-4f5a6b7c8d90");
  }

  SUBCASE("the last duplicate key wins and a missing status reads as interrupted") {
    auto peek = peek_snapshot(
        R"({"id": "one", "id": "two", "config": {"mode": "sub_agent", "spec": {}}, "execution": {}})",
        "b.json");
    REQUIRE(peek.state == PeekState::ok);
    CHECK(peek.id == "two");
    CHECK(peek.status == "interrupted");
    CHECK(peek.written_status.empty());
    CHECK_FALSE(peek.latest_error.has_value());
  }

  SUBCASE("agrees with the full loader on every good fixture") {
    int seen = 0;
    for (const auto& entry : fs::directory_iterator(k_snapshots)) {
      const std::string name = entry.path().filename().string();
      if (!name.starts_with("good-")) {
        continue;
      }
      CAPTURE(name);
      auto loaded = reprise::load_snapshot_file(entry.path().string());
      REQUIRE(loaded.has_value());
      auto peek = peek_snapshot_file(entry.path().string());
      REQUIRE(peek.state == PeekState::ok);
      CHECK(peek.id == loaded->id);
      CHECK(peek.name == loaded->name);
      CHECK(peek.mode == loaded->mode);
      CHECK(peek.config_mode == reprise::to_string(loaded->config_mode));
      CHECK(peek.status == loaded->status);
      CHECK(peek.task == loaded->task);
      CHECK(peek.started_at == loaded->started_at);
      CHECK(peek.latest_error == loaded->latest_error);
      ++seen;
    }
    CHECK(seen >= 20);
  }

  SUBCASE("syntax errors are invalid with a position") {
    auto peek = peek_snapshot_file(k_snapshots + "bad-syntax-missing-comma-top-level.json");
    CHECK(peek.state == PeekState::invalid);
    CHECK(peek.error.code == ErrorCode::invalid_snapshot);
    CHECK(peek.error.line == 7); // where the missing comma is noticed
    CHECK(peek.error.message.starts_with("JSON syntax error"));
    for (const char* name :
         {"bad-syntax-trailing-garbage.json", "bad-truncated-mid-transcript.json", "bad-empty.json",
          "bad-whitespace-only.json", "bad-syntax-unterminated-string.json"}) {
      CAPTURE(name);
      auto bad = peek_snapshot_file(k_snapshots + name);
      CHECK(bad.state == PeekState::invalid);
      CHECK(bad.error.message.starts_with("JSON syntax error"));
    }
  }

  SUBCASE("the cheap loader rules: an object, a valid config mode, an execution") {
    struct Case {
      const char* file;
      const char* pointer;
    };
    for (const Case& c :
         {Case{"bad-top-level-array.json", ""}, Case{"bad-top-level-string.json", ""},
          Case{"bad-config-missing.json", ""}, Case{"bad-config-not-object.json", "/config"},
          Case{"bad-config-mode-number.json", "/config/mode"},
          Case{"bad-config-mode-unknown.json", "/config/mode"},
          Case{"bad-execution-missing.json", ""}, Case{"bad-execution-null.json", "/execution"}}) {
      CAPTURE(c.file);
      auto peek = peek_snapshot_file(k_snapshots + c.file);
      CHECK(peek.state == PeekState::invalid);
      CHECK(peek.error.pointer == c.pointer);
      CHECK(peek.error.file == k_snapshots + c.file);
      // The full loader rejects the same files.
      CHECK_FALSE(reprise::load_snapshot_file(k_snapshots + c.file).has_value());
    }
    auto mode = peek_snapshot_file(k_snapshots + "bad-config-mode-unknown.json");
    CHECK(mode.error.message.find("\"pipeline\"") != std::string::npos);
    CHECK(mode.error.line > 1);
  }

  SUBCASE("missing files and directories are unreadable") {
    auto missing = peek_snapshot_file(k_snapshots + "no-such-file.json");
    CHECK(missing.state == PeekState::unreadable);
    CHECK(missing.error.code == ErrorCode::not_found);
    auto dir = peek_snapshot_file(k_snapshots);
    CHECK(dir.state == PeekState::unreadable);
    CHECK(dir.error.message.find("directory") != std::string::npos);
  }

  SUBCASE("a state dir lists every json entry, bad ones included, hidden ones not") {
    reprise::test::Scratch scratch;
    const fs::path dir = scratch.path() / "state";
    fs::create_directories(dir / "sub.json");
    fs::create_directories(dir / ".reprise");
    fs::copy_file(k_snapshots + "good-sub-agent-stopped.json", dir / "b.json");
    write_file(dir / "a.json", "{\"config\": 1}");
    write_file(dir / ".hidden.json", "{}");
    write_file(dir / "notes.txt", "not a snapshot");
    auto peeks = peek_state_dir(dir.string());
    REQUIRE(peeks.has_value());
    REQUIRE(peeks->size() == 3);
    CHECK((*peeks)[0].path == (dir / "a.json").string());
    CHECK((*peeks)[0].state == PeekState::invalid);
    CHECK((*peeks)[1].state == PeekState::ok);
    CHECK((*peeks)[1].status == "stopped");
    CHECK((*peeks)[2].state == PeekState::unreadable);
    fs::remove_all(dir);
    auto gone = peek_state_dir(dir.string());
    REQUIRE_FALSE(gone.has_value());
    CHECK(gone.error().code == ErrorCode::not_found);
  }
}
