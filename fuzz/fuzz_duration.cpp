// Durations (--timeout, --grace, wait): any text parses or is refused, a parsed duration is never
// negative and reads back the same when written in milliseconds, and its display never fails.
#include "base/duration.hpp"
#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reprise;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_duration(text);
  if (!parsed) {
    fuzz::require(parsed.error().code == ErrorCode::usage, "a bad duration is a usage error");
    return 0;
  }
  fuzz::require(parsed->count() >= 0, "a duration is not negative");
  fuzz::require(!format_duration(*parsed).empty(), "a duration displays");
  auto again = parse_duration(std::to_string(parsed->count()) + "ms");
  fuzz::require(again && *again == *parsed, "a duration reads back from its milliseconds");
  return 0;
}
