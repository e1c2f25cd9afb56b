#include "base/byte_size.hpp"

#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <limits>

namespace reprise {

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) {
    return fmt::format("{} B", bytes);
  }
  constexpr const char* k_units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(k_units)) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, k_units[unit]);
}

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  const auto bad = [&] {
    return std::unexpected(Error::usage(fmt::format(
        "invalid size '{}' (expected bytes, or a number with K, M, G or T, e.g. 512M)", text)));
  };
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) {
    return bad();
  }
  std::string suffix(end, text.data() + text.size());
  for (char& c : suffix) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  unsigned shift = 0;
  if (suffix.empty() || suffix == "B") {
    shift = 0;
  } else if (suffix == "K" || suffix == "KB" || suffix == "KIB") {
    shift = 10;
  } else if (suffix == "M" || suffix == "MB" || suffix == "MIB") {
    shift = 20;
  } else if (suffix == "G" || suffix == "GB" || suffix == "GIB") {
    shift = 30;
  } else if (suffix == "T" || suffix == "TB" || suffix == "TIB") {
    shift = 40;
  } else {
    return bad();
  }
  if (number > (std::numeric_limits<std::uint64_t>::max() >> shift)) {
    return bad();
  }
  return number << shift;
}

} // namespace reprise
