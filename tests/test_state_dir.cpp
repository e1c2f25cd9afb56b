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
using reprise::file_identity;
using reprise::history_dir;
using reprise::keep_history;
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

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

TEST_CASE("state_dir") {
  Scratch scratch;

  SUBCASE("resolve_state_dir: flag, then environment, then default") {
    {
      const EnvGuard env("HARN_WORKER_STATE_DIR", "/env/dir");
      CHECK(resolve_state_dir("flag/dir") == "flag/dir");
      CHECK(resolve_state_dir("") == "/env/dir");
    }
    {
      const EnvGuard env("HARN_WORKER_STATE_DIR", "");
      CHECK(resolve_state_dir("") == ".harn/workers");
    }
    const EnvGuard env("HARN_WORKER_STATE_DIR", nullptr);
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

  SUBCASE("keep_history numbers entries 1, 2, … after the highest") {
    const auto first = keep_history(scratch.str(), "worker_1", "one");
    REQUIRE(first.has_value());
    CHECK(*first == scratch.file(".reprise/history/worker_1/1.json"));
    CHECK(read_all(*first) == "one");
    const auto second = keep_history(scratch.str(), "worker_1", "two");
    REQUIRE(second.has_value());
    CHECK(*second == scratch.file(".reprise/history/worker_1/2.json"));

    // A gap (a user deleted entries) continues after the highest, never reusing a number.
    std::ofstream(scratch.file(".reprise/history/worker_1/10.json")) << "ten";
    std::ofstream(scratch.file(".reprise/history/worker_1/notes.json")) << "not a number";
    const auto next = keep_history(scratch.str(), "worker_1", "eleven");
    REQUIRE(next.has_value());
    CHECK(*next == scratch.file(".reprise/history/worker_1/11.json"));
    CHECK(read_all(*first) == "one");
  }

  SUBCASE("keep_history links the snapshot file it was read from, else copies the bytes") {
    const std::string source = scratch.file("worker_1.json");
    std::ofstream(source) << "snapshot one";
    const auto identity = file_identity(source);
    REQUIRE(identity.has_value());
    CHECK(identity->links == 1);
    const auto linked = keep_history(scratch.str(), "worker_1", "snapshot one", source, *identity);
    REQUIRE(linked.has_value());
    CHECK(file_identity(*linked)->inode == identity->inode); // a hard link: no second copy
    CHECK(read_all(*linked) == "snapshot one");

    // Now the file has a second link (the history entry): copied, so one entry never follows
    // another. Same when the file changed since it was read.
    const auto copied =
        keep_history(scratch.str(), "worker_1", "snapshot one", source, *file_identity(source));
    REQUIRE(copied.has_value());
    CHECK(*copied == scratch.file(".reprise/history/worker_1/2.json"));
    CHECK(file_identity(*copied)->inode != identity->inode);
    const std::string other = scratch.file("worker_2.json");
    std::ofstream(other) << "as read";
    const auto before = file_identity(other);
    std::filesystem::remove(other);
    std::ofstream(other) << "replaced after reading";
    const auto replaced = keep_history(scratch.str(), "worker_2", "as read", other, *before);
    REQUIRE(replaced.has_value());
    CHECK(read_all(*replaced) == "as read");
  }

  SUBCASE("keep_history refuses ids that would leave the state dir") {
    for (const char* id : {"", ".", "..", "../escape", "a/b"}) {
      CAPTURE(id);
      const auto kept = keep_history(scratch.str(), id, "x");
      REQUIRE_FALSE(kept.has_value());
      CHECK(kept.error().code == ErrorCode::cannot_write);
    }
  }

  SUBCASE("keep_history reports an unwritable state dir") {
    std::ofstream(scratch.file("file")) << "a file, not a directory";
    const auto kept = keep_history(scratch.file("file"), "worker_1", "x");
    REQUIRE_FALSE(kept.has_value());
    CHECK(kept.error().code == ErrorCode::cannot_write);
  }
}
