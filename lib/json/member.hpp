#pragma once

#include "json/json_scan.hpp"
#include <initializer_list>
#include <optional>
#include <simdjson.h>
#include <string_view>
#include <vector>

// Looking up an object's members by name, the one way every unit does it. With duplicate keys the
// last one wins, as serde_json (and so harn's loader) reads them.
namespace reprise::json {

// The value of member `key` of `object`, or nullopt when it is missing or `object` is not an
// object.
std::optional<simdjson::dom::element> member(simdjson::dom::element object, std::string_view key);

// The value at the end of a chain of member lookups (`{"config", "spec", "session_id"}`), if any.
std::optional<simdjson::dom::element> member_path(simdjson::dom::element object,
                                                  std::initializer_list<std::string_view> keys);

// The string value of member `key` of `object`, or nullopt when it is missing or not a string.
std::optional<std::string_view> string_member(simdjson::dom::element object, std::string_view key);

// The members of `object` as serde_json reads them: one per key, where the key first appears, with
// the value of its last duplicate (empty when `object` is not an object).
std::vector<simdjson::dom::key_value_pair> members(simdjson::dom::element object);

// The bytes of member `key` in a member list (object_members, Document::members_of), if any.
std::optional<std::string_view> member(const std::vector<Member>& members, std::string_view key);

} // namespace reprise::json
