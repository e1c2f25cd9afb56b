#include "proc_helpers.hpp"
#include "run/waiters.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

using namespace reprise;
using namespace reprise::test;

namespace {

namespace fs = std::filesystem;

bool is_socket_file(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// Leaves a socket file behind in `dir` as a waiter killed before its cleanup would: bound, then
// closed without unlinking.
std::string stale_socket(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  Fd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REQUIRE(socket.valid());
  REQUIRE(::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  return path;
}

} // namespace

TEST_CASE("waiter registry") {
  Scratch scratch;
  const std::string state_dir = scratch.str();
  const std::string dir = waiters_dir(state_dir, "worker_demo");

  SUBCASE("registering binds a socket file in the worker's waiters dir; leaving removes it") {
    std::string path;
    {
      auto registered = WaiterRegistration::open(state_dir, "worker_demo");
      REQUIRE(registered.has_value());
      path = dir + "/" + registered->name();
      CHECK(registered->name().starts_with(std::to_string(::getpid()) + "-"));
      CHECK(is_socket_file(path));
      auto second = WaiterRegistration::open(state_dir, "worker_demo");
      REQUIRE(second.has_value());
      CHECK(second->name() != registered->name());
    }
    CHECK_FALSE(fs::exists(path));
    CHECK(fs::is_empty(dir));
  }

  SUBCASE("notify wakes every registered waiter of that worker only; drain empties the queue") {
    auto first = WaiterRegistration::open(state_dir, "worker_demo");
    auto second = WaiterRegistration::open(state_dir, "worker_demo");
    auto other = WaiterRegistration::open(state_dir, "worker_other");
    REQUIRE((first && second && other));
    CHECK_FALSE(wait_readable(first->fd(), std::chrono::milliseconds(0)));
    // More notifications than a socket queues (net.unix.max_dgram_qlen, 10 by default): the
    // extra ones are dropped without blocking the writer.
    for (int i = 0; i < 50; ++i) {
      notify_snapshot_waiters(state_dir + "/worker_demo.json");
    }
    CHECK(wait_readable(first->fd(), std::chrono::milliseconds(1000)));
    CHECK(wait_readable(second->fd(), std::chrono::milliseconds(1000)));
    CHECK_FALSE(wait_readable(other->fd(), std::chrono::milliseconds(0)));
    first->drain();
    CHECK_FALSE(wait_readable(first->fd(), std::chrono::milliseconds(0)));
  }

  SUBCASE("notify removes the socket of a waiter that is gone and still wakes the live one") {
    auto live = WaiterRegistration::open(state_dir, "worker_demo");
    REQUIRE(live.has_value());
    const std::string stale = stale_socket(dir, "999999-0");
    REQUIRE(is_socket_file(stale));
    notify_waiters(state_dir, "worker_demo");
    CHECK_FALSE(fs::exists(stale));
    CHECK(is_socket_file(dir + "/" + live->name()));
    CHECK(wait_readable(live->fd(), std::chrono::milliseconds(1000)));
  }

  SUBCASE("a state dir whose socket paths exceed sun_path still works, through /proc/self/fd") {
    const std::string deep = state_dir + "/" + std::string(60, 'd') + "/" + std::string(60, 'e');
    fs::create_directories(deep);
    REQUIRE(waiters_dir(deep, "worker_demo").size() > sizeof(sockaddr_un{}.sun_path));
    std::string path;
    {
      auto registered = WaiterRegistration::open(deep, "worker_demo");
      REQUIRE(registered.has_value());
      path = waiters_dir(deep, "worker_demo") + "/" + registered->name();
      CHECK(is_socket_file(path));
      notify_waiters(deep, "worker_demo");
      CHECK(wait_readable(registered->fd(), std::chrono::milliseconds(1000)));
    }
    CHECK_FALSE(fs::exists(path));
  }

  SUBCASE("notify without waiters creates nothing; an invalid worker id cannot register") {
    notify_waiters(state_dir, "worker_demo");
    CHECK_FALSE(fs::exists(state_dir + "/.reprise"));
    CHECK_FALSE(WaiterRegistration::open(state_dir, "..").has_value());
  }
}
