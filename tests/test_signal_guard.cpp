#include "run/process.hpp"
#include "run/signal_guard.hpp"

#include <chrono>
#include <csignal>
#include <doctest/doctest.h>

using namespace reprise;

namespace {

// The handler currently installed for `signal`.
void (*handler_of(int signal))(int) {
  struct sigaction current {};
  ::sigaction(signal, nullptr, &current);
  return current.sa_handler;
}

} // namespace

TEST_CASE("signal_guard") {
  SUBCASE("a termination signal is recorded and wakes the descriptor; dispositions come back") {
    const auto before_term = handler_of(SIGTERM);
    const auto before_pipe = handler_of(SIGPIPE);
    {
      SignalGuard guard;
      REQUIRE(guard.fd() >= 0);
      CHECK(SignalGuard::received() == 0);
      CHECK_FALSE(wait_readable(guard.fd(), std::chrono::milliseconds(0)));
      CHECK((handler_of(SIGPIPE) == SIG_IGN));
      REQUIRE(::raise(SIGHUP) == 0);
      CHECK(SignalGuard::received() == SIGHUP);
      CHECK(wait_readable(guard.fd(), std::chrono::milliseconds(0)));
      REQUIRE(::raise(SIGTERM) == 0);
      CHECK(SignalGuard::received() == SIGHUP); // the first one counts
      // The byte stays: every poll loop that watches the descriptor sees it.
      CHECK(wait_readable(guard.fd(), std::chrono::milliseconds(0)));
    }
    CHECK((handler_of(SIGTERM) == before_term));
    CHECK((handler_of(SIGPIPE) == before_pipe));
  }

  SUBCASE("a new guard starts with nothing received") {
    SignalGuard guard;
    CHECK(SignalGuard::received() == 0);
    REQUIRE(::raise(SIGINT) == 0);
    CHECK(SignalGuard::received() == SIGINT);
  }
}
