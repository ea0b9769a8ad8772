// RCU probed on demand (the ProbeRcu RPC, `memtorturectl probe`): N grace periods timed one
// after the other, and an rcu_barrier() timed (a write of 1 to rcutree's do_rcu_barrier, which
// returns once every callback queued before it has run). Changes no knob: with or without a
// campaign running, nothing is left changed afterwards.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "rcu/gp_latency.h"

namespace mt::rcu {

inline constexpr int kMaxProbeGracePeriods = 1000;

// Times one rcu_barrier() through /sys/module/rcutree/parameters/do_rcu_barrier under `sys`.
// The kernel throttles barriers (rcu_barrier_throttled()): a write that returns at once may
// have run and found nothing, or been skipped; which one this cannot tell.
Result<std::chrono::nanoseconds> time_rcu_barrier(const std::filesystem::path& sys);

struct ProbeRequest {
  int grace_periods = 0;  // 0..kMaxProbeGracePeriods
  bool barrier = false;
};

struct ProbeResult {
  std::string knobs;             // "rcu_expedited=0 rcu_normal=0": in force while probing
  std::vector<double> gp_us;     // each grace period timed, in order
  LatencyStats gp;               // over gp_us
  std::string gp_error;          // why fewer than asked were timed
  std::optional<double> barrier_us;
  std::string barrier_error;
};

struct ProbeEnv {
  std::filesystem::path sys = "/sys";
  unsigned cpus = 0;
  GpProber::Measure measure_gp = time_global_membarrier;
  std::function<Result<std::chrono::nanoseconds>(const std::filesystem::path&)> barrier =
      time_rcu_barrier;
};

// Blocks for as long as the grace periods and the barrier take.
ProbeResult probe(const ProbeRequest& request, const ProbeEnv& env);

// "rcu_expedited=0 rcu_normal=0" as read under `sys` ("?" for a knob that cannot be read).
std::string grace_period_knobs(const std::filesystem::path& sys);

}  // namespace mt::rcu
