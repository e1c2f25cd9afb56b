#pragma once

#include "diff/diff_result.hpp"

#include "json/json_node.hpp"
#include <string>
#include <vector>

// Writing a diff as a patch: RFC 6902 JSON Patch (applying it to A gives B) and RFC 7396 JSON
// Merge Patch (objects merged member by member, arrays replaced whole, null removes a member).
namespace reprise {

// Writes the RFC 6902 patch of `diff` to `out`: a JSON array of add/remove/replace operations in
// document order whose array indices account for the operations before them. Values are B's bytes.
void write_json_patch(const DiffResult& diff, Sink& out);

// Writes the RFC 7396 merge patch of `diff` to `out`. Returns one warning per place where B holds a
// null that a merge patch cannot express (a null in a merge patch removes the member instead).
std::vector<std::string> write_merge_patch(const DiffResult& diff, Sink& out);

// Removes the whitespace between tokens of the JSON value `bytes` (strings are kept as they are).
std::string minify_json(std::string_view bytes);

} // namespace reprise
