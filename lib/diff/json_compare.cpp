#include "diff/json_compare.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>

namespace reprise {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::uint64_t k_mul = 0x9e3779b97f4a7c15ULL;

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  // 128-bit multiply folding, as in wyhash: fast and well distributed.
  __extension__ using U128 = unsigned __int128;
  const U128 product = static_cast<U128>(a ^ 0xa0761d6478bd642fULL) * (b ^ 0xe7037ed1a0b428dbULL);
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

// Numbers that are equal as values get one representation: integral values as int64 when they
// fit, everything else as a double.
struct NumberKey {
  bool integral = true;
  std::int64_t integer = 0;
  std::uint64_t big = 0; // uint64 above int64's range
  double real = 0;
  int kind = 0; // 0 int64, 1 big uint64, 2 double
};

NumberKey number_key(element value) {
  NumberKey key;
  switch (value.type()) {
  case element_type::INT64:
    key.integer = value.get_int64().value_unsafe();
    return key;
  case element_type::UINT64: {
    const std::uint64_t u = value.get_uint64().value_unsafe();
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) {
      key.integer = static_cast<std::int64_t>(u);
    } else {
      key.kind = 1;
      key.big = u;
    }
    return key;
  }
  default: {
    // A double that is a whole number in int64's or uint64's range is that integer:
    // 10000000000000000000 and 1e19 are one value.
    constexpr double k_two_63 = 9223372036854775808.0;
    const double d = value.get_double().value_unsafe();
    if (std::trunc(d) == d && d >= -k_two_63 && d < k_two_63) {
      key.integer = static_cast<std::int64_t>(d);
      return key;
    }
    if (std::trunc(d) == d && d >= k_two_63 && d < 2 * k_two_63) {
      key.kind = 1;
      key.big = static_cast<std::uint64_t>(d);
      return key;
    }
    key.kind = 2;
    key.integral = false;
    key.real = d;
    return key;
  }
  }
}

bool is_number(element_type type) {
  return type == element_type::INT64 || type == element_type::UINT64 ||
         type == element_type::DOUBLE;
}

bool numbers_equal(element a, element b) {
  const NumberKey x = number_key(a);
  const NumberKey y = number_key(b);
  if (x.kind != y.kind) {
    return false;
  }
  switch (x.kind) {
  case 0:
    return x.integer == y.integer;
  case 1:
    return x.big == y.big;
  default:
    return x.real == y.real;
  }
}

bool objects_equal(simdjson::dom::object a, simdjson::dom::object b) {
  // Duplicate keys: the last one wins, as in harn's loader.
  std::unordered_map<std::string_view, element> members_b;
  for (auto [key, value] : b) {
    members_b[key] = value;
  }
  std::unordered_map<std::string_view, element> members_a;
  for (auto [key, value] : a) {
    members_a[key] = value;
  }
  if (members_a.size() != members_b.size()) {
    return false;
  }
  for (const auto& [key, value] : members_a) {
    auto found = members_b.find(key);
    if (found == members_b.end() || !values_equal(value, found->second)) {
      return false;
    }
  }
  return true;
}

} // namespace

std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t h = mix(seed ^ k_mul, bytes.size());
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  while (n >= 16) {
    std::uint64_t w1 = 0;
    std::uint64_t w2 = 0;
    std::memcpy(&w1, p, 8);
    std::memcpy(&w2, p + 8, 8);
    h = mix(h ^ w1, w2 ^ k_mul);
    p += 16;
    n -= 16;
  }
  std::uint64_t w1 = 0;
  std::uint64_t w2 = 0;
  std::memcpy(&w1, p, std::min<std::size_t>(n, 8));
  if (n > 8) {
    std::memcpy(&w2, p + 8, n - 8);
  }
  return mix(h ^ w1, w2 ^ (k_mul + n));
}

bool values_equal(element a, element b) {
  const element_type ta = a.type();
  const element_type tb = b.type();
  if (is_number(ta) && is_number(tb)) {
    return numbers_equal(a, b);
  }
  if (ta != tb) {
    return false;
  }
  switch (ta) {
  case element_type::NULL_VALUE:
    return true;
  case element_type::BOOL:
    return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
  case element_type::STRING:
    return a.get_string().value_unsafe() == b.get_string().value_unsafe();
  case element_type::ARRAY: {
    auto x = a.get_array().value_unsafe();
    auto y = b.get_array().value_unsafe();
    auto i = x.begin();
    auto j = y.begin();
    for (; i != x.end() && j != y.end(); ++i, ++j) {
      if (!values_equal(*i, *j)) {
        return false;
      }
    }
    return i == x.end() && j == y.end();
  }
  case element_type::OBJECT:
    return objects_equal(a.get_object().value_unsafe(), b.get_object().value_unsafe());
  default:
    return false;
  }
}

std::uint64_t hash_value(element value, const PointerPatterns& patterns,
                         const PointerPatterns::Alive& alive, std::size_t depth) {
  switch (value.type()) {
  case element_type::NULL_VALUE:
    return 0x6e756c6cULL;
  case element_type::BOOL:
    return value.get_bool().value_unsafe() ? 0x74727565ULL : 0x66616c73ULL;
  case element_type::INT64:
  case element_type::UINT64:
  case element_type::DOUBLE: {
    const NumberKey key = number_key(value);
    const std::uint64_t bits = key.kind == 0   ? static_cast<std::uint64_t>(key.integer)
                               : key.kind == 1 ? key.big
                                               : std::bit_cast<std::uint64_t>(key.real);
    return mix(0x6e756d00ULL + static_cast<std::uint64_t>(key.kind), bits);
  }
  case element_type::STRING:
    return hash_bytes(value.get_string().value_unsafe(), 0x73747200ULL);
  case element_type::ARRAY: {
    std::uint64_t h = 0x61727200ULL;
    std::size_t index = 0;
    const simdjson::dom::array elements = value.get_array().value_unsafe();
    for (element item : elements) {
      if (!alive.empty()) {
        const auto next = patterns.step(alive, depth, std::to_string(index));
        if (patterns.complete(next, depth + 1)) {
          ++index;
          continue;
        }
        h = mix(h, hash_value(item, patterns, next, depth + 1));
      } else {
        h = mix(h, hash_value(item, patterns, alive, depth + 1));
      }
      ++index;
    }
    return mix(h, index);
  }
  case element_type::OBJECT: {
    // A sum of per-member hashes does not depend on member order.
    std::uint64_t sum = 0;
    std::uint64_t count = 0;
    const simdjson::dom::object members = value.get_object().value_unsafe();
    for (auto [key, item] : members) {
      std::uint64_t member = 0;
      if (!alive.empty()) {
        const auto next = patterns.step(alive, depth, key);
        if (patterns.complete(next, depth + 1)) {
          continue;
        }
        member = hash_value(item, patterns, next, depth + 1);
      } else {
        member = hash_value(item, patterns, alive, depth + 1);
      }
      sum += mix(hash_bytes(key, 0x6b657900ULL), member);
      ++count;
    }
    return mix(0x6f626a00ULL ^ count, sum);
  }
  default:
    return 0;
  }
}

} // namespace reprise
