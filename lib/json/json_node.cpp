#include "json/json_node.hpp"

#include "json/json_scan.hpp"
#include <cstring>

namespace reprise {

namespace {

// The indentation of the last line of a pretty-printed container (the line of its closing bracket).
int closing_indent(std::string_view bytes) {
  const std::size_t newline = bytes.rfind('\n');
  if (newline == std::string_view::npos) {
    return -1;
  }
  int spaces = 0;
  for (std::size_t i = newline + 1; i < bytes.size() && bytes[i] == ' '; ++i) {
    ++spaces;
  }
  return spaces;
}

void write_indent(Sink& out, int depth) {
  static const std::string k_spaces(256, ' ');
  std::size_t n = static_cast<std::size_t>(depth) * 2;
  while (n > 0) {
    const std::size_t chunk = std::min(n, k_spaces.size());
    out.append(std::string_view(k_spaces).substr(0, chunk));
    n -= chunk;
  }
}

} // namespace

void write_reindented(Sink& out, std::string_view bytes, int depth) {
  const int base = closing_indent(bytes);
  const int target = depth * 2;
  if (base < 0 || base == target) {
    out.append(bytes);
    return;
  }
  // A raw newline can only be whitespace (JSON strings escape it), so adjusting the spaces after
  // each newline re-indents without decoding anything.
  std::size_t i = 0;
  while (i < bytes.size()) {
    const void* hit = std::memchr(bytes.data() + i, '\n', bytes.size() - i);
    if (hit == nullptr) {
      out.append(bytes.substr(i));
      return;
    }
    const auto newline = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes.data());
    out.append(bytes.substr(i, newline + 1 - i));
    i = newline + 1;
    if (target > base) {
      write_indent(out, (target - base) / 2);
      if ((target - base) % 2 != 0) {
        out.append(" ");
      }
    } else {
      int remove = base - target;
      while (remove > 0 && i < bytes.size() && bytes[i] == ' ') {
        ++i;
        --remove;
      }
    }
  }
}

JsonNode JsonNode::raw(std::string_view bytes) {
  JsonNode node;
  node.m_data = bytes;
  return node;
}

JsonNode JsonNode::value(OrderedJson value) {
  JsonNode node;
  node.m_data = std::move(value);
  return node;
}

JsonNode JsonNode::object() {
  JsonNode node;
  node.m_data = Members{};
  return node;
}

JsonNode JsonNode::array() {
  JsonNode node;
  node.m_data = Elements{};
  return node;
}

JsonNode JsonNode::expand(std::string_view bytes) {
  JsonNode node = raw(bytes);
  node.make_editable();
  return node;
}

bool JsonNode::make_editable() {
  if (is_object() || is_array()) {
    return true;
  }
  if (is_raw()) {
    const std::string_view bytes = raw_bytes();
    const std::size_t first = json::skip_whitespace(bytes, 0);
    if (first < bytes.size() && bytes[first] == '{') {
      auto members = json::object_members(bytes);
      if (!members) {
        return false;
      }
      Members out;
      out.reserve(members->size());
      for (auto& member : *members) {
        out.emplace_back(std::move(member.key), raw(member.value));
      }
      m_data = std::move(out);
      return true;
    }
    if (first < bytes.size() && bytes[first] == '[') {
      auto elements = json::array_elements(bytes);
      if (!elements) {
        return false;
      }
      Elements out;
      out.reserve(elements->size());
      for (std::string_view element : *elements) {
        out.push_back(raw(element));
      }
      m_data = std::move(out);
      return true;
    }
    return false;
  }
  const OrderedJson& v = json();
  if (v.is_object()) {
    Members out;
    for (const auto& [key, item] : v.items()) {
      out.emplace_back(key, value(item));
    }
    m_data = std::move(out);
    return true;
  }
  if (v.is_array()) {
    Elements out;
    for (const auto& item : v) {
      out.push_back(value(item));
    }
    m_data = std::move(out);
    return true;
  }
  return false;
}

JsonNode* JsonNode::find(std::string_view key) {
  if (!is_object()) {
    return nullptr;
  }
  JsonNode* found = nullptr;
  for (auto& [name, node] : members()) {
    if (name == key) {
      found = &node;
    }
  }
  return found;
}

const JsonNode* JsonNode::find(std::string_view key) const {
  return const_cast<JsonNode*>(this)->find(key);
}

void JsonNode::set(std::string_view key, JsonNode value) {
  make_editable();
  if (JsonNode* existing = find(key)) {
    *existing = std::move(value);
    return;
  }
  members().emplace_back(std::string(key), std::move(value));
}

bool JsonNode::erase(std::string_view key) {
  if (!make_editable() || !is_object()) {
    return false;
  }
  const auto before = members().size();
  std::erase_if(members(), [&](const auto& member) { return member.first == key; });
  return members().size() != before;
}

JsonNode* JsonNode::object_member(std::string_view key) {
  if (!make_editable()) {
    return nullptr;
  }
  JsonNode* member = find(key);
  if (member == nullptr || !member->make_editable() || !member->is_object()) {
    return nullptr;
  }
  return member;
}

void JsonNode::write(Sink& out, int depth) const {
  if (is_raw()) {
    write_reindented(out, raw_bytes(), depth);
    return;
  }
  if (is_value()) {
    const std::string text = json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    write_reindented(out, text, depth);
    return;
  }
  if (is_object()) {
    const Members& all = members();
    if (all.empty()) {
      out.append("{}");
      return;
    }
    out.append("{\n");
    for (std::size_t i = 0; i < all.size(); ++i) {
      write_indent(out, depth + 1);
      out.append(json::quote(all[i].first));
      out.append(": ");
      all[i].second.write(out, depth + 1);
      out.append(i + 1 < all.size() ? ",\n" : "\n");
    }
    write_indent(out, depth);
    out.append("}");
    return;
  }
  const Elements& all = elements();
  if (all.empty()) {
    out.append("[]");
    return;
  }
  out.append("[\n");
  for (std::size_t i = 0; i < all.size(); ++i) {
    write_indent(out, depth + 1);
    all[i].write(out, depth + 1);
    out.append(i + 1 < all.size() ? ",\n" : "\n");
  }
  write_indent(out, depth);
  out.append("]");
}

std::string JsonNode::dump() const {
  StringSink sink;
  write(sink);
  return std::move(sink.str());
}

OrderedJson JsonNode::to_json() const {
  if (is_value()) {
    return json();
  }
  if (is_raw()) {
    return OrderedJson::parse(raw_bytes());
  }
  if (is_object()) {
    OrderedJson out = OrderedJson::object();
    for (const auto& [key, node] : members()) {
      out[key] = node.to_json();
    }
    return out;
  }
  OrderedJson out = OrderedJson::array();
  for (const auto& node : elements()) {
    out.push_back(node.to_json());
  }
  return out;
}

} // namespace reprise
