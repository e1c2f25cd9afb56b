#pragma once

#include "base/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reprise {

// A set of JSON pointer patterns; `*` as a whole segment matches any one segment. A pattern
// matches a value at or below it.
class PointerPatterns {
public:
  // Adds `pattern` (an RFC 6901 pointer, "" for the whole document); usage error if malformed.
  Result<void> add(std::string_view pattern);
  // Number of patterns.
  std::size_t size() const { return m_patterns.size(); }
  // Whether `segments` (decoded reference tokens) is matched by a pattern.
  bool matches(const std::vector<std::string>& segments) const;

  // Patterns still alive after some prefix of a path: kept per level while walking.
  using Alive = std::vector<std::uint32_t>;
  // Every pattern (the state at the document root).
  Alive all() const;
  // The patterns of `alive` whose next segment accepts `segment` (at `depth`, the segment's index).
  Alive step(const Alive& alive, std::size_t depth, std::string_view segment) const;
  // Whether a pattern of `alive` ends at `depth` (it matches the whole path walked so far).
  bool complete(const Alive& alive, std::size_t depth) const;

private:
  std::vector<std::vector<std::string>> m_patterns;
};

} // namespace reprise
