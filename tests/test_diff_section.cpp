#include "diff/diff_section.hpp"

#include <doctest/doctest.h>
#include <string>

using reprise::Section;

TEST_CASE("diff_section") {
  CHECK(reprise::section_of("/status") == Section::status);
  CHECK(reprise::section_of("/statusx") == Section::other);
  CHECK(reprise::section_of("/config/transcript/messages/0") == Section::transcript);
  CHECK(reprise::section_of("/config/artifacts") == Section::artifacts);
  CHECK(reprise::section_of("/config/mode") == Section::config);
  CHECK(reprise::section_of("/history/2") == Section::history);
  CHECK(reprise::is_transcript_place("/config/options/transcript"));
  CHECK_FALSE(reprise::is_transcript_place("/transcript/messages"));
  CHECK(std::string(reprise::section_title(Section::carry_policy)) == "carry policy");
  CHECK(std::string(reprise::section_name(Section::carry_policy)) == "carry_policy");
}
