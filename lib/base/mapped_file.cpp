#include "base/mapped_file.hpp"

#include "base/file_bytes.hpp"

#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise {

namespace {

// A no-op handler for the lease-break signal, whose default action would end the process. The
// writer that broke the lease waits until the mapping is gone (or the lease-break time is over);
// nothing else is needed.
void on_lease_break(int) {}

void install_lease_break_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = on_lease_break;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGIO, &action, nullptr);
  });
}

} // namespace

std::unique_ptr<MappedFile> MappedFile::map(Fd& fd, std::size_t size, Populate populate) {
  install_lease_break_handler();
  if (::fcntl(fd.get(), F_SETLEASE, F_RDLCK) != 0) {
    return nullptr;
  }
  // A writer may have changed the file between the caller's fstat and the lease.
  struct stat leased {};
  if (::fstat(fd.get(), &leased) != 0 || static_cast<std::size_t>(leased.st_size) != size) {
    ::fcntl(fd.get(), F_SETLEASE, F_UNLCK);
    return nullptr;
  }
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t length = (size + simdjson::SIMDJSON_PADDING + page - 1) / page * page;
  void* base = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    ::fcntl(fd.get(), F_SETLEASE, F_UNLCK);
    return nullptr;
  }
  const int flags = MAP_PRIVATE | MAP_FIXED | (populate == Populate::now ? MAP_POPULATE : 0);
  if (::mmap(base, size, PROT_READ, flags, fd.get(), 0) == MAP_FAILED) {
    ::munmap(base, length);
    ::fcntl(fd.get(), F_SETLEASE, F_UNLCK);
    return nullptr;
  }
  auto mapped = std::unique_ptr<MappedFile>(
      new MappedFile(static_cast<const char*>(base), size, length, std::move(fd)));
  register_file_bytes({mapped->m_data, size}, mapped->m_fd.get());
  return mapped;
}

MappedFile::~MappedFile() {
  unregister_file_bytes(m_data);
  ::munmap(const_cast<char*>(m_data), m_length);
}

} // namespace reprise
