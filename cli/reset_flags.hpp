#pragma once

#include "base/error.hpp"
#include "reset/reset.hpp"

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace reprise::cli {

// The options `reset` and `relaunch` share: the entry (--task or --trigger) and the mode overrides.
struct ResetFlags {
  std::optional<std::string> task;    // harn's send_input
  std::optional<std::string> trigger; // harn's worker_trigger
  std::string transcript_mode;        // empty: the snapshot's policy
  std::string artifact_mode;          // empty: the snapshot's policy

  // Whether --task or --trigger was given.
  bool has_entry() const { return task.has_value() || trigger.has_value(); }
};

// Adds --task, --trigger (mutually exclusive), --transcript-mode and --artifact-mode to `app`.
void add_reset_flags(CLI::App& app, ResetFlags& flags);

// The reset request the flags ask for; a bad --transcript-mode is a usage error.
Result<ResetRequest> make_reset_request(const ResetFlags& flags, HarnRules rules);

} // namespace reprise::cli
