// `reprise help [COMMAND]` and `reprise completion bash|zsh|fish`: both derived from the CLI11
// tree.
#include "app_tree.hpp"
#include "base/exit_code.hpp"
#include "commands.hpp"
#include "output.hpp"

#include <fmt/format.h>

namespace reprise::cli {

namespace {

struct HelpOptions {
  std::string command;
  bool man = false;
};

int unknown_command(CLI::App& root, const std::string& word) {
  const std::vector<std::string> close = suggest_commands(root, word);
  std::string message = fmt::format("unknown command '{}'", word);
  if (!close.empty()) {
    message += fmt::format(" (did you mean {}?)", close.front());
  }
  return report_error(Error::usage(message), false);
}

int run_help(CLI::App& root, const HelpOptions& options) {
  if (options.man) {
    fmt::print("{}", man_page(root));
    return exit_code::k_success;
  }
  if (options.command.empty()) {
    // root.help() would describe the parsed subcommand, `help` itself.
    fmt::print("{}", root.get_formatter()->make_help(&root, "reprise", CLI::AppFormatMode::Normal));
    return exit_code::k_success;
  }
  for (CLI::App* command : visible_commands(root)) {
    if (command->get_name() == options.command) {
      const std::string text = command->help("reprise");
      fmt::print("{}{}", text, text.ends_with('\n') ? "" : "\n");
      return exit_code::k_success;
    }
  }
  return unknown_command(root, options.command);
}

} // namespace

Command setup_help(CLI::App& root) {
  auto options = std::make_shared<HelpOptions>();
  CLI::App* app = root.add_subcommand("help", "Help on reprise or on one COMMAND");
  app->add_option("command", options->command, "The command to explain");
  app->add_flag("--man", options->man, "Print the man page reprise(1) in roff")->group("");
  app->footer("Examples:\n"
              "  reprise help\n"
              "  reprise help relaunch\n\n"
              "Exit status:\n"
              "  0  help printed\n"
              "  2  no such command");
  return {app, [options, &root] { return run_help(root, *options); }};
}

Command setup_completion(CLI::App& root) {
  auto shell = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand(
      "completion", "Print the completion script for bash, zsh or fish (worker ids included)");
  app->add_option("shell", *shell, "bash, zsh or fish")->required();
  app->footer("Examples:\n"
              "  source <(reprise completion bash)                  # this bash session\n"
              "  reprise completion zsh > ~/.zfunc/_reprise         # zsh, with ~/.zfunc in fpath\n"
              "  reprise completion fish > ~/.config/fish/completions/reprise.fish\n"
              "Installed packages put them in place already.\n\n"
              "Exit status:\n"
              "  0  script printed\n"
              "  2  unknown shell");
  return {app, [shell, &root] {
            auto script = completion_script(root, *shell);
            if (!script) {
              return report_error(
                  Error::usage(fmt::format("no completion for '{}' (bash, zsh or fish)", *shell)),
                  false);
            }
            fmt::print("{}", *script);
            return exit_code::k_success;
          }};
}

} // namespace reprise::cli
