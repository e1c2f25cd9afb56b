#include "scratch.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <doctest/doctest.h>
#include <exception>
#include <unistd.h>

namespace reprise::test {

namespace {

std::atomic<int> g_failures{0};
std::string g_test_case;

// Counts failures as doctest reports them (failed assertions, FAIL messages, exceptions that end a
// test case) and remembers the running test case, so a scratch folder can tell whether its test
// failed and say which one.
class ScratchListener final : public doctest::IReporter {
public:
  explicit ScratchListener(const doctest::ContextOptions& /*options*/) {}

  void report_query(const doctest::QueryData& /*data*/) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& /*stats*/) override {}
  void test_case_start(const doctest::TestCaseData& data) override { g_test_case = data.m_name; }
  void test_case_reenter(const doctest::TestCaseData& /*data*/) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& /*stats*/) override {}
  void test_case_exception(const doctest::TestCaseException& /*exception*/) override {
    ++g_failures;
  }
  void subcase_start(const doctest::SubcaseSignature& /*signature*/) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& data) override {
    if (data.m_failed) {
      ++g_failures;
    }
  }
  void log_message(const doctest::MessageData& data) override {
    if ((data.m_severity & doctest::assertType::is_warn) == 0) { // FAIL, FAIL_CHECK
      ++g_failures;
    }
  }
  void test_case_skipped(const doctest::TestCaseData& /*data*/) override {}
};

// The test case's name as a folder name: letters, digits and '-' kept, the rest '_'.
std::string folder_word(const std::string& name) {
  std::string word;
  for (const char c : name.substr(0, 40)) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    word += plain || c == '-' ? c : '_';
  }
  return word.empty() ? "test" : word;
}

} // namespace

int failures_so_far() {
  return g_failures.load();
}

const std::string& current_test_case() {
  return g_test_case;
}

Scratch::Scratch() : m_failures(failures_so_far()), m_exceptions(std::uncaught_exceptions()) {
  std::string pattern = (std::filesystem::temp_directory_path() /
                         ("reprise-" + folder_word(current_test_case()) + "-XXXXXX"))
                            .string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  m_path = pattern;
}

Scratch::~Scratch() {
  // A failed REQUIRE is counted before it throws; any other exception is still in flight here.
  const bool failed = failures_so_far() != m_failures || std::uncaught_exceptions() > m_exceptions;
  if (failed) {
    std::fprintf(stderr, "test case \"%s\" failed; its scratch folder is kept: %s\n",
                 current_test_case().c_str(), m_path.c_str());
    return;
  }
  if (std::getenv("REPRISE_KEEP_SCRATCH") != nullptr) {
    return;
  }
  // A test may leave a read-only folder behind (permission tests); make every folder removable.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::permissions(m_path, fs::perms::owner_all, fs::perm_options::add, ec);
  for (auto it = fs::recursive_directory_iterator(m_path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code ignored;
    if (it->is_directory(ignored)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
    }
  }
  fs::remove_all(m_path, ec);
}

std::string fixture_path(const std::string& relative) {
  return (std::filesystem::path(REPRISE_SOURCE_DIR) / "fixtures" / relative).string();
}

} // namespace reprise::test

REGISTER_LISTENER("reprise_scratch", 1, reprise::test::ScratchListener);
