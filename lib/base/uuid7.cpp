#include "base/uuid7.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <uuid/uuid.h>

namespace reprise {

namespace {

constexpr std::uint64_t k_rand_a_limit = std::uint64_t{1} << 12;
constexpr std::uint64_t k_rand_b_limit = std::uint64_t{1} << 62;
constexpr std::int64_t k_max_millis = (std::int64_t{1} << 48) - 1;

// splitmix64 (Steele, Lea, Flood 2014): small, fast, and good enough for id bits.
std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Floor division, so that negative milliseconds land on the previous day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    --q;
  }
  return q;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

// Howard Hinnant's days-to-civil algorithm, in 64-bit arithmetic so every input is defined.
CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<std::uint64_t>(z - era * 146097);
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

} // namespace

IdSource::IdSource(std::optional<std::int64_t> now_ms, std::optional<std::uint64_t> seed)
    : m_fixed_now(now_ms), m_seeded(seed.has_value()), m_state(seed.value_or(0)) {}

std::int64_t IdSource::now_ms() const {
  if (m_fixed_now) {
    return *m_fixed_now;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
}

std::uint64_t IdSource::random64() {
  if (m_seeded) {
    return splitmix64(m_state);
  }
  uuid_t bytes;
  uuid_generate_random(bytes);
  std::uint64_t value = 0;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}

std::string IdSource::next() {
  // The timestamp field holds 48 bits; times before 1970 or after year 10889 are clamped.
  std::int64_t ms = std::clamp<std::int64_t>(now_ms(), 0, k_max_millis);
  std::uint64_t rand_a = 0;
  std::uint64_t rand_b = 0;
  bool fresh = ms > m_last_ms;
  if (!fresh) {
    // Same (or earlier) millisecond: advance the previous random bits by a random step of 1..2^32
    // so ids stay strictly increasing yet unguessable; on overflow move on to the next millisecond.
    ms = m_last_ms;
    rand_a = m_last_rand_a;
    rand_b = m_last_rand_b + (random64() & 0xffffffffULL) + 1;
    if (rand_b >= k_rand_b_limit) {
      rand_b -= k_rand_b_limit;
      ++rand_a;
    }
    if (rand_a >= k_rand_a_limit) {
      fresh = true;
      ms = std::min(ms + 1, k_max_millis);
    }
  }
  if (fresh) {
    // The top bit of rand_a starts at zero, leaving 2^73 of headroom for increments.
    rand_a = random64() & (k_rand_a_limit / 2 - 1);
    rand_b = random64() & (k_rand_b_limit - 1);
  }
  m_last_ms = ms;
  m_last_rand_a = rand_a;
  m_last_rand_b = rand_b;

  const auto time = static_cast<std::uint64_t>(ms);
  const std::uint64_t variant_and_b = (std::uint64_t{0b10} << 62U) | rand_b;
  return fmt::format("{:08x}-{:04x}-{:01x}{:03x}-{:04x}-{:012x}", time >> 16U, time & 0xffffU, 7,
                     rand_a, variant_and_b >> 48U, variant_and_b & 0xffffffffffffULL);
}

std::optional<std::int64_t> uuid7_millis(std::string_view text) {
  constexpr std::size_t k_uuid_length = 36;
  if (text.size() < k_uuid_length) {
    return std::nullopt;
  }
  const std::string_view uuid = text.substr(text.size() - k_uuid_length);
  std::int64_t ms = 0;
  int hex_digits_seen = 0;
  for (std::size_t i = 0; i < k_uuid_length; ++i) {
    const char c = uuid[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') {
        return std::nullopt;
      }
      continue;
    }
    const int value = hex_value(c);
    if (value < 0) {
      return std::nullopt;
    }
    if (hex_digits_seen < 12) {
      ms = (ms << 4U) | value;
    }
    ++hex_digits_seen;
  }
  if (uuid[14] != '7') {
    return std::nullopt;
  }
  return ms;
}

std::string format_millis_utc(std::int64_t ms) {
  constexpr std::int64_t k_ms_per_day = 86'400'000;
  const std::int64_t days = floor_div(ms, k_ms_per_day);
  // Computed from the remainder, not as ms - days * k_ms_per_day, which overflows near INT64_MIN.
  std::int64_t ms_of_day = ms % k_ms_per_day;
  if (ms_of_day < 0) {
    ms_of_day += k_ms_per_day;
  }
  const CivilDate date = civil_from_days(days);
  const std::int64_t seconds_of_day = ms_of_day / 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", date.year, date.month, date.day,
                     seconds_of_day / 3600, seconds_of_day / 60 % 60, seconds_of_day % 60,
                     ms_of_day % 1000);
}

} // namespace reprise
