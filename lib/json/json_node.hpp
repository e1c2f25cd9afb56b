#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace reprise {

using OrderedJson = nlohmann::ordered_json;

// Where serialised JSON goes: a string, or a file descriptor (buffered, large views written
// through).
class Sink {
public:
  virtual ~Sink() = default;
  // Appends bytes.
  virtual void append(std::string_view bytes) = 0;
};

// Collects output in memory.
class StringSink final : public Sink {
public:
  void append(std::string_view bytes) override { m_out.append(bytes); }
  // The bytes written so far.
  std::string& str() { return m_out; }

private:
  std::string m_out;
};

// A JSON value to write: either bytes copied from a source document (never decoded), a small value
// built in memory, or an object/array whose members are themselves nodes. A reset edits a handful
// of members of the snapshot and copies the rest through as raw bytes, so its cost is close to a
// copy. Raw nodes refer to the source text, which must outlive the node.
class JsonNode {
public:
  using Members = std::vector<std::pair<std::string, JsonNode>>;
  using Elements = std::vector<JsonNode>;

  JsonNode() : m_data(OrderedJson(nullptr)) {}
  // Bytes of one valid JSON value, copied through as they are (re-indented to their new depth).
  static JsonNode raw(std::string_view bytes);
  // A value built in memory.
  static JsonNode value(OrderedJson value);
  // An empty object node.
  static JsonNode object();
  // An empty array node.
  static JsonNode array();
  // An object node whose members are the raw members of `bytes` (one level); nullptr-free: returns
  // a raw node unchanged when `bytes` is not an object.
  static JsonNode expand(std::string_view bytes);

  bool is_raw() const { return std::holds_alternative<std::string_view>(m_data); }
  bool is_object() const { return std::holds_alternative<Members>(m_data); }
  bool is_array() const { return std::holds_alternative<Elements>(m_data); }
  bool is_value() const { return std::holds_alternative<OrderedJson>(m_data); }

  // The raw bytes (raw nodes only).
  std::string_view raw_bytes() const { return std::get<std::string_view>(m_data); }
  // The in-memory value (value nodes only).
  const OrderedJson& json() const { return std::get<OrderedJson>(m_data); }
  // The members (object nodes only).
  Members& members() { return std::get<Members>(m_data); }
  const Members& members() const { return std::get<Members>(m_data); }
  // The elements (array nodes only).
  Elements& elements() { return std::get<Elements>(m_data); }
  const Elements& elements() const { return std::get<Elements>(m_data); }

  // The last member named `key` of an object node, or nullptr.
  JsonNode* find(std::string_view key);
  const JsonNode* find(std::string_view key) const;
  // Replaces member `key` in place (keeping its position), or appends it.
  void set(std::string_view key, JsonNode value);
  // Shorthand for set(key, value(v)).
  void set_value(std::string_view key, OrderedJson v) { set(key, value(std::move(v))); }
  // Removes every member named `key`; returns whether one was there.
  bool erase(std::string_view key);
  // Member `key` turned into an object node in place (expanding raw bytes or a small value);
  // nullptr when missing or not an object.
  JsonNode* object_member(std::string_view key);
  // Turns this node into an object/array node in place when it is a raw or value object/array.
  bool make_editable();

  // Writes as serde_json's to_string_pretty does (two-space indent), `depth` levels deep.
  void write(Sink& out, int depth = 0) const;
  // The whole node as a string.
  std::string dump() const;
  // The node as an in-memory value (parses raw bytes; meant for small values and tests).
  OrderedJson to_json() const;

private:
  std::variant<std::string_view, OrderedJson, Members, Elements> m_data;
};

// Writes `bytes` (one valid JSON value, possibly pretty-printed at another depth) re-indented so
// its nested lines sit at `depth`. Whitespace outside strings is the only thing changed.
void write_reindented(Sink& out, std::string_view bytes, int depth);

} // namespace reprise
