#include "run/run_ledger.hpp"
#include "run/timeline.hpp"
#include "scratch.hpp"
#include "snapshot/history.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace reprise;
using reprise::test::Scratch;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

KeepInfo keep(const char* command, int attempt, std::int64_t now_ms, const char* status) {
  KeepInfo info;
  info.command = command;
  info.attempt = attempt;
  info.now_ms = now_ms;
  info.status = status;
  info.task = "task of the kept version";
  return info;
}

// The text of the fixture `name`.
std::string fixture_text(const std::string& name) {
  std::ifstream in(reprise::test::fixture_path("snapshots/" + name), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  REQUIRE_FALSE(text.str().empty());
  return text.str();
}

// The task of good-workflow-running.json.
const std::string k_running_task = "Digest yesterday's commits";

} // namespace

TEST_CASE("timeline") {
  Scratch scratch;
  const std::string snapshot = scratch.file("w1.json");
  // A worker harn wrote as running: the current file of every scenario.
  const std::string running = fixture_text("good-workflow-running.json");

  SUBCASE("no history and no ledger: the current file alone, timed by its mtime") {
    write_text(snapshot, running);
    const auto entries = worker_timeline(snapshot);
    REQUIRE(entries.size() == 1);
    REQUIRE(entries[0].version);
    const TimelineVersion& current = *entries[0].version;
    CHECK(current.current);
    CHECK(current.number == 1);
    CHECK(current.storage == "current");
    CHECK(current.status == "running");
    CHECK(current.task == k_running_task);
    CHECK(current.size == running.size());
    CHECK(current.written_by.empty());
    CHECK_FALSE(current.change.has_value());
    CHECK(entries[0].when_ms.has_value());
  }

  SUBCASE("versions and attempts, newest first; what replaced a version is told on the next") {
    const std::string first = R"({"status": "completed"})";
    const std::string second = R"({"status": "interrupted", "task": "x"})";
    // Each version is in the file before the next replaces it, as the writers do.
    write_text(snapshot, first);
    REQUIRE(keep_version(snapshot, first, keep("reset", 0, 1000, "completed")));
    write_text(snapshot, second);
    REQUIRE(keep_version(snapshot, second, keep("relaunch", 1, 2000, "interrupted")));
    write_text(snapshot, running);
    AttemptStart start;
    start.attempt = 1;
    start.started_ms = 2000;
    REQUIRE(record_start(scratch.str(), "w1", start));
    AttemptEnd end;
    end.attempt = 1;
    end.status = "failed";
    end.finished_ms = 3000;
    REQUIRE(record_end(scratch.str(), "w1", end));

    const auto entries = worker_timeline(snapshot);
    REQUIRE(entries.size() == 4);
    // Version 3 (current), written by relaunch at 2000, then the attempt it started (same time).
    REQUIRE(entries[0].version);
    const TimelineVersion& current = *entries[0].version;
    CHECK(current.current);
    CHECK(current.number == 3);
    CHECK(entries[0].when_ms == 2000);
    CHECK(current.written_by == "relaunch");
    CHECK(current.attempt == 1);
    CHECK(current.previous_status == "interrupted");
    CHECK(current.status == "running");
    CHECK(current.change == static_cast<std::int64_t>(running.size() - second.size()));

    REQUIRE(entries[1].attempt);
    CHECK(entries[1].when_ms == 2000);
    CHECK(entries[1].attempt->attempt == 1);
    REQUIRE(entries[1].attempt->end);
    CHECK(entries[1].attempt->end->status == "failed");

    REQUIRE(entries[2].version);
    const TimelineVersion& kept = *entries[2].version;
    CHECK(kept.number == 2);
    CHECK_FALSE(kept.current);
    CHECK(entries[2].when_ms == 1000);
    CHECK(kept.written_by == "reset");
    CHECK(kept.status == "interrupted");
    CHECK(kept.previous_status == "completed");
    CHECK(kept.change == static_cast<std::int64_t>(second.size() - first.size()));
    CHECK(kept.stored_bytes > 0);
    CHECK(kept.storage != "current");

    // Version 1 came before reprise saw the worker: no time, so it goes last.
    REQUIRE(entries[3].version);
    CHECK(entries[3].version->number == 1);
    CHECK_FALSE(entries[3].when_ms.has_value());
    CHECK(entries[3].version->written_by.empty());
  }

  SUBCASE("an attempt without a start is timed by its end") {
    write_text(snapshot, running);
    AttemptEnd end;
    end.attempt = 1;
    end.status = "unreadable";
    end.finished_ms = 5000;
    REQUIRE(record_end(scratch.str(), "w1", end));
    const auto entries = worker_timeline(snapshot);
    REQUIRE(entries.size() == 2);
    const auto& attempt = entries[0].attempt ? entries[0] : entries[1];
    REQUIRE(attempt.attempt);
    CHECK(attempt.when_ms == 5000);
  }

  SUBCASE("a missing or unreadable current file still has its version, without size or status") {
    write_text(snapshot, "{}");
    REQUIRE(keep_version(snapshot, "{}", keep("cancel", 0, 1000, "running")));
    std::filesystem::remove(snapshot);
    const auto entries = worker_timeline(snapshot);
    REQUIRE(entries.size() == 2);
    REQUIRE(entries[0].version);
    CHECK(entries[0].version->current);
    CHECK(entries[0].version->number == 2);
    CHECK(entries[0].version->written_by == "cancel");
    CHECK_FALSE(entries[0].version->size.has_value());
    CHECK(entries[0].version->status.empty());
  }
}
