#pragma once

#include "base/fd.hpp"

#include <cstddef>
#include <memory>

namespace reprise {

// Whether a mapping's pages are faulted in by mmap itself or left for later.
enum class Populate { now, later };

// A regular file mapped read-only, followed by at least SIMDJSON_PADDING zero bytes (the tail of
// its last page, then an anonymous page), held under a read lease so no one changes or truncates
// it while mapped (for up to the kernel's lease-break time: the lease makes a writer's open wait
// until this object is gone, then the kernel lets it through). Registered as file bytes
// (file_bytes.hpp) while it lives. Installs a no-op handler for SIGIO, the lease-break signal,
// whose default action would end the process.
class MappedFile {
public:
  // Maps `fd` (open read-only) of `size` bytes, taking it over; null (and `fd` left open) when a
  // lease or the mapping cannot be had, or the file is no longer `size` bytes once leased.
  static std::unique_ptr<MappedFile> map(Fd& fd, std::size_t size, Populate populate);
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // Unregisters and unmaps; closing the descriptor releases the lease.
  ~MappedFile();

  // The first byte.
  const char* data() const { return m_data; }
  // The file's size (the padding not included).
  std::size_t size() const { return m_size; }

private:
  MappedFile(const char* data, std::size_t size, std::size_t length, Fd fd)
      : m_data(data), m_size(size), m_length(length), m_fd(std::move(fd)) {}

  const char* m_data;
  std::size_t m_size;
  std::size_t m_length; // of the whole mapping, padding included
  Fd m_fd;              // holds the lease
};

} // namespace reprise
