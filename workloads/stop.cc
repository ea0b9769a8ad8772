#include "workloads/stop.h"

namespace mt::workloads {

void StopFlag::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

bool StopFlag::sleep_for(std::chrono::nanoseconds d) {
  if (d <= std::chrono::nanoseconds::zero()) return stop_requested();
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, d, [this] { return stopped_.load(std::memory_order_acquire); });
  return stop_requested();
}

bool wait_while_paused(const std::atomic<bool>& paused, StopFlag& stop,
                       std::chrono::nanoseconds poll) {
  while (paused.load(std::memory_order_relaxed))
    if (stop.sleep_for(poll)) return false;
  return !stop.stop_requested();
}

}  // namespace mt::workloads
