#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Everything derived from the CLI11 tree, so that a new command is covered without touching this:
// `reprise help`, "did you mean", the help footers, the man page and the completion scripts.
namespace reprise::cli {

// The commands a user can run (no hidden ones), in the order they were added.
std::vector<CLI::App*> visible_commands(CLI::App& root);

// The first word of argv that is not a root option or its value; nullopt when there is none.
std::optional<std::string> first_command_word(CLI::App& root, int argc, char** argv);

// Command names close to `word` (edit distance ≤ 2, or `word` is a prefix), best first.
std::vector<std::string> suggest_commands(CLI::App& root, std::string_view word);

// Gives every command the help footer sections it lacks: "Examples:" (pointing at the manual) and
// "Exit status:" (the table of exit codes).
void complete_help_footers(CLI::App& root);

// The exit-code table every help ends with.
std::string exit_status_text();

// The man page reprise(1), in roff, from the tree (the same text as --help).
std::string man_page(CLI::App& root);

// A completion script for `shell` (bash, zsh or fish); nullopt for another shell.
std::optional<std::string> completion_script(CLI::App& root, std::string_view shell);

} // namespace reprise::cli
