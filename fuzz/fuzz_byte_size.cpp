// Byte sizes (--max-size, REPRISE_MAX_SIZE): any text parses or is refused with a usage error, a
// parsed size reads back the same from its decimal bytes, and its display never fails.
#include "base/byte_size.hpp"
#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reprise;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_byte_size(text);
  if (!parsed) {
    fuzz::require(parsed.error().code == ErrorCode::usage, "a bad size is a usage error");
    return 0;
  }
  fuzz::require(!format_bytes(*parsed).empty(), "a size displays");
  auto again = parse_byte_size(std::to_string(*parsed));
  fuzz::require(again && *again == *parsed, "a size reads back from its bytes");
  return 0;
}
