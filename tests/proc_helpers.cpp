#include "proc_helpers.hpp"

#include <atomic>

namespace reprise::test {

namespace {

std::atomic<int> g_failures{0};

// Counts failures as doctest reports them (failed assertions, FAIL messages, exceptions that end a
// test case), so a scratch folder can tell whether its test failed.
class FailureCounter final : public doctest::IReporter {
public:
  explicit FailureCounter(const doctest::ContextOptions& /*options*/) {}

  void report_query(const doctest::QueryData& /*data*/) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& /*stats*/) override {}
  void test_case_start(const doctest::TestCaseData& /*data*/) override {}
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

} // namespace

int failures_so_far() {
  return g_failures.load();
}

} // namespace reprise::test

REGISTER_LISTENER("reprise_failure_counter", 1, reprise::test::FailureCounter);
