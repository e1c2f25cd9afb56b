#pragma once

#include "json/document.hpp"
#include "json/member.hpp"
#include <optional>
#include <simdjson.h>
#include <string_view>
#include <vector>

// A JSON value seen two ways at once: parsed (for typed questions) and as its exact bytes in the
// source (for cheap equality and pass-through output).
namespace reprise {

// One value of a Document: its DOM element and its bytes, both viewing the document.
struct SpannedValue {
  simdjson::dom::element dom;
  std::string_view bytes; // the value's bytes, without surrounding whitespace
};

// The bytes of each member value (`object`) or element (otherwise) of the container `bytes`, in
// order, or nullopt when `bytes` is not one well-formed container of that kind.
std::optional<std::vector<std::string_view>> child_spans(std::string_view bytes, bool object);

// The document's root value.
SpannedValue root_value(const Document& document);

} // namespace reprise
