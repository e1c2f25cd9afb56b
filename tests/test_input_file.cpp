#include "base/input_file.hpp"
#include "scratch.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace reprise;
using reprise::test::Scratch;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Restores the process-wide limit when a test case changed it.
struct LimitScope {
  std::uint64_t saved = max_input_size();
  ~LimitScope() { set_max_input_size(saved); }
};

} // namespace

TEST_CASE("input_file") {
  Scratch scratch;

  SUBCASE("a regular file opens with its size, ready for blocking reads") {
    write_file(scratch.file("a.json"), "{\"id\":1}");
    auto input = open_input_file(scratch.file("a.json"));
    REQUIRE(input.has_value());
    CHECK(input->size == 8);
    char buffer[16];
    CHECK(::read(input->fd.get(), buffer, sizeof buffer) == 8);
    CHECK((::fcntl(input->fd.get(), F_GETFL) & O_NONBLOCK) == 0);
  }

  SUBCASE("missing files and directories are named as such") {
    auto missing = open_input_file(scratch.file("nope.json"));
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == ErrorCode::not_found);
    CHECK(missing.error().message == "no such file");
    CHECK(missing.error().file == scratch.file("nope.json"));
    auto dir = open_input_file(scratch.str());
    REQUIRE_FALSE(dir.has_value());
    CHECK(dir.error().message == "is a directory, not a snapshot file");
  }

  SUBCASE("a FIFO is refused at once, without waiting for a writer") {
    const std::string fifo = scratch.file("w.json");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto opened = open_input_file(fifo); // would block forever without O_NONBLOCK
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().code == ErrorCode::not_found);
    CHECK(opened.error().message.starts_with("not a regular file (a FIFO)"));
  }

  SUBCASE("devices, and links to them, are refused before anything is read") {
    auto zero = open_input_file("/dev/zero");
    REQUIRE_FALSE(zero.has_value());
    CHECK(zero.error().message.starts_with("not a regular file (a character device)"));
    const std::string link = scratch.file("zero.json");
    REQUIRE(::symlink("/dev/zero", link.c_str()) == 0);
    auto linked = open_input_file(link);
    REQUIRE_FALSE(linked.has_value());
    CHECK(linked.error().message.starts_with("not a regular file (a character device)"));
  }

  SUBCASE("a socket is refused") {
    const std::string path = scratch.file("s.json");
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof address.sun_path);
    std::copy(path.begin(), path.end(), address.sun_path);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    auto opened = open_input_file(path);
    ::close(fd);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().code == ErrorCode::not_found);
    CHECK(opened.error().message.starts_with("not a regular file (a socket)"));
  }

  SUBCASE("the size limit is checked before reading: a sparse file costs nothing") {
    LimitScope scope;
    set_max_input_size(1 << 20);
    const std::string big = scratch.file("big.json");
    write_file(big, "");
    REQUIRE(::truncate(big.c_str(), off_t{8} << 30) == 0); // 8 GiB, sparse
    auto opened = open_input_file(big);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().message == "is 8.0 GiB, larger than the 1.0 MiB limit (--max-size)");
    write_file(scratch.file("small.json"), std::string(1 << 20, ' '));
    CHECK(open_input_file(scratch.file("small.json")).has_value()); // the limit itself is allowed
  }

  SUBCASE("a stream is read up to the limit and refused past it") {
    LimitScope scope;
    set_max_input_size(10);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(::write(fds[1], "0123456789", 10) == 10);
    ::close(fds[1]);
    std::string out;
    CHECK(read_input_stream(fds[0], "<stdin>", out).has_value());
    CHECK(out == "0123456789");
    ::close(fds[0]);

    REQUIRE(::pipe(fds) == 0);
    REQUIRE(::write(fds[1], "0123456789!", 11) == 11);
    ::close(fds[1]);
    out.clear();
    auto refused = read_input_stream(fds[0], "<stdin>", out);
    ::close(fds[0]);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message == "more than the 10 B limit (--max-size)");
    CHECK(refused.error().file == "<stdin>");
  }
}
