#include "snapshot/worker_status.hpp"

#include "base/exit_code.hpp"

#include <array>
#include <utility>

namespace reprise {

namespace {

constexpr std::array<std::pair<WorkerStatus, std::string_view>, 8> k_names{{
    {WorkerStatus::running, "running"},
    {WorkerStatus::awaiting, "awaiting"},
    {WorkerStatus::completed, "completed"},
    {WorkerStatus::failed, "failed"},
    {WorkerStatus::cancelled, "cancelled"},
    {WorkerStatus::interrupted, "interrupted"},
    {WorkerStatus::suspended, "suspended"},
    {WorkerStatus::stopped, "stopped"},
}};

} // namespace

WorkerStatus parse_worker_status(std::string_view text) {
  for (const auto& [status, name] : k_names) {
    if (text == name) {
      return status;
    }
  }
  return WorkerStatus::unknown;
}

std::string_view to_string(WorkerStatus status) {
  for (const auto& [known, name] : k_names) {
    if (known == status) {
      return name;
    }
  }
  return "unknown";
}

std::string_view effective_status(std::optional<std::string_view> written, Liveness liveness) {
  if (!written ||
      (parse_worker_status(*written) == WorkerStatus::running && liveness != Liveness::live)) {
    return to_string(WorkerStatus::interrupted);
  }
  return *written;
}

int exit_code_for(WorkerStatus status) {
  switch (status) {
  case WorkerStatus::running:
  case WorkerStatus::awaiting:
  case WorkerStatus::completed:
  case WorkerStatus::suspended:
  case WorkerStatus::stopped:
    return exit_code::k_success;
  case WorkerStatus::failed:
  case WorkerStatus::cancelled:
  case WorkerStatus::interrupted:
  case WorkerStatus::unknown:
    break;
  }
  return exit_code::k_failure;
}

} // namespace reprise
