#pragma once

// The process exit codes of cli.md's table; only cli/ turns them into an actual exit.
namespace reprise::exit_code {

inline constexpr int k_success = 0;
inline constexpr int k_failure = 1;           // diff: different; wait/relaunch: a worker failed
inline constexpr int k_usage = 2;             // unknown command or option, bad value
inline constexpr int k_invalid_snapshot = 65; // JSON syntax or harn's loader rules
inline constexpr int k_not_found = 66;        // a target does not exist or cannot be read
inline constexpr int k_internal = 70;         // a bug: an exception reached main (EX_SOFTWARE)
inline constexpr int k_cannot_write = 73;     // an output cannot be written
inline constexpr int k_busy = 75;             // already running, or locked by another reprise
inline constexpr int k_timeout = 124;         // --timeout expired
inline constexpr int k_cannot_execute = 126;  // COMMAND cannot be executed
inline constexpr int k_command_not_found = 127;
inline constexpr int k_signal_base = 128; // 128+N: reprise was ended by signal N

} // namespace reprise::exit_code
