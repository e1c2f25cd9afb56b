#include "snapshot/session_bundle.hpp"

#include "json/json_scan.hpp"
#include "json/member.hpp"
#include <array>
#include <fmt/format.h>

namespace reprise {

namespace {

// The fields harn's validate_session_bundle_value requires, in the order it checks them
// (crates/harn-vm/src/session_bundle.rs): the top level first, then the nested ones.
constexpr std::array<std::array<std::string_view, 2>, 13> k_required_top = {{
    {"_type", ""},
    {"schema_version", ""},
    {"bundle_id", ""},
    {"created_at", ""},
    {"producer", ""},
    {"source", ""},
    {"runtime", ""},
    {"transcript", ""},
    {"tools", ""},
    {"permissions", ""},
    {"replay", ""},
    {"redaction", ""},
    {"attachments", ""},
}};

constexpr std::array<std::array<std::string_view, 2>, 23> k_required_nested = {{
    {"producer", "name"},
    {"producer", "version"},
    {"producer", "schema_id"},
    {"source", "kind"},
    {"source", "run_record_id"},
    {"source", "workflow_id"},
    {"source", "task"},
    {"source", "status"},
    {"runtime", "harn_version"},
    {"runtime", "provider_models"},
    {"transcript", "sections"},
    {"tools", "schemas"},
    {"tools", "calls"},
    {"replay", "event_log_pointers"},
    {"replay", "transitions"},
    {"replay", "checkpoints"},
    {"replay", "trace_spans"},
    {"replay", "deterministic_events"},
    {"redaction", "mode"},
    {"redaction", "policy"},
    {"redaction", "placeholder"},
    {"redaction", "entries"},
    {"redaction", "unsafe_secret_markers_rejected"},
}};

constexpr std::string_view k_worker_snapshots = "/replay/worker_snapshots";

// The error about the value at `pointer` of the bundle (its line:column when it resolves).
std::unexpected<Error> bundle_error(const Document& bundle, std::string_view pointer,
                                    std::string message) {
  return std::unexpected(bundle.error_at(ErrorCode::invalid_snapshot, pointer, std::move(message)));
}

std::string missing_field(std::string_view path) {
  return fmt::format("session bundle is missing required field {}", path);
}

std::string field_must_be(std::string_view path, std::string_view expected) {
  return fmt::format("session bundle field {} must be {}", path, expected);
}

// harn's snapshot_string: a string member that is not empty.
std::optional<std::string_view> non_empty_string(simdjson::dom::element object,
                                                 std::string_view key) {
  auto value = json::string_member(object, key);
  if (!value || value->empty()) {
    return std::nullopt;
  }
  return value;
}

// The entries of `replay.worker_snapshots`, or nullopt when it is missing or not an array.
std::optional<simdjson::dom::array> worker_entries(const Document& bundle) {
  auto entries = json::member_path(bundle.root(), {"replay", "worker_snapshots"});
  if (!entries || !entries->is_array()) {
    return std::nullopt;
  }
  return entries->get_array().value_unsafe();
}

std::string entry_worker_id(simdjson::dom::element entry, std::size_t index) {
  auto id = json::string_member(entry, "worker_id");
  // harn's materialize_worker_snapshots names a worker without an id (or a blank one) by its place.
  bool blank = true;
  if (id) {
    for (const char c : *id) {
      blank = blank && (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    }
  }
  return blank ? fmt::format("worker_{}", index) : std::string(*id);
}

// harn's checkpoint rules on the snapshot of `worker` (run_record_from_worker_snapshot_value).
Result<void> check_checkpoint(const Document& bundle, const BundleWorker& worker,
                              simdjson::dom::element value) {
  const std::string& at = worker.pointer;
  auto pointer_of = [&](std::string_view key) {
    return json::member(value, key) ? json::pointer_join(at, key) : at;
  };
  auto type = non_empty_string(value, "_type");
  if (!type) {
    return bundle_error(bundle, pointer_of("_type"), missing_field("$.worker_snapshot._type"));
  }
  if (*type != "worker_snapshot") {
    return bundle_error(bundle, pointer_of("_type"),
                        field_must_be("$.worker_snapshot._type", "\"worker_snapshot\""));
  }
  auto status = non_empty_string(value, "status");
  if (!status) {
    return bundle_error(bundle, pointer_of("status"), missing_field("$.worker_snapshot.status"));
  }
  if (*status != "suspended") {
    return bundle_error(bundle, pointer_of("status"),
                        fmt::format("worker snapshot status {} is not checkpointable; suspend the "
                                    "worker at a turn boundary first",
                                    json::quote(*status)));
  }
  for (const std::string_view key : {std::string_view("config"), std::string_view("suspension")}) {
    auto member = json::member(value, key);
    const std::string path = fmt::format("$.worker_snapshot.{}", key);
    if (!member) {
      return bundle_error(bundle, at, missing_field(path));
    }
    if (!member->is_object()) {
      return bundle_error(bundle, pointer_of(key), field_must_be(path, "object"));
    }
  }
  if (!non_empty_string(value, "id")) {
    return bundle_error(bundle, pointer_of("id"), missing_field("$.worker_snapshot.id"));
  }
  return {};
}

// An error from loading the worker's own document, placed in the bundle: its file, the pointer
// below the worker's, and the line:column counted in the bundle's text.
Error in_bundle(Error error, const Document& bundle, const BundleWorker& worker) {
  error.file = bundle.name();
  error.pointer = worker.pointer + error.pointer;
  if (error.line > 0) {
    const json::LineColumn base = bundle.position_of(worker.value);
    error.column = error.line == 1 ? base.column + error.column - 1 : error.column;
    error.line = base.line + error.line - 1;
  }
  return error;
}

// The member `key` of the object `object` (bytes), if any.
std::optional<std::string_view> raw_member(std::string_view object, std::string_view key) {
  auto members = json::object_members(object);
  if (!members) {
    return std::nullopt;
  }
  return json::member(*members, key);
}

// Sets member `key` of `node` to the raw bytes `original`, or removes it when there were none.
void put_back(JsonNode& node, std::string_view key, std::optional<std::string_view> original) {
  if (original) {
    node.set(key, JsonNode::raw(*original));
  } else {
    node.erase(key);
  }
}

} // namespace

std::optional<std::pair<std::string_view, std::string_view>>
split_bundle_target(std::string_view text) {
  const std::size_t hash = text.rfind('#');
  if (hash == std::string_view::npos || hash == 0) {
    return std::nullopt;
  }
  return std::pair{text.substr(0, hash), text.substr(hash + 1)};
}

Result<void> check_session_bundle(const Document& bundle) {
  const simdjson::dom::element root = bundle.root();
  for (const auto& [key, unused] : k_required_top) {
    if (!json::member(root, key)) {
      return bundle_error(bundle, "", missing_field(fmt::format("$.{}", key)));
    }
  }
  for (const auto& [parent, key] : k_required_nested) {
    if (!json::member_path(root, {parent, key})) {
      return bundle_error(bundle, json::pointer_join("", parent),
                          missing_field(fmt::format("$.{}.{}", parent, key)));
    }
  }
  auto type = json::string_member(root, "_type");
  if (!type) {
    return bundle_error(bundle, "/_type", field_must_be("$._type", "string"));
  }
  if (*type != k_session_bundle_type) {
    return bundle_error(bundle, "/_type",
                        field_must_be("$._type", fmt::format("\"{}\"", k_session_bundle_type)));
  }
  const simdjson::dom::element version = *json::member(root, "schema_version");
  std::uint64_t found = 0;
  if (version.is_uint64()) {
    found = version.get_uint64().value_unsafe();
  } else if (version.is_int64() && version.get_int64().value_unsafe() >= 0) {
    found = static_cast<std::uint64_t>(version.get_int64().value_unsafe());
  } else {
    return bundle_error(bundle, "/schema_version",
                        field_must_be("$.schema_version", "positive integer"));
  }
  if (found == 0 || found > static_cast<std::uint64_t>(k_session_bundle_schema_version)) {
    return bundle_error(bundle, "/schema_version",
                        fmt::format("unsupported session bundle schema_version {}; this build "
                                    "supports <= {}",
                                    found, k_session_bundle_schema_version));
  }
  return {};
}

std::vector<std::string> bundle_worker_ids(const Document& bundle) {
  std::vector<std::string> ids;
  if (auto entries = worker_entries(bundle)) {
    std::size_t index = 0;
    for (const simdjson::dom::element entry : *entries) {
      ids.push_back(entry_worker_id(entry, index++));
    }
  }
  return ids;
}

Result<BundleWorker> find_bundle_worker(const Document& bundle, std::string_view worker_id) {
  auto entries = worker_entries(bundle);
  const std::vector<std::string> ids = bundle_worker_ids(bundle);
  if (!entries || ids.empty()) {
    return fail(ErrorCode::not_found, "session bundle carries no worker snapshots", bundle.name());
  }
  std::optional<std::size_t> found;
  if (worker_id.empty()) {
    if (ids.size() > 1) {
      return fail(ErrorCode::usage,
                  fmt::format("{}: session bundle carries {} workers ({}); name one as FILE#ID",
                              bundle.name(), ids.size(), fmt::join(ids, ", ")));
    }
    found = 0;
  }
  for (std::size_t i = 0; !found && i < ids.size(); ++i) {
    if (ids[i] == worker_id) {
      found = i;
    }
  }
  if (!found) {
    return fail(ErrorCode::not_found,
                fmt::format("no worker '{}' in session bundle (it carries {})", worker_id,
                            fmt::join(ids, ", ")),
                bundle.name());
  }
  BundleWorker worker;
  worker.worker_id = ids[*found];
  worker.index = *found;
  const std::string entry_pointer = json::pointer_join(k_worker_snapshots, *found);
  worker.pointer = json::pointer_join(entry_pointer, "value");
  const simdjson::dom::element entry = entries->at(*found).value_unsafe();
  auto value = json::member(entry, "value");
  auto bytes = bundle.bytes_at(worker.pointer);
  if (!value || !bytes) {
    return bundle_error(bundle, entry_pointer, missing_field("$.worker_snapshot._type"));
  }
  worker.value = *bytes;
  if (auto checked = check_checkpoint(bundle, worker, *value); !checked) {
    return std::unexpected(checked.error());
  }
  return worker;
}

std::string bundle_import_path(const std::string& state_dir, std::string_view worker_id) {
  // harn's sanitize_topic_component, character by character: a UTF-8 sequence is one character.
  std::string file;
  for (const char c : worker_id) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0U) == 0x80U) {
      continue;
    }
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
    file += keep ? c : '_';
  }
  return fmt::format("{}/{}.json", state_dir, file);
}

Result<Snapshot> load_bundle_worker(const Document& bundle, const BundleWorker& worker,
                                    const std::string& import_path, HarnRules rules) {
  auto document =
      Document::from_string(worker.value, fmt::format("{}#{}", bundle.name(), worker.worker_id));
  if (!document) {
    return std::unexpected(in_bundle(document.error(), bundle, worker));
  }
  auto snapshot = load_snapshot(std::move(*document), rules);
  if (!snapshot) {
    return std::unexpected(in_bundle(snapshot.error(), bundle, worker));
  }
  for (Warning& warning : snapshot->warnings) {
    warning.pointer = worker.pointer + warning.pointer;
  }
  snapshot->path = import_path;
  return snapshot;
}

JsonNode restored_bundle_worker(const BundleWorker& worker, const std::string& import_path) {
  JsonNode root = JsonNode::expand(worker.value);
  root.set_value("snapshot_path", import_path);
  if (JsonNode* suspension = root.object_member("suspension")) {
    suspension->set_value("snapshot_ref", import_path);
  }
  return root;
}

Result<std::string> bundle_with_worker(const Document& bundle, const BundleWorker& worker,
                                       JsonNode snapshot) {
  if (!snapshot.make_editable() || !snapshot.is_object()) {
    return fail(ErrorCode::usage, "the snapshot to write into the bundle is not an object");
  }
  JsonNode* suspension = snapshot.object_member("suspension");
  if (suspension == nullptr) {
    return fail(
        ErrorCode::invalid_snapshot,
        fmt::format("{}: {}", worker.worker_id, missing_field("$.worker_snapshot.suspension")),
        bundle.name());
  }
  const std::optional<std::string_view> old_suspension = raw_member(worker.value, "suspension");
  put_back(*suspension, "snapshot_ref",
           old_suspension ? raw_member(*old_suspension, "snapshot_ref") : std::nullopt);
  put_back(snapshot, "snapshot_path", raw_member(worker.value, "snapshot_path"));
  snapshot.set_value("status", "suspended");

  // harn writes the bundle pretty: the snapshot sits four levels deep (replay, worker_snapshots,
  // the entry, value).
  StringSink rendered;
  snapshot.write(rendered, 4);
  const std::string_view text = bundle.text();
  const std::size_t start = static_cast<std::size_t>(worker.value.data() - text.data());
  std::string out;
  out.reserve(text.size() - worker.value.size() + rendered.str().size());
  out.append(text.substr(0, start));
  out.append(rendered.str());
  out.append(text.substr(start + worker.value.size()));
  return out;
}

} // namespace reprise
