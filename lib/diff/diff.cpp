#include "diff/diff.hpp"

#include "diff/diff_labels.hpp"
#include "diff/json_compare.hpp"
#include "diff/sequence_align.hpp"
#include "diff/spanned_value.hpp"

#include "json/json_scan.hpp"
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace reprise {

const std::array<std::string_view, 17> k_volatile_pointers = {
    "/created_at",
    "/started_at",
    "/finished_at",
    "/awaiting_started_at",
    "/snapshot_path",
    "/suspension/suspended_at",
    "/audit/session_id",
    "/config/spec/session_id",
    "/config/spec/options/session_id",
    "/config/graph/nodes/*/metadata/worker_session_id",
    "/config/node/metadata/worker_session_id",
    "/transcript/id",
    "/transcript/events/*/id",
    "/config/options/transcript/id",
    "/config/options/transcript/events/*/id",
    "/config/transcript/id",
    "/config/transcript/events/*/id",
};

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// How the elements of an array are paired: by index, by their string `id`, or by content hash.
enum class ArrayKind { by_position, by_id, by_content };

// An element of a matched array whose differences are counted as one entry.
struct ItemContext {
  EntryKind kind = EntryKind::element;
  std::string pointer;
  std::size_t index_a = 0;
  std::size_t index_b = 0;
  SpannedValue a;
  SpannedValue b;
  std::optional<std::size_t> entry; // created on the first difference inside
};

// Where the walk is.
struct Frame {
  std::string pointer;               // in A (in B for an added value)
  std::string path;                  // patch path, indices as they are when the op applies
  PointerPatterns::Alive alive;      // ignore patterns still matching this path
  std::size_t depth = 0;             // number of segments
  std::string_view member_key;       // the member name this value sits under, if any
  bool parent_is_transcript = false; // the object holding this value is a transcript
  bool below_array = false;          // an array is on the way from the root
  std::string merge_path;            // (below_array) the outermost array's path
  std::string_view merge_value;      // (below_array) B's bytes of that array
  ItemContext* item = nullptr;       // the matched element this value belongs to
};

class Walker {
public:
  Walker(const PointerPatterns& patterns, const DiffOptions& options)
      : m_patterns(patterns), m_options(options) {}

  void walk(const SpannedValue& a, const SpannedValue& b, Frame& frame);

  DiffResult& result() { return m_result; }
  std::optional<Error>& error() { return m_error; }

private:
  bool ignored(const Frame& frame) const {
    return !frame.alive.empty() && m_patterns.complete(frame.alive, frame.depth);
  }
  Frame child(const Frame& parent, std::string_view segment, std::string_view path_segment) const;
  void walk_object(const SpannedValue& a, const SpannedValue& b, Frame& frame);
  void walk_array(const SpannedValue& a, const SpannedValue& b, Frame& frame);
  ArrayKind array_kind(const std::vector<SpannedValue>& a, const std::vector<SpannedValue>& b,
                       const Frame& frame) const;
  void walk_item(const SpannedValue& a, const SpannedValue& b, std::size_t index_a,
                 std::size_t index_b, std::size_t cur, EntryKind kind, Frame& frame);
  void item_added_or_removed(const SpannedValue& node, std::size_t index, std::size_t& cur,
                             ChangeKind change, std::optional<EntryKind> kind, Frame& frame);
  void record(PatchOp op, const Frame& frame, std::string_view before, std::string_view after,
              ChangeKind change);
  bool collect(const SpannedValue& node, bool object, std::vector<SpannedValue>& out,
               std::vector<std::string_view>* keys);

  const PointerPatterns& m_patterns;
  const DiffOptions& m_options;
  DiffResult m_result;
  std::optional<Error> m_error;
};

Frame Walker::child(const Frame& parent, std::string_view segment,
                    std::string_view path_segment) const {
  Frame out;
  out.pointer = json::pointer_join(parent.pointer, segment);
  out.path = json::pointer_join(parent.path, path_segment);
  if (!parent.alive.empty()) {
    out.alive = m_patterns.step(parent.alive, parent.depth, segment);
  }
  out.depth = parent.depth + 1;
  out.below_array = parent.below_array;
  out.merge_path = parent.merge_path;
  out.merge_value = parent.merge_value;
  out.item = parent.item;
  return out;
}

bool Walker::collect(const SpannedValue& node, bool object, std::vector<SpannedValue>& out,
                     std::vector<std::string_view>* keys) {
  auto spans = child_spans(node.bytes, object);
  if (!spans) {
    m_error = Error{ErrorCode::invalid_snapshot, "cannot index a JSON value", {}, {}, 0, 0};
    return false;
  }
  out.reserve(spans->size());
  std::size_t i = 0;
  if (object) {
    const simdjson::dom::object members = node.dom.get_object().value_unsafe();
    for (auto [key, value] : members) {
      if (i >= spans->size()) {
        break;
      }
      out.push_back({value, (*spans)[i++]});
      keys->push_back(key);
    }
  } else {
    const simdjson::dom::array elements = node.dom.get_array().value_unsafe();
    for (element value : elements) {
      if (i >= spans->size()) {
        break;
      }
      out.push_back({value, (*spans)[i++]});
    }
  }
  if (out.size() != spans->size()) {
    m_error = Error{ErrorCode::invalid_snapshot, "cannot index a JSON value", {}, {}, 0, 0};
    return false;
  }
  return true;
}

void Walker::walk(const SpannedValue& a, const SpannedValue& b, Frame& frame) {
  if (m_error) {
    return;
  }
  if (ignored(frame)) {
    if (a.bytes != b.bytes && !values_equal(a.dom, b.dom)) {
      ++m_result.ignored;
    }
    return;
  }
  if (a.bytes == b.bytes) {
    return;
  }
  const element_type ta = a.dom.type();
  const element_type tb = b.dom.type();
  if (ta == element_type::OBJECT && tb == element_type::OBJECT) {
    walk_object(a, b, frame);
    return;
  }
  if (ta == element_type::ARRAY && tb == element_type::ARRAY) {
    walk_array(a, b, frame);
    return;
  }
  if (ta != element_type::OBJECT && ta != element_type::ARRAY && values_equal(a.dom, b.dom)) {
    return;
  }
  record(PatchOp::replace, frame, a.bytes, b.bytes, ChangeKind::changed);
}

void Walker::walk_object(const SpannedValue& a, const SpannedValue& b, Frame& frame) {
  std::vector<SpannedValue> members_a;
  std::vector<SpannedValue> members_b;
  std::vector<std::string_view> keys_a;
  std::vector<std::string_view> keys_b;
  if (!collect(a, true, members_a, &keys_a) || !collect(b, true, members_b, &keys_b)) {
    return;
  }
  // Duplicate keys: the last one wins, as in harn's loader.
  std::unordered_map<std::string_view, std::size_t> last_a;
  std::unordered_map<std::string_view, std::size_t> last_b;
  for (std::size_t i = 0; i < keys_a.size(); ++i) {
    last_a[keys_a[i]] = i;
  }
  for (std::size_t j = 0; j < keys_b.size(); ++j) {
    last_b[keys_b[j]] = j;
  }
  const bool transcript = is_transcript_place(frame.pointer) ||
                          string_member(a.dom, "_type") == "transcript" ||
                          string_member(b.dom, "_type") == "transcript";
  for (std::size_t i = 0; i < keys_a.size(); ++i) {
    const std::string_view key = keys_a[i];
    if (last_a[key] != i) {
      continue;
    }
    Frame member = child(frame, key, key);
    member.member_key = key;
    member.parent_is_transcript = transcript;
    auto found = last_b.find(key);
    if (found == last_b.end()) {
      if (ignored(member)) {
        ++m_result.ignored;
        continue;
      }
      record(PatchOp::remove, member, members_a[i].bytes, {}, ChangeKind::removed);
      continue;
    }
    walk(members_a[i], members_b[found->second], member);
    if (m_error) {
      return;
    }
  }
  for (std::size_t j = 0; j < keys_b.size(); ++j) {
    const std::string_view key = keys_b[j];
    if (last_b[key] != j || last_a.contains(key)) {
      continue;
    }
    Frame member = child(frame, key, key);
    if (ignored(member)) {
      ++m_result.ignored;
      continue;
    }
    record(PatchOp::add, member, {}, members_b[j].bytes, ChangeKind::added);
  }
}

ArrayKind Walker::array_kind(const std::vector<SpannedValue>& a, const std::vector<SpannedValue>& b,
                             const Frame& frame) const {
  const bool messages = frame.parent_is_transcript && frame.member_key == "messages";
  const bool events = frame.parent_is_transcript && frame.member_key == "events";
  if (messages) {
    return ArrayKind::by_content;
  }
  bool id_ignored = false;
  if (!frame.alive.empty()) {
    const auto element = m_patterns.step(frame.alive, frame.depth, "0");
    const auto id = m_patterns.step(element, frame.depth + 1, "id");
    id_ignored = m_patterns.complete(id, frame.depth + 2);
  }
  auto all_have_ids = [](const std::vector<SpannedValue>& nodes) {
    std::unordered_set<std::string_view> seen;
    for (const SpannedValue& node : nodes) {
      if (!node.dom.is_object()) {
        return false;
      }
      auto id = node.dom.get_object().value_unsafe()["id"];
      if (id.error() || !id.value_unsafe().is_string() ||
          !seen.insert(id.value_unsafe().get_string().value_unsafe()).second) {
        return false;
      }
    }
    return true;
  };
  const bool keyed =
      !id_ignored && (!a.empty() || !b.empty()) && all_have_ids(a) && all_have_ids(b);
  if (keyed) {
    return ArrayKind::by_id;
  }
  return events ? ArrayKind::by_content : ArrayKind::by_position;
}

void Walker::walk_array(const SpannedValue& a, const SpannedValue& b, Frame& frame) {
  std::vector<SpannedValue> elements_a;
  std::vector<SpannedValue> elements_b;
  if (!collect(a, false, elements_a, nullptr) || !collect(b, false, elements_b, nullptr)) {
    return;
  }
  if (!frame.below_array) {
    // A merge patch cannot address array elements: the outermost array is replaced whole.
    frame.below_array = true;
    frame.merge_path = frame.path;
    frame.merge_value = b.bytes;
  }
  const std::size_t na = elements_a.size();
  const std::size_t nb = elements_b.size();
  const ArrayKind kind = array_kind(elements_a, elements_b, frame);
  EntryKind item_kind = EntryKind::element;
  if (frame.member_key == "artifacts") {
    item_kind = EntryKind::artifact;
  } else if (frame.parent_is_transcript && frame.member_key == "messages") {
    item_kind = EntryKind::message;
  } else if (frame.parent_is_transcript && frame.member_key == "events") {
    item_kind = EntryKind::event;
  }

  // Equal bytes at both ends need neither hashing nor a search.
  std::size_t prefix = 0;
  while (prefix < na && prefix < nb && elements_a[prefix].bytes == elements_b[prefix].bytes) {
    ++prefix;
  }
  std::size_t suffix = 0;
  while (suffix < na - prefix && suffix < nb - prefix &&
         elements_a[na - 1 - suffix].bytes == elements_b[nb - 1 - suffix].bytes) {
    ++suffix;
  }
  auto key_of = [&](const SpannedValue& node, std::size_t index) -> std::uint64_t {
    if (kind == ArrayKind::by_id) {
      return hash_bytes(string_member(node.dom, "id"), 0x696400);
    }
    if (frame.alive.empty()) {
      return hash_value(node.dom, m_patterns, frame.alive, frame.depth + 1);
    }
    const auto alive = m_patterns.step(frame.alive, frame.depth, std::to_string(index));
    return hash_value(node.dom, m_patterns, alive, frame.depth + 1);
  };
  std::vector<std::uint64_t> keys_a;
  std::vector<std::uint64_t> keys_b;
  keys_a.reserve(na - prefix - suffix);
  keys_b.reserve(nb - prefix - suffix);
  for (std::size_t i = prefix; i < na - suffix; ++i) {
    keys_a.push_back(key_of(elements_a[i], i));
  }
  for (std::size_t j = prefix; j < nb - suffix; ++j) {
    keys_b.push_back(key_of(elements_b[j], j));
  }
  const auto script = align_sequences(keys_a, keys_b, m_options.max_align_cost);

  // Plain arrays (no identity) pair what a run of edits removes and inserts in order and compare
  // the pairs member by member, as positions would; content-matched arrays pair them too (a
  // message edited in place is one changed message, not a removal and an insertion); id-matched
  // arrays never do. A region past `max_align_cost` edits is one run: the bounded-time fallback
  // pairs it up by position.
  const bool plain = kind == ArrayKind::by_position;
  std::size_t cur = prefix; // where the next element sits once the ops so far are applied
  auto pair = [&](std::size_t i, std::size_t j) {
    if (!plain) {
      walk_item(elements_a[i], elements_b[j], i, j, cur, item_kind, frame);
    } else if (elements_a[i].bytes != elements_b[j].bytes) {
      Frame element = child(frame, std::to_string(i), std::to_string(cur));
      walk(elements_a[i], elements_b[j], element);
    }
    ++cur;
  };
  auto unpaired = [&](const SpannedValue& node, std::size_t index, ChangeKind change) {
    item_added_or_removed(node, index, cur, change, plain ? std::nullopt : std::optional(item_kind),
                          frame);
  };
  std::vector<std::size_t> removed;
  std::vector<std::size_t> inserted;
  auto flush = [&] {
    const std::size_t pairs =
        kind == ArrayKind::by_id ? 0 : std::min(removed.size(), inserted.size());
    for (std::size_t k = 0; k < pairs && !m_error; ++k) {
      pair(removed[k], inserted[k]);
    }
    for (std::size_t k = pairs; k < removed.size(); ++k) {
      unpaired(elements_a[removed[k]], removed[k], ChangeKind::removed);
    }
    for (std::size_t k = pairs; k < inserted.size(); ++k) {
      unpaired(elements_b[inserted[k]], inserted[k], ChangeKind::added);
    }
    removed.clear();
    inserted.clear();
  };
  for (const AlignStep& step : script) {
    if (m_error) {
      return;
    }
    switch (step.op) {
    case AlignOp::equal:
      flush();
      pair(prefix + step.a, prefix + step.b);
      break;
    case AlignOp::remove:
      removed.push_back(prefix + step.a);
      break;
    case AlignOp::insert:
      inserted.push_back(prefix + step.b);
      break;
    }
  }
  flush();
}

void Walker::walk_item(const SpannedValue& a, const SpannedValue& b, std::size_t index_a,
                       std::size_t index_b, std::size_t cur, EntryKind kind, Frame& frame) {
  if (a.bytes == b.bytes) {
    return;
  }
  Frame element = child(frame, std::to_string(index_a), std::to_string(cur));
  if (frame.item != nullptr) {
    // Inside an element that is already counted: its own arrays only add fields.
    walk(a, b, element);
    return;
  }
  ItemContext context{kind, element.pointer, index_a, index_b, a, b, std::nullopt};
  element.item = &context;
  walk(a, b, element);
}

// An element added or removed: one add or remove op. An element of a matched array (`kind` set)
// outside any counted element is an entry of its own; a plain array's element is a value change.
void Walker::item_added_or_removed(const SpannedValue& node, std::size_t index, std::size_t& cur,
                                   ChangeKind change, std::optional<EntryKind> kind, Frame& frame) {
  const bool added = change == ChangeKind::added;
  Frame element = child(frame, std::to_string(index), std::to_string(cur));
  if (ignored(element)) {
    ++m_result.ignored;
    if (!added) {
      ++cur; // the element stays where it is
    }
    return;
  }
  std::optional<ItemContext> context;
  if (frame.item == nullptr && kind) {
    Entry entry = element_entry(*kind, change, element.pointer, added ? nullptr : &node,
                                added ? &node : nullptr);
    (added ? entry.index_b : entry.index_a) = index;
    m_result.entries.push_back(std::move(entry));
    context.emplace(
        ItemContext{*kind, element.pointer, index, index, node, node, m_result.entries.size() - 1});
    element.item = &*context;
  }
  record(added ? PatchOp::add : PatchOp::remove, element, added ? std::string_view{} : node.bytes,
         added ? node.bytes : std::string_view{}, change);
  if (added) {
    ++cur;
  }
}

void Walker::record(PatchOp op, const Frame& frame, std::string_view before, std::string_view after,
                    ChangeKind change) {
  std::size_t index = 0;
  if (frame.item != nullptr) {
    ItemContext& item = *frame.item;
    if (!item.entry) {
      Entry entry = element_entry(item.kind, ChangeKind::changed, item.pointer, &item.a, &item.b);
      entry.index_a = item.index_a;
      entry.index_b = item.index_b;
      m_result.entries.push_back(std::move(entry));
      item.entry = m_result.entries.size() - 1;
    }
    index = *item.entry;
    Entry& entry = m_result.entries[index];
    if (entry.change == ChangeKind::changed) {
      entry.fields.push_back(frame.pointer.substr(item.pointer.size()));
    }
  } else {
    Entry entry;
    entry.section = section_of(frame.pointer);
    entry.kind = EntryKind::value;
    entry.change = change;
    entry.pointer = frame.pointer;
    entry.before = before;
    entry.after = after;
    m_result.entries.push_back(std::move(entry));
    index = m_result.entries.size() - 1;
  }
  Change out;
  out.op = op;
  out.path = frame.path;
  out.value = after;
  out.merge_path = frame.below_array ? frame.merge_path : frame.path;
  out.merge_value = frame.below_array ? frame.merge_value : after;
  out.entry = index;
  m_result.changes.push_back(std::move(out));
}

} // namespace

Result<DiffResult> diff_documents(const Document& a, const Document& b,
                                  const DiffOptions& options) {
  PointerPatterns patterns;
  if (options.volatile_fields == Volatile::ignore) {
    for (std::string_view pointer : k_volatile_pointers) {
      if (auto added = patterns.add(pointer); !added) {
        return std::unexpected(added.error());
      }
    }
  }
  for (const std::string& pointer : options.ignore) {
    if (auto added = patterns.add(pointer); !added) {
      return std::unexpected(added.error());
    }
  }
  Walker walker(patterns, options);
  Frame root;
  root.alive = patterns.all();
  const SpannedValue node_a = root_value(a);
  const SpannedValue node_b = root_value(b);
  walker.walk(node_a, node_b, root);
  if (walker.error()) {
    Error error = *walker.error();
    error.file = a.name();
    return std::unexpected(error);
  }
  DiffResult result = std::move(walker.result());
  result.objects_at_root = node_a.dom.is_object() && node_b.dom.is_object();
  result.root_b = node_b.bytes;
  for (const Entry& entry : result.entries) {
    ++result.per_section[static_cast<std::size_t>(entry.section)];
  }
  return result;
}

} // namespace reprise
