#include "snapshot/history.hpp"
#include "snapshot/state_layout.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace reprise;

namespace {

class Scratch {
public:
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "reprise-history-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  std::string str() const { return m_path.string(); }
  std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
  fs::path m_path;
};

// A large-ish text with long repeats, like a snapshot whose transcript appears several times.
std::string body(int version, std::size_t words = 20000) {
  std::mt19937 rng(7);
  std::ostringstream out;
  out << "{\"version\": " << version << ", \"transcript\": \"";
  for (std::size_t i = 0; i < words; ++i) {
    out << "word" << rng() % 500 << ' ';
  }
  out << "\", \"tail\": " << version * 31 << "}";
  return out.str();
}

KeepInfo info(const char* command, int attempt = 0) {
  KeepInfo keep;
  keep.command = command;
  keep.attempt = attempt;
  keep.now_ms = 1000;
  keep.status = "failed";
  keep.task = "t";
  return keep;
}

} // namespace

TEST_CASE("history") {
  Scratch scratch;
  const std::string snapshot = scratch.file("worker_1.json");
  std::ofstream(snapshot) << body(99);

  SUBCASE("versions are numbered, compressed as deltas against a full one, and read back exactly") {
    std::vector<std::string> kept;
    for (int v = 1; v <= 20; ++v) {
      kept.push_back(body(v));
      auto path = keep_version(snapshot, kept.back(), info(v % 2 ? "reset" : "relaunch", v));
      REQUIRE(path.has_value());
    }
    const auto versions = list_history(scratch.str(), "worker_1");
    REQUIRE(versions.size() == 20);
    CHECK(versions[0].storage == VersionStorage::full);
    CHECK(versions[1].storage == VersionStorage::delta);
    CHECK(versions[1].base == 1);
    CHECK(versions[16].storage == VersionStorage::full); // k_full_every
    CHECK(versions[17].base == 17);
    std::uint64_t stored = 0;
    for (const HistoryVersion& version : versions) {
      stored += version.stored_bytes;
      auto bytes = read_version(scratch.str(), "worker_1", version.number);
      REQUIRE(bytes.has_value());
      CHECK(*bytes == kept[version.number - 1]);
      CHECK(version.size == kept[version.number - 1].size());
      CHECK(version.replaced_by == (version.number % 2 ? "reset" : "relaunch"));
    }
    // Deltas of near-identical versions cost almost nothing.
    CHECK(versions[1].stored_bytes < 200);
    CHECK(stored < kept[0].size());
    CHECK(current_version_number(scratch.str(), "worker_1") == 21);
  }

  SUBCASE("revisions: N, -N, attempt:K, the current one, pruned ones") {
    for (int v = 1; v <= 4; ++v) {
      REQUIRE(keep_version(snapshot, body(v), info(v == 2 ? "relaunch" : "reset", v)).has_value());
    }
    auto two = resolve_revision(snapshot, "2");
    REQUIRE(two.has_value());
    CHECK(two->in_history);
    CHECK(*read_revision(snapshot, *two) == body(2));
    auto previous = resolve_revision(snapshot, "-1");
    REQUIRE(previous.has_value());
    CHECK(previous->number == 4);
    auto current = resolve_revision(snapshot, "5");
    REQUIRE(current.has_value());
    CHECK_FALSE(current->in_history);
    CHECK(*read_revision(snapshot, *current) == body(99));
    // Version 2 was replaced by relaunch starting attempt 2: attempt 2 started from version 3.
    auto attempt = resolve_revision(snapshot, "attempt:2");
    REQUIRE(attempt.has_value());
    CHECK(attempt->number == 3);
    CHECK(resolve_revision(snapshot, "attempt:9").error().code == ErrorCode::not_found);
    CHECK(resolve_revision(snapshot, "9").error().code == ErrorCode::not_found);
    CHECK(resolve_revision(snapshot, "0").error().code == ErrorCode::usage);

    auto pruned = prune_history(scratch.str(), "worker_1", 2, std::nullopt);
    REQUIRE(pruned.has_value());
    // Versions 3 and 4 are deltas against 1, so 1 stays; 2 goes.
    CHECK(pruned->versions == 1);
    auto gone = resolve_revision(snapshot, "2");
    REQUIRE_FALSE(gone.has_value());
    CHECK(gone.error().message.find("pruned") != std::string::npos);
    CHECK(*read_revision(snapshot, *resolve_revision(snapshot, "4")) == body(4));
    // Numbers are never reused.
    REQUIRE(keep_version(snapshot, body(5), info("reset")).has_value());
    CHECK(list_history(scratch.str(), "worker_1").back().number == 5);
  }

  SUBCASE("plain N.json entries of older reprise still read; modes are kept") {
    fs::create_directories(history_dir(scratch.str(), "worker_1"));
    std::ofstream(history_dir(scratch.str(), "worker_1") + "/1.json") << "old plain";
    ::chmod(snapshot.c_str(), 0600);
    auto kept = keep_version(snapshot, body(2), info("cancel"));
    REQUIRE(kept.has_value());
    CHECK(*kept == history_dir(scratch.str(), "worker_1") + "/2.zst");
    struct stat st {};
    REQUIRE(::stat(kept->c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(*read_version(scratch.str(), "worker_1", 1) == "old plain");
    CHECK(*read_version(scratch.str(), "worker_1", 2) == body(2));
  }

  SUBCASE("keys that would leave the state dir are refused") {
    for (const char* key : {"", ".", "..", "a/b"}) {
      CAPTURE(key);
      auto kept = keep_version_in(scratch.str(), key, "x", info("reset"));
      REQUIRE_FALSE(kept.has_value());
      CHECK(kept.error().code == ErrorCode::cannot_write);
    }
  }
}
