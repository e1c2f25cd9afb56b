#pragma once

#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>

// harn's workflow structs (WorkflowGraph, WorkflowNode and the policies inside them) as serde reads
// them since harn 0.8: every field typed, every field defaulted, unknown fields ignored. The checks
// answer with serde's words and with where serde stopped, so the loader can word its errors as
// harn does (crates/harn-vm/src/orchestration/workflow.rs, orchestration/policy/types.rs).
namespace reprise::harn {

using Element = simdjson::dom::element;

// Where and why serde refuses a value.
struct StructProblem {
  std::string message; // serde's words: "invalid type: integer `5`, expected a string"
  std::string path;    // serde_path_to_error's path: "." for the value itself, "edges[0].from"
  std::string pointer; // the same place as an RFC 6901 pointer relative to the checked value
  // serde_json reports a scalar's error after the scalar and a container's at its first byte.
  bool after_value = true;
};

// The first field of `graph` that serde refuses as a WorkflowGraph, in document order.
std::optional<StructProblem> check_workflow_graph(Element graph);

// The first field of `node` that serde refuses as a WorkflowNode, in document order.
std::optional<StructProblem> check_workflow_node(Element node);

// serde_json's compact text of a value (`to_string`: document key order, the last duplicate's
// value in the first duplicate's place, serde_json's escapes and float format).
struct CompactJson {
  std::string text;
  std::size_t start = 0; // where the value at the requested pointer starts in `text`
  std::size_t end = 0;   // and one past where it ends
};

// `value` as compact text, locating the value at `pointer` (relative to `value`).
CompactJson compact_json(Element value, std::string_view pointer);

// A double as serde_json writes it (ryu): "1.0", "0.001", "1e30", "1.5e-7".
std::string format_f64(double value);

} // namespace reprise::harn
