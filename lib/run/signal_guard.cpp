#include "run/signal_guard.hpp"

#include "run/process.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace reprise {

namespace {

volatile std::sig_atomic_t g_received = 0;  // first termination signal, 0 while none
volatile std::sig_atomic_t g_write_fd = -1; // the self-pipe's write end while a guard lives

constexpr int k_forwarded[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void on_termination_signal(int signal) {
  const int saved_errno = errno;
  if (g_received == 0) {
    g_received = signal;
  }
  if (g_write_fd >= 0) {
    const char byte = 1;
    // Async-signal-safe; a full pipe already wakes every reader, so the result does not matter.
    [[maybe_unused]] const ssize_t n = ::write(g_write_fd, &byte, 1);
  }
  errno = saved_errno;
}

} // namespace

SignalGuard::SignalGuard() {
  if (auto pipe = make_pipe(ReadEnd::nonblocking)) {
    m_read = std::move(pipe->read);
    m_write = std::move(pipe->write);
    const int flags = ::fcntl(m_write.get(), F_GETFL);
    ::fcntl(m_write.get(), F_SETFL, flags | O_NONBLOCK);
  }
  g_received = 0;
  g_write_fd = m_write.get();
  struct sigaction action {};
  action.sa_handler = on_termination_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (const int signal : k_forwarded) {
    struct sigaction previous {};
    // An ignored signal stays ignored: under `nohup`, a hangup must not cancel the worker.
    if (::sigaction(signal, nullptr, &previous) != 0 || previous.sa_handler == SIG_IGN) {
      continue;
    }
    if (::sigaction(signal, &action, nullptr) == 0) {
      m_previous.emplace_back(signal, previous);
    }
  }
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  struct sigaction previous {};
  if (::sigaction(SIGPIPE, &ignore, &previous) == 0) {
    m_previous.emplace_back(SIGPIPE, previous);
  }
}

SignalGuard::~SignalGuard() {
  for (const auto& [signal, previous] : m_previous) {
    ::sigaction(signal, &previous, nullptr);
  }
  g_write_fd = -1;
}

int SignalGuard::received() {
  return g_received;
}

void reraise_signal(int signal) {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal, &action, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(signal);
}

} // namespace reprise
