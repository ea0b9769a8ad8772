// Runs a Workload in the worker process: says hello, starts its threads, reports counters on the
// report descriptor every report interval, applies the daemon's control commands (pause, resume,
// rate) between two reports, and stops everything on SIGTERM/SIGINT, after the maximum run
// time, when the daemon closes the pipe, or when a thread fails.
//
// Signals: SIGTERM and SIGINT are blocked in every thread (the mask is set before the threads
// start and they inherit it) and taken synchronously by the main thread with sigtimedwait, which
// is also its report timer. SIGPIPE is ignored so that a gone daemon shows up as EPIPE.
// The previous signal mask and SIGPIPE disposition are restored when run() returns.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string_view>

#include "common/clock.h"
#include "workloads/protocol.h"
#include "workloads/workload.h"

namespace mt::workloads {

struct RunOptions {
  int report_fd = kReportFd;
  int control_fd = kControlFd;  // -1 (or not open): no control from the daemon
  std::chrono::milliseconds max_runtime{0};  // 0: no bound
  std::chrono::milliseconds report_interval = kReportInterval;
  std::ostream* log = nullptr;  // messages for humans; nullptr: std::cerr
};

enum class StopReason {
  signal,         // SIGTERM or SIGINT
  max_runtime,    // --max-runtime-ms elapsed
  report_closed,  // the daemon closed the pipe (EPIPE)
  report_failed,  // the report descriptor broke otherwise (EBADF, EIO, ...)
  fatal,          // a workload thread failed, or a thread could not be started
};

std::string_view to_string(StopReason reason);

// Process exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFatal = 1;
inline constexpr int kExitUsage = 2;

class Runner {
 public:
  Runner(Workload& workload, RunOptions options, const Clock& clock);

  // Runs the workload to the end and returns the process exit code: kExitOk after a clean stop
  // (the final "F" line written), kExitFatal after a fatal error (the "E" line written).
  int run();
  // Why the last run() stopped.
  StopReason stop_reason() const { return reason_; }

 private:
  Workload& workload_;
  RunOptions options_;
  const Clock& clock_;
  StopReason reason_ = StopReason::signal;
};

}  // namespace mt::workloads
