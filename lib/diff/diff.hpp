#pragma once

#include "base/error.hpp"
#include "diff/diff_result.hpp"
#include "diff/pointer_patterns.hpp"

#include "json/document.hpp"
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Structural diff of two worker snapshots: objects by key, arrays of objects with an `id` matched
// by id, transcript messages (and events whose ids are ignored) aligned by content hash with a
// linear-space Myers search, other arrays by content hash the same way. Volatile fields are ignored
// by default. Sections are in diff_section.hpp, element labels in diff_labels.hpp,
// --first-divergence in first_divergence.hpp.
namespace reprise {

// Whether the built-in list of volatile fields (k_volatile_pointers) is ignored.
enum class Volatile { ignore, keep };

// Pointers (with `*` for one segment) of the fields that change on every run without meaning
// anything: timestamps, generated transcript/event ids, session ids and snapshot_path.
extern const std::array<std::string_view, 17> k_volatile_pointers;

// What to compare and how.
struct DiffOptions {
  Volatile volatile_fields = Volatile::ignore;
  std::vector<std::string> ignore;   // --ignore pointers (with `*` for one segment)
  std::size_t max_align_cost = 4096; // Myers edit budget per region before giving up on it
};

// Compares `a` with `b`. The result views their bytes, so both must outlive it. Fails with usage on
// a malformed --ignore pointer (and with invalid_snapshot if a value cannot be indexed, which a
// validated Document never causes).
Result<DiffResult> diff_documents(const Document& a, const Document& b, const DiffOptions& options);

} // namespace reprise
