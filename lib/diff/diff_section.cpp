#include "diff/diff_section.hpp"

namespace reprise {

const char* section_name(Section section) {
  switch (section) {
  case Section::status:
    return "status";
  case Section::history:
    return "history";
  case Section::config:
    return "config";
  case Section::carry_policy:
    return "carry_policy";
  case Section::artifacts:
    return "artifacts";
  case Section::transcript:
    return "transcript";
  case Section::other:
    break;
  }
  return "other";
}

const char* section_title(Section section) {
  switch (section) {
  case Section::status:
    return "status and task";
  case Section::carry_policy:
    return "carry policy";
  default:
    return section_name(section);
  }
}

bool is_transcript_place(std::string_view pointer) {
  return pointer == "/transcript" || pointer == "/config/options/transcript" ||
         pointer == "/config/transcript";
}

Section section_of(std::string_view pointer) {
  auto starts = [&](std::string_view prefix) {
    return pointer.starts_with(prefix) &&
           (pointer.size() == prefix.size() || pointer[prefix.size()] == '/');
  };
  if (starts("/history")) {
    return Section::history;
  }
  if (starts("/carry_policy")) {
    return Section::carry_policy;
  }
  if (starts("/artifacts") || starts("/config/artifacts")) {
    return Section::artifacts;
  }
  if (starts("/transcript") || starts("/config/options/transcript") ||
      starts("/config/transcript")) {
    return Section::transcript;
  }
  if (starts("/config") || starts("/request") || starts("/execution")) {
    return Section::config;
  }
  for (std::string_view key :
       {"/status", "/task", "/name", "/mode", "/id", "/_type", "/latest_error", "/created_at",
        "/started_at", "/finished_at", "/awaiting_started_at", "/suspension"}) {
    if (starts(key)) {
      return Section::status;
    }
  }
  return Section::other;
}

} // namespace reprise
