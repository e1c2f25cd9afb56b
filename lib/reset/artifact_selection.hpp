#pragma once

#include "snapshot/snapshot_model.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// harn's artifact carry (spec §2.2): `apply_worker_artifact_policy` and the exact
// `select_artifacts` algorithm (filter, stable sort chain, skip-and-continue token budget), with
// the rule that decided each artifact's fate so a plan can explain it.
namespace reprise {

// Whether an artifact is carried into the next run.
enum class ArtifactFate { kept, dropped };

// The rule that decided an artifact's fate.
enum class ArtifactRule {
  mode_none,          // artifact_mode "none": nothing is carried
  default_policy,     // all-default context policy: everything is carried unchanged
  kind_not_included,  // include_kinds is set and the kind is not in it
  kind_excluded,      // the kind is in exclude_kinds
  stage_not_included, // include_stages is set and the stage is missing or not in it
  max_artifacts,      // max_artifacts were already selected when its turn came
  over_budget,        // used + estimated_tokens would exceed max_tokens − reserve_tokens
  selected,           // passed the filter and fit the budget
};

// The stable name of a rule ("kind_excluded", …) used in plans.
std::string_view to_string(ArtifactRule rule);
// The stable name of a fate ("kept" / "dropped").
std::string_view to_string(ArtifactFate fate);

// The decision about one input artifact.
struct ArtifactVerdict {
  std::size_t index = 0; // position in the input list
  ArtifactFate fate = ArtifactFate::dropped;
  ArtifactRule rule = ArtifactRule::selected;
  std::optional<std::size_t> rank;     // 0-based position in the sort order (filtered ones: none)
  std::optional<std::size_t> position; // 0-based position in the output (kept ones only)
  std::string detail;                  // a short human explanation (sort keys, budget figures)
};

// The outcome of carrying a list of artifacts.
struct ArtifactSelection {
  std::vector<std::size_t> selected;     // input indices of the carried artifacts, in output order
  std::vector<ArtifactVerdict> verdicts; // one per input artifact, in input order
  std::optional<std::uint64_t> token_limit; // max_tokens − reserve_tokens (saturating) when set
  std::uint64_t tokens_used = 0;            // sum of estimated_tokens of the selected artifacts
};

// harn's select_artifacts (spec §2.2 steps 1–4) over `artifacts` with `policy`.
ArtifactSelection select_artifacts(std::span<const ArtifactInfo> artifacts,
                                   const ContextPolicy& policy);

// Whether artifact_mode means "carry nothing".
enum class ArtifactMode { inherit, none };

// harn's apply_worker_artifact_policy: none → nothing; default policy → all; else select_artifacts.
ArtifactSelection apply_artifact_policy(std::span<const ArtifactInfo> artifacts, ArtifactMode mode,
                                        const ContextPolicy& policy);

// The ArtifactMode of a loaded artifact_mode display string (only the exact "none" has meaning).
ArtifactMode artifact_mode_of(std::string_view artifact_mode);

} // namespace reprise
