#pragma once

#include "base/error.hpp"
#include "snapshot/snapshot.hpp"

#include "json/json_node.hpp"
#include <string>
#include <string_view>

// harn's carry-policy parsing rules that are not the loader's (spec §2.1): the spawn-time `carry`
// dict with its aliases and quirks, the VM display string used by both parsers, and the
// transcript-mode validation shared with command-line overrides.
namespace reprise {

// The harn VM's display string of a JSON value: strings bare, null → "nil", lists "[a, b]",
// dicts "{k: v}" (keys sorted, as in a VM dict).
std::string vm_display(const OrderedJson& value);

// Sets member `key` of the object node `dict` as a harn VM dict holds it: replaced in place when
// present, else inserted before the first key that sorts after it (VM dicts are BTreeMaps).
void set_vm_dict_member(JsonNode& dict, std::string_view key, JsonNode value);

// Validates a transcript mode the way harn does (trimmed; one of inherit, fork, reset, compact);
// usage error with harn's message `spawn_agent: carry.transcript_mode must be one of …` otherwise.
Result<TranscriptMode> parse_transcript_mode(std::string_view text);

// A ContextPolicy from JSON with serde's strictness (unknown keys ignored, wrong types and null
// rejected): usage error `context policy parse error: …`.
Result<ContextPolicy> parse_context_policy(const OrderedJson& value);

// harn's spawn-time parse_worker_carry_policy (spec §2.1) of a `carry` dict (null = absent):
// aliases artifacts/transcript, dict-valued `artifacts` as a context policy, boolean defaults.
Result<CarryPolicy> parse_spawn_carry_policy(const OrderedJson& carry);

} // namespace reprise
