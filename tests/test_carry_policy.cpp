#include "reset/carry_policy.hpp"

#include <doctest/doctest.h>

using namespace reprise;

TEST_CASE("carry_policy") {
  SUBCASE("set_vm_dict_member: replaced in place, else inserted in key order") {
    JsonNode dict = JsonNode::raw(R"({"alpha": 1, "mode": "fork", "zeta": 2})");
    set_vm_dict_member(dict, "mode", JsonNode::value("reset"));
    set_vm_dict_member(dict, "beta", JsonNode::value(true));
    set_vm_dict_member(dict, "zz", JsonNode::value(nullptr));
    CHECK(dict.to_json().dump() == R"({"alpha":1,"beta":true,"mode":"reset","zeta":2,"zz":null})");
    JsonNode not_dict = JsonNode::raw("[1]");
    set_vm_dict_member(not_dict, "a", JsonNode::value(1));
    CHECK(not_dict.to_json().dump() == "[1]");
    CHECK(not_dict.find("a") == nullptr);
  }

  SUBCASE("parse_transcript_mode: trimmed names, harn's message otherwise") {
    CHECK(parse_transcript_mode("inherit") == TranscriptMode::inherit);
    CHECK(parse_transcript_mode(" fork\n") == TranscriptMode::fork);
    CHECK(parse_transcript_mode("reset") == TranscriptMode::reset);
    CHECK(parse_transcript_mode("compact") == TranscriptMode::compact);
    const auto bad = parse_transcript_mode("  Fork ");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == ErrorCode::usage);
    CHECK(bad.error().message == "spawn_agent: carry.transcript_mode must be one of inherit, "
                                 "fork, reset, compact; got `Fork`");
  }
}
