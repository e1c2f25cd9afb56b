#pragma once

#include "base/error.hpp"
#include "snapshot/harn_rules.hpp"
#include "snapshot/snapshot.hpp"

#include "json/document.hpp"
#include "json/json_node.hpp"
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// harn's session bundles (`harn session export`): the envelope's rules, the worker snapshots it
// carries in `replay.worker_snapshots[]`, reading one out as a snapshot and writing one back in.
namespace reprise {

// The bundle's `_type` and the newest `schema_version` harn writes.
inline constexpr std::string_view k_session_bundle_type = "harn_session_bundle";
inline constexpr int k_session_bundle_schema_version = 1;

// What a sanitized export writes in place of a local path (harn's REDACTED_PLACEHOLDER).
inline constexpr std::string_view k_bundle_redacted = "[redacted]";

// Splits a bundle TARGET "FILE#WORKER_ID" at its last '#' into FILE and WORKER_ID (which may be
// empty: the bundle's only worker); nullopt when `text` has no '#' or nothing before it.
std::optional<std::pair<std::string_view, std::string_view>>
split_bundle_target(std::string_view text);

// One entry of `replay.worker_snapshots[]`.
struct BundleWorker {
  std::string worker_id;  // the entry's `worker_id`, or harn's `worker_<index>` when it is empty
  std::size_t index = 0;  // its place in the array
  std::string pointer;    // the JSON pointer of its snapshot: /replay/worker_snapshots/<i>/value
  std::string_view value; // the snapshot's bytes, a view into the bundle's text
};

// harn's `session validate` envelope rules on `bundle`: every required field, `_type` equal to
// "harn_session_bundle", `schema_version` a positive integer no newer than 1. invalid_snapshot
// with harn's wording, the bundle's file, the pointer and line:column.
Result<void> check_session_bundle(const Document& bundle);

// The worker ids the bundle carries, in order (empty when `replay.worker_snapshots` is missing).
std::vector<std::string> bundle_worker_ids(const Document& bundle);

// Finds worker `worker_id` in a checked bundle (an empty id: the only worker) and checks harn's
// checkpoint rules on its snapshot: `_type` "worker_snapshot", `status` "suspended", `config` and
// `suspension` objects, an `id`. not_found (listing the ids) when the bundle has no such worker;
// invalid_snapshot with harn's wording, pointing into the bundle, when a rule is broken.
Result<BundleWorker> find_bundle_worker(const Document& bundle, std::string_view worker_id);

// Where a bundle's worker lives once brought into `state_dir`: `<state_dir>/<id>.json`, the id's
// characters other than ASCII letters, digits, '-', '_' and '.' replaced by '_' (harn's
// sanitize_topic_component, as its import names the file).
std::string bundle_import_path(const std::string& state_dir, std::string_view worker_id);

// Loads the snapshot of `worker` (found in `bundle`) under `rules`, as the worker that will live
// at `import_path` (its `path`, so a reset records it as `snapshot_path`). A loader error names
// the bundle's file, the pointer inside the bundle and the line:column there.
Result<Snapshot> load_bundle_worker(const Document& bundle, const BundleWorker& worker,
                                    const std::string& import_path, HarnRules rules);

// The snapshot of `worker` with its sanitized paths restored, as harn's import writes it: the
// top-level `snapshot_path` and `suspension.snapshot_ref` set to `import_path`; every other member
// copied from the bundle's bytes.
JsonNode restored_bundle_worker(const BundleWorker& worker, const std::string& import_path);

// The bundle's text with `worker`'s snapshot replaced by `snapshot` (a worker read from it and
// reset, say), as a checkpoint harn can resume: `status` "suspended", `suspension` required
// (harn's wording when missing), `snapshot_path` and `suspension.snapshot_ref` put back as the
// bundle had them. Every other byte of the bundle is kept as it was.
Result<std::string> bundle_with_worker(const Document& bundle, const BundleWorker& worker,
                                       JsonNode snapshot);

} // namespace reprise
