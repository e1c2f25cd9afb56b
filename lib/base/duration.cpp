#include "base/duration.hpp"

#include <cstdint>
#include <fmt/format.h>
#include <limits>

namespace reprise {

namespace {

constexpr std::int64_t k_ms_per_second = 1000;
constexpr std::int64_t k_ms_per_minute = 60 * k_ms_per_second;
constexpr std::int64_t k_ms_per_hour = 60 * k_ms_per_minute;
constexpr std::int64_t k_ms_per_day = 24 * k_ms_per_hour;
constexpr std::int64_t k_max_ms = std::numeric_limits<std::int64_t>::max();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::unexpected<Error> bad_duration(std::string_view text, std::string_view why) {
  return fail(ErrorCode::usage, fmt::format("invalid duration '{}': {}", text, why));
}

// Milliseconds per unit, or 0 for an unknown unit.
std::int64_t unit_factor(std::string_view unit) {
  if (unit.empty() || unit == "s") {
    return k_ms_per_second;
  }
  if (unit == "ms") {
    return 1;
  }
  if (unit == "m") {
    return k_ms_per_minute;
  }
  if (unit == "d") {
    return 24 * 3600 * 1000;
  }
  if (unit == "h") {
    return k_ms_per_hour;
  }
  return 0;
}

} // namespace

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) {
    return bad_duration(text, "empty (expected a number with an optional unit ms, s, m, h or d)");
  }
  if (text.front() == '-') {
    return bad_duration(text, "must not be negative");
  }
  std::size_t pos = 0;
  const std::size_t int_begin = pos;
  while (pos < text.size() && is_digit(text[pos])) {
    ++pos;
  }
  const std::string_view int_digits = text.substr(int_begin, pos - int_begin);
  std::string_view frac_digits;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t frac_begin = ++pos;
    while (pos < text.size() && is_digit(text[pos])) {
      ++pos;
    }
    frac_digits = text.substr(frac_begin, pos - frac_begin);
  }
  if (int_digits.empty() && frac_digits.empty()) {
    return bad_duration(text, "expected a number with an optional unit ms, s, m, h or d, e.g. 30s");
  }
  const std::string_view unit = text.substr(pos);
  const std::int64_t factor = unit_factor(unit);
  if (factor == 0) {
    return bad_duration(text, fmt::format("unknown unit '{}' (expected ms, s, m, h or d)", unit));
  }

  // Integer arithmetic throughout, so "0.1s" is exactly 100ms.
  std::int64_t whole = 0;
  for (const char c : int_digits) {
    if (whole > (k_max_ms - (c - '0')) / 10) {
      return bad_duration(text, "too large");
    }
    whole = whole * 10 + (c - '0');
  }
  if (whole > k_max_ms / factor) {
    return bad_duration(text, "too large");
  }
  std::int64_t ms = whole * factor;
  // The fraction in milliseconds, factor * 0.d1d2…, rounded half up. Nine digits resolve a
  // millisecond of an hour with room to spare, and factor * 10^9 < 2^63 keeps this exact.
  std::int64_t numerator = 0;
  std::int64_t denominator = 1;
  for (std::size_t i = 0; i < frac_digits.size() && i < 9; ++i) {
    numerator = numerator * 10 + (frac_digits[i] - '0');
    denominator *= 10;
  }
  const std::int64_t fraction_rounded = (factor * numerator + denominator / 2) / denominator;
  if (ms > k_max_ms - fraction_rounded) {
    return bad_duration(text, "too large");
  }
  ms += fraction_rounded;
  return std::chrono::milliseconds{ms};
}

std::string format_duration(std::chrono::milliseconds duration) {
  std::int64_t ms = duration.count();
  if (ms < 0) {
    // Negative durations (a clock that stepped back) read "-1.2s"; the minimum is clamped first.
    ms = ms == std::numeric_limits<std::int64_t>::min() ? k_max_ms : -ms;
    return "-" + format_duration(std::chrono::milliseconds{ms});
  }
  if (ms < k_ms_per_second) {
    return fmt::format("{}ms", ms);
  }
  if (ms < k_ms_per_minute) {
    const std::int64_t tenths = ms % k_ms_per_second / 100;
    if (tenths == 0) {
      return fmt::format("{}s", ms / k_ms_per_second);
    }
    return fmt::format("{}.{}s", ms / k_ms_per_second, tenths);
  }
  if (ms < k_ms_per_hour) {
    return fmt::format("{}m{:02}s", ms / k_ms_per_minute, ms % k_ms_per_minute / k_ms_per_second);
  }
  if (ms < k_ms_per_day) {
    return fmt::format("{}h{:02}m", ms / k_ms_per_hour, ms % k_ms_per_hour / k_ms_per_minute);
  }
  return fmt::format("{}d{:02}h", ms / k_ms_per_day, ms % k_ms_per_day / k_ms_per_hour);
}

} // namespace reprise
