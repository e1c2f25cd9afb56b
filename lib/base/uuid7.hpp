#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reprise {

// Generates UUIDv7 ids (RFC 9562) from an injectable clock and seed; not thread-safe, one per user.
//
// Without `now_ms` the real clock is read; without `seed` the random bits come from libuuid. With
// both given the sequence of ids is byte-identical run to run. Ids from one source are strictly
// increasing: within one millisecond (or when the clock stands still or steps back) the 74 random
// bits of the previous id are advanced by a random step instead of being drawn afresh.
class IdSource {
public:
  // A source using the fixed clock `now_ms` (Unix ms) when given and a seeded PRNG when `seed` is.
  explicit IdSource(std::optional<std::int64_t> now_ms = std::nullopt,
                    std::optional<std::uint64_t> seed = std::nullopt);
  IdSource(const IdSource&) = delete;
  IdSource& operator=(const IdSource&) = delete;
  IdSource(IdSource&&) = default;
  IdSource& operator=(IdSource&&) = default;
  ~IdSource() = default;

  // The next id as canonical lowercase 36-character text, e.g.
  // "019dda65-d500-7a1b-ac3d-4e5f6a7b8c90".
  std::string next();
  // The current time in Unix milliseconds: the fixed clock when one was given, else the real one.
  std::int64_t now_ms() const;

private:
  // 64 random bits from the seeded PRNG or from libuuid.
  std::uint64_t random64();

  std::optional<std::int64_t> m_fixed_now; // the --now clock; empty: real clock
  bool m_seeded = false;                   // whether m_state drives a splitmix64 PRNG
  std::uint64_t m_state = 0;               // splitmix64 state when seeded
  std::int64_t m_last_ms = -1;             // timestamp field of the last id; -1 before the first
  std::uint64_t m_last_rand_a = 0;         // 12-bit rand_a of the last id
  std::uint64_t m_last_rand_b = 0;         // 62-bit rand_b of the last id
};

// The 48-bit Unix milliseconds of a UUIDv7, read from the last 36 characters of `text` so that
// prefixed ids ("worker_…", "session_…") work too; nullopt unless those characters are a
// hyphenated UUID (any hex case) whose version nibble is 7.
std::optional<std::int64_t> uuid7_millis(std::string_view text);

// Unix milliseconds as RFC 3339 UTC with milliseconds, e.g. "2026-04-30T12:34:56.789Z".
std::string format_millis_utc(std::int64_t ms);

} // namespace reprise
