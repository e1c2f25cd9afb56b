#include "command_line.hpp"

#include "base/fd.hpp"
#include "base/io.hpp"
#include "output.hpp"
#include "run/process.hpp"
#include "run/supervisor.hpp"
#include "targets.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace reprise::cli {

namespace {

// This process's own arguments, from /proc/self/cmdline.
std::vector<std::string> own_arguments() {
  std::vector<std::string> args;
  Fd fd(::open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return args;
  }
  auto text = read_to_end(fd.get());
  if (!text) {
    return args;
  }
  std::size_t start = 0;
  while (start < text->size()) {
    const std::size_t end = text->find('\0', start);
    args.push_back(text->substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  return args;
}

} // namespace

Result<std::pair<std::vector<std::string>, std::vector<std::string>>>
split_targets_and_command(const std::vector<std::string>& words, std::string_view subcommand) {
  const std::vector<std::string> args = own_arguments();
  std::size_t after_marker = 0;
  bool seen_subcommand = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!seen_subcommand) {
      seen_subcommand = args[i] == subcommand;
      continue;
    }
    if (args[i] == "--") {
      after_marker = args.size() - i - 1;
      break;
    }
  }
  if (after_marker > words.size()) {
    return fail(ErrorCode::usage, "cannot tell TARGETs from COMMAND");
  }
  const auto split = words.end() - static_cast<std::ptrdiff_t>(after_marker);
  return std::pair{std::vector<std::string>(words.begin(), split),
                   std::vector<std::string>(split, words.end())};
}

Result<std::vector<std::string>> command_or_environment(std::vector<std::string> command,
                                                        const std::string& environment) {
  if (!command.empty() || environment.empty()) {
    return command;
  }
  return split_words(environment);
}

Result<void> set_run_command(RunSettings& settings, std::vector<std::string> command,
                             const Environment& environment) {
  auto resolved = command_or_environment(std::move(command), environment.command);
  if (!resolved) {
    return std::unexpected(resolved.error());
  }
  settings.command = std::move(*resolved);
  if (settings.command.empty()) {
    settings.harn_program = find_harn(environment.path).value_or("");
  }
  return {};
}

Result<std::vector<std::string>> read_stdin_ids() {
  auto text = read_to_end(STDIN_FILENO);
  if (!text) {
    return fail(ErrorCode::not_found, "cannot read worker ids from standard input", "<stdin>");
  }
  const char separator = text->find('\0') != std::string::npos ? '\0' : '\n';
  std::vector<std::string> ids;
  std::size_t start = 0;
  while (start <= text->size()) {
    std::size_t end = text->find(separator, start);
    if (end == std::string::npos) {
      end = text->size();
    }
    std::string id = text->substr(start, end - start);
    while (!id.empty() && (id.back() == '\r' || id.back() == ' ')) {
      id.pop_back();
    }
    if (!id.empty()) {
      ids.push_back(std::move(id));
    }
    start = end + 1;
  }
  return ids;
}

Result<void> check_leftovers(const std::vector<std::string>& remaining) {
  for (const std::string& word : remaining) {
    if (word != "--") {
      return fail(ErrorCode::usage, fmt::format("unexpected argument '{}'", word));
    }
  }
  return {};
}

int for_each_target(const std::vector<std::string>& targets, const GlobalOptions& global, bool json,
                    std::string_view command,
                    const std::function<Result<Json>(const Target&, std::string&)>& one) {
  const std::string state_dir = state_dir_of(global);
  Json rows = Json::array();
  std::optional<Error> first_error;
  for (const std::string& argument : targets) {
    // Prefixes and `@REV` as everywhere (targets.hpp); a command that changes the worker refuses a
    // revision itself (refuse_revision).
    Result<Target> target = find_target(argument, state_dir);
    Result<Json> row =
        !target ? Result<Json>{std::unexpected(target.error())}
        : target->is_stdin
            ? fail(ErrorCode::usage,
                   fmt::format("{} needs a snapshot file, not standard input", command))
            : Result<Json>{};
    std::string text;
    if (row) {
      row = one(*target, text);
    }
    if (!row) {
      if (!json) {
        std::fflush(stdout);
        report_error(row.error(), false);
      }
      if (!first_error) {
        first_error = row.error();
      }
      continue;
    }
    if (json) {
      rows.push_back(std::move(*row));
    } else if (!text.empty()) {
      fmt::print("{}\n", text);
    }
  }
  if (json) {
    if (first_error) {
      return report_error_with_data(*first_error, rows);
    }
    print_result(rows);
  }
  return first_error ? first_error->exit_code() : 0;
}

} // namespace reprise::cli
