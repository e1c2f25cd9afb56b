#include "proc_helpers.hpp"
#include "run/relaunch.hpp"
#include "run/run_ledger.hpp"
#include "snapshot/snapshot.hpp"

#include <algorithm>

using namespace reprise;
using namespace reprise::test;

namespace {

// Three demo workers; the second one's child fails (its execution.env picks the child's mode).
void make_three_workers(const std::string& dir) {
  copy_demo(dir, {}, "worker_a");
  copy_demo(
      dir,
      [](auto& s) {
        s["execution"]["env"] = {{"EXAMPLE_CHILD_MODE", "fail"}};
      },
      "worker_b");
  copy_demo(dir, {}, "worker_c");
}

std::vector<std::string> relaunch_three(const std::string& dir, std::vector<std::string> extra) {
  std::vector<std::string> args = {
      "--state-dir", dir,      "relaunch", "worker_a", "worker_b",
      "worker_c",    "--jobs", "2",        "--task",   "Count these words"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), {"--", "python3", example_child()});
  return args;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

} // namespace

TEST_CASE("relaunch") {
  Scratch scratch;
  const std::string dir = scratch.str();

  SUBCASE("several TARGETs with --jobs 2: a row each as it finishes, exit 1 when one fails") {
    make_three_workers(dir);
    const Finished done = run_reprise(relaunch_three(dir, {}));
    CHECK(done.exit == ExitStatus::exited(1));
    // The children's output goes only to their logs when several run; standard error has the
    // totals (no progress line: it is not a terminal).
    CHECK(done.err.starts_with("reprise: 3 of 3 ran in "));
    CHECK(done.err.ends_with(": 2 ok, 1 failed\n"));
    std::vector<std::string> rows;
    std::string error_line;
    std::string log_line;
    for (const std::string& line : lines_of(done.out)) {
      if (line.starts_with("worker_")) {
        rows.push_back(line);
      } else if (line.starts_with("    error: ")) {
        error_line = line;
      } else if (line.starts_with("    log:   ")) {
        log_line = line;
      }
    }
    std::sort(rows.begin(), rows.end()); // printed in the order they finished
    REQUIRE(rows.size() == 3);
    // The failure says why and where its log is.
    CHECK(error_line == "    error: command exited with code 3; last lines of stderr:");
    CHECK(log_line == "    log:   " + attempt_log_path(dir, "worker_b", 1, "err"));
    CHECK(rows[0].starts_with("worker_a                                      #1 completed "
                              "(exit code 0, "));
    CHECK(rows[1].starts_with("worker_b                                      #1 failed "
                              "(exit code 3, "));
    CHECK(rows[2].starts_with("worker_c                                      #1 completed "));
    CHECK(read_json(scratch.file("worker_a.json"))["status"] == "completed");
    CHECK(read_json(scratch.file("worker_c.json"))["status"] == "completed");
    const auto failed = read_json(scratch.file("worker_b.json"));
    CHECK(failed["status"] == "failed");
    CHECK(failed["latest_error"] ==
          "command exited with code 3; last lines of stderr:\nexample_child: told to fail");
    CHECK(read_bytes(attempt_log_path(dir, "worker_a", 1, "out"))
              .starts_with("example_child: working on: Count these words\n"));
  }

  SUBCASE("--json: one object per TARGET in the order given") {
    make_three_workers(dir);
    const Finished done = run_reprise(relaunch_three(dir, {"--json"}));
    CHECK(done.exit == ExitStatus::exited(1));
    const auto envelope = nlohmann::json::parse(done.out);
    CHECK(envelope["ok"] == true); // a failed worker is a result, not an error of relaunch
    const auto& rows = envelope["data"];
    REQUIRE(rows.is_array());
    REQUIRE(rows.size() == 3);
    const char* ids[] = {"worker_a", "worker_b", "worker_c"};
    const char* statuses[] = {"completed", "failed", "completed"};
    const int exits[] = {0, 1, 0};
    for (std::size_t i = 0; i < 3; ++i) {
      CAPTURE(i);
      CHECK(rows[i]["target"] == ids[i]);
      CHECK(rows[i]["worker_id"] == ids[i]);
      CHECK(rows[i]["attempt"] == 1);
      CHECK(rows[i]["status"] == statuses[i]);
      CHECK(rows[i]["exit"] == exits[i]);
      CHECK(rows[i]["timed_out"] == false);
    }
    CHECK(rows[0]["latest_error"].is_null());
    CHECK(rows[1]["child_exit"] == nlohmann::json{{"code", 3}});
  }

  SUBCASE("all succeed: exit 0; a missing TARGET is reported in its row, the others run") {
    copy_demo(dir, {}, "worker_a");
    copy_demo(dir, {}, "worker_c");
    const Finished ok =
        run_reprise({"--state-dir", dir, "relaunch", "worker_a", "worker_c", "--jobs", "2",
                     "--task", "t", "--", "python3", example_child()});
    CHECK(ok.exit == ExitStatus::exited(0));
    CHECK(lines_of(ok.out).size() == 2);

    const Finished missing =
        run_reprise({"--state-dir", dir, "relaunch", "worker_a", "worker_missing", "worker_c",
                     "--jobs", "2", "--task", "t", "--json", "--", "python3", example_child()});
    CHECK(missing.exit == ExitStatus::exited(1));
    // A TARGET that could not run is an error: the envelope goes to standard error, with the rows.
    CHECK(missing.out.empty());
    const auto envelope = nlohmann::json::parse(missing.err);
    CHECK(envelope["ok"] == false);
    CHECK(envelope["error"]["code"] == "not_found");
    const auto& rows = envelope["data"];
    REQUIRE(rows.size() == 3);
    CHECK(rows[0]["attempt"] == 2);
    CHECK(rows[1]["exit"] == 66);
    CHECK(rows[1]["error"]["code"].is_string());
    CHECK(rows[2]["status"] == "completed");
  }

  SUBCASE("the command of a run: COMMAND, else harn's own entry point for a top_level_agent") {
    RunSettings settings;
    settings.harn_program = "/opt/harn/bin/harn";
    auto harn = command_for_run(settings, k_top_level_agent_mode);
    REQUIRE_MESSAGE(harn, harn.error().to_string());
    CHECK(*harn == std::vector<std::string>{"/opt/harn/bin/harn", "run", "--resume", "{snapshot}",
                                            "--json"});

    auto other = command_for_run(settings, "sub_agent");
    REQUIRE_FALSE(other);
    CHECK(other.error().code == ErrorCode::usage);
    CHECK(other.error().message.find("mode is \"sub_agent\"") != std::string::npos);

    settings.command = {"my-agent", "{snapshot}"};
    CHECK(command_for_run(settings, k_top_level_agent_mode).value_or(std::vector<std::string>{}) ==
          settings.command);

    settings.command.clear();
    settings.harn_program.clear();
    auto missing = command_for_run(settings, k_top_level_agent_mode);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::usage);
    CHECK(missing.error().message.find("`harn` is not on PATH") != std::string::npos);
  }

  SUBCASE("find_harn: the first executable harn on PATH, absolute") {
    namespace fs = std::filesystem;
    for (const char* sub : {"plain", "exec", "later", "dir/harn"}) {
      fs::create_directories(scratch.path() / sub);
    }
    std::ofstream(scratch.file("plain/harn")) << "#!/bin/sh\n";
    for (const char* name : {"exec/harn", "later/harn"}) {
      std::ofstream(scratch.file(name)) << "#!/bin/sh\n";
      fs::permissions(scratch.file(name), fs::perms::owner_all);
    }
    const std::string plain = scratch.file("plain");
    const std::string exec = scratch.file("exec");
    // A directory named harn and a file that cannot be executed are passed over.
    CHECK(find_harn(scratch.file("dir") + ":" + plain + ":" + exec + ":" + scratch.file("later"))
              .value_or("") == scratch.file("exec/harn"));
    CHECK_FALSE(find_harn(plain).has_value());
    CHECK_FALSE(find_harn(scratch.file("nothing")).has_value());
    CHECK_FALSE(find_harn("").has_value());
  }
}

TEST_CASE("duplicate execution members: relaunch runs with what validate checked (the last)") {
  Scratch scratch;
  const std::string path = copy_demo(scratch.str(), [](auto& s) {
    s["execution"] = {{"cwd", "CWD"}, {"env", "ENV"}};
  });
  std::string text = read_bytes(path);
  const auto replace = [&text](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  // The first `cwd` is not even a string: serde_json keeps only the last, and so do we.
  replace(R"("cwd": "CWD")", R"("cwd": 5, "cwd": "/first", "cwd": "/last")");
  replace(R"("env": "ENV")", R"("env": 7, "env": {"A": "1", "A": "2", "B": "3"})");
  std::ofstream(path) << text;

  auto snapshot = load_snapshot_file(path);
  REQUIRE_MESSAGE(snapshot, snapshot.error().to_string());
  auto lock = lock_snapshot(path);
  REQUIRE(lock);
  PreparedRun run{.lock = std::move(*lock),
                  .state_dir = {},
                  .worker_id = {},
                  .snapshot_path = path,
                  .task = {},
                  .cwd = {},
                  .env = {},
                  .command = "relaunch",
                  .previous_status = {},
                  .previous_task = {},
                  .own_copy = false};
  read_execution(*snapshot, run);
  CHECK(run.cwd == "/last");
  CHECK(run.env == std::vector<std::pair<std::string, std::string>>{{"A", "2"}, {"B", "3"}});

  const Finished validated = run_reprise({"validate", path});
  CHECK(validated.exit == ExitStatus::exited(0));
}
