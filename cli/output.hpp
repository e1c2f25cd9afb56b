#pragma once

#include "base/error.hpp"
#include "global_options.hpp"

#include <string_view>

namespace reprise::cli {

// How a command reports an error: always one line `reprise: error: …` on stderr; with `json` also a
// JSON object `{"error": {"code", "exit", "message", …}}` on stderr. Returns the exit code to use.
int report_error(const Error& error, bool json);

// A warning line `reprise: warning: …` on stderr unless quiet.
void report_warning(const GlobalOptions& global, std::string_view message);

} // namespace reprise::cli
