#pragma once

#include "global_options.hpp"

// Compaction started by the writes themselves, as git's `gc --auto`. A write keeps the version it
// replaces uncompressed (history.hpp: a hard link, O(1)); once a command has added versions to a
// worker's history, main starts `reprise gc --auto ID` for each history whose plain versions
// passed the bound (compaction_due). That gc runs in a new session with its standard streams on
// /dev/null and is not waited for, so the command returns at once; it lowers its own CPU and I/O
// priority (lower_priority) and takes the history's rewrite lock, so two compactions never race
// and a compaction never races pruning. REPRISE_AUTO_GC (global.env.auto_gc) says "off" to start
// none and "wait" to wait for each (for scripts and tests that need the compacted history now);
// anything else starts them detached.
namespace reprise::cli {

// Starts the compactions that the versions this process kept made due (see above).
void start_due_compactions(const GlobalOptions& global);

// Lowers this process's priority to the least: nice 19, and the idle I/O class where the kernel's
// I/O scheduler has one.
void lower_priority();

} // namespace reprise::cli
