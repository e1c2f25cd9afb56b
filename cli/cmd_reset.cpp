// Placeholder until the command lands; replaced by its own implementation.
#include "commands.hpp"

#include <fmt/format.h>

namespace reprise::cli {

Command setup_reset(CLI::App& root, const GlobalOptions& /*global*/) {
  CLI::App* app = root.add_subcommand("reset", "(reset is not built yet)");
  return {app, [] {
            fmt::print(stderr, "reprise: error: reset is not built yet\n");
            return 2;
          }};
}

} // namespace reprise::cli
