#include "json/document.hpp"

#include "base/fd.hpp"
#include "base/input_file.hpp"
#include "base/io.hpp"
#include "base/mapped_file.hpp"

#include "json/member.hpp"
#include "json/raw_scan.hpp"
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace reprise {

namespace {

// Files smaller than this are read: mapping and leasing cost more than the copy they save.
constexpr std::size_t k_min_mapped = std::size_t{1} << 20;

// Documents at least this large are parsed with a second thread beside (Beside).
constexpr std::size_t k_min_prefaulted = std::size_t{16} << 20;

// Memory to fault in ahead of the parse: the mapped file (read) or a parser buffer (written).
struct Region {
  const void* start = nullptr;
  std::size_t size = 0;
  int advice = MADV_POPULATE_READ; // or MADV_POPULATE_WRITE
};

// Work on a second thread beside a large document's parse, joined on destruction: first faulting
// regions in, in order (a large document costs the kernel one fault per page twice over: mapping
// the file, and zeroing the buffer the parser writes its strings to, about as large as the
// document), then `then` (finding the jumps once stage 1 has indexed the text). On a machine with
// a core to spare the parse finds its pages ready and the jumps found.
class Beside {
public:
  Beside(std::vector<Region> regions, std::function<void()> then) {
    try {
      m_thread = std::thread([regions = std::move(regions), then = std::move(then)] {
        for (const Region& region : regions) {
          populate(region);
        }
        then();
      });
    } catch (const std::system_error&) {
      // No thread: the parse faults the pages in itself, and `then` never runs.
    }
  }
  Beside(const Beside&) = delete;
  Beside& operator=(const Beside&) = delete;
  ~Beside() { join(); }

  // Whether the second thread runs.
  bool running() const { return m_thread.joinable(); }
  // Waits for the second thread to finish.
  void join() {
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }

private:
  static void populate(const Region& region) {
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto at = reinterpret_cast<std::uintptr_t>(region.start);
    const auto first = (at + page - 1) / page * page;
    const auto last = (at + region.size) / page * page;
    if (last <= first) {
      return;
    }
    if (::madvise(reinterpret_cast<void*>(first), last - first, region.advice) == 0 ||
        region.advice != MADV_POPULATE_READ) {
      return; // a kernel without MADV_POPULATE_WRITE (before 5.14) leaves the buffer to the parse
    }
    // Before 5.14: read a byte of each page, which maps the file's pages just the same.
    for (auto page_at = first; page_at < last; page_at += page) {
      static_cast<void>(*reinterpret_cast<const volatile char*>(page_at));
    }
  }

  std::thread m_thread;
};

} // namespace

struct Document::Impl {
  std::string name;
  simdjson::padded_string bytes;      // the document when read or given as a string
  std::unique_ptr<MappedFile> mapped; // the document when mapped
  const char* data = nullptr;         // the first byte, in `bytes` or `mapped`
  std::size_t size = 0;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::optional<std::vector<json::Member>> root_members; // filled on first use
  std::thread releasing;                                 // freeing the parser, after release_tree()

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    json::unregister_index(data);
    if (releasing.joinable()) {
      releasing.join();
    }
  }

  // Points data/size at `bytes`.
  void use_bytes(simdjson::padded_string text) {
    bytes = std::move(text);
    data = bytes.data();
    size = bytes.size();
  }

  // Lends simdjson's stage-1 structural index to json_scan, so spans are found by walking the
  // structural characters instead of scanning string contents. The index is a member the library
  // keeps public "for benchmarking access"; without it json_scan scans bytes as before.
  void register_index(std::shared_ptr<const json::Jumps> jumps = nullptr) {
    if (parser.implementation && parser.implementation->structural_indexes) {
      json::register_index(index(), std::move(jumps));
    }
  }

  // Stage 1's structural index (after stage 1).
  json::StructuralIndex index() const {
    return {std::string_view(data, size), parser.implementation->structural_indexes.get(),
            parser.implementation->n_structural_indexes};
  }
};

namespace {

// A SAX consumer that accepts everything: nlohmann then only checks syntax, without building a DOM.
struct NullSax {
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(std::int64_t) { return true; }
  bool number_unsigned(std::uint64_t) { return true; }
  bool number_float(double, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(std::vector<std::uint8_t>&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    m_position = position;
    m_message = e.what();
    return false;
  }
  std::size_t m_position = 0;
  std::string m_message;
};

// nlohmann prefixes messages with "[json.exception.parse_error.101] parse error at line 1, column
// 2: " or "[json.exception.out_of_range.406] ": the user gets only what follows.
std::string clean_message(std::string message) {
  if (!message.starts_with("[json.exception")) {
    return message;
  }
  const std::size_t bracket = message.find("] ");
  if (bracket != std::string::npos) {
    message.erase(0, bracket + 2);
  }
  if (message.starts_with("parse error")) {
    if (const std::size_t colon = message.find(": "); colon != std::string::npos) {
      message.erase(0, colon + 2);
    }
  }
  return message;
}

// The bytes of a UTF-8 byte-order mark.
constexpr std::string_view k_byte_order_mark = "\xEF\xBB\xBF";

// The bytes of `file` (a regular file opened by open_input_file), read straight into the padded
// buffer: no second copy of a large file.
Result<simdjson::padded_string> read_all(const InputFile& file, const std::string& name) {
  simdjson::padded_string padded(static_cast<std::size_t>(file.size));
  const ssize_t done = read_full(file.fd.get(), padded.data(), padded.size());
  if (done < 0) {
    return fail(ErrorCode::not_found, fmt::format("cannot read: {}", std::strerror(errno)), name);
  }
  if (static_cast<std::size_t>(done) != padded.size()) { // the file shrank while being read
    return simdjson::padded_string(padded.data(), static_cast<std::size_t>(done));
  }
  return padded;
}

// Runs a precise (slow) parse of invalid `text` to find where it breaks: message and byte offset;
// an empty message when that parse accepts the text.
std::pair<std::string, std::size_t> locate_syntax_error(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return {"empty file: no JSON value", text.size()};
  }
  NullSax sax;
  const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
  if (ok) {
    return {"", 0};
  }
  std::string message = clean_message(sax.m_message);
  // Shorten a huge "last read" token (an unterminated string can be megabytes long).
  const std::string k_last_read = "last read: '";
  if (const auto at = message.find(k_last_read); at != std::string::npos) {
    const auto start = at + k_last_read.size();
    const auto end = message.rfind('\'');
    if (end != std::string::npos && end > start + 40) {
      message.replace(start, end - start, message.substr(start, 37) + "...");
    }
  }
  // Raw bytes of a broken document have no place in a one-line message: show them as \xNN.
  std::string printable;
  for (unsigned char c : message) {
    if (c < 0x20 || c >= 0x7f) {
      printable += fmt::format("\\x{:02x}", c);
    } else {
      printable += static_cast<char>(c);
    }
  }
  message = std::move(printable);
  // nlohmann reports the position just past the last token read; point at that token's start.
  std::size_t offset = std::min(sax.m_position, text.size());
  if (offset > 0) {
    std::size_t p = offset - 1;
    auto is_word = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '+' || c == '.';
    };
    if (text[p] == '"' && p > 0) {
      std::size_t q = p;
      while (q > 0) {
        --q;
        if (text[q] == '"') {
          std::size_t backslashes = 0;
          while (q >= backslashes + 1 && text[q - backslashes - 1] == '\\') {
            ++backslashes;
          }
          if (backslashes % 2 == 0) {
            break;
          }
        }
      }
      p = text[q] == '"' ? q : p;
    } else if (is_word(text[p])) {
      while (p > 0 && is_word(text[p - 1])) {
        --p;
      }
    }
    offset = p;
  }
  return {message, std::min(offset, text.size())};
}

// The error for a document simdjson refused (`code`): what is wrong and where, in words a user
// can act on.
Error parse_failure(std::string_view text, simdjson::error_code code, const std::string& name,
                    std::size_t max_depth) {
  std::string message;
  std::size_t offset = 0;
  if (text.starts_with(k_byte_order_mark)) {
    message = "JSON syntax error: the file starts with a UTF-8 byte-order mark, which JSON does "
              "not allow";
  } else if (auto [what, where] = locate_syntax_error(text); !what.empty()) {
    offset = where;
    message = code == simdjson::UTF8_ERROR
                  ? fmt::format("JSON syntax error: invalid UTF-8 ({})", what)
                  : fmt::format("JSON syntax error: {}", what);
  } else if (const std::size_t deep = first_too_deep(text, max_depth);
             deep != std::string_view::npos) {
    offset = deep;
    message =
        fmt::format("JSON nested too deep: more than {} levels of arrays and objects", max_depth);
  } else {
    message = "JSON syntax error: invalid JSON";
  }
  const auto position = json::line_column(text, offset);
  return Error::invalid_snapshot(std::move(message), name, {}, position.line, position.column);
}

// Parses `text` again with its integers beyond 64 bits widened to doubles, when that is what
// made the parse fail (simdjson reports them as NUMBER_ERROR).
simdjson::error_code parse_widened(simdjson::dom::parser& parser, std::string_view text,
                                   simdjson::error_code result, simdjson::dom::element& root) {
  if (result != simdjson::NUMBER_ERROR) {
    return result;
  }
  const auto widened = widen_big_integers(text);
  if (!widened) {
    return result;
  }
  return parser.parse(widened->data(), widened->size(), false).get(root);
}

} // namespace

std::string json_kernel() {
  return simdjson::get_active_implementation()->name();
}

Error json_syntax_error(std::string_view text, const std::string& name) {
  return parse_failure(text, simdjson::TAPE_ERROR, name, simdjson::DEFAULT_MAX_DEPTH);
}

Document::Document(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Result<Document> Document::read_file(const std::string& path, FileAccess access) {
  auto input = open_input_file(path);
  if (!input) {
    return std::unexpected(input.error());
  }
  Fd& fd = input->fd;
  auto impl = std::make_unique<Impl>();
  impl->name = path;
  // Declared before `beside`, whose destructor joins the thread that uses them.
  std::promise<bool> indexed; // set once stage 1 is over: whether it succeeded
  std::shared_ptr<const json::Jumps> jumps;
  std::optional<Beside> beside;
  if (access == FileAccess::map && input->size >= k_min_mapped &&
      input->size <= simdjson::SIMDJSON_MAXSIZE_BYTES) {
    const auto size = static_cast<std::size_t>(input->size);
    // The parser would allocate its buffers itself; allocating them first lets their pages be
    // faulted in beside the parse.
    const bool allocated = size >= k_min_prefaulted &&
                           impl->parser.allocate(size) == simdjson::SUCCESS &&
                           impl->parser.doc.allocate(size) == simdjson::SUCCESS;
    impl->mapped = MappedFile::map(fd, size, allocated ? Populate::later : Populate::now);
    if (allocated && impl->mapped) {
      beside.emplace(
          std::vector<Region>{{impl->mapped->data(), size, MADV_POPULATE_READ},
                              {impl->parser.doc.string_buf.get(), size, MADV_POPULATE_WRITE}},
          [&impl = *impl, stage1 = indexed.get_future().share(), &jumps] {
            try {
              if (stage1.get()) {
                jumps = json::find_jumps(impl.index());
              }
            } catch (const std::exception&) {
              // Out of memory, or stage 1 never ran: register_index finds the jumps, if it can.
            }
          });
    }
  }
  if (impl->mapped) {
    impl->data = impl->mapped->data();
    impl->size = impl->mapped->size();
  } else {
    auto bytes = read_all(*input, path);
    if (!bytes) {
      return std::unexpected(bytes.error());
    }
    impl->use_bytes(std::move(*bytes));
  }
  simdjson::error_code result = simdjson::SUCCESS;
  if (beside && beside->running()) {
    // simdjson's two stages run one by one here (parse() runs both), so that the jumps over stage
    // 1's index are found beside stage 2.
    auto& stages = *impl->parser.implementation;
    result = stages.stage1(reinterpret_cast<const std::uint8_t*>(impl->data), impl->size,
                           simdjson::stage1_mode::regular);
    indexed.set_value(result == simdjson::SUCCESS);
    if (result == simdjson::SUCCESS) {
      result = stages.stage2(impl->parser.doc);
    }
    beside->join();
    if (result == simdjson::SUCCESS) {
      impl->root = impl->parser.doc.root();
    }
  } else {
    result = impl->parser.parse(impl->data, impl->size, false).get(impl->root);
  }
  const std::string_view text(impl->data, impl->size);
  result = parse_widened(impl->parser, text, result, impl->root);
  if (result != simdjson::SUCCESS) {
    return std::unexpected(parse_failure(text, result, path, impl->parser.max_depth()));
  }
  impl->register_index(std::move(jumps));
  return Document(std::move(impl));
}

Result<Document> Document::read_stdin() {
  std::string bytes;
  if (auto read = read_input_stream(STDIN_FILENO, "<stdin>", bytes); !read) {
    return std::unexpected(read.error());
  }
  return from_string(bytes, "<stdin>");
}

Result<Document> Document::from_string(std::string_view bytes, std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->use_bytes(simdjson::padded_string(bytes));
  auto result = impl->parser.parse(impl->data, impl->size, false).get(impl->root);
  result = parse_widened(impl->parser, bytes, result, impl->root);
  if (result != simdjson::SUCCESS) {
    return std::unexpected(parse_failure(bytes, result, impl->name, impl->parser.max_depth()));
  }
  impl->register_index();
  return Document(std::move(impl));
}

const std::string& Document::name() const {
  return m_impl->name;
}

std::string_view Document::text() const {
  return {m_impl->data, m_impl->size};
}

void Document::release_tree() {
  if (m_impl->releasing.joinable()) {
    return;
  }
  json::unregister_index(m_impl->data); // the index is the parser's
  m_impl->root = {};
  try {
    m_impl->releasing = std::thread(
        [parser = std::move(m_impl->parser)]() mutable { parser = simdjson::dom::parser(0); });
  } catch (const std::system_error&) {
    // No thread: the tree went with the lambda, freed here and now.
  }
}

simdjson::dom::element Document::root() const {
  return m_impl->root;
}

json::LineColumn Document::position_of(std::string_view inner) const {
  const std::string_view all = text();
  if (inner.data() < all.data() || inner.data() > all.data() + all.size()) {
    return {};
  }
  return json::line_column(all, static_cast<std::size_t>(inner.data() - all.data()));
}

std::optional<std::vector<json::Member>> Document::members_of(std::string_view object) const {
  return json::object_members(object);
}

std::optional<std::vector<std::string_view>> Document::elements_of(std::string_view array) const {
  return json::array_elements(array);
}

const std::vector<json::Member>& Document::root_members() const {
  if (!m_impl->root_members) {
    auto members = members_of(text());
    m_impl->root_members = members ? std::move(*members) : std::vector<json::Member>{};
  }
  return *m_impl->root_members;
}

std::optional<std::string_view> Document::bytes_at(std::string_view pointer) const {
  const std::size_t start = json::skip_whitespace(text(), 0);
  if (start >= text().size() || (text()[start] != '{' && text()[start] != '[')) {
    return json::find_pointer(text(), pointer);
  }
  if (pointer.empty()) {
    return json::find_pointer(text(), pointer);
  }
  std::optional<std::string_view> current;
  bool at_root = true;
  while (!pointer.empty()) {
    if (pointer.front() != '/') {
      return std::nullopt;
    }
    const std::size_t slash = pointer.find('/', 1);
    const std::string_view token =
        pointer.substr(1, slash == std::string_view::npos ? std::string_view::npos : slash - 1);
    pointer = slash == std::string_view::npos ? std::string_view{} : pointer.substr(slash);
    const std::string key = json::decode_pointer_token(token);
    const std::string_view here = at_root ? text() : *current;
    const std::size_t first = json::skip_whitespace(here, 0);
    if (first >= here.size()) {
      return std::nullopt;
    }
    std::optional<std::string_view> found;
    if (here[first] == '{') {
      std::optional<std::vector<json::Member>> members;
      const std::vector<json::Member>* list = nullptr;
      if (at_root) {
        list = &root_members();
      } else {
        members = members_of(here);
        list = members ? &*members : nullptr;
      }
      if (list == nullptr) {
        return std::nullopt;
      }
      found = json::member(*list, key);
    } else if (here[first] == '[') {
      if (key.empty() || key.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
      }
      auto elements = elements_of(here);
      const std::size_t position = std::stoull(key);
      if (!elements || position >= elements->size()) {
        return std::nullopt;
      }
      found = (*elements)[position];
    }
    if (!found) {
      return std::nullopt;
    }
    current = found;
    at_root = false;
  }
  return current;
}

Error Document::error_at(ErrorCode code, std::string_view pointer, std::string message) const {
  Error error = Error::make(code, std::move(message), name());
  error.pointer = std::string(pointer);
  if (auto bytes = bytes_at(pointer)) {
    const auto position = position_of(*bytes);
    error.line = position.line;
    error.column = position.column;
  }
  return error;
}

} // namespace reprise
