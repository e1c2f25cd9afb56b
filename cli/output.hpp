#pragma once

#include "base/error.hpp"
#include "global_options.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

// How commands report results and errors: text for people, one JSON envelope for programs
// (docs/manual.md "JSON output", docs/schemas/envelope.schema.json).
namespace reprise::cli {

using Json = nlohmann::ordered_json;

// The version of the envelope and of every command's `data` (docs/schemas/). Bumped on any change
// that could break a reader; adding a member is not one.
inline constexpr int k_schema_version = 1;

// Turns JSON mode on for the rest of the run (main does it when the command's --json or --jsonl was
// given): report_warning then collects warnings for the envelope instead of printing them.
void set_json_mode(bool on);
bool json_mode();

// The error object of the envelope: {"code", "message", "details": {"exit", "file", …}}.
Json error_json(const Error& error);

// How a command reports an error. Text: one line `reprise: error: …` on standard error. JSON: one
// envelope {"ok": false, "data": null, "error": …} on standard error, nothing on standard output.
// Returns the exit code to use.
int report_error(const Error& error, bool json);

// Flushes standard output and checks that all of it was written: `exit` when it was (or when its
// reader went away, EPIPE, as `cmd | head` does), else one "cannot write standard output" error
// and exit 73, so `show --json > full-disk-file` never exits 0 with an empty file.
int finish_standard_output(int exit);
// The same error for a write to standard output that failed with `error` (errno); `exit` when the
// error is EPIPE.
int report_standard_output_failure(int error, int exit);

// As report_error in JSON mode, with what the command got done before the error as `data` (the
// rows of the targets that worked). Returns the exit code to use.
int report_error_with_data(const Error& error, const Json& data);

// The result envelope {"schemaVersion", "ok": true, "data", "error": null, "warnings"} on standard
// output, indented for people (jq reads it either way).
void print_result(const Json& data);

// The envelope around a `data` written by the caller in between (a streamed diff): the text before
// and after it.
std::string result_prefix();
std::string result_suffix();

// One JSON Lines record on standard output, flushed (a reader may act on it at once).
void print_json_line(const Json& record);

// A warning line `reprise: warning: …` on stderr unless quiet; in JSON mode it goes to the
// envelope's "warnings" instead.
void report_warning(const GlobalOptions& global, std::string_view message);

// A warning for the temporaries that killed writers left in `dir` (of `<dir>/<base>` only when
// `base` is given), with how to remove them; nothing when there are none.
void report_stale_temps(const GlobalOptions& global, const std::string& dir,
                        const std::string& base = {});

} // namespace reprise::cli
