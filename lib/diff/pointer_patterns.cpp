#include "diff/pointer_patterns.hpp"

#include <fmt/format.h>

namespace reprise {

Result<void> PointerPatterns::add(std::string_view pattern) {
  std::vector<std::string> segments;
  if (!pattern.empty() && pattern.front() != '/') {
    return fail(ErrorCode::usage,
                fmt::format("--ignore {}: a JSON pointer starts with '/' (e.g. /status)", pattern));
  }
  std::size_t pos = 0;
  while (pos < pattern.size()) {
    const std::size_t next = pattern.find('/', pos + 1);
    const std::string_view token = pattern.substr(
        pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
    std::string decoded;
    for (std::size_t k = 0; k < token.size(); ++k) {
      if (token[k] != '~') {
        decoded += token[k];
        continue;
      }
      if (k + 1 < token.size() && (token[k + 1] == '0' || token[k + 1] == '1')) {
        decoded += token[k + 1] == '0' ? '~' : '/';
        ++k;
        continue;
      }
      return fail(ErrorCode::usage,
                  fmt::format("--ignore {}: '~' must be followed by 0 or 1 (RFC 6901)", pattern));
    }
    segments.push_back(std::move(decoded));
    pos = next == std::string_view::npos ? pattern.size() : next;
  }
  m_patterns.push_back(std::move(segments));
  return {};
}

bool PointerPatterns::matches(const std::vector<std::string>& segments) const {
  Alive alive = all();
  if (complete(alive, 0)) {
    return true;
  }
  for (std::size_t depth = 0; depth < segments.size(); ++depth) {
    alive = step(alive, depth, segments[depth]);
    if (alive.empty()) {
      return false;
    }
    if (complete(alive, depth + 1)) {
      return true;
    }
  }
  return false;
}

PointerPatterns::Alive PointerPatterns::all() const {
  Alive alive(m_patterns.size());
  for (std::size_t i = 0; i < alive.size(); ++i) {
    alive[i] = static_cast<std::uint32_t>(i);
  }
  return alive;
}

PointerPatterns::Alive PointerPatterns::step(const Alive& alive, std::size_t depth,
                                             std::string_view segment) const {
  Alive next;
  for (const std::uint32_t index : alive) {
    const auto& pattern = m_patterns[index];
    if (pattern.size() > depth && (pattern[depth] == "*" || pattern[depth] == segment)) {
      next.push_back(index);
    }
  }
  return next;
}

bool PointerPatterns::complete(const Alive& alive, std::size_t depth) const {
  for (const std::uint32_t index : alive) {
    if (m_patterns[index].size() == depth) {
      return true;
    }
  }
  return false;
}

} // namespace reprise
