#include "reset/carry_policy.hpp"

#include "json/serde_check.hpp"
#include <doctest/doctest.h>

using namespace reprise;

TEST_CASE("carry_policy") {
  SUBCASE(
      "serde::display (the VM display string): strings bare, null as nil, lists and sorted dicts") {
    CHECK(serde::display(OrderedJson("none")) == "none");
    CHECK(serde::display(OrderedJson(nullptr)) == "nil");
    CHECK(serde::display(OrderedJson(true)) == "true");
    CHECK(serde::display(OrderedJson(-5)) == "-5");
    CHECK(serde::display(OrderedJson(1.5)) == "1.5");
    CHECK(serde::display(OrderedJson::parse(R"(["a", 1, null])")) == "[a, 1, nil]");
    CHECK(serde::display(OrderedJson::parse(R"({"z": 1, "a": {"y": [], "b": "x"}})")) ==
          "{a: {b: x, y: []}, z: 1}");
  }

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
}
