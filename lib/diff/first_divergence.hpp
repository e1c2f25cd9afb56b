#pragma once

#include "json/document.hpp"
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// Where two snapshots' top-level transcripts part ways: the first message that differs, with both
// sides as text (`reprise diff --first-divergence`).
namespace reprise {

// One side of the first transcript message where A and B part ways.
struct MessageSide {
  std::string role;         // empty when the message has no string role
  std::string_view content; // the message's `content` bytes (JSON), empty when none
  std::string text;         // content as text: a string, or the text of its blocks
};

// Where the top-level transcripts' messages part ways.
struct Divergence {
  std::size_t index = 0;        // first index whose messages differ
  std::optional<MessageSide> a; // A's message there, nullopt when A has none
  std::optional<MessageSide> b; // B's message there, nullopt when B has none
};

// The first message of /transcript/messages that differs between `a` and `b` (compared as JSON
// values), or nullopt when the message lists are equal. The result views their bytes.
std::optional<Divergence> first_divergence(const Document& a, const Document& b);

} // namespace reprise
