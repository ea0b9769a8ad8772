// Writes protocol lines (protocol.h) to the report descriptor: one write(2) per line, never
// blocking for long. A daemon that stops reading must not wedge the worker's main thread (it also
// handles SIGTERM): a counters line that does not fit is dropped (the next one carries the totals),
// a final or error line waits a bounded time for room.
#pragma once

#include <chrono>
#include <string_view>

namespace mt::workloads {

// How long a final or error line waits for room in a full pipe.
inline constexpr std::chrono::milliseconds kFinalLineWait{1000};

class ReportWriter {
 public:
  enum class Outcome {
    written,
    busy,    // no room within the wait: the line was not written
    closed,  // EPIPE: the reader is gone
    failed,  // another error (see error())
  };

  explicit ReportWriter(int fd) : fd_(fd) {}

  // Waits up to `wait` for room, then writes `line` with a single write(2).
  Outcome write_line(std::string_view line, std::chrono::milliseconds wait);
  // errno of the last closed or failed outcome.
  int error() const { return error_; }
  int fd() const { return fd_; }

  // Whether `fd` is an open descriptor.
  static bool is_open(int fd);

 private:
  int fd_;
  int error_ = 0;
};

}  // namespace mt::workloads
