#pragma once

#include "base/error.hpp"
#include "global_options.hpp"
#include "run/relaunch.hpp"
#include "snapshot/state_dir.hpp"

#include <functional>
#include <nlohmann/json.hpp>
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

// `command` when given, else `environment` (REPRISE_COMMAND, read by the option parser) split into
// words as a shell would (never run by one); empty when neither is there.
Result<std::vector<std::string>> command_or_environment(std::vector<std::string> command,
                                                        const std::string& environment);

// The command settings of a run: `command` or `environment` as command_or_environment reads them;
// when neither gives one, harn's executable found in `path` (PATH, read by the option parser) for
// a top_level_agent worker (command_for_run decides once the worker is read).
Result<void> set_run_command(RunSettings& settings, std::vector<std::string> command,
                             const Environment& environment);

// Worker ids or paths read from standard input for --stdin-ids: one a line, or NUL-separated
// (`list --ids -0`); blank lines are skipped.
Result<std::vector<std::string>> read_stdin_ids();

// A usage error for arguments CLI11 left over (anything but the `--` marker).
Result<void> check_leftovers(const std::vector<std::string>& remaining);

// Runs `one` on each TARGET in turn (a file, never standard input: `command` names the command in
// that error). `one` returns the target's JSON row and sets `text` to its line for people (none
// when empty). Text: the lines on standard output, errors on standard error as they come. JSON: one
// envelope whose data is the array of rows (on standard error, with the rows that worked, when a
// target failed). Returns the exit code of the first failure, else 0.
int for_each_target(
    const std::vector<std::string>& targets, const GlobalOptions& global, bool json,
    std::string_view command,
    const std::function<Result<nlohmann::ordered_json>(const Target&, std::string&)>& one);

} // namespace reprise::cli
