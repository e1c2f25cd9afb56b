#include "run/run_ledger.hpp"
#include "scratch.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace reprise;
using reprise::test::Scratch;

TEST_CASE("run_ledger") {
  Scratch scratch;
  const std::string dir = scratch.str();

  SUBCASE("paths under the state dir's .reprise folder") {
    CHECK(ledger_path("/s", "w") == "/s/.reprise/runs/w.jsonl");
    CHECK(ledger_path("", "w") == "./.reprise/runs/w.jsonl");
    CHECK(attempt_log_path("/s", "w", 3, "err") == "/s/.reprise/logs/w/3.err");
  }

  SUBCASE("a start record reads back whole; attempts are numbered after the highest") {
    CHECK(next_attempt(dir, "w") == 1);
    CHECK_FALSE(last_start(dir, "w").has_value());
    AttemptStart start;
    start.attempt = 4;
    start.supervisor_pid = 100;
    start.supervisor_start = 12345678901ULL;
    start.child_pid = 101;
    start.child_start = 7;
    start.started_ms = 1777485641000;
    start.log_out = "/logs/4.out";
    start.log_err = "/logs/4.err";
    start.plan_hash = fnv1a_hex("plan");
    start.argv = {"python3", "child.py", "a b"};
    start.detached = true;
    REQUIRE(record_start(dir, "w", start).has_value());
    const auto read = last_start(dir, "w");
    REQUIRE(read.has_value());
    CHECK(read->attempt == 4);
    CHECK(read->supervisor_pid == 100);
    CHECK(read->supervisor_start == 12345678901ULL);
    CHECK(read->child_pid == 101);
    CHECK(read->child_start == 7);
    CHECK(read->started_ms == 1777485641000);
    CHECK(read->log_out == "/logs/4.out");
    CHECK(read->log_err == "/logs/4.err");
    CHECK(read->plan_hash == start.plan_hash);
    CHECK(read->argv == start.argv);
    CHECK(read->detached);
    CHECK(next_attempt(dir, "w") == 5);

    start.attempt = 2; // the last record wins for last_start; the highest for next_attempt
    REQUIRE(record_start(dir, "w", start).has_value());
    CHECK(last_start(dir, "w")->attempt == 2);
    CHECK(next_attempt(dir, "w") == 5);
    CHECK(next_attempt(dir, "other") == 1);
  }

  SUBCASE("end records keep an exit code and a signal apart") {
    AttemptEnd exited{1, "failed", ExitStatus::exited(3), false, 10};
    AttemptEnd killed{2, "failed", ExitStatus::signalled(SIGKILL), true, 20};
    AttemptEnd never{3, "failed", std::nullopt, false, 30};
    for (const AttemptEnd* end : {&exited, &killed, &never}) {
      REQUIRE(record_end(dir, "w", *end).has_value());
    }
    const auto one = end_of(dir, "w", 1);
    REQUIRE(one.has_value());
    CHECK(one->status == "failed");
    CHECK(one->exit == ExitStatus::exited(3));
    CHECK_FALSE(one->timed_out);
    CHECK(one->finished_ms == 10);
    const auto two = end_of(dir, "w", 2);
    REQUIRE(two.has_value());
    CHECK(two->exit == ExitStatus::signalled(SIGKILL));
    CHECK(two->timed_out);
    const auto three = end_of(dir, "w", 3);
    REQUIRE(three.has_value());
    CHECK_FALSE(three->exit.has_value());
    CHECK_FALSE(end_of(dir, "w", 4).has_value());
    CHECK_FALSE(last_start(dir, "w").has_value()); // end records are not starts
    CHECK(next_attempt(dir, "w") == 4);
  }

  SUBCASE("malformed lines and a line cut by a crash are skipped") {
    AttemptStart start;
    start.attempt = 1;
    REQUIRE(record_start(dir, "w", start).has_value());
    std::ofstream(ledger_path(dir, "w"), std::ios::app)
        << "not json\n{\"attempt\": \"9\"}\n[9]\n{\"event\": \"start\", \"attempt\": 8";
    CHECK(next_attempt(dir, "w") == 2);
    CHECK(last_start(dir, "w")->attempt == 1);
  }

  SUBCASE("a ledger that cannot be written is an error") {
    std::ofstream(scratch.file("file")) << "not a folder";
    const auto written = record_end(scratch.file("file"), "w", AttemptEnd{});
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code == ErrorCode::cannot_write);
  }

  SUBCASE("fnv1a_hex: the published 64-bit FNV-1a vectors") {
    CHECK(fnv1a_hex("") == "cbf29ce484222325");
    CHECK(fnv1a_hex("a") == "af63dc4c8601ec8c");
    CHECK(fnv1a_hex("foobar") == "85944171f73967e8");
  }
}
