#include "diff/sequence_align.hpp"

#include <algorithm>
#include <cstdint>
#include <doctest/doctest.h>
#include <random>
#include <vector>

using reprise::align_sequences;
using reprise::AlignOp;

namespace {

// The length of a longest common subsequence, by dynamic programming.
std::size_t lcs_length(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::vector<std::vector<std::size_t>> table(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      table[i][j] = a[i - 1] == b[j - 1] ? table[i - 1][j - 1] + 1
                                         : std::max(table[i - 1][j], table[i][j - 1]);
    }
  }
  return table[a.size()][b.size()];
}

} // namespace

TEST_CASE("diff sequence_align") {
  SUBCASE("the script is a longest common subsequence") {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 300; ++round) {
      std::vector<std::uint64_t> a(rng() % 40);
      std::vector<std::uint64_t> b(rng() % 40);
      for (auto& x : a) {
        x = rng() % 4;
      }
      for (auto& x : b) {
        x = rng() % 4;
      }
      const auto script = align_sequences(a, b);
      std::size_t equal = 0;
      std::size_t i = 0;
      std::size_t j = 0;
      for (const auto& step : script) {
        if (step.op == AlignOp::equal) {
          REQUIRE(step.a == i);
          REQUIRE(step.b == j);
          REQUIRE(a[i] == b[j]);
          ++equal;
          ++i;
          ++j;
        } else if (step.op == AlignOp::remove) {
          REQUIRE(step.a == i);
          ++i;
        } else {
          REQUIRE(step.b == j);
          ++j;
        }
      }
      CHECK(i == a.size());
      CHECK(j == b.size());
      CHECK(equal == lcs_length(a, b));
    }
  }
  SUBCASE("a bounded search still yields a valid script") {
    std::vector<std::uint64_t> a(2000);
    std::vector<std::uint64_t> b(2000);
    for (std::size_t k = 0; k < a.size(); ++k) {
      a[k] = k;
      b[k] = k + 1'000'000;
    }
    const auto script = align_sequences(a, b, 16);
    CHECK(script.size() == 4000);
    CHECK(std::none_of(script.begin(), script.end(),
                       [](const auto& step) { return step.op == AlignOp::equal; }));
  }
}
