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

}  // namespace mt::workloads
