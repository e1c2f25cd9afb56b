#include "run/completion.hpp"

#include "base/atomic_file.hpp"
#include "base/duration.hpp"
#include "reset/transcript.hpp"
#include "run/waiters.hpp"
#include "snapshot/snapshot.hpp"
#include "snapshot/state_dir.hpp"

#include "json/member.hpp"
#include "json/output_sink.hpp"
#include "json/redact.hpp"
#include <csignal>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

namespace reprise {

namespace {

// The bytes of member `key` of the result document's root object.
std::optional<std::string_view> member_bytes(const Document& document, std::string_view key) {
  return document.bytes_at(json::pointer_join("", key));
}

// The text of the result file's `error` member: a string as is, any other non-null value as
// compact JSON; nullopt when absent or null.
std::optional<std::string> result_error(const Document& document) {
  auto bytes = member_bytes(document, "error");
  if (!bytes || *bytes == "null") {
    return std::nullopt;
  }
  if (auto text = json::string_member(document.root(), "error")) {
    return std::string(*text);
  }
  return OrderedJson::parse(*bytes).dump();
}

std::string with_stderr(std::string head, const std::string& tail) {
  if (!tail.empty()) {
    head += fmt::format("; last lines of stderr:\n{}", tail);
  }
  return head;
}

Completion fail_run(const Snapshot& running, JsonNode root, WorkerStatus status,
                    std::string message, IdSource& ids) {
  (void)running;
  const std::string text(to_string(status));
  root.set_value("finished_at", ids.next());
  root.set_value("latest_error", message);
  root.set_value("status", text);
  return Completion{std::move(root), text, std::move(message)};
}

} // namespace

Result<std::optional<Document>> read_result_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return std::optional<Document>{};
  }
  auto document = Document::read_file(path);
  if (!document) {
    Error error = document.error();
    error.code = ErrorCode::failed;
    return std::unexpected(error);
  }
  if (!document->root().is_object()) {
    return fail(ErrorCode::failed, "result file is not a JSON object", path);
  }
  return std::optional<Document>(std::move(*document));
}

std::string describe_failure(const AttemptOutcome& outcome) {
  if (!outcome.exit) {
    return fmt::format("command did not start: {}", outcome.spawn_error);
  }
  const ExitStatus& exit = *outcome.exit;
  if (outcome.forwarded_signal != 0) {
    return with_stderr(fmt::format("Error [cancelled]: reprise received {}; command ended by {}",
                                   signal_name(outcome.forwarded_signal), exit.describe()),
                       outcome.stderr_tail);
  }
  if (outcome.timed_out) {
    const bool killed = exit.kind == ExitStatus::Kind::signalled && exit.value == SIGKILL;
    return with_stderr(fmt::format("command timed out after {} (SIGTERM{}); ended by {}",
                                   format_duration(outcome.timeout), killed ? ", then SIGKILL" : "",
                                   exit.describe()),
                       outcome.stderr_tail);
  }
  if (exit.kind == ExitStatus::Kind::signalled) {
    return with_stderr(fmt::format("command killed by signal {}", signal_name(exit.value)),
                       outcome.stderr_tail);
  }
  if (exit.value != 0) {
    return with_stderr(fmt::format("command exited with code {}", exit.value), outcome.stderr_tail);
  }
  return {};
}

namespace {

// What the child wrote, as harn's writer would leave it (redact/mod.rs): secret-named fields and
// secret-looking strings redacted. Untouched values stay views of the result file's bytes.
JsonNode as_harn_writes(const Snapshot& running, JsonNode node) {
  if (running.rules == HarnRules::v0_7) {
    return node;
  }
  OrderedJson value = node.to_json();
  return redact::redact_json(value) ? JsonNode::value(std::move(value)) : node;
}

} // namespace

Completion complete_run(const Snapshot& running, const AttemptOutcome& outcome,
                        const Result<std::optional<Document>>& result, TranscriptMode mode,
                        IdSource& ids) {
  JsonNode root = running.to_node();
  // Always: the awaiting markers of the previous cycle go.
  root.set_value("awaiting_started_at", nullptr);

  if (std::string failure = describe_failure(outcome); !failure.empty()) {
    const WorkerStatus status =
        outcome.forwarded_signal != 0 ? WorkerStatus::cancelled : WorkerStatus::failed;
    return fail_run(running, std::move(root), status, std::move(failure), ids);
  }
  if (!result) {
    return fail_run(running, std::move(root), WorkerStatus::failed,
                    fmt::format("result file: {}", result.error().to_string()), ids);
  }
  const Document* document = result->has_value() ? &**result : nullptr;
  if (document != nullptr) {
    if (auto error = result_error(*document)) {
      return fail_run(running, std::move(root), WorkerStatus::failed,
                      running.rules == HarnRules::v0_7
                          ? *error
                          : redact::redact_string(*error).value_or(*error),
                      ids);
    }
    if (auto artifacts = member_bytes(*document, "artifacts");
        artifacts && !json::member(document->root(), "artifacts")->is_array()) {
      return fail_run(running, std::move(root), WorkerStatus::failed,
                      fmt::format("result file {}: artifacts must be an array", document->name()),
                      ids);
    }
  }

  // The transcript of this cycle: the result's, else the one the run started with.
  std::optional<std::string_view> transcript;
  if (document != nullptr) {
    transcript = member_bytes(*document, "transcript");
  }
  if (!transcript && running.has_transcript) {
    transcript = running.transcript;
  }
  std::optional<JsonNode> new_transcript;
  if (transcript) {
    new_transcript = as_harn_writes(running, JsonNode::raw(*transcript));
    if (mode == TranscriptMode::compact) {
      auto compacted = compact_transcript(*transcript, ids);
      if (!compacted) {
        // harn: a compaction failure turns a successful cycle into a failed one (§7 item 27).
        return fail_run(running, std::move(root), WorkerStatus::failed, compacted.error().message,
                        ids);
      }
      new_transcript = as_harn_writes(running, std::move(compacted->transcript));
    }
  }

  std::optional<std::string> child_run_id;
  std::optional<std::string> child_run_path;
  if (document != nullptr) {
    const simdjson::dom::element top = document->root();
    child_run_id = json::string_member(top, "child_run_id");
    child_run_path = json::string_member(top, "child_run_path");
    if (auto payload = member_bytes(*document, "payload")) {
      JsonNode payload_node = JsonNode::raw(*payload);
      const simdjson::dom::element value = *json::member(top, "payload");
      if (auto run = json::member(value, "run"); !child_run_id && run) {
        child_run_id = json::string_member(*run, "id");
      }
      if (!child_run_path) {
        child_run_path = json::string_member(value, "path");
      }
      // The payload's own transcript is the compacted one too (spec §2.4).
      if (new_transcript && mode == TranscriptMode::compact && json::member(value, "transcript")) {
        payload_node.make_editable();
        payload_node.set("transcript", *new_transcript);
      }
      root.set("latest_payload", as_harn_writes(running, std::move(payload_node)));
    }
    if (auto artifacts = member_bytes(*document, "artifacts")) {
      root.set("artifacts", as_harn_writes(running, JsonNode::raw(*artifacts)));
    }
  }
  if (new_transcript) {
    root.set("transcript", std::move(*new_transcript));
  }
  root.set_value("child_run_id", child_run_id ? OrderedJson(*child_run_id) : OrderedJson());
  root.set_value("child_run_path", child_run_path ? OrderedJson(*child_run_path) : OrderedJson());
  if (child_run_id) {
    if (JsonNode* audit = root.object_member("audit")) {
      audit->set_value("run_id", *child_run_id);
    }
  }
  root.set_value("latest_error", nullptr);
  const WorkerStatus status =
      running.carry.retriggerable ? WorkerStatus::awaiting : WorkerStatus::completed;
  const std::string text(to_string(status));
  root.set_value("status", text);
  if (status == WorkerStatus::awaiting) {
    root.set_value("finished_at", nullptr);
    root.set_value("awaiting_started_at", ids.next());
  } else {
    root.set_value("finished_at", ids.next());
  }
  return Completion{std::move(root), text, {}};
}

Result<void> write_snapshot_file(const std::string& path, const JsonNode& root) {
  auto file = AtomicFile::open(path);
  if (!file) {
    return std::unexpected(file.error());
  }
  BufferedSink sink([&file](std::string_view bytes) { file->write(bytes); });
  write_snapshot(sink, root);
  sink.flush();
  // Waiters are woken between the rename and the directory flush: they read the file, which the
  // rename already shows, and the flush (which only makes the rename survive a crash) can take
  // milliseconds on a busy disk.
  if (auto committed = file->commit(Overwrite::yes, DirectorySync::no); !committed) {
    return committed;
  }
  notify_snapshot_waiters(path);
  return flush_directory(state_dir_for_snapshot(path));
}

Result<void> write_snapshot_version(const std::string& path, const JsonNode& root,
                                    std::string_view previous, const KeepInfo& keep) {
  if (auto kept = keep_version(path, previous, keep); !kept) {
    return std::unexpected(kept.error());
  }
  return write_snapshot_file(path, root);
}

} // namespace reprise
