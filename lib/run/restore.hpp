#pragma once

#include "base/error.hpp"
#include "base/uuid7.hpp"

#include <cstdint>
#include <string>
#include <string_view>

// `reprise restore ID@N`: an earlier version of a snapshot made current again.
namespace reprise {

struct RestoreReport {
  std::uint64_t restored = 0; // the version made current
  std::uint64_t kept = 0;     // the number the replaced version got in the history (0: unchanged)
  std::uint64_t size = 0;     // bytes written
};

// Makes the version `revision` (history.hpp) of the snapshot at `snapshot_path` current: the file
// is replaced atomically (keeping its mode) by that version's bytes, byte for byte, after the
// version it replaces was kept in the history (so a restore is itself undone by another). Refused
// with busy (exit 75) while a reprise runs the worker (its worker lock is held); a revision that
// names the current version changes nothing.
Result<RestoreReport> restore_version(const std::string& snapshot_path, std::string_view revision,
                                      IdSource& ids);

} // namespace reprise
