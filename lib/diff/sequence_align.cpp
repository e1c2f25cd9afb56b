#include "diff/sequence_align.hpp"

#include <algorithm>
#include <cstdint>

namespace reprise {

namespace {

// A half-open region of A and of B still to be aligned.
struct Region {
  std::size_t a_lo;
  std::size_t a_hi;
  std::size_t b_lo;
  std::size_t b_hi;
};

// Where the forward and backward searches meet: A[..x] pairs with B[..y].
struct Split {
  std::size_t x = 0;
  std::size_t y = 0;
  bool found = false;
};

// Myers' middle snake over a[0..n) and b[0..m), which share no common prefix or suffix. Returns
// found=false when more than `max_cost` edits would be needed (or the sequences have nothing in
// common).
Split middle_snake(const std::uint64_t* a, std::ptrdiff_t n, const std::uint64_t* b,
                   std::ptrdiff_t m, std::size_t max_cost) {
  const std::ptrdiff_t max_d =
      std::min<std::ptrdiff_t>((n + m + 1) / 2, static_cast<std::ptrdiff_t>(max_cost) + 1);
  const std::ptrdiff_t offset = max_d;
  const std::ptrdiff_t length = 2 * max_d + 2;
  // Furthest x reached on each diagonal k (forward) and on each reversed diagonal (backward).
  std::vector<std::ptrdiff_t> forward(static_cast<std::size_t>(length), -1);
  std::vector<std::ptrdiff_t> backward(static_cast<std::size_t>(length), -1);
  forward[static_cast<std::size_t>(offset + 1)] = 0;
  backward[static_cast<std::size_t>(offset + 1)] = 0;
  const std::ptrdiff_t delta = n - m;
  const bool odd = (delta % 2) != 0;
  std::ptrdiff_t k1_start = 0;
  std::ptrdiff_t k1_end = 0;
  std::ptrdiff_t k2_start = 0;
  std::ptrdiff_t k2_end = 0;
  auto at = [](std::vector<std::ptrdiff_t>& v, std::ptrdiff_t i) -> std::ptrdiff_t& {
    return v[static_cast<std::size_t>(i)];
  };
  for (std::ptrdiff_t d = 0; d < max_d; ++d) {
    for (std::ptrdiff_t k1 = -d + k1_start; k1 <= d - k1_end; k1 += 2) {
      const std::ptrdiff_t k1_offset = offset + k1;
      std::ptrdiff_t x1 = 0;
      if (k1 == -d || (k1 != d && at(forward, k1_offset - 1) < at(forward, k1_offset + 1))) {
        x1 = at(forward, k1_offset + 1);
      } else {
        x1 = at(forward, k1_offset - 1) + 1;
      }
      std::ptrdiff_t y1 = x1 - k1;
      while (x1 < n && y1 < m && a[x1] == b[y1]) {
        ++x1;
        ++y1;
      }
      at(forward, k1_offset) = x1;
      if (x1 > n) {
        k1_end += 2;
      } else if (y1 > m) {
        k1_start += 2;
      } else if (odd) {
        const std::ptrdiff_t k2_offset = offset + delta - k1;
        if (k2_offset >= 0 && k2_offset < length && at(backward, k2_offset) != -1) {
          if (x1 >= n - at(backward, k2_offset)) {
            return {static_cast<std::size_t>(x1), static_cast<std::size_t>(y1), true};
          }
        }
      }
    }
    for (std::ptrdiff_t k2 = -d + k2_start; k2 <= d - k2_end; k2 += 2) {
      const std::ptrdiff_t k2_offset = offset + k2;
      std::ptrdiff_t x2 = 0;
      if (k2 == -d || (k2 != d && at(backward, k2_offset - 1) < at(backward, k2_offset + 1))) {
        x2 = at(backward, k2_offset + 1);
      } else {
        x2 = at(backward, k2_offset - 1) + 1;
      }
      std::ptrdiff_t y2 = x2 - k2;
      while (x2 < n && y2 < m && a[n - x2 - 1] == b[m - y2 - 1]) {
        ++x2;
        ++y2;
      }
      at(backward, k2_offset) = x2;
      if (x2 > n) {
        k2_end += 2;
      } else if (y2 > m) {
        k2_start += 2;
      } else if (!odd) {
        const std::ptrdiff_t k1_offset = offset + delta - k2;
        if (k1_offset >= 0 && k1_offset < length && at(forward, k1_offset) != -1) {
          const std::ptrdiff_t x1 = at(forward, k1_offset);
          const std::ptrdiff_t y1 = offset + x1 - k1_offset;
          if (x1 >= n - x2) {
            return {static_cast<std::size_t>(x1), static_cast<std::size_t>(y1), true};
          }
        }
      }
    }
  }
  return {};
}

} // namespace

std::vector<AlignStep> align_sequences(std::span<const std::uint64_t> a,
                                       std::span<const std::uint64_t> b, std::size_t max_cost) {
  // Matched pairs (A index, B index); both coordinates increase together once sorted.
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  // An explicit stack instead of recursion: the depth can reach the number of edits.
  std::vector<Region> pending{{0, a.size(), 0, b.size()}};
  while (!pending.empty()) {
    Region r = pending.back();
    pending.pop_back();
    while (r.a_lo < r.a_hi && r.b_lo < r.b_hi && a[r.a_lo] == b[r.b_lo]) {
      matches.emplace_back(r.a_lo++, r.b_lo++);
    }
    while (r.a_lo < r.a_hi && r.b_lo < r.b_hi && a[r.a_hi - 1] == b[r.b_hi - 1]) {
      matches.emplace_back(--r.a_hi, --r.b_hi);
    }
    const auto n = static_cast<std::ptrdiff_t>(r.a_hi - r.a_lo);
    const auto m = static_cast<std::ptrdiff_t>(r.b_hi - r.b_lo);
    if (n == 0 || m == 0) {
      continue;
    }
    const Split split = middle_snake(a.data() + r.a_lo, n, b.data() + r.b_lo, m, max_cost);
    const bool progress =
        split.found && !(split.x == 0 && split.y == 0) &&
        !(split.x == static_cast<std::size_t>(n) && split.y == static_cast<std::size_t>(m));
    if (!progress) {
      continue; // the whole region is removed from A and inserted from B
    }
    pending.push_back({r.a_lo + split.x, r.a_hi, r.b_lo + split.y, r.b_hi});
    pending.push_back({r.a_lo, r.a_lo + split.x, r.b_lo, r.b_lo + split.y});
  }
  std::sort(matches.begin(), matches.end());

  std::vector<AlignStep> script;
  script.reserve(std::max(a.size(), b.size()) + 8);
  std::size_t i = 0;
  std::size_t j = 0;
  auto gap = [&](std::size_t a_to, std::size_t b_to) {
    for (; i < a_to; ++i) {
      script.push_back({AlignOp::remove, i, j});
    }
    for (; j < b_to; ++j) {
      script.push_back({AlignOp::insert, i, j});
    }
  };
  for (const auto& [ai, bj] : matches) {
    gap(ai, bj);
    script.push_back({AlignOp::equal, i, j});
    ++i;
    ++j;
  }
  gap(a.size(), b.size());
  return script;
}

} // namespace reprise
