#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>

// Type checks that answer the way harn's serde-based loader does, with serde's wording
// ("invalid type: null, expected a string"), on simdjson DOM elements.
namespace reprise::serde {

using Element = simdjson::dom::element;

// serde's description of what a value is: "null", "integer `5`", "string \"x\"", "map", ….
std::string unexpected(Element value);

// "invalid type: <unexpected(value)>, expected <what>".
std::string invalid_type(Element value, std::string_view what);

// The harn VM's display string of a value: strings bare, null → "nil", lists "[a, b]", dicts
// "{k: v}" (keys sorted and the last duplicate kept, as in a VM dict, which is a BTreeMap).
std::string display(Element value);
// The same for a value built in memory.
std::string display(const nlohmann::ordered_json& value);

// Whether `value` fits a Rust integer target: ok, or serde's message for `expected` ("usize",
// "i64").
std::optional<std::string> check_unsigned(Element value, std::string_view expected);
std::optional<std::string> check_signed(Element value, std::string_view expected);

// An error message when `value` is not a string (`optional` allows null).
std::optional<std::string> check_string(Element value, bool optional);

// An error message when `value` is not a sequence of strings.
std::optional<std::string> check_string_list(Element value);

} // namespace reprise::serde
