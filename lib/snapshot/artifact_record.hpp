#pragma once

#include "snapshot/load_context.hpp"
#include "snapshot/snapshot_model.hpp"

// ArtifactRecord lists as harn's loader reads them (spec §1.6): serde's strictness on each field,
// and the fields selection and display need.
namespace reprise {

// Reads the artifact list at `pointer` (missing → empty); the first bad element is an error.
Result<std::vector<ArtifactInfo>> load_artifact_list(LoadContext& ctx,
                                                     std::optional<simdjson::dom::element> value,
                                                     const std::string& pointer);

} // namespace reprise
