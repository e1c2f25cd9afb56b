#pragma once

#include <cstdint>
#include <string>
#include <vector>

// The temporary files an AtomicFile writes before renaming them into place, and what becomes of
// them when their writer dies. A temporary is named `.<target>.tmp.<pid>@<host>.<random>`: hidden
// and not ending in `.json`, so listings never take half a file for a snapshot, and naming its
// writer, so a later command can prove the writer dead and remove what it left.
//
// - A writer ended by SIGINT, SIGTERM or SIGHUP removes its own temporaries first
//   (install_temp_cleanup: a handler that unlinks every registered temporary, then lets the signal
//   end the process as it would have).
// - A writer killed outright (SIGKILL, a crash, power loss) cannot: the next writer of the same
//   target removes the temporaries whose writer is gone (remove_stale_temps), `reprise gc` removes
//   all such in a state dir, and `list`/`validate` mention them (find_stale_temps).
namespace reprise {

// "<dir>/.<base>.tmp.<pid>@<host>.XXXXXX", a mkstemp template for a temporary of `<dir>/<base>`.
std::string temp_template(const std::string& dir, const std::string& base);

// Registers `path` for removal should a termination signal end the process; unregister once it
// has been renamed or removed. Async-signal-safe to read; up to 64 at a time (more are not
// registered, and then only found stale later).
void register_temp(const std::string& path);
void unregister_temp(const std::string& path);

// Installs the removal on SIGINT, SIGTERM and SIGHUP (a signal that is ignored stays ignored).
// Called once by the program, before anything is written.
void install_temp_cleanup();

// A temporary whose writer is provably gone.
struct StaleTemp {
  std::string path;
  std::uint64_t bytes = 0;
};

// The stale temporaries in `dir` (of every target, or of `<dir>/<base>` only when `base` is not
// empty): written on this host by a process that no longer runs, or in the old naming without a
// writer and last modified more than an hour ago.
std::vector<StaleTemp> find_stale_temps(const std::string& dir, const std::string& base = {});

// Removes find_stale_temps(dir, base); the number of bytes freed.
std::uint64_t remove_stale_temps(const std::string& dir, const std::string& base = {});

} // namespace reprise
