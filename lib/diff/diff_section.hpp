#pragma once

#include <cstddef>
#include <string_view>

// The sections a diff groups its differences under, and which section a JSON pointer belongs to.
namespace reprise {

// The sections a difference is grouped under, in the order they are shown.
enum class Section { status, history, config, carry_policy, artifacts, transcript, other };

// Number of Section values.
inline constexpr std::size_t k_section_count = 7;

// The stable name of a section ("status", "carry_policy", …) used in machine output.
const char* section_name(Section section);

// The heading of a section in text output ("status and task", "carry policy", …).
const char* section_title(Section section);

// The section of the value at `pointer` (in A, or in B for an added value).
Section section_of(std::string_view pointer);

// Whether `pointer` is one of the places a harn snapshot keeps a transcript object.
bool is_transcript_place(std::string_view pointer);

} // namespace reprise
