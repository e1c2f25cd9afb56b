#pragma once

#include "diff/diff_section.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What a structural diff found (diff.hpp computes it): the changes as patch operations and the
// entries a human counts. The types every diff output and patch writer shares, without the walker.
namespace reprise {

// What a JSON Patch operation does.
enum class PatchOp { add, remove, replace };

// How a difference is counted by a human.
enum class ChangeKind { added, removed, changed };

// What a difference is about: a plain value, or an element of a matched array.
enum class EntryKind { value, artifact, message, event, element };

// One JSON Patch operation, in the order they must be applied.
struct Change {
  PatchOp op = PatchOp::replace;
  std::string path;             // RFC 6901, with array indices as they are when this op applies
  std::string_view value;       // B's bytes for add/replace, empty for remove
  std::string merge_path;       // the object member a merge patch sets (nearest array or itself)
  std::string_view merge_value; // B's bytes at merge_path; empty: member removed
  std::size_t entry = 0;        // index of its DiffEntry in DiffResult::entries
};

// One difference as it is shown and counted: a value that changed, or one element of an array
// matched by id or content (artifact, message, event) that was added, removed or changed.
struct DiffEntry {
  Section section = Section::other;
  EntryKind kind = EntryKind::value;
  ChangeKind change = ChangeKind::changed;
  std::string pointer;                // in A (in B for added)
  std::optional<std::size_t> index_a; // element index in A (matched arrays)
  std::optional<std::size_t> index_b; // element index in B (matched arrays)
  std::string_view before;            // A's bytes, empty when added
  std::string_view after;             // B's bytes, empty when removed
  std::string id;                     // element `id` (artifacts, events), empty when none
  std::string label;                  // artifact kind, message role, "kind/role" for events
  std::string title;                  // artifact title
  std::string excerpt_a;              // message/event text in A, shortened
  std::string excerpt_b;              // message/event text in B, shortened
  std::vector<std::string> fields;    // changed elements: pointers of changed fields, relative
};

// The outcome of a diff: entries in document order, patch operations in application order.
struct DiffResult {
  std::vector<DiffEntry> entries;
  std::vector<Change> changes;
  std::array<std::size_t, k_section_count> per_section{}; // entries per Section
  std::size_t ignored = 0;     // differences skipped because they are volatile or --ignore'd
  bool objects_at_root = true; // A and B are both objects (otherwise a merge patch is all of B)
  std::string_view root_b;     // B's bytes
  // Whether A and B differ (after ignoring).
  bool different() const { return !entries.empty(); }
};

} // namespace reprise
