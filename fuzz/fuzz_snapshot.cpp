// Snapshot loading and validation: any bytes go through the parser, harn's loader rules and the
// quick peek `list` uses. Neither may crash; a document the loader accepts must also be one the
// peek reads, since `list` and `show` must not disagree about whether a file is a snapshot.
#include "fuzz_common.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/snapshot_peek.hpp"

#include "json/document.hpp"
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reprise;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const SnapshotPeek peek = peek_snapshot(bytes, "fuzz.json");
  auto document = Document::from_string(bytes, "fuzz.json");
  if (!document) {
    fuzz::require(!document.error().to_string().empty(), "a syntax error has a message");
    return 0;
  }
  auto snapshot = load_snapshot(std::move(*document));
  if (!snapshot) {
    return 0;
  }
  fuzz::require(peek.state == PeekState::ok, "a snapshot the loader accepts is one list reads");
  StringSink sink;
  write_snapshot(sink, snapshot->to_node());
  fuzz::require(Document::from_string(sink.str(), "rewritten").has_value(),
                "a loaded snapshot writes back as JSON");
  return 0;
}
