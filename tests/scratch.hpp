#pragma once

// What every test shares: a scratch folder per test case (kept, and named, when the test case
// failed) and the path of the project's fixtures.
#include <filesystem>
#include <string>

namespace reprise::test {

// The number of failures doctest has reported so far in this run: failed assertions, FAIL
// messages and exceptions that ended a test case (counted by a listener in scratch.cpp).
int failures_so_far();

// The name of the test case that runs now ("" outside one).
const std::string& current_test_case();

// A fresh folder under the temp dir ($TMPDIR, else /tmp) for one run of a test case (each subcase
// enters it anew), made with mkdtemp and named after the test case. Removed at the end of its
// scope unless that run failed: then it is kept and its path printed. REPRISE_KEEP_SCRATCH keeps
// every folder.
class Scratch {
public:
  Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch();

  // The folder.
  const std::filesystem::path& path() const { return m_path; }
  std::string str() const { return m_path.string(); }
  // `name` inside the folder.
  std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
  std::filesystem::path m_path;
  int m_failures = 0;   // failures_so_far() when the run began
  int m_exceptions = 0; // std::uncaught_exceptions() when the run began
};

// `relative` inside the project's fixtures/ folder.
std::string fixture_path(const std::string& relative);

} // namespace reprise::test
