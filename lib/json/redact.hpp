#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

// harn's unified redaction policy (crates/harn-vm/src/redact/mod.rs and redact/patterns.rs, the
// pattern catalog of crates/harn-vm/src/secret_patterns.rs), default policy: what harn's writer
// does to a worker snapshot before it reaches the disk since harn 0.8.
namespace reprise::redact {

// What a sensitive field's value becomes.
inline constexpr std::string_view k_placeholder = "[redacted]";

// Whether an object key names a secret (case-insensitive): authorization, cookie, api_key,
// password, …, and any name ending in _token, _secret, _password, _apikey or _api_key.
bool field_is_sensitive(std::string_view name);

// harn's redact_string: a lone http(s) URL loses its userinfo and the values of sensitive query
// parameters, then every secret pattern match becomes `<redacted:NAME:LENGTH>`. nullopt when
// nothing changed.
std::optional<std::string> redact_string(std::string_view text);

// harn's redact_json_in_place: sensitive fields' values become "[redacted]", every other string
// is redacted as above. Returns whether anything changed.
bool redact_json(nlohmann::ordered_json& value);

// For display: the same decisions over text that shows JSON (a diff, a preview): strings that look
// like secrets, the value after a sensitive `"key": ` or `key: `, and the rest of a line after a
// JSON pointer ending in a sensitive key, masked.
std::string mask_text(std::string_view text);

} // namespace reprise::redact
