// harn's worker status as a value: parse/print, the live-owner overlay and the exit-code rule.
#include "base/exit_code.hpp"
#include "run/relaunch.hpp"
#include "snapshot/worker_status.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace reprise;

namespace {

constexpr WorkerStatus k_known[] = {
    WorkerStatus::running,   WorkerStatus::awaiting,  WorkerStatus::completed,
    WorkerStatus::failed,    WorkerStatus::cancelled, WorkerStatus::interrupted,
    WorkerStatus::suspended, WorkerStatus::stopped,
};

} // namespace

TEST_CASE("worker status: every known status prints as harn spells it and parses back") {
  for (const WorkerStatus status : k_known) {
    const std::string_view name = to_string(status);
    CAPTURE(name);
    CHECK(name != "unknown");
    CHECK(parse_worker_status(name) == status);
  }
  CHECK(to_string(WorkerStatus::running) == "running");
  CHECK(to_string(WorkerStatus::awaiting) == "awaiting");
  CHECK(to_string(WorkerStatus::completed) == "completed");
  CHECK(to_string(WorkerStatus::failed) == "failed");
  CHECK(to_string(WorkerStatus::cancelled) == "cancelled");
  CHECK(to_string(WorkerStatus::interrupted) == "interrupted");
  CHECK(to_string(WorkerStatus::suspended) == "suspended");
  CHECK(to_string(WorkerStatus::stopped) == "stopped");
}

TEST_CASE("worker status: strings harn does not name are unknown") {
  for (const std::string text :
       {"", "Running", "RUNNING", " running", "running ", "canceled", "done", "invalid",
        "unreadable", "progressed", "awaiting_input", "unknown"}) {
    CAPTURE(text);
    CHECK(parse_worker_status(text) == WorkerStatus::unknown);
  }
  CHECK(to_string(WorkerStatus::unknown) == "unknown");
}

TEST_CASE("worker status: a written running without a live owner is interrupted") {
  SUBCASE("missing or not a string: interrupted, whatever the owner") {
    CHECK(effective_status(std::nullopt, Liveness::follow_loader) == "interrupted");
    CHECK(effective_status(std::nullopt, Liveness::live) == "interrupted");
  }
  SUBCASE("running: interrupted for the loader, running for a live owner") {
    CHECK(effective_status("running", Liveness::follow_loader) == "interrupted");
    CHECK(effective_status("running", Liveness::live) == "running");
  }
  SUBCASE("any other string is kept verbatim") {
    for (const std::string text : {"completed", "awaiting", "failed", "cancelled", "interrupted",
                                   "suspended", "stopped", "mystery", "Running", ""}) {
      CAPTURE(text);
      CHECK(effective_status(text, Liveness::follow_loader) == text);
      CHECK(effective_status(text, Liveness::live) == text);
    }
  }
}

TEST_CASE("worker status: outcome to exit code (cli.md)") {
  CHECK(exit_code_for(WorkerStatus::completed) == exit_code::k_success);
  CHECK(exit_code_for(WorkerStatus::awaiting) == exit_code::k_success);
  CHECK(exit_code_for(WorkerStatus::suspended) == exit_code::k_success);
  CHECK(exit_code_for(WorkerStatus::stopped) == exit_code::k_success);
  CHECK(exit_code_for(WorkerStatus::running) == exit_code::k_success); // a detached start
  CHECK(exit_code_for(WorkerStatus::failed) == exit_code::k_failure);
  CHECK(exit_code_for(WorkerStatus::cancelled) == exit_code::k_failure);
  CHECK(exit_code_for(WorkerStatus::interrupted) == exit_code::k_failure);
  CHECK(exit_code_for(WorkerStatus::unknown) == exit_code::k_failure);
}

TEST_CASE("worker status: a relaunch or resume report's exit code") {
  RelaunchReport report;
  report.status = "completed";
  CHECK(exit_code_of(report) == exit_code::k_success);
  report.status = "suspended"; // suspended while it ran: success, for relaunch and resume alike
  CHECK(exit_code_of(report) == exit_code::k_success);
  report.status = "mystery";
  CHECK(exit_code_of(report) == exit_code::k_failure);
  report.status = "failed";
  CHECK(exit_code_of(report) == exit_code::k_failure);
  report.timed_out = true;
  CHECK(exit_code_of(report) == exit_code::k_timeout);
  report.forwarded_signal = 15;
  CHECK(exit_code_of(report) == exit_code::k_signal_base + 15);
  report.spawn_error = Error{ErrorCode::command_not_found, "not found", {}, {}, 0, 0};
  CHECK(exit_code_of(report) == exit_code::k_command_not_found);
}
