#include "base/file_bytes.hpp"
#include "base/mapped_file.hpp"
#include "scratch.hpp"

#include <cerrno>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <sys/stat.h>

using namespace reprise;
using reprise::test::Scratch;

namespace {

void write_text(const std::string& path, const std::string& text, bool append = false) {
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << text;
  REQUIRE(out.good());
}

Fd open_read(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.valid());
  return fd;
}

std::size_t size_of(const Fd& fd) {
  struct stat st {};
  REQUIRE(::fstat(fd.get(), &st) == 0);
  return static_cast<std::size_t>(st.st_size);
}

} // namespace

TEST_CASE("mapped_file") {
  Scratch scratch;
  const std::string path = scratch.file("snapshot.json");

  SUBCASE("a regular file: its bytes, then zero padding for the parser") {
    const std::string text = R"({"id": "w1"})";
    write_text(path, text);
    Fd fd = open_read(path);
    auto mapped = MappedFile::map(fd, size_of(fd), Populate::now);
    REQUIRE(mapped);
    CHECK_FALSE(fd.valid()); // taken over: it holds the lease
    CHECK(mapped->size() == text.size());
    CHECK(std::string_view(mapped->data(), mapped->size()) == text);
    bool padded = true;
    for (std::size_t i = 0; i < simdjson::SIMDJSON_PADDING; ++i) {
      padded = padded && mapped->data()[text.size() + i] == '\0';
    }
    CHECK(padded);
  }

  SUBCASE("a file larger than a page, faulted in later: every byte, the padding past the page") {
    std::string text(3 * 4096 + 5, 'x');
    text.back() = 'y';
    write_text(path, text);
    Fd fd = open_read(path);
    auto mapped = MappedFile::map(fd, size_of(fd), Populate::later);
    REQUIRE(mapped);
    CHECK(std::string_view(mapped->data(), mapped->size()) == text);
    CHECK(mapped->data()[text.size() + simdjson::SIMDJSON_PADDING - 1] == '\0');
  }

  SUBCASE("registered as file bytes while it lives") {
    write_text(path, "0123456789");
    Fd fd = open_read(path);
    const char* data = nullptr;
    {
      auto mapped = MappedFile::map(fd, size_of(fd), Populate::now);
      REQUIRE(mapped);
      data = mapped->data();
      const auto range = file_range_of(std::string_view(data + 4, 3));
      REQUIRE(range);
      CHECK(range->offset == 4);
      CHECK(range->available == 6); // from the byte asked about to the end of the file
      CHECK(range->fd >= 0);
    }
    // `data` is unmapped now; only its address is asked about.
    CHECK_FALSE(file_range_of(std::string_view(data + 4, 3)).has_value());
  }

  SUBCASE("while mapped, a writer cannot open the file; once gone, it can") {
    write_text(path, "{}");
    Fd fd = open_read(path);
    auto mapped = MappedFile::map(fd, size_of(fd), Populate::now);
    REQUIRE(mapped);
    // O_NONBLOCK: the open fails at once instead of waiting for the lease to be given up.
    Fd writer(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    const int error = errno;
    CHECK_FALSE(writer.valid());
    CHECK(error == EWOULDBLOCK);
    mapped.reset();
    Fd after(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    CHECK(after.valid());
  }

  SUBCASE("an empty file is not mapped, and the descriptor stays with the caller") {
    write_text(path, "");
    Fd fd = open_read(path);
    CHECK(MappedFile::map(fd, 0, Populate::now) == nullptr);
    CHECK(fd.valid());
  }

  SUBCASE("a file whose size changed since the caller's fstat is not mapped") {
    write_text(path, "abc");
    Fd fd = open_read(path);
    const std::size_t size = size_of(fd);
    write_text(path, "def", true);
    CHECK(MappedFile::map(fd, size, Populate::now) == nullptr);
    CHECK(fd.valid());
    // The lease was given back: the file can be written again at once.
    Fd writer(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    CHECK(writer.valid());
  }

  SUBCASE("a file someone holds open for writing cannot be leased") {
    write_text(path, "abc");
    Fd writer(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    REQUIRE(writer.valid());
    Fd fd = open_read(path);
    CHECK(MappedFile::map(fd, size_of(fd), Populate::now) == nullptr);
    CHECK(fd.valid());
  }

  SUBCASE("not a regular file: a directory, a pipe") {
    Fd dir(::open(scratch.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(dir.valid());
    CHECK(MappedFile::map(dir, 4096, Populate::now) == nullptr);
    CHECK(dir.valid());
    int ends[2] = {-1, -1};
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    Fd read_end(ends[0]);
    const Fd write_end(ends[1]);
    CHECK(MappedFile::map(read_end, 0, Populate::now) == nullptr);
    CHECK(read_end.valid());
  }
}
