// Diff and its outputs: the input is two documents separated by the first NUL byte (which no JSON
// document holds unescaped). Every output format must be produced without a crash, the patches
// must be JSON, and a document compared with itself must show no difference.
#include "diff/diff.hpp"
#include "diff/diff_format.hpp"
#include "diff/first_divergence.hpp"
#include "diff/json_patch.hpp"
#include "fuzz_common.hpp"

#include "json/document.hpp"
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

bool parses(const std::string& text) {
  return reprise::Document::from_string(text, "patch.json").has_value();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reprise;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  if (split == std::string_view::npos) {
    return 0;
  }
  auto a = Document::from_string(input.substr(0, split), "a.json");
  auto b = Document::from_string(input.substr(split + 1), "b.json");
  if (!a || !b) {
    return 0;
  }
  for (const Volatile volatile_fields : {Volatile::ignore, Volatile::keep}) {
    DiffOptions options;
    options.volatile_fields = volatile_fields;
    auto self = diff_documents(*a, *a, options);
    fuzz::require(self && !self->different(), "a document does not differ from itself");
    auto diff = diff_documents(*a, *b, options);
    fuzz::require(diff.has_value(), "two parsed documents can be compared");
    StringSink text;
    write_diff_text(*diff, Color::on, text);
    StringSink json;
    write_diff_json(*diff, "a.json", "b.json", json);
    fuzz::require(parses(json.str()), "the JSON diff is JSON");
    StringSink patch;
    write_json_patch(*diff, patch);
    fuzz::require(parses(patch.str()), "the JSON Patch is JSON");
    StringSink merge;
    write_merge_patch(*diff, merge);
    fuzz::require(parses(merge.str()), "the Merge Patch is JSON");
  }
  StringSink divergence;
  write_divergence_json(first_divergence(*a, *b), divergence);
  fuzz::require(parses(divergence.str()), "the divergence is JSON");
  fuzz::require(!first_divergence(*a, *a).has_value(), "a transcript does not diverge from itself");
  return 0;
}
