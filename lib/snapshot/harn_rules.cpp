#include "snapshot/harn_rules.hpp"

#include <charconv>
#include <fmt/format.h>
#include <optional>
#include <utility>

namespace reprise {

namespace {

// The number at the start of `text` up to the next dot (or the end), and what follows the dot.
std::optional<std::pair<unsigned, std::string_view>> leading_number(std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) {
    return std::nullopt;
  }
  std::string_view rest(end, text.data() + text.size() - end);
  if (!rest.empty() && rest.front() != '.') {
    return std::nullopt;
  }
  return std::pair(value, rest.empty() ? rest : rest.substr(1));
}

} // namespace

Result<HarnRules> parse_harn_rules(std::string_view version) {
  if (version == "latest" || version == "current") {
    return HarnRules::current;
  }
  std::string_view text = version;
  if (text.starts_with('v')) {
    text.remove_prefix(1);
  }
  const auto major = leading_number(text);
  const auto minor = major ? leading_number(major->second) : std::nullopt;
  if (!minor) {
    return std::unexpected(Error::usage(
        fmt::format("--harn: '{}' is not a harn version (0.7, 0.10.67 or latest)", version)));
  }
  if (minor->second.size() > 0 && !leading_number(minor->second)) {
    return std::unexpected(Error::usage(
        fmt::format("--harn: '{}' is not a harn version (0.7, 0.10.67 or latest)", version)));
  }
  return major->first == 0 && minor->first < 8 ? HarnRules::v0_7 : HarnRules::current;
}

std::string_view to_string(HarnRules rules) {
  return rules == HarnRules::v0_7 ? "0.7" : "current";
}

} // namespace reprise
