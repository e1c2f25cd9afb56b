// TARGET@REV parsing: a split never loses or invents bytes, and a revision is one of the forms
// the manual names (N, -N, attempt:N).
#include "fuzz_common.hpp"
#include "snapshot/state_dir.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reprise;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto [name, revision] = split_revision(text);
  if (revision.empty()) {
    fuzz::require(name == text, "without a revision the whole text is the name");
    return 0;
  }
  fuzz::require(std::string(name) + "@" + std::string(revision) == text,
                "name@revision is the text");
  fuzz::require(!name.empty(), "a revision follows a name");
  fuzz::require(revision.find('@') == std::string_view::npos, "the revision is after the last @");
  return 0;
}
