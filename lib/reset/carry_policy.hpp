#pragma once

#include "json/json_node.hpp"
#include <string>
#include <string_view>

// harn's carry-policy rules that are not the loader's (spec §2.1): VM dict insertion order. (The
// transcript-mode validation is the loader's: snapshot/snapshot_carry.hpp.)
namespace reprise {

// Sets member `key` of the object node `dict` as a harn VM dict holds it: replaced in place when
// present, else inserted before the first key that sorts after it (VM dicts are BTreeMaps).
void set_vm_dict_member(JsonNode& dict, std::string_view key, JsonNode value);

} // namespace reprise
