// reprise diff: structural diff of two snapshots (text, JSON Patch, Merge Patch or a JSON summary).
#include "base/exit_code.hpp"
#include "commands.hpp"
#include "diff/diff.hpp"
#include "diff/diff_format.hpp"
#include "diff/first_divergence.hpp"
#include "diff/json_patch.hpp"
#include "output.hpp"
#include "snapshot/history.hpp"
#include "targets.hpp"
#include "terminal.hpp"

#include "json/document.hpp"
#include "json/redact.hpp"
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <future>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <unistd.h>
#include <utility>
#include <vector>

namespace reprise::cli {

namespace {

struct DiffCommandOptions {
  std::string a;
  std::string b;
  std::string name; // --name: the worker with this name stands for A (or B with A a file)
  std::string format = "text";
  std::vector<std::string> ignore;
  bool keep_volatile = false;
  bool first_divergence = false;
  bool json = false; // --json: --format json
  bool show_secrets = false;
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

// A side of the diff: standard input, a file, or a worker's version (ID, prefix, ID@REV).
Result<Document> load(const std::string& text, const std::string& state_dir) {
  if (text == "-") {
    return Document::read_stdin();
  }
  std::error_code ec;
  if (std::filesystem::is_regular_file(text, ec)) {
    return Document::read_file(text); // a file by that name comes first, as it always did
  }
  auto target = find_target(text, state_dir);
  if (!target) {
    return std::unexpected(target.error());
  }
  return read_target_document(*target);
}

// With one TARGET: the version before it and it (ID → ID@-1 and ID; ID@N → ID@N-1 and ID@N).
Result<std::pair<std::string, std::string>> previous_and(const std::string& text,
                                                         const std::string& state_dir) {
  auto target = find_target(text, state_dir);
  if (!target) {
    return std::unexpected(target.error());
  }
  if (target->is_stdin) {
    return fail(ErrorCode::usage, "diff needs B, or a worker whose versions to compare");
  }
  auto ref = resolve_revision(target->path, target->revision);
  if (!ref) {
    return std::unexpected(ref.error());
  }
  if (ref->number <= 1) {
    return fail(
        ErrorCode::not_found,
        fmt::format("{} has no version before version {}", target_label(*target), ref->number),
        target->path);
  }
  const std::string base = target->path;
  // The newest kept version before it (a pruned neighbour is skipped).
  std::uint64_t previous = ref->number - 1;
  while (previous > 0 && !resolve_revision(base, std::to_string(previous))) {
    --previous;
  }
  if (previous == 0) {
    return fail(ErrorCode::not_found,
                fmt::format("no version of {} before version {} is kept", target_label(*target),
                            ref->number),
                target->path);
  }
  return std::pair{fmt::format("{}@{}", base, previous),
                   target->revision.empty() ? base : fmt::format("{}@{}", base, ref->number)};
}

// Reads and parses A and B. Two files are parsed at the same time, B on a second thread (the two
// Documents share nothing); with standard input they are read one after the other, as before, so a
// missing file is reported without waiting for input. A's error is reported first either way.
Result<std::pair<Document, Document>> load_both(const std::string& a, const std::string& b,
                                                const std::string& state_dir) {
  std::optional<std::future<Result<Document>>> pending_b;
  if (a != "-" && b != "-") {
    try {
      pending_b = std::async(std::launch::async, [&b, &state_dir] { return load(b, state_dir); });
    } catch (const std::system_error&) {
      // No thread to be had: read B after A on this one.
    }
  }
  auto document_a = load(a, state_dir);
  if (!document_a) {
    return std::unexpected(document_a.error());
  }
  auto document_b = pending_b ? pending_b->get() : load(b, state_dir);
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
  const std::string state_dir = state_dir_of(global);
  std::string a_text = options.a;
  std::string b_text = options.b;
  if (!options.name.empty()) {
    std::vector<std::string> given;
    for (const std::string* text : {&options.a, &options.b}) {
      if (!text->empty()) {
        given.push_back(*text);
      }
    }
    auto sides = targets_with_name(given, options.name, global, "diff", BesideName::allowed);
    if (!sides) {
      return report_error(sides.error(), json);
    }
    if (sides->size() > 2) {
      return report_error(
          fail(ErrorCode::usage, "with --name, give at most one of A and B (or @REV)").error(),
          json);
    }
    a_text = sides->front();
    b_text = sides->size() > 1 ? (*sides)[1] : std::string();
  } else if (a_text.empty()) {
    return report_error(fail(ErrorCode::usage, "diff needs A (or --name NAME)").error(), json);
  }
  if (b_text.empty()) {
    auto pair = previous_and(a_text, state_dir);
    if (!pair) {
      return report_error(pair.error(), json);
    }
    std::tie(a_text, b_text) = *pair;
  }
  auto documents = load_both(a_text, b_text, state_dir);
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
    } else if (options.show_secrets) {
      write_diff_text(*diff, color, out);
    } else {
      // Secrets are masked as harn's redaction would write them.
      StringSink text;
      write_diff_text(*diff, color, text);
      out.append(redact::mask_text(text.str()));
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
              "  reprise diff a.json b.json --first-divergence\n"
              "  reprise diff worker_demo             # its last change\n"
              "  reprise diff worker_demo@1 worker_demo\n\n"
              "Exit status:\n"
              "  0   A and B are the same (volatile fields aside)\n"
              "  1   A and B differ (a result, not an error: the JSON envelope says ok)\n"
              "  2   bad option\n"
              "  65  A or B is not valid JSON\n"
              "  66  A or B does not exist or cannot be read\n"
              "  73  cannot write to standard output");
  app->add_option("A", options->a,
                  "First snapshot: a path, - for standard input, or a worker (ID, prefix, ID@REV)");
  app->add_option("B", options->b,
                  "Second snapshot (as A); without B, A's previous version is compared with A");
  app->add_option("--name", options->name,
                  "The worker with this name as A (A and B then may be @REV, or B a file)");
  app->add_option("--format", options->format, "text (default), patch, merge or json")
      ->check(CLI::IsMember({"text", "patch", "merge", "json"}))
      ->type_name("FORMAT");
  app->add_flag("--json", options->json, "Same as --format json (the diff in the JSON envelope)");
  app->add_flag("--show-secrets", options->show_secrets,
                "Show secret-looking values instead of masking them (text output)");
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
