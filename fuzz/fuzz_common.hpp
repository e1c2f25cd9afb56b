#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

// What every fuzz target shares: an invariant that must hold whatever the input. A broken
// invariant aborts, which libFuzzer reports as a crash and keeps the input.
namespace reprise::fuzz {

// Aborts with `what` when `condition` is false.
inline void require(bool condition, std::string_view what) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %.*s\n", static_cast<int>(what.size()), what.data());
    std::abort();
  }
}

} // namespace reprise::fuzz
