// reprise: replays agent workers from their persisted snapshots. This file only wires the commands.
#include "app_tree.hpp"
#include "auto_gc.hpp"
#include "base/byte_size.hpp"
#include "base/exit_code.hpp"
#include "base/input_file.hpp"
#include "base/temp_files.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "terminal.hpp"

#include "json/document.hpp"
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fmt/format.h>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using namespace reprise::cli;

// An environment variable read by the parser: a hidden option, so that nothing calls getenv.
void add_environment(CLI::App& app, std::string& value, const std::string& variable,
                     const std::string& description) {
  app.add_option("--env-" + variable, value, description)->envname(variable)->group("");
}

// Whether the parsed command was asked for JSON (its --json, --jsonl or --format json).
bool wants_json(CLI::App& command) {
  for (const std::string name : {"--json", "--jsonl"}) {
    if (const CLI::Option* option = command.get_option_no_throw(name);
        option != nullptr && option->count() > 0) {
      return true;
    }
  }
  const CLI::Option* format = command.get_option_no_throw("--format");
  return format != nullptr && format->count() > 0 && format->as<std::string>() == "json";
}

// A usage error before a command runs; as an envelope when --json is among the arguments.
int usage_error(const std::string& message, int argc, char** argv) {
  bool json = false;
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i) {
    json = json || std::string_view(argv[i]) == "--json" || std::string_view(argv[i]) == "--jsonl";
  }
  if (json) {
    return report_error(reprise::Error::usage(message), true);
  }
  fmt::print(stderr,
             "reprise: error: {}\nRun 'reprise help' (or 'reprise help COMMAND') for usage.\n",
             message);
  return reprise::exit_code::k_usage;
}

int run(int argc, char** argv) {
  using namespace reprise::cli;
  CLI::App app{"reprise: replay agent workers from their persisted snapshots", "reprise"};
  app.set_version_flag("--version", fmt::format("reprise {} (simdjson kernel {})", REPRISE_VERSION,
                                                reprise::json_kernel()));
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions global;
  app.add_option("--state-dir", global.state_dir,
                 "Where worker snapshots live (default .harn/workers)")
      ->envname("HARN_WORKER_STATE_DIR")
      ->type_name("DIR");
  app.add_option("--now", global.now_ms, "Unix milliseconds for generated ids and timestamps")
      ->envname("REPRISE_NOW")
      ->type_name("MS");
  app.add_option("--seed", global.seed, "Seed for the random bits of generated ids")
      ->envname("REPRISE_SEED")
      ->type_name("N");
  std::string max_size;
  app.add_option("--max-size", max_size,
                 "Refuse input files larger than SIZE (bytes, or with K, M, G, T; default 2G)")
      ->envname("REPRISE_MAX_SIZE")
      ->type_name("SIZE");
  std::string color = "auto";
  app.add_option("--color", color, "Colour: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->type_name("WHEN");
  app.add_flag("--no-pager", global.no_pager,
               "Never page show, diff and log output (default: $PAGER, else less -FRX, on a "
               "terminal)");
  std::string harn_version;
  app.add_option("--harn", harn_version,
                 "Follow the loader rules of this harn version: 0.7, 0.10, ... (default: latest)")
      ->envname("REPRISE_HARN")
      ->type_name("VERSION");
  bool quiet = false;
  bool verbose = false;
  app.add_flag("-q,--quiet", quiet, "Less on standard error (no warnings, no progress)");
  app.add_flag("-v,--verbose", verbose, "More on standard error");
  add_environment(app, global.env.no_color, "NO_COLOR", "Set and not empty: no colour");
  add_environment(app, global.env.clicolor_force, "CLICOLOR_FORCE",
                  "Set, not empty and not 0: colour even off a terminal (NO_COLOR wins)");
  add_environment(app, global.env.term, "TERM", "dumb: no colour and no pager");
  add_environment(app, global.env.pager, "PAGER", "The pager (default less -FRX; cat: none)");
  add_environment(app, global.env.command, "REPRISE_COMMAND",
                  "relaunch/resume COMMAND when none follows --, split as a shell would");
  add_environment(app, global.env.path, "PATH",
                  "Where relaunch/resume find harn for a top_level_agent worker without COMMAND");
  add_environment(app, global.env.columns, "COLUMNS", "Table width when not on a terminal");
  add_environment(app, global.env.auto_gc, "REPRISE_AUTO_GC",
                  "off: writes start no history compaction; wait: they wait for it");

  std::vector<Command> commands = {
      setup_show(app, global),     setup_validate(app, global),
      setup_list(app, global),     setup_reset(app, global),
      setup_relaunch(app, global), setup_wait(app, global),
      setup_suspend(app, global),  setup_resume(app, global),
      setup_cancel(app, global),   setup_diff(app, global),
      setup_log(app, global),      setup_restore(app, global),
      setup_gc(app, global),       setup_help(app),
      setup_completion(app),
  };
  complete_help_footers(app);

  if (argc <= 1) {
    fmt::print("{}", app.help());
    return reprise::exit_code::k_success;
  }
  if (const auto word = first_command_word(app, argc, argv)) {
    const auto known = visible_commands(app);
    const bool exists = std::any_of(known.begin(), known.end(), [&](CLI::App* command) {
      return command->get_name() == *word;
    });
    if (!exists) {
      const std::vector<std::string> close = suggest_commands(app, *word);
      return usage_error(close.empty() ? fmt::format("unknown command '{}'", *word)
                                       : fmt::format("unknown command '{}' (did you mean {}?)",
                                                     *word, close.front()),
                         argc, argv);
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors follow the one-line rule of every other error, then point at help.
    return usage_error(e.what(), argc, argv);
  }
  if (!max_size.empty()) {
    auto limit = reprise::parse_byte_size(max_size);
    if (!limit) {
      return usage_error("--max-size: " + limit.error().message, argc, argv);
    }
    reprise::set_max_input_size(*limit);
  }
  global.color = color == "always"  ? ColorMode::always
                 : color == "never" ? ColorMode::never
                                    : ColorMode::auto_detect;
  global.verbosity = quiet ? -1 : (verbose ? 1 : 0);
  if (!harn_version.empty()) {
    auto rules = reprise::parse_harn_rules(harn_version);
    if (!rules) {
      return usage_error(rules.error().message, argc, argv);
    }
    global.harn = *rules;
  }

  for (const Command& command : commands) {
    if (command.app->parsed()) {
      set_json_mode(wants_json(*command.app));
      const int exit = finish_standard_output(command.run());
      finish_pager();
      start_due_compactions(global);
      return exit;
    }
  }
  return reprise::exit_code::k_usage;
}

} // namespace

int main(int argc, char** argv) {
  // The library reports failures as values; an exception that still gets here is a bug. Say so on
  // the one error line rather than let std::terminate abort.
  // Ctrl-C or a TERM during a write removes the temporary file instead of leaving it behind.
  reprise::install_temp_cleanup();
  try {
    return run(argc, argv);
  } catch (const std::system_error& e) {
    // fmt::print throws when standard output cannot be written (a full disk, /dev/full).
    if (std::ferror(stdout) != 0) {
      return reprise::cli::report_standard_output_failure(
          e.code().value(), reprise::exit_code::k_signal_base + SIGPIPE);
    }
    fmt::print(stderr, "reprise: error: internal: {}\n", e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "reprise: error: internal: {}\n", e.what());
  } catch (...) {
    fmt::print(stderr, "reprise: error: internal: unknown exception\n");
  }
  return reprise::exit_code::k_internal;
}
