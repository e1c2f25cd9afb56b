#pragma once

#include "base/error.hpp"
#include "snapshot/snapshot_model.hpp"

#include "json/document.hpp"
#include "json/json_node.hpp"
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// A harn worker snapshot loaded exactly as harn's loader does (spec §1, §7): the same hard errors,
// the same silent repairs (reported here as warnings), and the typed fields every command needs.
// The Document keeps the bytes, so everything reprise does not model survives a write untouched.
namespace reprise {

// Loads a snapshot from a parsed document, applying the loader rules of `rules` in harn's order.
// Errors are invalid_snapshot with pointer and line:column.
Result<Snapshot> load_snapshot(Document document, HarnRules rules = k_newest_harn_rules);

// The `status` member as written in the file ("running" stays "running"); nullopt when it is
// missing or not a string.
std::optional<std::string_view> written_status(const Snapshot& snapshot);

// The status harn would see: the loaded status, or "running" when the status on disk is "running"
// and `liveness` says the run is live (see effective_status in worker_status.hpp).
std::string effective_status(const Snapshot& snapshot, Liveness liveness);

// Reads and loads `path` ("-" reads standard input); `access` as for Document::read_file.
Result<Snapshot> load_snapshot_file(const std::string& path, FileAccess access = FileAccess::read,
                                    HarnRules rules = k_newest_harn_rules);

// Writes `root` as a snapshot file body (pretty, two-space indent, like harn; trailing newline
// omitted as harn does) to `out`.
void write_snapshot(Sink& out, const JsonNode& root);

} // namespace reprise
