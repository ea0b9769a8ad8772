#include "rcu/gp_latency.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "common/fs.h"

namespace mt::rcu {

std::optional<double> LatencyStats::percentile(double p) const {
  if (values_.empty()) return std::nullopt;
  std::vector<double> sorted = values_;
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

Result<std::chrono::nanoseconds> time_global_membarrier() {
  const auto t0 = std::chrono::steady_clock::now();
  if (::syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
    return make_error("membarrier(MEMBARRIER_CMD_GLOBAL): " + fs::errno_text(errno));
  return std::chrono::steady_clock::now() - t0;
}

bool membarrier_waits_for_gp(unsigned online_cpus) { return online_cpus > 1; }

GpProber::GpProber(Measure measure, Done done)
    : measure_(std::move(measure)), done_(std::move(done)), thread_([this] { loop(); }) {}

GpProber::~GpProber() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

bool GpProber::request() {
  {
    std::lock_guard lock(mu_);
    if (busy_ || wanted_) return false;
    wanted_ = true;
  }
  cv_.notify_one();
  return true;
}

void GpProber::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return wanted_ || quit_; });
    if (quit_) return;
    wanted_ = false;
    busy_ = true;
    lock.unlock();
    auto result = measure_();
    done_(std::move(result));
    lock.lock();
    busy_ = false;
  }
}

}  // namespace mt::rcu
