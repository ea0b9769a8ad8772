// What runs inside the campaign's cgroup. A workload says what each of its threads does; the
// Runner (runner.h) owns the threads, the signals and the reporting.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "workloads/protocol.h"
#include "workloads/stop.h"

namespace mt::workloads {

class Workload {
 public:
  virtual ~Workload() = default;

  // For logs: "flood udp_socket", "anon".
  virtual std::string name() const = 0;
  virtual int thread_count() const = 0;
  // Called once before any thread starts (map memory, make directories). An error is fatal.
  virtual Status prepare() = 0;
  // The body of thread `index` (0 <= index < thread_count()): loops until `stop` is requested.
  // An error is fatal: the runner stops every thread and reports it.
  virtual Status run(int index, StopFlag& stop) = 0;
  // Counters so far, summed over the threads; called by the reporting thread while they run.
  virtual Counters counters() const = 0;
  // errno of the most recent failed operation (0 if none), for the log.
  virtual int last_errno() const { return 0; }
  // Control from the daemon, called by the runner's thread while the workload threads run. An
  // error means the workload cannot do it (reported to the daemon; the worker runs on).
  // counters() then shows the state in force (paused, rate).
  virtual Status set_paused(bool paused) {
    return make_error(name() + " workloads cannot be paused");
  }
  virtual Status set_rate(double ops_per_s_per_thread) {
    return make_error(name() + " workloads have no rate");
  }
  // Results to report once, after cleanup() and before the final line (stress-ng's metrics);
  // also after a fatal error, so that what was measured is not lost.
  virtual std::vector<ResultRecord> results() const { return {}; }
  // Called once after every thread has been joined (also when prepare() failed): remove files,
  // unmap. Errors are logged; they do not change the outcome.
  virtual Status cleanup() = 0;
};

// One thread's counters, written by that thread only and read by the reporter (relaxed atomics:
// each value is a monotonic count read on its own). Aligned so threads do not share cache lines.
struct alignas(64) ThreadCounters {
  std::atomic<std::uint64_t> ops{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<int> last_errno{0};  // of the last failed operation, for the log

  void add_op() { ops.store(ops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  void add_error(int err) {
    errors.store(errors.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    last_errno.store(err, std::memory_order_relaxed);
  }
};

}  // namespace mt::workloads
