// Placeholder until the command lands; replaced by its own implementation.
#include "commands.hpp"

#include <fmt/format.h>

namespace reprise::cli {

Command setup_relaunch(CLI::App& root, const GlobalOptions& /*global*/) {
  CLI::App* app = root.add_subcommand("relaunch", "(relaunch is not built yet)");
  return {app, [] {
            fmt::print(stderr, "reprise: error: relaunch is not built yet\n");
            return 2;
          }};
}

} // namespace reprise::cli
