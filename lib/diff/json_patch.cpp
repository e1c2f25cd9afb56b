#include "diff/json_patch.hpp"

#include "json/json_scan.hpp"
#include <fmt/format.h>
#include <unordered_set>

namespace reprise {

namespace {

const char* op_name(PatchOp op) {
  switch (op) {
  case PatchOp::add:
    return "add";
  case PatchOp::remove:
    return "remove";
  case PatchOp::replace:
    break;
  }
  return "replace";
}

// The decoded reference tokens of the RFC 6901 `pointer`.
std::vector<std::string> pointer_segments(std::string_view pointer) {
  std::vector<std::string> segments;
  std::size_t pos = 0;
  while (pos < pointer.size()) {
    const std::size_t next = pointer.find('/', pos + 1);
    const std::string_view token = pointer.substr(
        pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
    segments.push_back(json::decode_pointer_token(token));
    pos = next == std::string_view::npos ? pointer.size() : next;
  }
  return segments;
}

bool is_null(std::string_view bytes) {
  const std::size_t start = json::skip_whitespace(bytes, 0);
  return bytes.substr(start, 4) == "null";
}

// The first member at or below the object `bytes` (not inside arrays) whose value is null.
std::optional<std::string> nested_null(std::string_view bytes, const std::string& pointer) {
  const std::size_t start = json::skip_whitespace(bytes, 0);
  if (start >= bytes.size() || bytes[start] != '{') {
    return std::nullopt;
  }
  auto members = json::object_members(bytes);
  if (!members) {
    return std::nullopt;
  }
  for (const json::Member& member : *members) {
    const std::string inner = json::pointer_join(pointer, member.key);
    if (is_null(member.value)) {
      return inner;
    }
    if (auto found = nested_null(member.value, inner)) {
      return found;
    }
  }
  return std::nullopt;
}

} // namespace

std::string minify_json(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    const char c = bytes[i];
    if (c == '"') {
      const auto end = json::value_end(bytes, i).value_or(bytes.size());
      out.append(bytes.substr(i, end - i));
      i = end;
      continue;
    }
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      out += c;
    }
    ++i;
  }
  return out;
}

void write_json_patch(const DiffResult& diff, Sink& out) {
  JsonNode patch = JsonNode::array();
  patch.elements().reserve(diff.changes.size());
  for (const Change& change : diff.changes) {
    JsonNode op = JsonNode::object();
    op.set_value("op", op_name(change.op));
    op.set_value("path", change.path);
    if (change.op != PatchOp::remove) {
      op.set("value", JsonNode::raw(change.value));
    }
    patch.elements().push_back(std::move(op));
  }
  patch.write(out);
  out.append("\n");
}

std::vector<std::string> write_merge_patch(const DiffResult& diff, Sink& out) {
  std::vector<std::string> warnings;
  if (!diff.objects_at_root) {
    // RFC 7396 turns any non-object target into an object: only B itself gives B.
    if (auto inner = nested_null(diff.root_b, "")) {
      warnings.push_back(fmt::format(
          "merge patch cannot express null at {}: RFC 7396 reads null as \"remove the member\"",
          *inner));
    }
    JsonNode::raw(diff.root_b).write(out);
    out.append("\n");
    return warnings;
  }
  JsonNode patch = JsonNode::object();
  std::unordered_set<std::string> done;
  for (const Change& change : diff.changes) {
    if (!done.insert(change.merge_path).second) {
      continue;
    }
    const bool removal = change.merge_value.empty();
    if (!removal && is_null(change.merge_value)) {
      warnings.push_back(fmt::format(
          "merge patch cannot express null at {}: RFC 7396 reads null as \"remove the member\"",
          change.merge_path.empty() ? "the root" : change.merge_path));
    } else if (!removal) {
      if (auto inner = nested_null(change.merge_value, change.merge_path)) {
        warnings.push_back(fmt::format(
            "merge patch cannot express null at {}: RFC 7396 reads null as \"remove the member\"",
            *inner));
      }
    }
    if (change.merge_path.empty()) {
      // The whole document is replaced (A and B are not both objects, or the root is an array).
      patch = JsonNode::raw(change.merge_value);
      break;
    }
    const auto segments = pointer_segments(change.merge_path);
    JsonNode* node = &patch;
    for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
      JsonNode* next = node->find(segments[i]);
      if (next == nullptr) {
        node->set(segments[i], JsonNode::object());
        next = node->find(segments[i]);
      }
      node = next;
    }
    node->set(segments.back(),
              removal ? JsonNode::value(nullptr) : JsonNode::raw(change.merge_value));
  }
  patch.write(out);
  out.append("\n");
  return warnings;
}

} // namespace reprise
