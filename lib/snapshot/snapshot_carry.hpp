#pragma once

#include "snapshot/load_context.hpp"
#include "snapshot/snapshot_model.hpp"

#include <string_view>

// carry_policy as harn's loader reads it (spec §1.4): lenient flags and artifact_mode, strict
// transcript_mode, context_policy and policy.
namespace reprise {

// Validates a transcript mode the way harn does (trimmed; one of inherit, fork, reset, compact);
// usage error with harn's message `spawn_agent: carry.transcript_mode must be one of …` otherwise.
// The loader reports it at /carry_policy/transcript_mode; `reset --transcript-mode` checks its
// value with it too.
Result<TranscriptMode> parse_transcript_mode(std::string_view text);

// Reads root.carry_policy into `carry`; a missing key gives harn's all-false default (a warning).
Result<void> load_carry_policy(LoadContext& ctx, simdjson::dom::element root, CarryPolicy& carry);

} // namespace reprise
