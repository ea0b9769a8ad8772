// A stop request shared by the runner and the workload threads: a flag to poll in tight loops and
// a sleep that ends early when the stop comes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace mt::workloads {

class StopFlag {
 public:
  void request_stop();
  bool stop_requested() const { return stopped_.load(std::memory_order_acquire); }
  // Sleeps for `d` or until a stop is requested; returns stop_requested().
  bool sleep_for(std::chrono::nanoseconds d);

 private:
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace mt::workloads
