#include "reset_flags.hpp"

#include "snapshot/snapshot_carry.hpp"

namespace reprise::cli {

void add_reset_flags(CLI::App& app, ResetFlags& flags) {
  CLI::Option* task = app.add_option("--task", flags.task, "The next task (harn's send_input)");
  CLI::Option* trigger = app.add_option(
      "--trigger", flags.trigger,
      "Trigger payload, JSON or plain text (harn's worker_trigger; keeps latest_payload)");
  task->excludes(trigger);
  app.add_option("--transcript-mode", flags.transcript_mode,
                 "Override carry_policy.transcript_mode: inherit, fork, reset or compact");
  app.add_option("--artifact-mode", flags.artifact_mode,
                 "Override carry_policy.artifact_mode: inherit or none")
      ->check(CLI::IsMember({"inherit", "none"}));
}

Result<ResetRequest> make_reset_request(const ResetFlags& flags, HarnRules rules) {
  ResetRequest request;
  request.rules = rules;
  request.entry = flags.trigger ? Entry::trigger : Entry::send_input;
  request.input = flags.trigger ? *flags.trigger : flags.task.value_or("");
  if (!flags.transcript_mode.empty()) {
    auto mode = parse_transcript_mode(flags.transcript_mode);
    if (!mode) {
      return std::unexpected(mode.error());
    }
    request.transcript_mode = *mode;
  }
  if (!flags.artifact_mode.empty()) {
    request.artifact_mode = artifact_mode_of(flags.artifact_mode);
  }
  return request;
}

} // namespace reprise::cli
