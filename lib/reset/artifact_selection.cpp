#include "reset/artifact_selection.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <numeric>

namespace reprise {

namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// harn's freshness rank: fresh/live 3, recent 2, stale 0, anything else or missing 1.
int freshness_rank(const std::optional<std::string>& freshness) {
  if (!freshness) {
    return 1;
  }
  if (*freshness == "fresh" || *freshness == "live") {
    return 3;
  }
  if (*freshness == "recent") {
    return 2;
  }
  if (*freshness == "stale") {
    return 0;
  }
  return 1;
}

// The filter of step 1; nullopt when the artifact passes.
std::optional<ArtifactRule> filter_rule(const ArtifactInfo& artifact, const ContextPolicy& policy) {
  if (!policy.include_kinds.empty() && !contains(policy.include_kinds, artifact.kind)) {
    return ArtifactRule::kind_not_included;
  }
  if (contains(policy.exclude_kinds, artifact.kind)) {
    return ArtifactRule::kind_excluded;
  }
  if (!policy.include_stages.empty() &&
      (!artifact.stage || !contains(policy.include_stages, *artifact.stage))) {
    return ArtifactRule::stage_not_included;
  }
  return std::nullopt;
}

// Rust's Option<f64>::partial_cmp as harn uses it, reversed (higher first): -1 when `a` goes
// first, 1 when `b` does, 0 on a tie. Some beats None; NaN against anything ties.
int compare_relevance(const std::optional<double>& a, const std::optional<double>& b) {
  if (a && !b) {
    return -1;
  }
  if (!a && b) {
    return 1;
  }
  if (!a && !b) {
    return 0;
  }
  if (std::isnan(*a) || std::isnan(*b) || *a == *b) {
    return 0;
  }
  return *a > *b ? -1 : 1;
}

// The comparator chain of step 2: whether `a` sorts strictly before `b`.
bool sorts_before(const ArtifactInfo& a, const ArtifactInfo& b, const ContextPolicy& policy) {
  const bool a_pinned = contains(policy.pinned_ids, a.id);
  const bool b_pinned = contains(policy.pinned_ids, b.id);
  if (a_pinned != b_pinned) {
    return a_pinned;
  }
  const bool a_prioritized = contains(policy.prioritize_kinds, a.kind);
  const bool b_prioritized = contains(policy.prioritize_kinds, b.kind);
  if (a_prioritized != b_prioritized) {
    return a_prioritized;
  }
  const std::int64_t a_priority = a.priority.value_or(0);
  const std::int64_t b_priority = b.priority.value_or(0);
  if (a_priority != b_priority) {
    return a_priority > b_priority;
  }
  if (policy.prefer_fresh) {
    const int a_rank = freshness_rank(a.freshness);
    const int b_rank = freshness_rank(b.freshness);
    if (a_rank != b_rank) {
      return a_rank > b_rank;
    }
  }
  if (policy.prefer_recent) {
    // Byte-wise, as Rust compares Strings.
    const int order = a.created_at.compare(b.created_at);
    if (order != 0) {
      return order > 0;
    }
  }
  if (const int order = compare_relevance(a.relevance, b.relevance); order != 0) {
    return order < 0;
  }
  constexpr std::uint64_t k_unknown_tokens = std::numeric_limits<std::uint64_t>::max();
  return a.estimated_tokens.value_or(k_unknown_tokens) <
         b.estimated_tokens.value_or(k_unknown_tokens);
}

// The sort keys that placed `artifact`, for the plan.
std::string sort_keys(const ArtifactInfo& artifact, const ContextPolicy& policy) {
  std::string out;
  const auto add = [&out](const std::string& part) {
    if (!out.empty()) {
      out += ", ";
    }
    out += part;
  };
  if (contains(policy.pinned_ids, artifact.id)) {
    add("pinned");
  }
  if (contains(policy.prioritize_kinds, artifact.kind)) {
    add("prioritized kind");
  }
  add(artifact.priority ? fmt::format("priority {}", *artifact.priority)
                        : std::string("priority none (0)"));
  if (policy.prefer_fresh) {
    add(fmt::format("freshness {} (rank {})", artifact.freshness.value_or("none"),
                    freshness_rank(artifact.freshness)));
  }
  if (policy.prefer_recent) {
    add(fmt::format("created_at \"{}\"", artifact.created_at));
  }
  if (artifact.relevance) {
    add(fmt::format("relevance {}", *artifact.relevance));
  }
  add(artifact.estimated_tokens ? fmt::format("{} tokens", *artifact.estimated_tokens)
                                : std::string("tokens unknown"));
  return out;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b
             ? std::numeric_limits<std::uint64_t>::max()
             : a + b;
}

} // namespace

std::string_view to_string(ArtifactRule rule) {
  switch (rule) {
  case ArtifactRule::mode_none:
    return "artifact_mode_none";
  case ArtifactRule::default_policy:
    return "default_context_policy";
  case ArtifactRule::kind_not_included:
    return "kind_not_in_include_kinds";
  case ArtifactRule::kind_excluded:
    return "kind_in_exclude_kinds";
  case ArtifactRule::stage_not_included:
    return "stage_not_in_include_stages";
  case ArtifactRule::max_artifacts:
    return "max_artifacts_reached";
  case ArtifactRule::over_budget:
    return "over_token_budget";
  case ArtifactRule::selected:
    return "selected";
  }
  return "selected";
}

std::string_view to_string(ArtifactFate fate) {
  return fate == ArtifactFate::kept ? "kept" : "dropped";
}

ArtifactMode artifact_mode_of(std::string_view artifact_mode) {
  return artifact_mode == "none" ? ArtifactMode::none : ArtifactMode::inherit;
}

ArtifactSelection select_artifacts(std::span<const ArtifactInfo> artifacts,
                                   const ContextPolicy& policy) {
  ArtifactSelection out;
  out.verdicts.resize(artifacts.size());
  std::vector<std::size_t> order;
  order.reserve(artifacts.size());
  for (std::size_t i = 0; i < artifacts.size(); ++i) {
    ArtifactVerdict& verdict = out.verdicts[i];
    verdict.index = i;
    if (const auto rule = filter_rule(artifacts[i], policy)) {
      verdict.fate = ArtifactFate::dropped;
      verdict.rule = *rule;
      if (*rule == ArtifactRule::stage_not_included) {
        verdict.detail = artifacts[i].stage ? fmt::format("stage \"{}\"", *artifacts[i].stage)
                                            : std::string("no stage");
      } else {
        verdict.detail = fmt::format("kind \"{}\"", artifacts[i].kind);
      }
      continue;
    }
    order.push_back(i);
  }

  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return sorts_before(artifacts[a], artifacts[b], policy);
  });

  if (policy.max_tokens) {
    const std::uint64_t reserve = policy.reserve_tokens.value_or(0);
    out.token_limit = *policy.max_tokens > reserve ? *policy.max_tokens - reserve : 0;
  }
  std::uint64_t used = 0;
  bool full = false;
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const std::size_t index = order[rank];
    const ArtifactInfo& artifact = artifacts[index];
    ArtifactVerdict& verdict = out.verdicts[index];
    verdict.rank = rank;
    const std::string keys = sort_keys(artifact, policy);
    if (!full && policy.max_artifacts && out.selected.size() == *policy.max_artifacts) {
      full = true;
    }
    if (full) {
      verdict.fate = ArtifactFate::dropped;
      verdict.rule = ArtifactRule::max_artifacts;
      verdict.detail =
          fmt::format("rank {} ({}); {} already selected", rank + 1, keys, *policy.max_artifacts);
      continue;
    }
    const std::uint64_t cost = artifact.estimated_tokens.value_or(0);
    if (out.token_limit && saturating_add(used, cost) > *out.token_limit) {
      verdict.fate = ArtifactFate::dropped;
      verdict.rule = ArtifactRule::over_budget;
      verdict.detail = fmt::format("rank {} ({}); {} + {} used > limit {}", rank + 1, keys, cost,
                                   used, *out.token_limit);
      continue;
    }
    used = saturating_add(used, cost);
    verdict.fate = ArtifactFate::kept;
    verdict.rule = ArtifactRule::selected;
    verdict.position = out.selected.size();
    verdict.detail = out.token_limit ? fmt::format("rank {} ({}); {} of limit {} used", rank + 1,
                                                   keys, used, *out.token_limit)
                                     : fmt::format("rank {} ({})", rank + 1, keys);
    out.selected.push_back(index);
  }
  out.tokens_used = used;
  return out;
}

ArtifactSelection apply_artifact_policy(std::span<const ArtifactInfo> artifacts, ArtifactMode mode,
                                        const ContextPolicy& policy) {
  if (mode == ArtifactMode::none || policy.is_default()) {
    ArtifactSelection out;
    const bool keep = mode != ArtifactMode::none;
    for (std::size_t i = 0; i < artifacts.size(); ++i) {
      ArtifactVerdict verdict;
      verdict.index = i;
      verdict.fate = keep ? ArtifactFate::kept : ArtifactFate::dropped;
      verdict.rule = keep ? ArtifactRule::default_policy : ArtifactRule::mode_none;
      if (keep) {
        verdict.position = i;
        verdict.rank = i;
        out.selected.push_back(i);
        out.tokens_used =
            saturating_add(out.tokens_used, artifacts[i].estimated_tokens.value_or(0));
      }
      out.verdicts.push_back(std::move(verdict));
    }
    return out;
  }
  return select_artifacts(artifacts, policy);
}

} // namespace reprise
