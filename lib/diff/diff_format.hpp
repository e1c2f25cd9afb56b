#pragma once

#include "diff/diff_result.hpp"
#include "diff/first_divergence.hpp"

#include "json/json_node.hpp"
#include <optional>
#include <string_view>

// Writing a diff for people (text grouped by section) and for programs (a JSON summary).
namespace reprise {

// Whether text output carries ANSI colours.
enum class Color { off, on };

// Writes `diff` as text: one heading per section with differences, one line per difference
// (`+` added, `-` removed, `~` changed), then a one-line summary.
void write_diff_text(const DiffResult& diff, Color color, Sink& out);

// Writes `diff` as one JSON object: counts per section and the differences.
void write_diff_json(const DiffResult& diff, std::string_view name_a, std::string_view name_b,
                     Sink& out);

// Writes where the transcripts part ways (or that they do not) as text.
void write_divergence_text(const std::optional<Divergence>& divergence, Color color, Sink& out);

// Writes where the transcripts part ways as one JSON object (`{"diverges": false}` when they do
// not).
void write_divergence_json(const std::optional<Divergence>& divergence, Sink& out);

} // namespace reprise
