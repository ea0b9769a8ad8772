// Grace-period latency from user space: membarrier(MEMBARRIER_CMD_GLOBAL) returns after a
// synchronize_rcu() when more than one CPU is online (kernel/sched/membarrier.c), so timing it
// times one grace period as a synchronize_rcu() caller sees it (expedited when rcu_expedited is
// 1 and rcu_normal 0). The call blocks for the whole grace period, so GpProber runs it on a
// thread of its own; what to time and when is the caller's (the campaign's scheduler asks).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/result.h"

namespace mt::rcu {

// Percentiles by nearest rank over every value added. Pure.
class LatencyStats {
 public:
  void add(double us) { values_.push_back(us); }
  std::size_t count() const { return values_.size(); }
  // p in [0, 100]; nullopt when empty.
  std::optional<double> percentile(double p) const;
  std::optional<double> max() const { return percentile(100); }

 private:
  std::vector<double> values_;
};

// One synchronize_rcu() via membarrier, timed. An error names the call and errno (EINVAL under
// nohz_full, ENOSYS on kernels without membarrier).
Result<std::chrono::nanoseconds> time_global_membarrier();

// Whether membarrier(GLOBAL) waits for a grace period here: it does not on one CPU.
bool membarrier_waits_for_gp(unsigned online_cpus);

// Runs `measure` on its own thread each time it is asked to; at most one at a time (a request
// while one runs is dropped: a stalled grace period is not queued up behind). Each result is
// handed to `done` on the prober's thread: the caller posts it where it belongs.
class GpProber {
 public:
  using Measure = std::function<Result<std::chrono::nanoseconds>()>;
  using Done = std::function<void(Result<std::chrono::nanoseconds>)>;
  GpProber(Measure measure, Done done);
  ~GpProber();  // waits for a grace period in flight
  GpProber(const GpProber&) = delete;
  GpProber& operator=(const GpProber&) = delete;

  // False when a measurement is still running (the request is dropped).
  bool request();

 private:
  void loop();
  Measure measure_;
  Done done_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false, busy_ = false, quit_ = false;
  std::thread thread_;
};

}  // namespace mt::rcu
