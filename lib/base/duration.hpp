#pragma once

#include "base/error.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace reprise {

// Parses a DUR of cli.md: a non-negative decimal number with an optional unit `ms`, `s`, `m` or
// `h` or `d` ("500ms", "30s", "1.5m", "1h", "7d"; a bare number is seconds), rounded to the nearest
// millisecond; anything else is an ErrorCode::usage error naming the text.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// A short human rendering: "250ms", "1.2s", "3m04s", "2h05m", "3d04h" (truncated, not rounded).
std::string format_duration(std::chrono::milliseconds duration);

} // namespace reprise
