#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace reprise::cli {

enum class ColorMode { auto_detect, always, never };

// Options that every command accepts (cli.md "Global options"), filled in by main before a command
// runs.
struct GlobalOptions {
  std::string state_dir; // --state-dir; empty: $HARN_WORKER_STATE_DIR, else .harn/workers
  std::optional<std::int64_t> now_ms; // --now or REPRISE_NOW
  std::optional<std::uint64_t> seed;  // --seed or REPRISE_SEED
  ColorMode color = ColorMode::auto_detect;
  int verbosity = 0; // -1 quiet, 0 normal, 1 verbose

  // Whether output written to `fd` should be coloured (terminal, NO_COLOR, --color).
  bool use_color(int fd) const;
};

} // namespace reprise::cli
