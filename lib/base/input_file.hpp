#pragma once

#include "base/error.hpp"
#include "base/fd.hpp"

#include <cstdint>
#include <string>

// Opening a file reprise reads as input (a snapshot, a child's result file, a run ledger): only a
// regular file is read, and only up to a size limit checked before anything is allocated. A FIFO,
// a device or a socket given as a snapshot (or planted in a state dir under a `*.json` name) is
// refused at once: the open never blocks (O_NONBLOCK until fstat has said what the file is), and
// `/dev/zero` is never read until memory runs out.
namespace reprise {

// The default limit: larger than any snapshot harn writes, small enough that a stray multi-GB file
// is refused instead of read.
inline constexpr std::uint64_t k_default_max_input_size = std::uint64_t{2} << 30; // 2 GiB

// The limit for the whole process (`--max-size`); the CLI sets it once, before reading anything.
void set_max_input_size(std::uint64_t bytes);
std::uint64_t max_input_size();

// An input file, open for (blocking) reads, with its size when it was opened.
struct InputFile {
  Fd fd;
  std::uint64_t size = 0;
};

// Opens `path` for reading: not_found ("no such file", "is a directory, not a snapshot file",
// "not a regular file (a FIFO)", "is 3.1 GiB, larger than the 2.0 GiB limit (--max-size)", or the
// system's reason) otherwise.
Result<InputFile> open_input_file(const std::string& path);

// Reads `fd` (a pipe or terminal: standard input) to its end into `out`, refusing more than
// max_input_size() bytes; `name` names it in errors.
Result<void> read_input_stream(int fd, const std::string& name, std::string& out);

} // namespace reprise
