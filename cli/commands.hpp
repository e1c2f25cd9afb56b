#pragma once

#include "global_options.hpp"

#include <CLI/CLI.hpp>
#include <functional>

namespace reprise::cli {

// A registered subcommand: its CLI11 app and the function that runs it once parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// One per cli/cmd_<name>.cpp; each adds its subcommand to `root` and returns how to run it.
Command setup_show(CLI::App& root, const GlobalOptions& global);
Command setup_validate(CLI::App& root, const GlobalOptions& global);
Command setup_list(CLI::App& root, const GlobalOptions& global);
Command setup_reset(CLI::App& root, const GlobalOptions& global);
Command setup_relaunch(CLI::App& root, const GlobalOptions& global);
Command setup_wait(CLI::App& root, const GlobalOptions& global);
Command setup_suspend(CLI::App& root, const GlobalOptions& global);
Command setup_resume(CLI::App& root, const GlobalOptions& global);
Command setup_cancel(CLI::App& root, const GlobalOptions& global);
Command setup_diff(CLI::App& root, const GlobalOptions& global);
Command setup_log(CLI::App& root, const GlobalOptions& global);
Command setup_restore(CLI::App& root, const GlobalOptions& global);
Command setup_gc(CLI::App& root, const GlobalOptions& global);

// cli/cmd_help.cpp: `help` and `completion`, derived from the whole tree (add them last).
Command setup_help(CLI::App& root);
Command setup_completion(CLI::App& root);

} // namespace reprise::cli
