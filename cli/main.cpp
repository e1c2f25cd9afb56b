// reprise: replays agent workers from their persisted snapshots. This file only wires the commands.
#include "base/exit_code.hpp"
#include "commands.hpp"

#include "json/document.hpp"
#include <cstdlib>
#include <fmt/format.h>
#include <vector>

namespace {

// Reads REPRISE_NOW / REPRISE_SEED when the flags were not given.
void apply_environment(reprise::cli::GlobalOptions& global) {
  if (!global.now_ms) {
    if (const char* now = std::getenv("REPRISE_NOW"); now != nullptr && *now != '\0') {
      global.now_ms = std::strtoll(now, nullptr, 10);
    }
  }
  if (!global.seed) {
    if (const char* seed = std::getenv("REPRISE_SEED"); seed != nullptr && *seed != '\0') {
      global.seed = std::strtoull(seed, nullptr, 10);
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  using namespace reprise::cli;
  CLI::App app{"reprise: replay agent workers from their persisted snapshots", "reprise"};
  app.set_version_flag("--version", fmt::format("reprise {} (simdjson kernel {})", REPRISE_VERSION,
                                                reprise::json_kernel()));
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions global;
  app.add_option(
      "--state-dir", global.state_dir,
      "Where worker snapshots live (default $HARN_WORKER_STATE_DIR, else .harn/workers)");
  app.add_option("--now", global.now_ms, "Unix milliseconds for generated ids and timestamps");
  app.add_option("--seed", global.seed, "Seed for the random bits of generated ids");
  std::string color = "auto";
  app.add_option("--color", color, "Colour: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  bool quiet = false;
  bool verbose = false;
  app.add_flag("-q,--quiet", quiet, "Less on standard error");
  app.add_flag("-v,--verbose", verbose, "More on standard error");

  std::vector<Command> commands = {
      setup_show(app, global),    setup_validate(app, global), setup_list(app, global),
      setup_reset(app, global),   setup_relaunch(app, global), setup_wait(app, global),
      setup_suspend(app, global), setup_resume(app, global),   setup_cancel(app, global),
      setup_diff(app, global),    setup_log(app, global),      setup_restore(app, global),
      setup_gc(app, global),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors follow the one-line rule of every other error, then point at --help.
    fmt::print(stderr,
               "reprise: error: {}\nRun 'reprise --help' (or 'reprise COMMAND --help') for "
               "usage.\n",
               e.what());
    return reprise::exit_code::k_usage;
  }
  global.color = color == "always"  ? ColorMode::always
                 : color == "never" ? ColorMode::never
                                    : ColorMode::auto_detect;
  global.verbosity = quiet ? -1 : (verbose ? 1 : 0);
  apply_environment(global);

  for (const Command& command : commands) {
    if (command.app->parsed()) {
      return command.run();
    }
  }
  return reprise::exit_code::k_usage;
}
