#include "terminal.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utf8proc.h>

namespace reprise::cli {

namespace {

pid_t g_pager_pid = -1;

// The next code point of `text` at `pos` and its length in bytes; length 1 and code point -1 for
// an invalid byte.
std::pair<std::int32_t, std::size_t> next_code_point(std::string_view text, std::size_t pos) {
  utf8proc_int32_t code_point = -1;
  const auto length =
      utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                       static_cast<utf8proc_ssize_t>(text.size() - pos), &code_point);
  if (length <= 0) {
    return {-1, 1};
  }
  return {code_point, static_cast<std::size_t>(length)};
}

std::size_t width_of(std::int32_t code_point) {
  if (code_point < 0) {
    return 4; // \xHH
  }
  const int width = utf8proc_charwidth(code_point);
  return width < 0 ? 0 : static_cast<std::size_t>(width);
}

} // namespace

bool GlobalOptions::use_color(int fd) const {
  switch (color) {
  case ColorMode::always:
    return true;
  case ColorMode::never:
    return false;
  case ColorMode::auto_detect:
    break;
  }
  if (!env.no_color.empty()) {
    return false;
  }
  if (!env.clicolor_force.empty() && env.clicolor_force != "0") {
    return true;
  }
  if (env.term == "dumb") {
    return false;
  }
  return isatty(fd) == 1;
}

void start_pager(const GlobalOptions& global) {
  if (g_pager_pid > 0 || global.no_pager || global.env.term == "dumb" ||
      isatty(STDOUT_FILENO) != 1) {
    return;
  }
  const std::string pager = global.env.pager.empty() ? "less -FRX" : global.env.pager;
  if (pager == "cat") {
    return;
  }
  int fds[2];
  if (::pipe(fds) != 0) {
    return;
  }
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  if (pid == 0) {
    ::dup2(fds[0], STDIN_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::setenv("LESS", "FRX", 0); // the child's environment: `less` then quits on one screen
    ::execl("/bin/sh", "sh", "-c", pager.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::dup2(fds[1], STDOUT_FILENO);
  ::close(fds[0]);
  ::close(fds[1]);
  g_pager_pid = pid;
}

void finish_pager() {
  if (g_pager_pid <= 0) {
    return;
  }
  std::fflush(stdout);
  ::close(STDOUT_FILENO); // the pager sees end of input
  int status = 0;
  while (::waitpid(g_pager_pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_pager_pid = -1;
}

std::size_t terminal_columns(int fd, const GlobalOptions& global) {
  struct winsize size {};
  if (isatty(fd) == 1 && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  if (!global.env.columns.empty()) {
    char* end = nullptr;
    const unsigned long columns = std::strtoul(global.env.columns.c_str(), &end, 10);
    if (end != nullptr && *end == '\0' && columns > 0 && columns < 10000) {
      return columns;
    }
  }
  return 0;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto [code_point, length] = next_code_point(text, pos);
    width += width_of(code_point);
    pos += length;
  }
  return width;
}

std::string fit_display_width(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) {
    return std::string(text);
  }
  if (width == 0) {
    return {};
  }
  std::string out;
  std::size_t used = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto [code_point, length] = next_code_point(text, pos);
    const std::size_t w = width_of(code_point);
    if (used + w + 1 > width) { // room for the "…"
      break;
    }
    out.append(text.substr(pos, length));
    used += w;
    pos += length;
  }
  return out + "…";
}

} // namespace reprise::cli
