#pragma once

#include "base/error.hpp"

#include <cerrno>
#include <cstddef>
#include <poll.h>
#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>

// Descriptor I/O with EINTR handled in one place: the retry wrapper every system call that can be
// interrupted goes through (fmt's FMT_RETRY in os.cc is the model), and the loops built on it
// (read to end of file, write all, poll with a deadline). Nothing here is retried on any error but
// EINTR, and close(2) is never retried: on Linux the descriptor is gone even when close says EINTR.
namespace reprise {

// Calls `call()` again while it returns -1 with errno EINTR; its last result otherwise (errno is
// then the call's own). For the system calls that report failure as -1 and errno.
template <typename Call> auto retry_on_eintr(Call&& call) -> decltype(call()) {
  decltype(call()) result;
  do {
    result = call();
  } while (result == -1 && errno == EINTR);
  return result;
}

// read(2) retried on EINTR: the count, 0 at end of file, or -1 with errno set.
ssize_t read_some(int fd, void* buffer, std::size_t size);
// Reads until `size` bytes are in `buffer` or end of file comes first: the count read (short only
// at end of file), or -1 with errno set.
ssize_t read_full(int fd, char* buffer, std::size_t size);
// Appends everything `fd` holds up to end of file to `out`: 0, or the errno of the failure (what
// was read before it stays appended).
int read_append(int fd, std::string& out);
// Reads `fd` until end of file; not_found ("read: <reason>") when a read fails.
Result<std::string> read_to_end(int fd);

// Writes all of `bytes`, retrying on EINTR and partial writes; false on error (errno set).
bool write_all(int fd, std::string_view bytes);

// poll(2) on `fds`, retried on EINTR with what is left of `timeout_ms` (negative: no limit): the
// number of ready descriptors, 0 when the time ran out, or -1 with errno set.
int poll_retrying(std::span<pollfd> fds, int timeout_ms);

} // namespace reprise
