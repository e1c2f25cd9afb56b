#include "json/output_sink.hpp"

#include "base/file_bytes.hpp"

#include <cstring>

namespace reprise {

namespace {

constexpr std::size_t k_capacity = std::size_t{1} << 18;
// Smaller source views are copied into the buffer: looking them up would cost more than it saves.
constexpr std::size_t k_min_run_start = 4096;

} // namespace

BufferedSink::BufferedSink(std::function<void(std::string_view)> write)
    : m_write(std::move(write)) {
  m_buffer.reserve(k_capacity);
}

void BufferedSink::append(std::string_view bytes) {
  if (bytes.empty()) {
    return;
  }
  if (!m_run.empty()) {
    const char* end = m_run.data() + m_run.size();
    const auto left = static_cast<std::size_t>(m_run_limit - end);
    if (bytes.size() <= left &&
        (bytes.data() == end || std::memcmp(end, bytes.data(), bytes.size()) == 0)) {
      m_run = std::string_view(m_run.data(), m_run.size() + bytes.size());
      return;
    }
    flush_run();
  }
  if (bytes.size() >= k_min_run_start) {
    if (const auto range = file_range_of(bytes)) {
      m_run = bytes; // after the buffer: flush_run() keeps the order
      m_run_limit = bytes.data() + range->available;
      return;
    }
  }
  if (m_buffer.size() + bytes.size() > k_capacity) {
    flush_buffer();
  }
  if (bytes.size() >= k_capacity) {
    m_write(bytes);
    return;
  }
  m_buffer.append(bytes);
}

void BufferedSink::flush() {
  flush_run();
  flush_buffer();
}

void BufferedSink::flush_buffer() {
  if (!m_buffer.empty()) {
    m_write(m_buffer);
    m_buffer.clear();
  }
}

void BufferedSink::flush_run() {
  if (m_run.empty()) {
    return;
  }
  const std::string_view run = m_run;
  m_run = {};
  if (run.size() >= k_capacity) {
    flush_buffer();
    m_write(run);
    return;
  }
  // A short run is cheaper in the buffer than as a write of its own.
  if (m_buffer.size() + run.size() > k_capacity) {
    flush_buffer();
  }
  m_buffer.append(run);
}

} // namespace reprise
