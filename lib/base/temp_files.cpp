#include "base/temp_files.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise {
namespace {

constexpr std::string_view k_marker = ".tmp.";
// Temporaries in the naming without a writer are stale once this old.
constexpr std::time_t k_legacy_stale_seconds = 3600;

// One registered temporary. `state` is 0 (free), 1 (being filled or emptied) or 2 (registered):
// the handler reads only slots in state 2, whose path is complete.
struct Slot {
  std::atomic<int> state{0};
  std::array<char, PATH_MAX> path{};
};
std::array<Slot, 64> g_slots;

constexpr int k_cleaned_signals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void on_signal_remove_temps(int signal) {
  for (Slot& slot : g_slots) {
    if (slot.state.load() == 2) {
      ::unlink(slot.path.data());
    }
  }
  // End the process as the signal would have: default action, delivered when the handler returns
  // (the signal is blocked until then).
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

const std::string& host_name() {
  static const std::string name = [] {
    std::array<char, 256> buffer{};
    if (::gethostname(buffer.data(), buffer.size() - 1) != 0) {
      return std::string("localhost");
    }
    return std::string(buffer.data());
  }();
  return name;
}

// Whether `name` is a temporary (of `base` when not empty), and if so whether it is stale.
bool is_stale(std::string_view name, const std::string& base, const struct stat& info) {
  if (!name.starts_with('.')) {
    return false;
  }
  const std::size_t marker = name.rfind(k_marker);
  if (marker == std::string_view::npos || marker < 1) {
    return false;
  }
  if (!base.empty() && name.substr(1, marker - 1) != base) {
    return false;
  }
  const std::string_view rest = name.substr(marker + k_marker.size()); // "<pid>@<host>.XXXXXX"
  const std::size_t at = rest.find('@');
  const std::size_t dot = rest.rfind('.');
  if (at == std::string_view::npos || dot == std::string_view::npos || dot < at) {
    // The old naming, ".<base>.tmp.XXXXXX": no writer to ask, so only the old ones.
    return rest.size() == 6 && info.st_mtime + k_legacy_stale_seconds < std::time(nullptr);
  }
  if (rest.substr(at + 1, dot - at - 1) != host_name()) {
    return false; // another host's writer (a shared filesystem): it cannot be asked from here
  }
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + at, pid);
  if (ec != std::errc() || end != rest.data() + at || pid <= 0) {
    return false;
  }
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

} // namespace

std::string temp_template(const std::string& dir, const std::string& base) {
  return fmt::format("{}/.{}{}{}@{}.XXXXXX", dir, base, k_marker, ::getpid(), host_name());
}

void register_temp(const std::string& path) {
  if (path.size() >= PATH_MAX) {
    return;
  }
  for (Slot& slot : g_slots) {
    int expected = 0;
    if (slot.state.compare_exchange_strong(expected, 1)) {
      std::memcpy(slot.path.data(), path.c_str(), path.size() + 1);
      slot.state.store(2);
      return;
    }
  }
}

void unregister_temp(const std::string& path) {
  for (Slot& slot : g_slots) {
    int expected = 2;
    if (slot.state.load() == 2 && std::strcmp(slot.path.data(), path.c_str()) == 0 &&
        slot.state.compare_exchange_strong(expected, 1)) {
      slot.path[0] = '\0';
      slot.state.store(0);
      return;
    }
  }
}

void install_temp_cleanup() {
  struct sigaction action {};
  action.sa_handler = on_signal_remove_temps;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (const int signal : k_cleaned_signals) {
    struct sigaction previous {};
    if (::sigaction(signal, nullptr, &previous) == 0 && previous.sa_handler != SIG_IGN) {
      ::sigaction(signal, &action, nullptr);
    }
  }
}

std::vector<StaleTemp> find_stale_temps(const std::string& dir, const std::string& base) {
  std::vector<StaleTemp> stale;
  std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), &::closedir);
  if (!handle) {
    return stale;
  }
  while (const dirent* entry = ::readdir(handle.get())) {
    const std::string_view name = entry->d_name;
    if (!name.starts_with('.') || name.find(k_marker) == std::string_view::npos) {
      continue;
    }
    struct stat info {};
    if (::fstatat(::dirfd(handle.get()), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(info.st_mode) || !is_stale(name, base, info)) {
      continue;
    }
    stale.push_back({fmt::format("{}/{}", dir, name), static_cast<std::uint64_t>(info.st_size)});
  }
  return stale;
}

std::uint64_t remove_stale_temps(const std::string& dir, const std::string& base) {
  std::uint64_t freed = 0;
  for (const StaleTemp& temp : find_stale_temps(dir, base)) {
    if (::unlink(temp.path.c_str()) == 0) {
      freed += temp.bytes;
    }
  }
  return freed;
}

} // namespace reprise
