// reprise diff: structural diff of two snapshots (text, JSON Patch, Merge Patch or a JSON summary).
#include "base/exit_code.hpp"
#include "commands.hpp"
#include "diff/diff.hpp"
#include "diff/diff_format.hpp"
#include "diff/first_divergence.hpp"
#include "diff/json_patch.hpp"
#include "output.hpp"
#include "terminal.hpp"

#include "json/document.hpp"
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <future>
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

namespace reprise::cli {

namespace {

struct DiffCommandOptions {
  std::string a;
  std::string b;
  std::string format = "text";
  std::vector<std::string> ignore;
  bool keep_volatile = false;
  bool first_divergence = false;
  bool json = false; // --json: --format json
};

// Writes straight to standard output, remembering whether a write failed.
class StdoutSink final : public Sink {
public:
  void append(std::string_view bytes) override {
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
      m_failed = true;
    }
  }
  // Flushes; false when anything could not be written.
  bool finish() { return std::fflush(stdout) == 0 && !m_failed && std::ferror(stdout) == 0; }

private:
  bool m_failed = false;
};

Result<Document> load(const std::string& target) {
  if (target == "-") {
    return Document::read_stdin();
  }
  return Document::read_file(target);
}

// Reads and parses A and B. Two files are parsed at the same time, B on a second thread (the two
// Documents share nothing); with standard input they are read one after the other, as before, so a
// missing file is reported without waiting for input. A's error is reported first either way.
Result<std::pair<Document, Document>> load_both(const std::string& a, const std::string& b) {
  std::optional<std::future<Result<Document>>> pending_b;
  if (a != "-" && b != "-") {
    try {
      pending_b = std::async(std::launch::async, [&b] { return Document::read_file(b); });
    } catch (const std::system_error&) {
      // No thread to be had: read B after A on this one.
    }
  }
  auto document_a = load(a);
  if (!document_a) {
    return std::unexpected(document_a.error());
  }
  auto document_b = pending_b ? pending_b->get() : load(b);
  if (!document_b) {
    return std::unexpected(document_b.error());
  }
  return std::pair<Document, Document>{std::move(*document_a), std::move(*document_b)};
}

int run_diff(const DiffCommandOptions& options, const GlobalOptions& global) {
  const bool json = options.format == "json" || options.json;
  if (options.json && options.format != "text" && options.format != "json") {
    return report_error(
        fail(ErrorCode::usage, "--json is --format json; a patch is JSON already").error(), json);
  }
  if (options.a == "-" && options.b == "-") {
    return report_error(
        fail(ErrorCode::usage, "only one of A and B can be - (standard input)").error(), json);
  }
  if (options.first_divergence && (options.format == "patch" || options.format == "merge")) {
    return report_error(
        fail(ErrorCode::usage, "--first-divergence prints text or json, not a patch").error(),
        json);
  }
  const auto started = std::chrono::steady_clock::now();
  auto documents = load_both(options.a, options.b);
  if (!documents) {
    return report_error(documents.error(), json);
  }
  const Document& a = documents->first;
  const Document& b = documents->second;
  const auto loaded = std::chrono::steady_clock::now();
  if (global.verbosity > 0) {
    fmt::print(stderr, "reprise: read and parsed A and B in {:.3f} s (simdjson kernel {})\n",
               std::chrono::duration<double>(loaded - started).count(),
               simdjson::get_active_implementation()->name());
  }
  const Color color = global.use_color(STDOUT_FILENO) ? Color::on : Color::off;
  if (!json && (options.format == "text" || options.first_divergence)) {
    start_pager(global);
  }
  StdoutSink out;
  int status = exit_code::k_success;
  if (options.first_divergence) {
    const auto divergence = first_divergence(a, b);
    if (json) {
      out.append(result_prefix()); // the envelope around the streamed data
      write_divergence_json(divergence, out);
    } else {
      write_divergence_text(divergence, color, out);
    }
    status = divergence ? exit_code::k_failure : exit_code::k_success;
  } else {
    DiffOptions diff_options;
    diff_options.volatile_fields = options.keep_volatile ? Volatile::keep : Volatile::ignore;
    diff_options.ignore = options.ignore;
    auto diff = diff_documents(a, b, diff_options);
    if (!diff) {
      return report_error(diff.error(), json);
    }
    if (options.format == "patch") {
      write_json_patch(*diff, out);
    } else if (options.format == "merge") {
      for (const std::string& warning : write_merge_patch(*diff, out)) {
        report_warning(global, warning);
      }
    } else if (json) {
      out.append(result_prefix()); // the envelope around the streamed diff
      write_diff_json(*diff, a.name(), b.name(), out);
    } else {
      write_diff_text(*diff, color, out);
    }
    status = diff->different() ? exit_code::k_failure : exit_code::k_success;
    if (global.verbosity > 0) {
      fmt::print(stderr, "reprise: compared in {:.3f} s\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - loaded).count());
    }
  }
  if (json) {
    out.append(result_suffix());
  }
  if (!out.finish()) {
    return report_error(
        fail(ErrorCode::cannot_write, "cannot write to standard output", "<stdout>").error(), json);
  }
  return status;
}

} // namespace

Command setup_diff(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<DiffCommandOptions>();
  CLI::App* app = root.add_subcommand("diff", "Structural diff of two snapshots");
  app->footer("Examples:\n"
              "  reprise diff failed.json replay.json --ignore '/config/options/*'\n"
              "  reprise diff before.json after.json --format patch > fix.patch.json\n"
              "  reprise diff a.json b.json --json | jq '.data'\n"
              "  reprise diff a.json b.json --first-divergence\n\n"
              "Exit status:\n"
              "  0   A and B are the same (volatile fields aside)\n"
              "  1   A and B differ (a result, not an error: the JSON envelope says ok)\n"
              "  2   bad option\n"
              "  65  A or B is not valid JSON\n"
              "  66  A or B does not exist or cannot be read\n"
              "  73  cannot write to standard output");
  app->add_option("A", options->a, "First snapshot (- for standard input)")->required();
  app->add_option("B", options->b, "Second snapshot (- for standard input)")->required();
  app->add_option("--format", options->format, "text (default), patch, merge or json")
      ->check(CLI::IsMember({"text", "patch", "merge", "json"}))
      ->type_name("FORMAT");
  app->add_flag("--json", options->json, "Same as --format json (the diff in the JSON envelope)");
  app->add_option("--ignore", options->ignore,
                  "Also ignore the value at this JSON pointer (* matches one segment); repeatable")
      ->allow_extra_args(false);
  app->add_flag("--keep-volatile", options->keep_volatile,
                "Compare timestamps, generated ids, session ids and snapshot_path too");
  app->add_flag("--first-divergence", options->first_divergence,
                "Print the first transcript message where A and B part ways");
  return {app, [options, &global] { return run_diff(*options, global); }};
}

} // namespace reprise::cli
