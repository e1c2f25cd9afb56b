#include "json/serde_check.hpp"

#include <fmt/format.h>
#include <map>

namespace reprise::serde {

std::string unexpected(Element value) {
  switch (value.type()) {
  case simdjson::dom::element_type::NULL_VALUE:
    return "null";
  case simdjson::dom::element_type::BOOL:
    return fmt::format("boolean `{}`", bool(value.get_bool()) ? "true" : "false");
  case simdjson::dom::element_type::INT64:
    return fmt::format("integer `{}`", int64_t(value.get_int64()));
  case simdjson::dom::element_type::UINT64:
    return fmt::format("integer `{}`", uint64_t(value.get_uint64()));
  case simdjson::dom::element_type::DOUBLE: {
    const double d = value.get_double();
    return fmt::format("floating point `{}`", d);
  }
  case simdjson::dom::element_type::STRING:
    return fmt::format("string \"{}\"", std::string_view(value.get_string()));
  case simdjson::dom::element_type::ARRAY:
    return "sequence";
  case simdjson::dom::element_type::OBJECT:
    return "map";
  }
  return "value";
}

std::string invalid_type(Element value, std::string_view what) {
  return fmt::format("invalid type: {}, expected {}", unexpected(value), what);
}

std::string display(Element value) {
  switch (value.type()) {
  case simdjson::dom::element_type::NULL_VALUE:
    return "nil";
  case simdjson::dom::element_type::STRING:
    return std::string(std::string_view(value.get_string()));
  case simdjson::dom::element_type::BOOL:
    return bool(value.get_bool()) ? "true" : "false";
  case simdjson::dom::element_type::INT64:
    return std::to_string(int64_t(value.get_int64()));
  case simdjson::dom::element_type::UINT64:
    return std::to_string(uint64_t(value.get_uint64()));
  case simdjson::dom::element_type::DOUBLE:
    return fmt::format("{}", double(value.get_double()));
  case simdjson::dom::element_type::ARRAY: {
    std::string out = "[";
    bool first = true;
    for (Element item : value.get_array()) {
      out += first ? "" : ", ";
      out += display(item);
      first = false;
    }
    return out + "]";
  }
  case simdjson::dom::element_type::OBJECT: {
    // A VM dict is a BTreeMap: keys sorted, the last duplicate wins.
    std::map<std::string_view, Element> sorted;
    for (auto field : value.get_object()) {
      sorted.insert_or_assign(field.key, field.value);
    }
    std::string out = "{";
    bool first = true;
    for (const auto& [key, item] : sorted) {
      out += first ? "" : ", ";
      out += fmt::format("{}: {}", key, display(item));
      first = false;
    }
    return out + "}";
  }
  }
  return "";
}

std::string display(const nlohmann::ordered_json& value) {
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  simdjson::dom::parser parser;
  Element element;
  if (parser.parse(text).get(element) != simdjson::SUCCESS) {
    return {};
  }
  return display(element);
}

std::optional<std::string> check_unsigned(Element value, std::string_view expected) {
  if (value.is_null()) {
    return std::nullopt;
  }
  if (value.type() == simdjson::dom::element_type::UINT64) {
    return std::nullopt;
  }
  if (value.type() == simdjson::dom::element_type::INT64) {
    const int64_t n = value.get_int64();
    if (n >= 0) {
      return std::nullopt;
    }
    return fmt::format("invalid value: integer `{}`, expected {}", n, expected);
  }
  return invalid_type(value, expected);
}

std::optional<std::string> check_signed(Element value, std::string_view expected) {
  if (value.is_null() || value.type() == simdjson::dom::element_type::INT64) {
    return std::nullopt;
  }
  if (value.type() == simdjson::dom::element_type::UINT64) {
    return fmt::format("invalid value: integer `{}`, expected {}", uint64_t(value.get_uint64()),
                       expected);
  }
  return invalid_type(value, expected);
}

std::optional<std::string> check_string(Element value, bool optional) {
  if (value.is_string() || (optional && value.is_null())) {
    return std::nullopt;
  }
  return invalid_type(value, "a string");
}

std::optional<std::string> check_string_list(Element value) {
  if (!value.is_array()) {
    return invalid_type(value, "a sequence");
  }
  for (Element item : value.get_array()) {
    if (!item.is_string()) {
      return invalid_type(item, "a string");
    }
  }
  return std::nullopt;
}

} // namespace reprise::serde
