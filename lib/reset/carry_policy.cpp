#include "reset/carry_policy.hpp"

#include "base/text.hpp"

#include <algorithm>
#include <fmt/format.h>

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

Result<TranscriptMode> parse_transcript_mode(std::string_view text) {
  const std::string_view mode = trim(text);
  if (mode == "inherit") {
    return TranscriptMode::inherit;
  }
  if (mode == "fork") {
    return TranscriptMode::fork;
  }
  if (mode == "reset") {
    return TranscriptMode::reset;
  }
  if (mode == "compact") {
    return TranscriptMode::compact;
  }
  return fail(ErrorCode::usage, fmt::format("spawn_agent: carry.transcript_mode must be one of "
                                            "inherit, fork, reset, compact; got `{}`",
                                            mode));
}

} // namespace reprise
