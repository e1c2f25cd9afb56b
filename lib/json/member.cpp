#include "json/member.hpp"

#include <unordered_map>

namespace reprise::json {

std::optional<simdjson::dom::element> member(simdjson::dom::element object, std::string_view key) {
  std::optional<simdjson::dom::element> found;
  if (!object.is_object()) {
    return found;
  }
  for (auto field : object.get_object()) {
    if (field.key == key) {
      found = field.value;
    }
  }
  return found;
}

std::optional<simdjson::dom::element> member_path(simdjson::dom::element object,
                                                  std::initializer_list<std::string_view> keys) {
  std::optional<simdjson::dom::element> found = object;
  for (std::string_view key : keys) {
    found = member(*found, key);
    if (!found) {
      break;
    }
  }
  return found;
}

std::optional<std::string_view> string_member(simdjson::dom::element object, std::string_view key) {
  auto value = member(object, key);
  if (value && value->is_string()) {
    return std::string_view(value->get_string().value_unsafe());
  }
  return std::nullopt;
}

std::vector<simdjson::dom::key_value_pair> members(simdjson::dom::element object) {
  std::vector<simdjson::dom::key_value_pair> out;
  if (!object.is_object()) {
    return out;
  }
  std::unordered_map<std::string_view, std::size_t> index;
  for (auto field : object.get_object()) {
    const auto [at, inserted] = index.try_emplace(field.key, out.size());
    if (inserted) {
      out.push_back(field);
    } else {
      out[at->second].value = field.value;
    }
  }
  return out;
}

std::optional<std::string_view> member(const std::vector<Member>& members, std::string_view key) {
  std::optional<std::string_view> found;
  for (const Member& item : members) {
    if (item.key == key) {
      found = item.value;
    }
  }
  return found;
}

} // namespace reprise::json
