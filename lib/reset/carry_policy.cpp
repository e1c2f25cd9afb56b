#include "reset/carry_policy.hpp"

#include <algorithm>

namespace reprise {

void set_vm_dict_member(JsonNode& dict, std::string_view key, JsonNode value) {
  if (!dict.make_editable() || !dict.is_object()) {
    return;
  }
  if (JsonNode* existing = dict.find(key)) {
    *existing = std::move(value);
    return;
  }
  auto& members = dict.members();
  auto it = std::find_if(members.begin(), members.end(),
                         [&](const auto& member) { return member.first > key; });
  members.emplace(it, std::string(key), std::move(value));
}

} // namespace reprise
