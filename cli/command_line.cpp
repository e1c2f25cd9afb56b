#include "command_line.hpp"

#include "base/fd.hpp"
#include "base/io.hpp"
#include "run/process.hpp"
#include "run/supervisor.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <fmt/format.h>

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

Result<std::vector<std::string>> command_or_environment(std::vector<std::string> command) {
  if (!command.empty()) {
    return command;
  }
  const char* text = std::getenv("REPRISE_COMMAND");
  if (text == nullptr || *text == '\0') {
    return command;
  }
  return split_words(text);
}

Result<void> check_leftovers(const std::vector<std::string>& remaining) {
  for (const std::string& word : remaining) {
    if (word != "--") {
      return fail(ErrorCode::usage, fmt::format("unexpected argument '{}'", word));
    }
  }
  return {};
}

} // namespace reprise::cli
