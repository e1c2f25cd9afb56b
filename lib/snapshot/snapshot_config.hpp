#pragma once

#include "snapshot/load_context.hpp"
#include "snapshot/snapshot_model.hpp"

// `config` as harn reads it since 0.8 (crates/harn-vm/src/stdlib/agents_workers/config.rs,
// worker_config_from_json): the strict option-bag parser ("worker snapshot config: …"), every
// graph and node field typed, sub-agent errors wrapped in "Runtime error: …". harn 0.7's lenient
// reading stays in snapshot.cpp.
namespace reprise {

// Reads root.config into `snapshot` (config_mode, config_artifacts) under today's rules.
Result<void> load_config_strict(LoadContext& ctx, simdjson::dom::element root, Snapshot& snapshot);

// The harn VM's type name of a JSON value once read into the VM: "nil", "bool", "int", "float",
// "string", "list", "dict".
std::string_view vm_type_name(simdjson::dom::element value);

} // namespace reprise
