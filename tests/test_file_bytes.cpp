// Mapped documents under a read lease, file-to-file copies of their bytes, and the sink that
// gathers untouched stretches of a snapshot into runs: the reset data path for large files.
#include "base/file_bytes.hpp"
#include "proc_helpers.hpp"

#include "json/document.hpp"
#include "json/output_sink.hpp"
#include <cerrno>
#include <fcntl.h>
#include <fmt/format.h>
#include <string>
#include <vector>

using namespace reprise;
using reprise::test::read_bytes;
using reprise::test::run_reprise;
using reprise::test::Scratch;

namespace {

// A JSON object of about `bytes` bytes, pretty-printed, with long strings in an array.
std::string big_json(std::size_t bytes) {
  std::string text = "{\n  \"name\": \"big\",\n  \"lines\": [\n";
  for (std::size_t i = 0; text.size() < bytes; ++i) {
    text += fmt::format("    \"line {:06} {}\",\n", i, std::string(100, 'x'));
  }
  text += "    \"end\"\n  ]\n}";
  return text;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Opens `path` for writing without blocking: the errno when the kernel says no, else 0.
int try_open_for_writing(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return errno;
  }
  ::close(fd);
  return 0;
}

} // namespace

TEST_CASE("a large file is mapped under a lease; it reads as the same bytes as a read one") {
  Scratch scratch;
  const std::string path = scratch.file("big.json");
  const std::string text = big_json(std::size_t{3} << 20);
  write_text(path, text);

  auto mapped = Document::read_file(path, FileAccess::map);
  REQUIRE(mapped.has_value());
  auto read = Document::read_file(path, FileAccess::read);
  REQUIRE(read.has_value());
  CHECK(mapped->text() == text);
  CHECK(read->text() == text);
  CHECK(mapped->bytes_at("/name") == read->bytes_at("/name"));
  CHECK(mapped->root()["lines"].get_array().size() == read->root()["lines"].get_array().size());

  const auto range = file_range_of(mapped->text().substr(10, 100));
  REQUIRE(range.has_value());
  CHECK(range->offset == 10);
  CHECK(range->available == text.size() - 10);
  CHECK_FALSE(file_range_of(read->text()).has_value());

  // The lease: a writer cannot open the file while the document lives, and can once it is gone.
  CHECK(try_open_for_writing(path) == EWOULDBLOCK);
  mapped = Document::from_string("{}", "small");
  CHECK(try_open_for_writing(path) == 0);
}

TEST_CASE("a document of 16 MiB or more, parsed with a second thread beside, reads the same") {
  Scratch scratch;
  const std::string path = scratch.file("huge.json");
  const std::string text = big_json(std::size_t{17} << 20);
  write_text(path, text);
  auto mapped = Document::read_file(path, FileAccess::map);
  REQUIRE(mapped.has_value());
  REQUIRE(file_range_of(mapped->text()).has_value());
  auto read = Document::from_string(text, "copy");
  REQUIRE(read.has_value());
  CHECK(mapped->root()["lines"].get_array().size() == read->root()["lines"].get_array().size());
  CHECK(mapped->root_members().size() == 2);
  CHECK(mapped->bytes_at("/lines/150000") == read->bytes_at("/lines/150000"));
  CHECK(mapped->bytes_at("/name") == "\"big\"");

  SUBCASE("an error found by stage 1 (an unclosed string) or stage 2 (two commas) is reported") {
    for (const std::string& broken :
         {text.substr(0, text.size() - 20) + "\"", text.substr(0, text.rfind(']')) + ",,]}"}) {
      write_text(path, broken);
      auto document = Document::read_file(path, FileAccess::map);
      REQUIRE_FALSE(document.has_value());
      CHECK(document.error().code == ErrorCode::invalid_snapshot);
      CHECK(document.error().line > 1000);
    }
  }
}

TEST_CASE("a file someone has open for writing, or a small one, is read instead of mapped") {
  Scratch scratch;
  const std::string path = scratch.file("big.json");
  const std::string text = big_json(std::size_t{2} << 20);
  write_text(path, text);
  {
    const Fd writer(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    REQUIRE(writer.valid());
    auto document = Document::read_file(path, FileAccess::map);
    REQUIRE(document.has_value());
    CHECK(document->text() == text);
    CHECK_FALSE(file_range_of(document->text()).has_value());
  }
  const std::string small_path = scratch.file("small.json");
  write_text(small_path, big_json(1000));
  auto small = Document::read_file(small_path, FileAccess::map);
  REQUIRE(small.has_value());
  CHECK_FALSE(file_range_of(small->text()).has_value());
}

TEST_CASE("a mapped file with a syntax error is reported with line:column") {
  Scratch scratch;
  const std::string path = scratch.file("broken.json");
  std::string text = big_json(std::size_t{2} << 20);
  text.insert(text.rfind(']'), ",,");
  write_text(path, text);
  auto document = Document::read_file(path, FileAccess::map);
  REQUIRE_FALSE(document.has_value());
  CHECK(document.error().code == ErrorCode::invalid_snapshot);
  CHECK(document.error().line > 1);
  CHECK(try_open_for_writing(path) == 0);
}

TEST_CASE("write_through copies registered bytes file to file, and writes the rest") {
  Scratch scratch;
  const std::string path = scratch.file("big.json");
  const std::string text = big_json(std::size_t{4} << 20);
  write_text(path, text);
  auto document = Document::read_file(path, FileAccess::map);
  REQUIRE(document.has_value());
  const std::string_view middle = document->text().substr(12345, std::size_t{3} << 20);
  const auto range = file_range_of(middle); // so the kernel is asked to copy it
  REQUIRE(range.has_value());
  CHECK(range->offset == 12345);

  SUBCASE("into a file") {
    const std::string out = scratch.file("out");
    const Fd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    REQUIRE(fd.valid());
    CHECK(write_through(fd.get(), "head:") == 0);
    CHECK(write_through(fd.get(), middle) == 0);
    CHECK(write_through(fd.get(), ":tail") == 0);
    CHECK(read_bytes(out) == "head:" + std::string(middle) + ":tail");
  }
  SUBCASE("into a file opened for appending, which the kernel will not copy into") {
    const std::string out = scratch.file("out");
    write_text(out, "old:");
    const Fd fd(::open(out.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    REQUIRE(fd.valid());
    CHECK(write_through(fd.get(), middle) == 0);
    CHECK(read_bytes(out) == "old:" + std::string(middle));
  }
}

TEST_CASE("BufferedSink hands on untouched stretches of a mapped file as single runs") {
  Scratch scratch;
  const std::string path = scratch.file("big.json");
  write_text(path, big_json(std::size_t{2} << 20));
  auto document = Document::read_file(path, FileAccess::map);
  REQUIRE(document.has_value());
  const std::string_view text = document->text();
  std::vector<std::string> pieces; // copies: a piece may be the sink's own buffer
  std::vector<const char*> starts;
  std::string written;
  BufferedSink sink([&](std::string_view piece) {
    pieces.emplace_back(piece);
    starts.push_back(piece.data());
    written.append(piece);
  });

  SUBCASE("a view, a copy of the bytes that follow it, and the view after them make one run") {
    sink.append(text.substr(0, 700000));
    sink.append(std::string(text.substr(700000, 6)));
    sink.append(text.substr(700006, 500000));
    sink.flush();
    REQUIRE(pieces.size() == 1);
    CHECK(starts[0] == text.data());
    CHECK(pieces[0] == text.substr(0, 1200006));
  }
  SUBCASE("bytes that differ from the source end the run") {
    sink.append(text.substr(0, 700000));
    sink.append("XYZ");
    sink.append(text.substr(700003, 500000));
    sink.flush();
    REQUIRE(pieces.size() == 3);
    CHECK(starts[0] == text.data());
    CHECK(pieces[1] == "XYZ");
    CHECK(starts[2] == text.data() + 700003);
    CHECK(written ==
          std::string(text.substr(0, 700000)) + "XYZ" + std::string(text.substr(700003, 500000)));
  }
  SUBCASE("a short run goes into the buffer with what surrounds it") {
    sink.append("a");
    sink.append(text.substr(100, 5000));
    sink.append("b");
    sink.flush();
    REQUIRE(pieces.size() == 1);
    CHECK(written == "a" + std::string(text.substr(100, 5000)) + "b");
  }
}

TEST_CASE("reset of a large snapshot writes the same bytes mapped, read, and to a pipe") {
  Scratch scratch;
  // The demo worker with a megabyte-sized unknown member at the top and in its transcript: they
  // must survive, and make the file large enough to be mapped and copied file to file.
  auto snapshot = reprise::test::read_json(reprise::test::fixture_path("demo/worker_demo.json"));
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();
  for (int i = 0; i < 12000; ++i) {
    lines.push_back(fmt::format("note {:05} {}", i, std::string(90, 'n')));
  }
  snapshot["x_notes"] = lines;
  snapshot["transcript"]["x_notes"] = lines;
  const std::string path = scratch.file("worker_big.json");
  write_text(path, snapshot.dump(2));
  REQUIRE(std::filesystem::file_size(path) > (std::size_t{2} << 20));

  const std::vector<std::string> reset = {
      "--now", "1777485641000",     "--seed", "7", "reset", path, "--task",
      "Next",  "--transcript-mode", "fork"};
  auto with_output = [&](const std::string& out) {
    std::vector<std::string> args = reset;
    args.insert(args.end(), {"-o", out});
    return args;
  };
  const auto mapped = run_reprise(with_output(scratch.file("mapped.json")));
  REQUIRE(mapped.exit.success());
  std::string read_output;
  {
    // A file open for writing cannot be leased: this run reads it instead.
    const Fd writer(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    REQUIRE(writer.valid());
    const auto read = run_reprise(with_output(scratch.file("read.json")));
    REQUIRE(read.exit.success());
  }
  const auto piped = run_reprise(reset);
  REQUIRE(piped.exit.success());

  const std::string bytes = read_bytes(scratch.file("mapped.json"));
  CHECK(bytes == read_bytes(scratch.file("read.json")));
  CHECK(piped.out == bytes + "\n");
  const auto result = nlohmann::ordered_json::parse(bytes);
  CHECK(result["x_notes"] == lines);
  CHECK(result["transcript"]["x_notes"] == lines);
  CHECK(result["task"] == "Next");
}
