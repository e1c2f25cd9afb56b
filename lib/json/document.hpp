#pragma once

#include "base/error.hpp"

#include "json/json_scan.hpp"
#include <memory>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace reprise {

// How Document::read_file gets a file's bytes.
enum class FileAccess {
  // read() into a private buffer: the document never changes, however long it lives.
  read,
  // For a short-lived command on a large file: map the file under a read lease (a writer that opens
  // it waits until the document is gone, at most the kernel's lease-break time, 45 s by default,
  // after which the kernel lets it through), so reading costs no copy and untouched bytes can be
  // copied file to file on output (file_bytes.hpp). Only for callers that finish well within the
  // lease-break time whatever reads their output: not when it goes to a pipe. Falls back
  // to `read` where a lease cannot be had (another owner, a file open for writing, NFS). Installs
  // a no-op handler for SIGIO, the lease-break signal, whose default action ends the process.
  map,
};

// A JSON file read (or mapped, see FileAccess) once and validated by simdjson's DOM parser
// (run-time dispatched kernel). The DOM answers typed questions; the bytes stay available so
// untouched members can be copied through unchanged. Move-only; views of the bytes stay valid while
// it lives, DOM elements until release_tree().
class Document {
public:
  // Reads and parses `path`. Missing, unreadable or directory → not_found; syntax →
  // invalid_snapshot with line:column.
  static Result<Document> read_file(const std::string& path, FileAccess access = FileAccess::read);
  // Reads all of standard input (named "<stdin>").
  static Result<Document> read_stdin();
  // Parses `bytes`, reporting errors against `name`.
  static Result<Document> from_string(std::string_view bytes, std::string name);

  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  // The path as given (or "<stdin>").
  const std::string& name() const;
  // The document's bytes, without padding.
  std::string_view text() const;
  // The parsed root; not after release_tree().
  simdjson::dom::element root() const;
  // Frees the parse tree on a second thread, for a caller that from here on needs only the bytes
  // (text(), bytes_at(), members_of()...): a large tree takes the kernel a while to free, which
  // then overlaps the caller's own work, such as writing its output.
  void release_tree();
  // Where a view into text() starts.
  json::LineColumn position_of(std::string_view inner) const;
  // An error about the value at `pointer`, with its line:column when the pointer resolves.
  Error error_at(ErrorCode code, std::string_view pointer, std::string message) const;
  // The bytes of the value at `pointer`, if present. The root's members are indexed once and
  // reused, so looking up top-level members costs no rescan of a large document.
  std::optional<std::string_view> bytes_at(std::string_view pointer) const;
  // The root object's members with their byte spans (empty when the root is not an object),
  // computed on first use.
  const std::vector<json::Member>& root_members() const;
  // The members of the object whose bytes are `object` (a view into text()). Uses the structural
  // index simdjson built while parsing, so even a huge object costs a walk over its structural
  // characters only, never over its string contents.
  std::optional<std::vector<json::Member>> members_of(std::string_view object) const;
  // The elements of the array whose bytes are `array` (a view into text()).
  std::optional<std::vector<std::string_view>> elements_of(std::string_view array) const;

private:
  struct Impl;
  explicit Document(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// The simdjson kernel chosen for this machine at run time (e.g. "icelake", "haswell", "fallback").
std::string json_kernel();

// The error for `text` (read from `name`), which is not a JSON document the parser accepts: what
// is wrong (a syntax error, a byte-order mark, nesting past the parser's depth limit) and its
// line:column, found by a precise (slow) second parse.
Error json_syntax_error(std::string_view text, const std::string& name);

} // namespace reprise
