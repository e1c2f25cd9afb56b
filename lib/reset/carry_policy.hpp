#pragma once

#include "base/error.hpp"
#include "snapshot/snapshot_model.hpp"

#include "json/json_node.hpp"
#include <string>
#include <string_view>

// harn's carry-policy rules that are not the loader's (spec §2.1): VM dict insertion order and the
// transcript-mode validation shared with command-line overrides.
namespace reprise {

// Sets member `key` of the object node `dict` as a harn VM dict holds it: replaced in place when
// present, else inserted before the first key that sorts after it (VM dicts are BTreeMaps).
void set_vm_dict_member(JsonNode& dict, std::string_view key, JsonNode value);

// Validates a transcript mode the way harn does (trimmed; one of inherit, fork, reset, compact);
// usage error with harn's message `spawn_agent: carry.transcript_mode must be one of …` otherwise.
Result<TranscriptMode> parse_transcript_mode(std::string_view text);

} // namespace reprise
