#pragma once

#include "snapshot/harn_rules.hpp"
#include "snapshot/worker_status.hpp"

#include "json/document.hpp"
#include "json/json_node.hpp"
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The typed model of a harn worker snapshot (spec §1): what the loader (snapshot.hpp) fills in and
// every command reads, without the loader itself.
namespace reprise {

// The variant named by `config.mode`.
enum class ConfigMode { workflow, stage, sub_agent };

// carry_policy.transcript_mode after validation (empty string behaves as inherit).
enum class TranscriptMode { inherit, fork, reset, compact };

// The name harn writes for a transcript mode.
std::string_view to_string(TranscriptMode mode);
// The name harn writes for a config mode.
std::string_view to_string(ConfigMode mode);

// orchestration ContextPolicy (spec §1.4); every key optional.
struct ContextPolicy {
  std::optional<std::uint64_t> max_artifacts;
  std::optional<std::uint64_t> max_tokens;
  std::optional<std::uint64_t> reserve_tokens;
  std::vector<std::string> include_kinds;
  std::vector<std::string> exclude_kinds;
  std::vector<std::string> prioritize_kinds;
  std::vector<std::string> pinned_ids;
  std::vector<std::string> include_stages;
  bool prefer_recent = false;
  bool prefer_fresh = false;
  std::optional<std::string> render;

  // Whether this equals the all-default policy (then every artifact is carried unchanged).
  bool is_default() const;
  bool operator==(const ContextPolicy&) const = default;
};

// carry_policy as harn's loader reads it (spec §1.4).
struct CarryPolicy {
  bool present = false;             // whether the carry_policy key exists at all
  std::string artifact_mode;        // display string; only "none" has meaning
  std::string transcript_mode_text; // as written (trimmed); "" when missing
  TranscriptMode transcript_mode = TranscriptMode::inherit;
  ContextPolicy context_policy;
  bool resume_workflow = false;
  bool persist_state = false;
  bool retriggerable = false;
  bool has_policy = false; // carry_policy.policy is a CapabilityPolicy (not null)
};

// The fields of an ArtifactRecord that selection and display need; `bytes` is the whole record.
struct ArtifactInfo {
  std::string id;
  std::string kind;
  std::optional<std::string> title;
  std::optional<std::string> stage;
  std::optional<std::string> freshness;
  std::string created_at;
  std::optional<std::int64_t> priority;
  std::optional<double> relevance;
  std::optional<std::uint64_t> estimated_tokens;
  std::size_t text_bytes = 0; // length of `text` when it is a string
  std::string_view bytes;     // the record's bytes in the document
};

// A silent repair harn's loader makes, reported by reprise as a warning.
struct Warning {
  std::string pointer;
  std::string message;
};

// A loaded snapshot. Field values are after harn's repairs (e.g. status "running" → "interrupted").
struct Snapshot {
  // A snapshot over `doc` with every field at its default; load_snapshot fills it.
  explicit Snapshot(Document doc) : document(std::move(doc)) {}

  Document document;
  std::string path;                      // the path read; replaces `snapshot_path` on write
  HarnRules rules = k_newest_harn_rules; // the loader rules it was read with

  std::string id;
  std::string name;
  std::string task;
  std::string status; // after repair
  std::string mode;   // top-level `mode` (cosmetic), default "workflow"
  std::string created_at;
  std::string started_at;
  std::optional<std::string> finished_at;
  std::optional<std::string> awaiting_started_at;
  std::vector<std::string> history;
  std::optional<std::string> latest_error;
  std::optional<std::string> parent_worker_id;
  std::optional<std::string> parent_stage_id;
  std::optional<std::string> child_run_id;
  std::optional<std::string> child_run_path;

  ConfigMode config_mode = ConfigMode::workflow;
  CarryPolicy carry;

  bool has_transcript = false;                // key present (even when null)
  std::optional<std::string_view> transcript; // bytes of the transcript value when present
  std::size_t transcript_messages = 0; // number of messages when transcript.messages is a list
  std::vector<ArtifactInfo> artifacts; // top-level: outputs of the last successful cycle
  std::vector<ArtifactInfo> config_artifacts; // config.artifacts (workflow/stage inputs)
  bool has_suspension = false;                // a valid suspension record is present ([N])
  std::string suspension_reason;
  std::string suspension_initiator;

  std::vector<Warning> warnings;

  // The root as an editable node whose members are the document's raw bytes.
  JsonNode to_node() const;
};

} // namespace reprise
