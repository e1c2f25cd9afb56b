#pragma once

#include "base/error.hpp"
#include "snapshot/snapshot_model.hpp"

#include "json/document.hpp"
#include "json/member.hpp"
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

// Vocabulary shared by the units of the snapshot loader (snapshot, snapshot_carry,
// artifact_record): where errors point and where warnings go.
namespace reprise {

// The document being loaded and the warnings collected so far.
class LoadContext {
public:
  LoadContext(const Document& doc, std::vector<Warning>& warnings)
      : document(doc), m_warnings(warnings) {}

  // An invalid_snapshot error at `pointer`, with its line:column.
  std::unexpected<Error> error(std::string_view pointer, std::string message) const {
    return std::unexpected(
        document.error_at(ErrorCode::invalid_snapshot, pointer, std::move(message)));
  }
  // Records a silent repair harn makes.
  void warn(std::string pointer, std::string message) {
    m_warnings.push_back({std::move(pointer), std::move(message)});
  }

  const Document& document;

private:
  std::vector<Warning>& m_warnings;
};

// Member lookup (the last duplicate wins), as json/member.hpp does it for every unit.
using json::member;

// The string value of `value`, or nullopt when it is missing or not a string.
std::optional<std::string> optional_string(std::optional<simdjson::dom::element> value);

} // namespace reprise
