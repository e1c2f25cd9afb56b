#include "base/atomic_file.hpp"
#include "scratch.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using reprise::AtomicFile;
using reprise::ErrorCode;
using reprise::Overwrite;
using reprise::write_file_atomically;
using reprise::test::Scratch;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_plain(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The names in `dir`, so a test can see that no temporary file is left behind.
std::size_t entry_count(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

TEST_CASE("atomic_file") {
  Scratch scratch;
  const std::string target = scratch.file("worker.json");

  SUBCASE("commit creates the file with mode 0644") {
    auto file = AtomicFile::open(target);
    REQUIRE(file.has_value());
    file->write("{\"a\": ");
    file->write("1}");
    CHECK_FALSE(fs::exists(target));
    REQUIRE(file->commit().has_value());
    CHECK(read_all(target) == "{\"a\": 1}");
    CHECK((fs::status(target).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
           fs::perms::others_read));
    CHECK(entry_count(scratch.path()) == 1);
    CHECK(file->temp_path().empty());
    CHECK_FALSE(file->commit().has_value());
  }

  SUBCASE("commit replaces an existing file and keeps its mode") {
    write_plain(target, "old content that is longer");
    ::chmod(target.c_str(), 0600);
    REQUIRE(write_file_atomically(target, "new").has_value());
    CHECK(read_all(target) == "new");
    CHECK((fs::status(target).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(entry_count(scratch.path()) == 1);
  }

  SUBCASE("an uncommitted file leaves no temporary file and no target") {
    {
      auto file = AtomicFile::open(target);
      REQUIRE(file.has_value());
      file->write("half");
      CHECK(fs::exists(file->temp_path()));
      CHECK(file->temp_path().find(scratch.path().string()) == 0);
      // Moving keeps a single owner of the temporary file.
      AtomicFile moved = std::move(*file);
      CHECK(fs::exists(moved.temp_path()));
    }
    CHECK(entry_count(scratch.path()) == 0);
  }

  SUBCASE("Overwrite::no refuses an existing target") {
    write_plain(target, "first");
    const auto written = write_file_atomically(target, "second", Overwrite::no);
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code == ErrorCode::cannot_write);
    CHECK(read_all(target) == "first");
    CHECK(entry_count(scratch.path()) == 1);
    REQUIRE(write_file_atomically(scratch.file("other.json"), "x", Overwrite::no).has_value());
    CHECK(read_all(scratch.file("other.json")) == "x");
  }

  SUBCASE("a nonexistent directory gives cannot_write naming the target") {
    const std::string missing = scratch.file("no/such/dir/worker.json");
    const auto written = write_file_atomically(missing, "x");
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code == ErrorCode::cannot_write);
    CHECK(written.error().file == missing);
    CHECK(written.error().to_string().find("No such file or directory") != std::string::npos);
  }

  SUBCASE("a read-only directory gives cannot_write and leaves the target untouched") {
    write_plain(target, "precious");
    std::string readonly_target = target;
    if (::geteuid() == 0) {
      // root ignores directory permissions; /proc refuses new files even to root.
      readonly_target = "/proc/reprise-atomic-file-test.json";
    } else {
      ::chmod(scratch.path().c_str(), 0555);
    }
    const auto written = write_file_atomically(readonly_target, "clobbered");
    ::chmod(scratch.path().c_str(), 0755);
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code == ErrorCode::cannot_write);
    CHECK(written.error().file == readonly_target);
    CHECK(read_all(target) == "precious");
    CHECK(entry_count(scratch.path()) == 1);
  }

  SUBCASE("a write error is reported at commit and leaves the target untouched") {
    write_plain(target, "precious");
    // RLIMIT_FSIZE with SIGXFSZ ignored makes write() fail with EFBIG, like a full disk would.
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    auto file = AtomicFile::open(target);
    REQUIRE(file.has_value());
    rlimit small = saved;
    small.rlim_cur = 16;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    file->write(std::string(64, 'x'));
    file->write("more");
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    const auto committed = file->commit();
    REQUIRE_FALSE(committed.has_value());
    CHECK(committed.error().code == ErrorCode::cannot_write);
    CHECK(committed.error().file == target);
    CHECK(committed.error().message.find("File too large") != std::string::npos);
    CHECK(read_all(target) == "precious");
    CHECK(entry_count(scratch.path()) == 1);
  }

  SUBCASE("a large file written in pieces, its write-back started as it goes, is whole") {
    auto file = AtomicFile::open(target);
    REQUIRE(file.has_value());
    std::string expected;
    for (int i = 0; i < 40; ++i) {
      const std::string piece(std::size_t{1} << 20, static_cast<char>('a' + i % 26));
      file->write(piece);
      expected += piece;
    }
    AtomicFile moved = std::move(*file); // a move in the middle keeps the write-back in hand
    moved.write("end");
    expected += "end";
    REQUIRE(moved.commit().has_value());
    CHECK(read_all(target) == expected);
    CHECK(entry_count(scratch.path()) == 1);
  }

  SUBCASE("a directory as target is refused") {
    const auto written = write_file_atomically(scratch.path().string(), "x");
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().code == ErrorCode::cannot_write);
    CHECK(fs::is_directory(scratch.path()));
  }
}
