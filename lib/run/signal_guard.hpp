#pragma once

#include "base/fd.hpp"

#include <csignal>
#include <vector>

namespace reprise {

// Catches SIGINT, SIGTERM and SIGHUP while alive: the handler only records the signal and writes
// one byte to a self-pipe, so a poll loop can wake and forward the signal to a child's group. The
// previous dispositions are restored on destruction. At most one guard exists at a time.
class SignalGuard {
public:
  // Installs the handlers, except for a signal already ignored (nohup), and ignores SIGPIPE, so a
  // closed caller pipe is an error, not a death.
  SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
  SignalGuard(SignalGuard&&) = delete;
  SignalGuard& operator=(SignalGuard&&) = delete;
  // Restores the dispositions that were in place before.
  ~SignalGuard();

  // A descriptor that stays readable once a signal arrived (the byte is never drained, so every
  // poll loop of every thread sees it); -1 if the pipe could not be made.
  int fd() const { return m_read.get(); }
  // The first termination signal received, 0 while none.
  static int received();

private:
  Fd m_read;
  Fd m_write;
  std::vector<std::pair<int, struct sigaction>> m_previous; // restored in the destructor
};

// Restores the default disposition of `signal`, unblocks it and raises it, so reprise's caller sees
// an honest "killed by signal" status; returns only if the signal did not end the process.
void reraise_signal(int signal);

} // namespace reprise
