#pragma once

#include "snapshot/load_context.hpp"
#include "snapshot/snapshot_model.hpp"

// carry_policy as harn's loader reads it (spec §1.4): lenient flags and artifact_mode, strict
// transcript_mode, context_policy and policy.
namespace reprise {

// Reads root.carry_policy into `carry`; a missing key gives harn's all-false default (a warning).
Result<void> load_carry_policy(LoadContext& ctx, simdjson::dom::element root, CarryPolicy& carry);

} // namespace reprise
