#pragma once

#include "base/error.hpp"
#include "base/uuid7.hpp"

#include "json/json_node.hpp"
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// What harn's worker code does to a transcript (spec §1.7, §2.3, §2.4, §4.4): fork, truncate
// compaction and the summary-only transcript of a resume without the transcript. Transcripts are
// treated as opaque dicts: only `id`, `metadata`, `messages`, `events` and `summary` are looked at,
// every other member is copied through as raw bytes.
namespace reprise {

// The outcome of forking a transcript.
struct ForkedTranscript {
  JsonNode transcript;                  // the new transcript (raw when the input is no dict)
  bool forked = false;                  // false: the input was not an object, passed through
  std::string new_id;                   // the fresh bare UUIDv7 id
  std::optional<std::string> parent_id; // metadata.parent_transcript_id when one was written
};

// harn's fork (spec §2.3): a dict gets a new bare UUIDv7 `id` and, when the old id displays
// non-empty, `metadata.parent_transcript_id`; anything else passes through. `bytes` must outlive
// the returned node.
ForkedTranscript fork_transcript(std::string_view bytes, IdSource& ids);

// The outcome of a truncate compaction.
struct CompactedTranscript {
  JsonNode transcript;      // the new transcript, or the input unchanged when nothing happened
  bool compacted = false;   // whether older messages were archived
  std::size_t archived = 0; // how many messages went into the summary
  std::string summary;      // the summary text (empty when nothing happened)
};

// harn's compact_worker_transcript (spec §2.4, keep_first 0, keep_last 2), for a transcript just
// produced by a successful run. A `messages` member that is not a list fails with ErrorCode::failed
// and harn's latest_error text "Thrown: transcript.messages must be a list". `bytes` must be one
// valid JSON value and outlive the returned node.
Result<CompactedTranscript> compact_transcript(std::string_view bytes, IdSource& ids);

// The digest of a resume without the transcript (spec §4.4 step 3): the trimmed `summary` when
// non-empty, else the truncate summary of all messages; nullopt when there is neither.
std::optional<std::string> transcript_digest(std::string_view bytes);

// The summary-only transcript of a resume with continue_transcript false (spec §4.4 step 6): same
// id and metadata, one user message holding `digest`, `summary` = digest.
OrderedJson summary_only_transcript(std::string_view bytes, const std::string& digest,
                                    IdSource& ids);

} // namespace reprise
