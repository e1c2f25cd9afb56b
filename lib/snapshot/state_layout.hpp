#pragma once

#include "base/error.hpp"
#include "base/fd.hpp"

#include <string>
#include <string_view>

// The one place that knows the layout of a state dir's bookkeeping, `<state dir>/.reprise/`:
//
//   history/<key>/        earlier versions of the snapshot `<key>.json` (history.hpp): <n>.json
//                         (plain: the replaced file itself, until compacted), <n>.zst (zstd),
//                         <n>.d<b>.zst (zstd, delta against version b) and index.jsonl (who
//                         replaced each version, when)
//   runs/<key>.jsonl      the run ledger: one line per attempt start and end (run_ledger.hpp)
//   runs/<key>/<n>.*      per-attempt files: the child's result file, the snapshot of a worker
//                         that does not persist its state
//   logs/<key>/<n>.out    the standard output and error of attempt n
//   logs/<key>/<n>.err
//   locks/<key>.lock      the worker lock and the snapshot edit lock (worker_lock.hpp)
//   locks/<key>.edit
//   locks/<key>.history   held while a version is added to the history of <key>
//   locks/<key>.history-rewrite  held while that history is compacted or pruned
//   waiters/<key>/        the sockets of `reprise wait` (waiters.hpp)
//
// `.reprise/` is trusted only when it is a real directory (not a symbolic link) owned by this user
// and writable by no one else; reprise creates it, and every directory in it, with mode 0700, and
// opens every file in it without following a symbolic link (make_private_dir, open_private_file).
// In a shared or world-writable state dir another user therefore cannot plant a link that would
// make reprise truncate, write or delete a file of theirs choosing.
//
// Everything is keyed by the worker key: the snapshot's FILE NAME without ".json" (for files harn
// wrote, the worker id), never by the `id` inside the file, so that every command finds the same
// history, ledger and lock for one file.
namespace reprise {

// The directory that holds the snapshot at `snapshot_path`, whose `.reprise/` keeps its history,
// runs, logs, locks and waiters ("." for a bare file name).
std::string state_dir_for_snapshot(const std::string& snapshot_path);

// The worker key of the snapshot at `snapshot_path`: its file name without `.json`.
std::string worker_key_for_snapshot(const std::string& snapshot_path);

// `<state_dir>/.reprise`.
std::string reprise_dir(const std::string& state_dir);

// `<state_dir>/.reprise/history/<key>`.
std::string history_dir(const std::string& state_dir, const std::string& key);
// `<state_dir>/.reprise/history`.
std::string history_root(const std::string& state_dir);

// `<state_dir>/.reprise/runs`.
std::string runs_root(const std::string& state_dir);
// `<state_dir>/.reprise/runs/<key>.jsonl`.
std::string ledger_path(const std::string& state_dir, const std::string& key);
// `<state_dir>/.reprise/runs/<key>`: the per-attempt files of a worker.
std::string run_files_dir(const std::string& state_dir, const std::string& key);
// `<state_dir>/.reprise/runs/<key>/<attempt>.result.json`: the child's result file.
std::string attempt_result_path(const std::string& state_dir, const std::string& key, int attempt);
// `<state_dir>/.reprise/runs/<key>/<attempt>.json`: the snapshot of a run of a worker that does
// not persist its state.
std::string attempt_snapshot_path(const std::string& state_dir, const std::string& key,
                                  int attempt);

// `<state_dir>/.reprise/logs`.
std::string logs_root(const std::string& state_dir);
// `<state_dir>/.reprise/logs/<key>`.
std::string logs_dir(const std::string& state_dir, const std::string& key);
// `<state_dir>/.reprise/logs/<key>/<attempt>.<stream>` (stream "out" or "err").
std::string attempt_log_path(const std::string& state_dir, const std::string& key, int attempt,
                             std::string_view stream);

// `<state_dir>/.reprise/locks`.
std::string locks_dir(const std::string& state_dir);
// `<state_dir>/.reprise/locks/<key>.lock`.
std::string worker_lock_path(const std::string& state_dir, const std::string& key);
// `<state_dir>/.reprise/locks/<key>.edit`.
std::string edit_lock_path(const std::string& state_dir, const std::string& key);

// `<state_dir>/.reprise/locks/<key>.history`: held while a version is added to the worker's
// history.
std::string history_lock_path(const std::string& state_dir, const std::string& key);
// `<state_dir>/.reprise/locks/<key>.history-rewrite`: held while the worker's history is
// compacted or pruned.
std::string history_rewrite_lock_path(const std::string& state_dir, const std::string& key);

// `<state_dir>/.reprise/waiters/<key>`, where the waiters of a worker bind their sockets.
std::string waiters_dir(const std::string& state_dir, const std::string& key);

// Makes `dir` (`.reprise/` of a state dir, or a directory below it) exist, creating what is missing
// with mode 0700, after checking that its `.reprise/` can be trusted (above); cannot_write naming
// the directory, with the reason, otherwise. A `dir` outside any `.reprise/` is only created.
Result<void> make_private_dir(const std::string& dir);

// Opens `path`, a file below a `.reprise/` made by make_private_dir, with `flags` (O_CLOEXEC and
// O_NOFOLLOW added; new files get mode 0600): a symbolic link or anything but a regular file there
// is refused, never followed, and opening never blocks on a planted FIFO. cannot_write naming the
// file otherwise.
Result<Fd> open_private_file(const std::string& path, int flags);

} // namespace reprise
