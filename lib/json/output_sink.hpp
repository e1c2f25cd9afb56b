#pragma once

#include "json/json_node.hpp"
#include <functional>
#include <string>
#include <string_view>

namespace reprise {

// A Sink that hands its writer large pieces: small appends are collected into one buffer, and runs
// of a mapped source file's bytes (file_bytes.hpp) are passed on whole. A run grows while the
// appends continue it in the source, byte for byte (a raw member, then the ",\n  " the writer
// puts after it, then the next raw member that followed it in the source...), so an untouched
// stretch of a snapshot reaches the writer as one view, which it can copy file to file.
class BufferedSink final : public Sink {
public:
  // `write` receives every piece, in order.
  explicit BufferedSink(std::function<void(std::string_view)> write);
  BufferedSink(const BufferedSink&) = delete;
  BufferedSink& operator=(const BufferedSink&) = delete;
  ~BufferedSink() override = default;

  void append(std::string_view bytes) override;
  // Hands everything appended so far to the writer.
  void flush();

private:
  void flush_buffer();
  void flush_run();

  std::function<void(std::string_view)> m_write;
  std::string m_buffer;
  std::string_view m_run;            // source bytes not yet handed on; empty when none
  const char* m_run_limit = nullptr; // end of the source holding m_run
};

} // namespace reprise
