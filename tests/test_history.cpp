#include "snapshot/history.hpp"
#include "snapshot/state_layout.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
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

// Replaces `path` as every writer does: a new file renamed over it.
void replace_file(const std::string& path, const std::string& text) {
  std::ofstream(path + ".new") << text;
  fs::rename(path + ".new", path);
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

  SUBCASE("versions are numbered, kept plain, compacted into deltas against a full one, and read "
          "back exactly in each state") {
    std::vector<std::string> kept;
    for (int v = 1; v <= 20; ++v) {
      kept.push_back(body(v));
      auto path = keep_version(snapshot, kept.back(), info(v % 2 ? "reset" : "relaunch", v));
      REQUIRE(path.has_value());
      CHECK(*path == fmt::format("{}/{}.json", history_dir(scratch.str(), "worker_1"), v));
    }
    for (const HistoryVersion& version : list_history(scratch.str(), "worker_1")) {
      CHECK(version.storage == VersionStorage::plain);
      CHECK(*read_version(scratch.str(), "worker_1", version.number) == kept[version.number - 1]);
    }
    CHECK(compaction_due(scratch.str(), "worker_1"));
    auto compacted = compact_history(scratch.str(), "worker_1");
    REQUIRE(compacted.has_value());
    CHECK(compacted->versions == 20);
    CHECK_FALSE(compaction_due(scratch.str(), "worker_1"));
    CHECK(compact_history(scratch.str(), "worker_1")->versions == 0);
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
    // The files are the stored versions only: nothing temporary, no plain file left.
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(history_dir(scratch.str(), "worker_1"))) {
      files += entry.path().filename() != "index.jsonl" ? 1 : 0;
    }
    CHECK(files == 20);
    // A plain version after compressed ones: each state reads (plain, full, delta).
    kept.push_back(body(21));
    REQUIRE(keep_version(snapshot, kept.back(), info("reset")).has_value());
    for (std::uint64_t number : {21, 17, 18}) {
      CHECK(*read_version(scratch.str(), "worker_1", number) == kept[number - 1]);
    }
    CHECK(list_history(scratch.str(), "worker_1").back().storage == VersionStorage::plain);
    REQUIRE(compact_history(scratch.str(), "worker_1").has_value());
    CHECK(list_history(scratch.str(), "worker_1").back().storage == VersionStorage::delta);
    CHECK(list_history(scratch.str(), "worker_1").back().base == 17);
  }

  SUBCASE("the replaced file is kept by a hard link, with its mode; a changed one is copied") {
    ::chmod(snapshot.c_str(), 0600);
    const std::string current = body(99);
    auto kept = keep_version(snapshot, current, info("reset"));
    REQUIRE(kept.has_value());
    struct stat source {};
    struct stat stored {};
    REQUIRE(::stat(snapshot.c_str(), &source) == 0);
    REQUIRE(::stat(kept->c_str(), &stored) == 0);
    CHECK(stored.st_ino == source.st_ino);
    CHECK((stored.st_mode & 0777) == 0600);
    // The writer renames a new file over the snapshot: the kept version is the old file, intact.
    replace_file(snapshot, body(100));
    ::chmod(snapshot.c_str(), 0600);
    CHECK(*read_version(scratch.str(), "worker_1", 1) == current);
    // Bytes that are not the file's (it changed after they were read) are copied, not linked.
    auto copied = keep_version(snapshot, body(7), info("reset"));
    REQUIRE(copied.has_value());
    REQUIRE(::stat(snapshot.c_str(), &source) == 0);
    REQUIRE(::stat(copied->c_str(), &stored) == 0);
    CHECK(stored.st_ino != source.st_ino);
    CHECK((stored.st_mode & 0777) == 0600);
    CHECK(*read_version(scratch.str(), "worker_1", 2) == body(7));
    // Compressed, the versions keep the mode.
    REQUIRE(compact_history(scratch.str(), "worker_1")->versions == 2);
    for (const HistoryVersion& version : list_history(scratch.str(), "worker_1")) {
      REQUIRE(::stat(version.file.c_str(), &stored) == 0);
      CHECK((stored.st_mode & 0777) == 0600);
      CHECK(version.storage != VersionStorage::plain);
    }
  }

  SUBCASE("an interrupted compaction: both forms of a version read, the next one clears up") {
    for (int v = 1; v <= 3; ++v) {
      REQUIRE(keep_version(snapshot, body(v), info("reset")).has_value());
    }
    const std::string dir = history_dir(scratch.str(), "worker_1");
    fs::copy_file(dir + "/2.json", scratch.file("2.json"));
    REQUIRE(compact_history(scratch.str(), "worker_1")->versions == 3);
    // As if killed after renaming 2's frame into place, before removing its plain file, and
    // while writing the next frame.
    fs::copy_file(scratch.file("2.json"), dir + "/2.json");
    std::ofstream(dir + "/.3.d1.zst.tmp.abcdef") << "half a frame";
    CHECK(list_history(scratch.str(), "worker_1")[1].storage == VersionStorage::plain);
    CHECK(*read_version(scratch.str(), "worker_1", 2) == body(2));
    auto again = compact_history(scratch.str(), "worker_1");
    REQUIRE(again.has_value());
    CHECK(again->versions == 1);
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"1.zst", "2.d1.zst", "3.d1.zst", "index.jsonl"});
    for (int v = 1; v <= 3; ++v) {
      CHECK(*read_version(scratch.str(), "worker_1", static_cast<std::uint64_t>(v)) == body(v));
    }
  }

  SUBCASE("a plain version written into after it was kept reads as damaged and stays plain") {
    REQUIRE(keep_version(snapshot, body(99), info("reset")).has_value());
    std::ofstream(history_dir(scratch.str(), "worker_1") + "/1.json", std::ios::app) << "more";
    auto read = read_version(scratch.str(), "worker_1", 1);
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().code == ErrorCode::invalid_snapshot);
    CHECK(compact_history(scratch.str(), "worker_1")->versions == 0);
    CHECK(list_history(scratch.str(), "worker_1").front().storage == VersionStorage::plain);
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

    REQUIRE(compact_history(scratch.str(), "worker_1").has_value());
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

  SUBCASE("plain N.json entries of older reprise still read and compact; modes are kept") {
    fs::create_directories(history_dir(scratch.str(), "worker_1"));
    std::ofstream(history_dir(scratch.str(), "worker_1") + "/1.json") << "old plain";
    ::chmod(snapshot.c_str(), 0600);
    auto kept = keep_version(snapshot, body(2), info("cancel"));
    REQUIRE(kept.has_value());
    CHECK(*kept == history_dir(scratch.str(), "worker_1") + "/2.json");
    struct stat st {};
    REQUIRE(::stat(kept->c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(*read_version(scratch.str(), "worker_1", 1) == "old plain");
    CHECK(*read_version(scratch.str(), "worker_1", 2) == body(2));
    REQUIRE(compact_history(scratch.str(), "worker_1")->versions == 2);
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
