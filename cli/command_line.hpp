#pragma once

#include "base/error.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Shared by the commands that run a child (relaunch, resume): where TARGETs end and COMMAND begins.
namespace reprise::cli {

// Splits the positional `words` of `subcommand` into TARGETs and the COMMAND that followed `--`
// on the command line (CLI11 keeps the words in order but drops the `--`).
Result<std::pair<std::vector<std::string>, std::vector<std::string>>>
split_targets_and_command(const std::vector<std::string>& words, std::string_view subcommand);

// `command` when given, else REPRISE_COMMAND split into words as a shell would (never run by one);
// empty when neither is there.
Result<std::vector<std::string>> command_or_environment(std::vector<std::string> command);

// A usage error for arguments CLI11 left over (anything but the `--` marker).
Result<void> check_leftovers(const std::vector<std::string>& remaining);

} // namespace reprise::cli
