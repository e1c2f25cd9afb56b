#pragma once

#include "snapshot/harn_rules.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace reprise::cli {

enum class ColorMode { auto_detect, always, never };

// What the environment says, read by the option parser (main's hidden options with ->envname):
// neither cli/ nor lib/ calls getenv.
struct Environment {
  std::string no_color;       // NO_COLOR: non-empty turns colour off
  std::string clicolor_force; // CLICOLOR_FORCE: non-empty and not "0" turns colour on off a tty
  std::string term;           // TERM: "dumb" turns colour and the pager off
  std::string pager;          // PAGER (empty: less -FRX; "cat": none)
  std::string command;        // REPRISE_COMMAND: relaunch/resume COMMAND when none is given
  std::string path;           // PATH: where relaunch/resume look for harn when there is no COMMAND
  std::string columns;        // COLUMNS: table width when the terminal does not say
  std::string auto_gc;        // REPRISE_AUTO_GC: "off", "wait", else detached (auto_gc.hpp)
};

// Options that every command accepts (manual.md "Global options"), filled in by main before a
// command runs.
struct GlobalOptions {
  std::string state_dir;              // --state-dir or $HARN_WORKER_STATE_DIR; empty: .harn/workers
  std::optional<std::int64_t> now_ms; // --now or REPRISE_NOW
  std::optional<std::uint64_t> seed;  // --seed or REPRISE_SEED
  ColorMode color = ColorMode::auto_detect;
  int verbosity = 0;                    // -1 quiet, 0 normal, 1 verbose
  bool no_pager = false;                // --no-pager
  HarnRules harn = k_newest_harn_rules; // --harn or REPRISE_HARN: whose loader rules apply
  Environment env;

  // Whether output written to `fd` should be coloured: --color, then NO_COLOR, CLICOLOR_FORCE,
  // TERM=dumb, then whether `fd` is a terminal.
  bool use_color(int fd) const;
};

} // namespace reprise::cli
