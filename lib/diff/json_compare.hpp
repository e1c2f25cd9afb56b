#pragma once

#include "diff/pointer_patterns.hpp"

#include <cstdint>
#include <simdjson.h>
#include <string_view>

// Comparing and hashing parsed JSON values as values: object members in any order, numbers by
// value (1 and 1.0 are equal), strings by their decoded text.
namespace reprise {

// A fast 64-bit hash of `bytes` (not cryptographic).
std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed = 0);

// Whether `a` and `b` are the same JSON value.
bool values_equal(simdjson::dom::element a, simdjson::dom::element b);

// A hash of `value` that is equal for equal values (member order does not matter). Members and
// elements matched by `patterns` (alive set `alive` at `depth` segments below the root) are left
// out, so values that differ only there hash alike.
std::uint64_t hash_value(simdjson::dom::element value, const PointerPatterns& patterns,
                         const PointerPatterns::Alive& alive, std::size_t depth);

} // namespace reprise
