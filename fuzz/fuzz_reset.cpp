// Reset in every transcript mode: the first byte picks the entry, the transcript-mode and
// artifact-mode overrides and the liveness; the rest is the snapshot. Whatever the planner
// accepts must write a document that parses and loads again, and its plan must render.
#include "fuzz_common.hpp"
#include "reset/reset.hpp"
#include "snapshot/snapshot.hpp"

#include "json/document.hpp"
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace {

// Fixed clock and seed: a crash found here reproduces byte for byte.
constexpr std::int64_t k_now = 1'777'000'000'000;

reprise::ResetRequest request_from(std::uint8_t options) {
  using namespace reprise;
  ResetRequest request;
  request.entry = (options & 1) != 0 ? Entry::trigger : Entry::send_input;
  request.input = (options & 1) != 0 ? R"({"retry": true})" : "Try again";
  switch ((options >> 1) & 7) {
  case 1:
    request.transcript_mode = TranscriptMode::inherit;
    break;
  case 2:
    request.transcript_mode = TranscriptMode::fork;
    break;
  case 3:
    request.transcript_mode = TranscriptMode::reset;
    break;
  case 4:
    request.transcript_mode = TranscriptMode::compact;
    break;
  default:
    break; // the snapshot's own carry policy decides
  }
  switch ((options >> 4) & 3) {
  case 1:
    request.artifact_mode = ArtifactMode::inherit;
    break;
  case 2:
    request.artifact_mode = ArtifactMode::none;
    break;
  default:
    break;
  }
  request.liveness = (options & 0x40) != 0 ? Liveness::live : Liveness::follow_loader;
  return request;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reprise;
  if (size < 1) {
    return 0;
  }
  const ResetRequest request = request_from(data[0]);
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto document = Document::from_string(bytes, "fuzz.json");
  if (!document) {
    return 0;
  }
  auto snapshot = load_snapshot(std::move(*document));
  if (!snapshot || !check_reset_preconditions(*snapshot, request)) {
    return 0;
  }
  IdSource ids(k_now, 7);
  auto result = plan_reset(*snapshot, request, ids);
  if (!result) {
    return 0;
  }
  StringSink sink;
  write_snapshot(sink, result->root);
  auto written = Document::from_string(sink.str(), "reset.json");
  fuzz::require(written.has_value(), "a reset writes a document that parses");
  fuzz::require(load_snapshot(std::move(*written)).has_value(),
                "a reset writes a snapshot that loads again");
  fuzz::require(!format_plan_text(result->plan).empty(), "the plan renders as text");
  fuzz::require(plan_to_json(result->plan).is_object(), "the plan renders as JSON");
  return 0;
}
