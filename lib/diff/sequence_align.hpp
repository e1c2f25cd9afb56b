#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace reprise {

// What one step of an alignment does: keep a pair, drop an element of A, or take one of B.
enum class AlignOp { equal, remove, insert };

// One step of an alignment script: `a` is the index in A (equal, remove), `b` the index in B
// (equal, insert); the unused index is the position the step sits at in the other sequence.
struct AlignStep {
  AlignOp op = AlignOp::equal;
  std::size_t a = 0;
  std::size_t b = 0;
};

// A shortest edit script turning `a` into `b` (Myers' O((N+M)D) algorithm with the linear-space
// middle-snake refinement), in order: walking it visits every element of A and of B exactly once.
// Common prefixes and suffixes are matched first. When a region needs more than `max_cost` edits,
// that region is reported as "remove all of A, insert all of B" instead of searching further, so
// the cost stays bounded on unrelated sequences.
std::vector<AlignStep> align_sequences(std::span<const std::uint64_t> a,
                                       std::span<const std::uint64_t> b,
                                       std::size_t max_cost = 4096);

} // namespace reprise
