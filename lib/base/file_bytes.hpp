#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <sys/types.h>

// Bytes in memory that are, byte for byte, a range of an open file that does not change while they
// are registered (a snapshot mapped under a read lease, see Document; the registering owner keeps
// the descriptor open until it unregisters). Writers hand such bytes to
// the kernel to copy file to file (copy_file_range) instead of writing them from memory: for the
// transcript of a large snapshot, moving page-cache pages is several times faster than write()
// from a buffer that is long out of the CPU caches.
namespace reprise {

// Where registered bytes live in their file.
struct FileRange {
  int fd = -1;
  off_t offset = 0; // of the first byte asked about
  std::size_t available =
      0; // registered bytes from that first byte on (at least those asked about)
};

// Registers `bytes` as the contents of `fd` from offset 0 until unregistered.
void register_file_bytes(std::string_view bytes, int fd);
// Forgets the registration whose bytes start at `data`.
void unregister_file_bytes(const char* data);
// The file range holding `bytes` when they lie inside registered bytes.
std::optional<FileRange> file_range_of(std::string_view bytes);

// Writes all of `bytes` to `out_fd` (looping on partial writes and EINTR): large registered bytes
// are copied file to file when the kernel can, the rest is written. 0, or the errno of the failure.
int write_through(int out_fd, std::string_view bytes);

} // namespace reprise
