#pragma once

#include "base/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

// Sizes in bytes as people read and write them: "1.5 KiB" in messages and summaries, "2G" or
// "512MiB" on the command line (`--max-size`).
namespace reprise {

// "0 B", "1023 B", "1.5 KiB", "150.0 MiB" (powers of 1024, one decimal).
std::string format_bytes(std::uint64_t bytes);

// A size: a whole number of bytes, optionally followed by K, M, G or T (also KB/KiB, MB/MiB, …;
// case-insensitive; all powers of 1024, as in `ulimit` and `truncate -s`). A usage error names
// what was wrong.
Result<std::uint64_t> parse_byte_size(std::string_view text);

} // namespace reprise
