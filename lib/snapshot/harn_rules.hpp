#pragma once

#include "base/error.hpp"

#include <string_view>

// Which harn's loader rules reprise follows (--harn). harn 0.7 read a worker snapshot leniently;
// from 0.8 on its worker-config parser is strict, its nested errors are wrapped, its writer
// redacts secrets and always writes `suspension` (docs/harn-rules.md lists every difference).
namespace reprise {

enum class HarnRules {
  v0_7,    // harn 0.7.x (the spec's rules)
  current, // harn 0.8 and later, as its sources read today
};

// The rules used when nothing is asked for: the newest.
inline constexpr HarnRules k_newest_harn_rules = HarnRules::current;

// The rules for a harn version: "0.7", "0.7.50", "0.10", "0.10.67", "latest". Versions before
// 0.8 get the 0.7 rules, later ones today's; anything else is a usage error.
Result<HarnRules> parse_harn_rules(std::string_view version);

// The name of a rule set as validate --json reports it: "0.7" or "current".
std::string_view to_string(HarnRules rules);

} // namespace reprise
