#include "reset/artifact_selection.hpp"

#include <doctest/doctest.h>

using namespace reprise;

namespace {

ArtifactInfo artifact(std::string id, std::string kind = "summary") {
  ArtifactInfo info;
  info.id = std::move(id);
  info.kind = std::move(kind);
  return info;
}

// The ids of the selected artifacts, in output order.
std::vector<std::string> selected_ids(const std::vector<ArtifactInfo>& artifacts,
                                      const ArtifactSelection& selection) {
  std::vector<std::string> out;
  for (std::size_t index : selection.selected) {
    out.push_back(artifacts[index].id);
  }
  return out;
}

using Ids = std::vector<std::string>;

} // namespace

TEST_CASE("artifact_selection") {
  SUBCASE("artifact_mode none carries nothing, whatever the policy") {
    const std::vector<ArtifactInfo> artifacts = {artifact("a"), artifact("b")};
    ContextPolicy policy;
    policy.max_artifacts = 1;
    const auto selection = apply_artifact_policy(artifacts, ArtifactMode::none, policy);
    CHECK(selection.selected.empty());
    CHECK(selection.verdicts[0].rule == ArtifactRule::mode_none);
    CHECK(selection.verdicts[1].fate == ArtifactFate::dropped);
    CHECK(artifact_mode_of("none") == ArtifactMode::none);
    CHECK(artifact_mode_of("nil") == ArtifactMode::inherit);
    CHECK(artifact_mode_of("None") == ArtifactMode::inherit);
  }

  SUBCASE("the default context policy carries everything in input order") {
    std::vector<ArtifactInfo> artifacts = {artifact("a"), artifact("b"), artifact("c")};
    artifacts[2].priority = 100;
    artifacts[0].estimated_tokens = 1'000'000;
    const auto selection = apply_artifact_policy(artifacts, ArtifactMode::inherit, {});
    CHECK(selected_ids(artifacts, selection) == Ids{"a", "b", "c"});
    CHECK(selection.verdicts[2].rule == ArtifactRule::default_policy);
  }

  SUBCASE("filter: include_kinds, exclude_kinds, include_stages (missing stage fails)") {
    std::vector<ArtifactInfo> artifacts = {artifact("a", "plan"), artifact("b", "diff"),
                                           artifact("c", "plan"), artifact("d", "Plan"),
                                           artifact("e", "summary")};
    artifacts[0].stage = "act";
    artifacts[1].stage = "act";
    artifacts[2].stage = "review";
    artifacts[4].stage = "act";
    ContextPolicy policy;
    policy.include_kinds = {"plan", "diff", "summary"};
    policy.exclude_kinds = {"diff"};
    policy.include_stages = {"act"};
    const auto selection = select_artifacts(artifacts, policy);
    CHECK(selected_ids(artifacts, selection) == Ids{"a", "e"});
    CHECK(selection.verdicts[1].rule == ArtifactRule::kind_excluded);
    CHECK(selection.verdicts[2].rule == ArtifactRule::stage_not_included);
    CHECK(selection.verdicts[3].rule == ArtifactRule::kind_not_included); // case-sensitive
    artifacts[0].stage.reset();
    CHECK(selected_ids(artifacts, select_artifacts(artifacts, policy)) == Ids{"e"});
  }

  SUBCASE("sort: pinned, then prioritized kinds, then priority (missing = 0)") {
    std::vector<ArtifactInfo> artifacts = {artifact("low"), artifact("neg"), artifact("pin"),
                                           artifact("prio", "plan"), artifact("high")};
    artifacts[1].priority = -5;
    artifacts[2].priority = 1;
    artifacts[3].priority = 2;
    artifacts[4].priority = 90;
    ContextPolicy policy;
    policy.pinned_ids = {"pin"};
    policy.prioritize_kinds = {"plan"};
    const auto selection = select_artifacts(artifacts, policy);
    CHECK(selected_ids(artifacts, selection) == Ids{"pin", "prio", "high", "low", "neg"});
    CHECK(selection.verdicts[4].rank == 2);
    CHECK(selection.verdicts[4].position == 2);
  }

  SUBCASE("sort: freshness rank only when prefer_fresh") {
    std::vector<ArtifactInfo> artifacts = {artifact("stale"), artifact("unknown"),
                                           artifact("recent"), artifact("live"), artifact("none")};
    artifacts[0].freshness = "stale";
    artifacts[1].freshness = "Fresh";
    artifacts[2].freshness = "recent";
    artifacts[3].freshness = "live";
    ContextPolicy policy;
    policy.max_tokens = 1000; // non-default, same order
    CHECK(selected_ids(artifacts, select_artifacts(artifacts, policy)) ==
          Ids{"stale", "unknown", "recent", "live", "none"});
    policy.prefer_fresh = true;
    CHECK(selected_ids(artifacts, select_artifacts(artifacts, policy)) ==
          Ids{"live", "recent", "unknown", "none", "stale"});
  }

  SUBCASE("sort: created_at byte-wise, larger first, only when prefer_recent") {
    std::vector<ArtifactInfo> artifacts = {artifact("ten"), artifact("nine"), artifact("rfc"),
                                           artifact("uuid")};
    artifacts[0].created_at = "1777485641";
    artifacts[1].created_at = "999";
    artifacts[2].created_at = "2026-04-30T00:00:00Z";
    artifacts[3].created_at = "019dda66-7528-711a-a22b-b33cc44dd550";
    ContextPolicy policy;
    policy.prefer_recent = true;
    // "999" > "2026-…" > "1777…" > "019d…" as byte strings.
    CHECK(selected_ids(artifacts, select_artifacts(artifacts, policy)) ==
          Ids{"nine", "rfc", "ten", "uuid"});
  }

  SUBCASE("sort: relevance, Some beats None, then fewer tokens (missing = max)") {
    std::vector<ArtifactInfo> artifacts = {artifact("none-small"),   artifact("half"),
                                           artifact("one"),          artifact("zero"),
                                           artifact("none-unknown"), artifact("none-big")};
    artifacts[0].estimated_tokens = 1;
    artifacts[1].relevance = 0.5;
    artifacts[2].relevance = 1.0;
    artifacts[3].relevance = 0.0;
    artifacts[5].estimated_tokens = 500;
    ContextPolicy policy;
    policy.max_artifacts = 10;
    CHECK(selected_ids(artifacts, select_artifacts(artifacts, policy)) ==
          Ids{"one", "half", "zero", "none-small", "none-big", "none-unknown"});
  }

  SUBCASE("sort: NaN relevance ties with any Some and still beats None; the sort is stable") {
    std::vector<ArtifactInfo> artifacts = {artifact("none"), artifact("high"), artifact("nan"),
                                           artifact("tie-a"), artifact("tie-b")};
    artifacts[1].relevance = 0.9;
    artifacts[2].relevance = std::numeric_limits<double>::quiet_NaN();
    ContextPolicy policy;
    policy.max_artifacts = 10;
    const auto ids = selected_ids(artifacts, select_artifacts(artifacts, policy));
    CHECK(ids.back() != "nan");
    CHECK(ids[0] != "none");
    // tie-a and tie-b have identical keys: input order is kept.
    const auto a = std::find(ids.begin(), ids.end(), "tie-a");
    const auto b = std::find(ids.begin(), ids.end(), "tie-b");
    CHECK(a < b);
  }

  SUBCASE("budget: skip and continue, saturating reserve, unknown tokens cost 0") {
    std::vector<ArtifactInfo> artifacts = {artifact("big"), artifact("mid"), artifact("small"),
                                           artifact("free")};
    artifacts[0].estimated_tokens = 8;
    artifacts[0].priority = 4;
    artifacts[1].estimated_tokens = 5;
    artifacts[1].priority = 3;
    artifacts[2].estimated_tokens = 2;
    artifacts[2].priority = 2;
    artifacts[3].priority = 1;
    ContextPolicy policy;
    policy.max_tokens = 12;
    policy.reserve_tokens = 2;
    const auto selection = select_artifacts(artifacts, policy);
    CHECK(selected_ids(artifacts, selection) == Ids{"big", "small", "free"});
    CHECK(selection.verdicts[1].rule == ArtifactRule::over_budget);
    CHECK(selection.token_limit == 10);
    CHECK(selection.tokens_used == 10);

    policy.reserve_tokens = 50; // limit saturates at 0: only free artifacts fit
    CHECK(selected_ids(artifacts, select_artifacts(artifacts, policy)) == Ids{"free"});
  }

  SUBCASE("max_artifacts stops the walk, 0 selects nothing") {
    std::vector<ArtifactInfo> artifacts = {artifact("a"), artifact("b"), artifact("c")};
    artifacts[0].estimated_tokens = 100;
    ContextPolicy policy;
    policy.max_tokens = 10;
    policy.max_artifacts = 1;
    const auto selection = select_artifacts(artifacts, policy);
    // "a" is over budget and skipped; "b" is selected; "c" hits max_artifacts.
    CHECK(selected_ids(artifacts, selection) == Ids{"b"});
    CHECK(selection.verdicts[0].rule == ArtifactRule::over_budget);
    CHECK(selection.verdicts[2].rule == ArtifactRule::max_artifacts);
    policy.max_artifacts = 0;
    CHECK(select_artifacts(artifacts, policy).selected.empty());
  }
}
