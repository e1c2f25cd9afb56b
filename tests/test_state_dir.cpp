#include "scratch.hpp"
#include "snapshot/state_dir.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;
using reprise::ErrorCode;
using reprise::history_dir;
using reprise::list_snapshot_files;
using reprise::resolve_state_dir;
using reprise::resolve_target;
using reprise::state_dir_for_snapshot;
using reprise::test::Scratch;

namespace {

// Sets or unsets an environment variable for one scope, restoring the old value afterwards.
class EnvGuard {
public:
  EnvGuard(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name)) {
      m_old = old;
    }
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  ~EnvGuard() {
    if (m_old) {
      ::setenv(m_name, m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name);
    }
  }

private:
  const char* m_name;
  std::optional<std::string> m_old;
};

} // namespace

TEST_CASE("state_dir") {
  Scratch scratch;

  SUBCASE("resolve_state_dir: flag, then the environment value given, then default") {
    CHECK(resolve_state_dir("flag/dir", "/env/dir") == "flag/dir");
    CHECK(resolve_state_dir("", "/env/dir") == "/env/dir");
    CHECK(resolve_state_dir("", "") == ".harn/workers");
    // lib/ reads no environment: the variable alone changes nothing.
    const EnvGuard env("HARN_WORKER_STATE_DIR", "/env/dir");
    CHECK(resolve_state_dir("") == ".harn/workers");
  }

  SUBCASE("resolve_target: ids, paths and stdin") {
    const auto by_id = resolve_target("worker_abc", ".harn/workers");
    CHECK(by_id.path == ".harn/workers/worker_abc.json");
    CHECK(by_id.worker_id_hint == "worker_abc");
    CHECK_FALSE(by_id.is_stdin);
    CHECK(resolve_target("worker_abc", "dir/").path == "dir/worker_abc.json");

    const auto by_path = resolve_target("snaps/worker_x.json", "ignored");
    CHECK(by_path.path == "snaps/worker_x.json");
    CHECK(by_path.worker_id_hint == "worker_x");
    CHECK(resolve_target("worker_y.json", "ignored").path == "worker_y.json");
    CHECK(resolve_target("./worker_z", "ignored").path == "./worker_z");
    CHECK(resolve_target("./worker_z", "ignored").worker_id_hint == "worker_z");

    const auto in = resolve_target("-", "ignored");
    CHECK(in.is_stdin);
    CHECK(in.path.empty());
  }

  SUBCASE("state_dir_for_snapshot and history_dir") {
    CHECK(state_dir_for_snapshot("a/b/worker.json") == "a/b");
    CHECK(state_dir_for_snapshot("worker.json") == ".");
    CHECK(state_dir_for_snapshot("/worker.json") == "/");
    CHECK(history_dir(".harn/workers", "worker_1") == ".harn/workers/.reprise/history/worker_1");
    CHECK(history_dir("dir/", "w") == "dir/.reprise/history/w");
  }

  SUBCASE("find_state_dir: flag, then the environment's value, then a walk up from cwd") {
    CHECK(reprise::find_state_dir("flag", "env", scratch.str()) == "flag");
    CHECK(reprise::find_state_dir("", "env", scratch.str()) == "env");
    fs::create_directories(scratch.file("proj/.harn/workers"));
    fs::create_directories(scratch.file("proj/src/deep"));
    CHECK(reprise::find_state_dir("", "", scratch.file("proj")) == ".harn/workers");
    CHECK(reprise::find_state_dir("", "", scratch.file("proj/src/deep")) ==
          scratch.file("proj/.harn/workers"));
    CHECK(reprise::find_state_dir("", "", scratch.str()) == ".harn/workers");
  }

  SUBCASE("find_target: exact ids, unique prefixes, ambiguity and revisions") {
    for (const char* name : {"worker_019dda5c.json", "worker_019dda5d.json", "worker_abc.json"}) {
      std::ofstream(scratch.file(name)) << "{}";
    }
    auto exact = reprise::find_target("worker_abc", scratch.str());
    REQUIRE(exact.has_value());
    CHECK(exact->path == scratch.file("worker_abc.json"));
    auto prefix = reprise::find_target("ab", scratch.str());
    REQUIRE(prefix.has_value());
    CHECK(prefix->path == scratch.file("worker_abc.json"));
    auto long_prefix = reprise::find_target("worker_019dda5c", scratch.str());
    REQUIRE(long_prefix.has_value());
    CHECK(long_prefix->worker_id_hint == "worker_019dda5c");
    auto ambiguous = reprise::find_target("019dda", scratch.str());
    REQUIRE_FALSE(ambiguous.has_value());
    CHECK(ambiguous.error().code == ErrorCode::usage);
    CHECK(ambiguous.error().message.find("worker_019dda5c, worker_019dda5d") != std::string::npos);
    auto revision = reprise::find_target("ab@-1", scratch.str());
    REQUIRE(revision.has_value());
    CHECK(revision->path == scratch.file("worker_abc.json"));
    CHECK(revision->revision == "-1");
    auto attempt = reprise::find_target("worker_abc@attempt:3", scratch.str());
    REQUIRE(attempt.has_value());
    CHECK(attempt->revision == "attempt:3");
    // Not a revision: the '@' is part of the name.
    auto at_name = reprise::find_target("a@b", scratch.str());
    REQUIRE(at_name.has_value());
    CHECK(at_name->revision.empty());
    CHECK(at_name->path == scratch.file("a@b.json"));
  }

  SUBCASE("list_snapshot_files lists regular *.json files, sorted") {
    for (const char* name : {"b.json", "a.json", "notes.txt", ".hidden.json", ".a.json.tmp.x1"}) {
      std::ofstream(scratch.file(name)) << "{}";
    }
    fs::create_directories(scratch.file(".reprise/history/w"));
    fs::create_directories(scratch.file("dir.json"));
    CHECK(list_snapshot_files(scratch.str()) ==
          std::vector<std::string>{scratch.file("a.json"), scratch.file("b.json")});
    CHECK(list_snapshot_files(scratch.file("missing")).empty());
  }
}
