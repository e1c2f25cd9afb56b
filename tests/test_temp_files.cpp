#include "base/temp_files.hpp"
#include "scratch.hpp"

#include <csignal>
#include <cstdlib>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace reprise;
using reprise::test::Scratch;

namespace {

void touch(const std::string& path, const std::string& text = "x") {
  std::ofstream(path) << text;
}

// A pid that no process has: one of ours that was reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

std::string host() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

} // namespace

TEST_CASE("temp_files") {
  Scratch scratch;
  const std::string dir = scratch.str();

  SUBCASE("a temporary names its writer, hidden and not a .json") {
    const std::string name = temp_template(dir, "w1.json");
    CHECK(name == dir + "/.w1.json.tmp." + std::to_string(::getpid()) + "@" + host() + ".XXXXXX");
  }

  SUBCASE("stale: this host's writer is gone; a live one's and another host's stay") {
    const std::string stale =
        dir + "/.w1.json.tmp." + std::to_string(dead_pid()) + "@" + host() + ".Ab12Cd";
    const std::string live =
        dir + "/.w1.json.tmp." + std::to_string(::getpid()) + "@" + host() + ".Zz99Yy";
    const std::string remote =
        dir + "/.w1.json.tmp." + std::to_string(dead_pid()) + "@another-host.example.Qq11Ww";
    const std::string other_target =
        dir + "/.w2.json.tmp." + std::to_string(dead_pid()) + "@" + host() + ".Rr22Tt";
    touch(stale, "12345");
    touch(live);
    touch(remote);
    touch(other_target);
    touch(dir + "/w1.json");

    const auto of_w1 = find_stale_temps(dir, "w1.json");
    REQUIRE(of_w1.size() == 1);
    CHECK(of_w1[0].path == stale);
    CHECK(of_w1[0].bytes == 5);
    CHECK(find_stale_temps(dir).size() == 2); // every target's

    CHECK(remove_stale_temps(dir, "w1.json") == 5);
    CHECK_FALSE(std::ifstream(stale).good());
    CHECK(std::ifstream(live).good());
    CHECK(std::ifstream(remote).good());
    CHECK(std::ifstream(other_target).good());
  }

  SUBCASE("the old naming is stale only once an hour old") {
    const std::string fresh = dir + "/.w1.json.tmp.AbCdEf";
    const std::string old = dir + "/.w1.json.tmp.GhIjKl";
    touch(fresh);
    touch(old);
    const struct timespec times[2] = {{::time(nullptr) - 7200, 0}, {::time(nullptr) - 7200, 0}};
    REQUIRE(::utimensat(AT_FDCWD, old.c_str(), times, 0) == 0);
    const auto stale = find_stale_temps(dir, "w1.json");
    REQUIRE(stale.size() == 1);
    CHECK(stale[0].path == old);
  }

  SUBCASE("a termination signal removes the registered temporaries, then ends the process") {
    const std::string temp = dir + "/.w1.json.tmp.registered";
    touch(temp);
    const pid_t pid = ::fork();
    if (pid == 0) {
      install_temp_cleanup();
      register_temp(temp);
      ::raise(SIGTERM);
      ::_exit(0); // not reached
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK_FALSE(std::ifstream(temp).good());
  }

  SUBCASE("an unregistered temporary is left to its owner") {
    const std::string temp = dir + "/.w1.json.tmp.unregistered";
    touch(temp);
    const pid_t pid = ::fork();
    if (pid == 0) {
      install_temp_cleanup();
      register_temp(temp);
      unregister_temp(temp);
      ::raise(SIGINT);
      ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    CHECK(std::ifstream(temp).good());
  }
}
