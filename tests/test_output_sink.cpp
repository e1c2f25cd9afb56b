#include "base/file_bytes.hpp"

#include "json/output_sink.hpp"
#include <doctest/doctest.h>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace reprise;

namespace {

// The pieces a BufferedSink hands its writer, as copies, with where each one pointed.
struct Pieces {
  std::vector<std::string> text;
  std::vector<const char*> data;

  std::function<void(std::string_view)> writer() {
    return [this](std::string_view piece) {
      text.emplace_back(piece);
      data.push_back(piece.data());
    };
  }
};

} // namespace

TEST_CASE("output_sink") {
  Pieces pieces;
  BufferedSink sink(pieces.writer());

  SUBCASE("small appends are gathered into one piece, handed on at flush") {
    sink.append("{");
    sink.append("");
    sink.append("\"a\": 1");
    sink.append("}");
    CHECK(pieces.text.empty());
    sink.flush();
    CHECK(pieces.text == std::vector<std::string>{"{\"a\": 1}"});
    sink.flush();
    CHECK(pieces.text.size() == 1); // nothing new, nothing written
  }

  SUBCASE("a large unregistered append goes out whole, after what was buffered") {
    const std::string large(300 * 1024, 'x');
    sink.append("head");
    sink.append(large);
    CHECK(pieces.text == std::vector<std::string>{"head", large});
    CHECK(pieces.data[1] == large.data()); // not copied
  }

  SUBCASE("registered source bytes that continue each other reach the writer as one view") {
    // A source like a snapshot: a long member, the separator, the next member.
    std::string source = std::string(200 * 1024, 'a') + ",\n  " + std::string(200 * 1024, 'b');
    source += "}";
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    register_file_bytes(source, fd);
    const std::string_view bytes(source);
    sink.append("head");
    sink.append(bytes.substr(0, 200 * 1024));
    sink.append(",\n  "); // equal to the source's next bytes, though not the same memory
    sink.append(bytes.substr(200 * 1024 + 4, 200 * 1024));
    sink.append("]"); // the source goes on with "}": the run ends here
    sink.flush();
    unregister_file_bytes(source.data());
    ::close(fd);
    REQUIRE(pieces.text.size() == 3);
    CHECK(pieces.text[0] == "head");
    CHECK(pieces.data[1] == source.data());
    CHECK(pieces.text[1] == bytes.substr(0, source.size() - 1));
    CHECK(pieces.text[2] == "]");
  }

  SUBCASE("a short run is copied into the buffer") {
    std::string source(8192, 's');
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    register_file_bytes(source, fd);
    sink.append("<");
    sink.append(source);
    sink.append(">");
    sink.flush();
    unregister_file_bytes(source.data());
    ::close(fd);
    CHECK(pieces.text == std::vector<std::string>{"<" + source + ">"});
  }
}
