// Descriptor I/O under real interruptions: a SIGUSR1 handler installed without SA_RESTART is sent
// to the thread blocked in read, write or poll, so the kernel answers EINTR (or a short write) and
// the retry in base/io is what keeps the call going.
#include "base/io.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pthread.h>
#include <string>
#include <thread>
#include <unistd.h>

using namespace reprise;
using namespace std::chrono_literals;

namespace {

std::atomic<int> g_signals{0};

void count_signal(int) {
  g_signals.fetch_add(1, std::memory_order_relaxed);
}

// SIGUSR1 interrupts system calls (no SA_RESTART) while this lives; the old action comes back.
class InterruptingHandler {
public:
  InterruptingHandler() {
    struct sigaction action {};
    action.sa_handler = count_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: a blocked read/write/poll returns EINTR
    REQUIRE(::sigaction(SIGUSR1, &action, &m_old) == 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    REQUIRE(::pthread_sigmask(SIG_UNBLOCK, &set, &m_old_mask) == 0);
    g_signals = 0;
  }
  ~InterruptingHandler() {
    ::pthread_sigmask(SIG_SETMASK, &m_old_mask, nullptr);
    ::sigaction(SIGUSR1, &m_old, nullptr);
  }
  InterruptingHandler(const InterruptingHandler&) = delete;
  InterruptingHandler& operator=(const InterruptingHandler&) = delete;

private:
  struct sigaction m_old {};
  sigset_t m_old_mask{};
};

// Sends SIGUSR1 to `target` every `every` until destroyed (joined before the handler goes).
class SignalSpammer {
public:
  explicit SignalSpammer(pthread_t target, std::chrono::microseconds every = 2ms)
      : m_thread([this, target, every] {
          while (!m_stop.load()) {
            ::pthread_kill(target, SIGUSR1);
            std::this_thread::sleep_for(every);
          }
        }) {}
  ~SignalSpammer() { stop(); }
  SignalSpammer(const SignalSpammer&) = delete;
  SignalSpammer& operator=(const SignalSpammer&) = delete;
  void stop() {
    m_stop = true;
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }

private:
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

struct TestPipe {
  int read = -1;
  int write = -1;
  TestPipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read = fds[0];
    write = fds[1];
  }
  ~TestPipe() {
    close_read();
    close_write();
  }
  TestPipe(const TestPipe&) = delete;
  TestPipe& operator=(const TestPipe&) = delete;
  void close_read() {
    if (read >= 0) {
      ::close(read);
      read = -1;
    }
  }
  void close_write() {
    if (write >= 0) {
      ::close(write);
      write = -1;
    }
  }
};

// `size` bytes that are not periodic in any small power of two, so a lost or repeated chunk shows.
std::string pattern(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    text[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  }
  return text;
}

// Writes `bytes` into `pipe` in chunks of `chunk` with a pause before each, then closes its end.
std::thread slow_writer(TestPipe& pipe, const std::string& bytes, std::size_t chunk,
                        std::chrono::microseconds pause) {
  return std::thread([&pipe, &bytes, chunk, pause] {
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
      std::this_thread::sleep_for(pause);
      const std::string_view part = std::string_view(bytes).substr(at, chunk);
      CHECK(::write(pipe.write, part.data(), part.size()) == static_cast<ssize_t>(part.size()));
    }
    pipe.close_write();
  });
}

} // namespace

TEST_CASE("retry_on_eintr calls again on EINTR only, and never on another error") {
  int calls = 0;
  const ssize_t done = retry_on_eintr([&]() -> ssize_t {
    ++calls;
    if (calls < 3) {
      errno = EINTR;
      return -1;
    }
    return 42;
  });
  CHECK(done == 42);
  CHECK(calls == 3);

  calls = 0;
  const int failed = retry_on_eintr([&] {
    ++calls;
    errno = EBADF;
    return -1;
  });
  CHECK(failed == -1);
  CHECK(errno == EBADF);
  CHECK(calls == 1);
}

TEST_CASE("the injection is real: a bare read and a bare write are interrupted") {
  InterruptingHandler handler;
  SUBCASE("read on an empty pipe returns EINTR") {
    TestPipe pipe;
    SignalSpammer spammer(::pthread_self());
    char byte = 0;
    const ssize_t n = ::read(pipe.read, &byte, 1);
    const int error = errno;
    spammer.stop();
    CHECK(n == -1);
    CHECK(error == EINTR);
  }
  SUBCASE("a large write into a pipe nobody reads comes back short") {
    TestPipe pipe;
    const std::string bytes = pattern(1 << 20);
    SignalSpammer spammer(::pthread_self());
    const ssize_t n = ::write(pipe.write, bytes.data(), bytes.size());
    spammer.stop();
    CHECK(n > 0);
    CHECK(static_cast<std::size_t>(n) < bytes.size());
  }
}

TEST_CASE("read_some and read_to_end ride out interruptions") {
  InterruptingHandler handler;
  SUBCASE("read_some blocked on an empty pipe returns the data that comes later") {
    TestPipe pipe;
    std::thread writer([&] {
      std::this_thread::sleep_for(100ms);
      CHECK(::write(pipe.write, "hello", 5) == 5);
    });
    SignalSpammer spammer(::pthread_self());
    char buffer[16] = {};
    const ssize_t n = read_some(pipe.read, buffer, sizeof buffer);
    spammer.stop();
    writer.join();
    CHECK(g_signals.load() > 0);
    REQUIRE(n == 5);
    CHECK(std::string(buffer, 5) == "hello");
  }
  SUBCASE("read_to_end gets every byte of a slow writer") {
    TestPipe pipe;
    const std::string expected = pattern(300'000);
    std::thread writer = slow_writer(pipe, expected, 10'000, 3ms);
    SignalSpammer spammer(::pthread_self(), 500us);
    auto text = read_to_end(pipe.read);
    spammer.stop();
    writer.join();
    CHECK(g_signals.load() > 0);
    REQUIRE(text.has_value());
    CHECK(text->size() == expected.size());
    CHECK(*text == expected);
  }
  SUBCASE("read_full stops only at the size asked for or at end of file") {
    TestPipe pipe;
    const std::string expected = pattern(100'000);
    std::thread writer = slow_writer(pipe, expected, 7'000, 2ms);
    SignalSpammer spammer(::pthread_self(), 500us);
    std::string first(60'000, '\0');
    const ssize_t n = read_full(pipe.read, first.data(), first.size());
    std::string rest(60'000, '\0');
    const ssize_t m = read_full(pipe.read, rest.data(), rest.size());
    spammer.stop();
    writer.join();
    CHECK(n == 60'000);
    CHECK(first == expected.substr(0, 60'000));
    CHECK(m == 40'000);
    CHECK(rest.substr(0, 40'000) == expected.substr(60'000));
  }
}

TEST_CASE("write_all finishes a write cut short and retried many times") {
  InterruptingHandler handler;
  TestPipe pipe;
  const std::string bytes = pattern(4 << 20);
  std::string received;
  std::thread reader([&] {
    std::this_thread::sleep_for(50ms); // let the pipe fill up: the writer blocks, then is cut
    char buffer[4096];
    for (std::size_t chunks = 0;; ++chunks) {
      const ssize_t n = read_some(pipe.read, buffer, sizeof buffer);
      if (n <= 0) {
        return;
      }
      received.append(buffer, static_cast<std::size_t>(n));
      if (chunks % 64 == 0) {
        std::this_thread::sleep_for(1ms);
      }
    }
  });
  SignalSpammer spammer(::pthread_self(), 300us);
  const bool written = write_all(pipe.write, bytes);
  spammer.stop();
  pipe.close_write();
  reader.join();
  CHECK(written);
  CHECK(g_signals.load() > 1);
  CHECK(received.size() == bytes.size());
  CHECK(received == bytes);
}

TEST_CASE("write_all reports the error of a write that fails") {
  TestPipe pipe;
  pipe.close_read();
  struct sigaction ignore {};
  struct sigaction old {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  REQUIRE(::sigaction(SIGPIPE, &ignore, &old) == 0);
  errno = 0;
  CHECK_FALSE(write_all(pipe.write, "x"));
  CHECK(errno == EPIPE);
  ::sigaction(SIGPIPE, &old, nullptr);
}

TEST_CASE("poll_retrying keeps its deadline across interruptions") {
  InterruptingHandler handler;
  SUBCASE("nothing comes: it times out after the whole timeout, not at the first signal") {
    TestPipe pipe;
    pollfd fd{pipe.read, POLLIN, 0};
    SignalSpammer spammer(::pthread_self());
    const auto start = std::chrono::steady_clock::now();
    const int rc = poll_retrying({&fd, 1}, 150);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    spammer.stop();
    CHECK(rc == 0);
    CHECK(g_signals.load() > 0);
    CHECK(elapsed >= 140ms);
    CHECK(elapsed < 5s);
  }
  SUBCASE("data comes: it reports the descriptor ready") {
    TestPipe pipe;
    pollfd fd{pipe.read, POLLIN, 0};
    std::thread writer([&] {
      std::this_thread::sleep_for(80ms);
      CHECK(::write(pipe.write, "x", 1) == 1);
    });
    SignalSpammer spammer(::pthread_self());
    const int rc = poll_retrying({&fd, 1}, -1);
    spammer.stop();
    writer.join();
    CHECK(rc == 1);
    CHECK((fd.revents & POLLIN) != 0);
  }
}
