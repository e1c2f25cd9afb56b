#include "snapshot/artifact_record.hpp"

#include "json/json_scan.hpp"
#include "json/serde_check.hpp"

namespace reprise {

namespace {

using Element = simdjson::dom::element;
using serde::invalid_type;

Result<ArtifactInfo> load_artifact(LoadContext& ctx, Element value, const std::string& pointer) {
  const std::string prefix = "worker snapshot artifacts parse error: ";
  if (!value.is_object()) {
    return ctx.error(pointer, prefix + invalid_type(value, "struct ArtifactRecord"));
  }
  ArtifactInfo artifact;
  for (auto field : json::members(value)) {
    const std::string_view key = field.key;
    const Element v = field.value;
    std::optional<std::string> problem;
    if (key == "_type" || key == "id" || key == "kind" || key == "created_at") {
      problem = serde::check_string(v, false);
      if (!problem) {
        const std::string text(std::string_view(v.get_string()));
        if (key == "id") {
          artifact.id = text;
        } else if (key == "kind") {
          artifact.kind = text;
        } else if (key == "created_at") {
          artifact.created_at = text;
        }
      }
    } else if (key == "title" || key == "text" || key == "source" || key == "freshness" ||
               key == "stage") {
      problem = serde::check_string(v, true);
      if (!problem) {
        if (key == "title") {
          artifact.title = optional_string(v);
        } else if (key == "stage") {
          artifact.stage = optional_string(v);
        } else if (key == "freshness") {
          artifact.freshness = optional_string(v);
        } else if (key == "text" && v.is_string()) {
          artifact.text_bytes = std::string_view(v.get_string()).size();
        }
      }
    } else if (key == "priority") {
      problem = serde::check_signed(v, "i64");
      if (!problem && !v.is_null()) {
        artifact.priority = v.get_int64().value_unsafe();
      }
    } else if (key == "relevance") {
      if (!v.is_null() && !v.is_number()) {
        problem = invalid_type(v, "f64");
      } else if (v.is_number()) {
        artifact.relevance = v.get_double().value_unsafe();
      }
    } else if (key == "estimated_tokens") {
      problem = serde::check_unsigned(v, "usize");
      if (!problem && !v.is_null()) {
        artifact.estimated_tokens = v.get_uint64().value_unsafe();
      }
    } else if (key == "lineage") {
      problem = serde::check_string_list(v);
    } else if (key == "metadata") {
      if (!v.is_object()) {
        problem = invalid_type(v, "a map");
      }
    }
    if (problem) {
      return ctx.error(json::pointer_join(pointer, key), prefix + *problem);
    }
  }
  return artifact;
}

} // namespace

Result<std::vector<ArtifactInfo>> load_artifact_list(LoadContext& ctx, std::optional<Element> value,
                                                     const std::string& pointer) {
  std::vector<ArtifactInfo> artifacts;
  if (!value) {
    return artifacts;
  }
  if (!value->is_array()) {
    return ctx.error(pointer, "worker snapshot artifacts parse error: " +
                                  invalid_type(*value, "a sequence"));
  }
  auto bytes = ctx.document.bytes_at(pointer);
  auto spans = bytes ? ctx.document.elements_of(*bytes) : std::nullopt;
  std::size_t index = 0;
  for (Element item : value->get_array()) {
    auto artifact = load_artifact(ctx, item, json::pointer_join(pointer, index));
    if (!artifact) {
      return std::unexpected(artifact.error());
    }
    if (spans && index < spans->size()) {
      artifact->bytes = (*spans)[index];
    }
    artifacts.push_back(std::move(*artifact));
    ++index;
  }
  return artifacts;
}

} // namespace reprise
