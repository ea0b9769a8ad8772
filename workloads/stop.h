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

// Waits while `paused` is set, looking every `poll`; false if a stop came first (also when not
// paused at all). What a paused single-threaded workload (anon, page_cache) does between steps.
bool wait_while_paused(const std::atomic<bool>& paused, StopFlag& stop,
                       std::chrono::nanoseconds poll);

}  // namespace mt::workloads
