// How close a cgroup or the system is to OOM, from the signals of one sample: a level (ok,
// elevated, critical, oom), a 0-1 score, the reason in words, and the time-to-OOM estimate
// (daemon/oom_estimator.h). Pure: fed signals by the caller (OomProximityPart, the on-demand
// probe), unit-tested on synthetic series.
//
// What reclaim cannot take back ("unreclaimable") = usage - reclaimable - waiting in RCU, at
// least 0. Reclaimable is what the kernel can drop or write back without swap: file pages and
// reclaimable slab (see OomProximityPart for the files each host gives). Memory waiting in RCU
// (callbacks queued, kfree_rcu batches) is freed after a grace period without any reclaim, so it
// counts as reclaimable-later: the effective headroom includes it. The assumption: grace periods
// go on completing (a few ms to tens of ms here). A backlog that keeps growing is not hidden by
// it: rcu.pending_bytes shows it, and once it outgrows the cgroup's kernel memory it is no
// longer counted against the cgroup.
//
// The level rule (the first that holds, from the top):
//   oom       an OOM kill within the last `oom_hold_s`;
//   critical  effective headroom < 5% of the limit, or an ETA under 5 s, or PSI full avg10 >= 20%;
//   elevated  effective headroom < 20%, or an ETA under 30 s, or PSI some avg10 >= 10%, or a v1
//             vmpressure "critical" notification since the last look;
//   ok        otherwise.
// An OOM kill starts the estimate's window afresh (what was growing may have been the victim).
// A level is left downwards only once the lower level has held for `settle_s` (one level change
// per crossing, not one per noisy sample); upwards at once.
// The score is the largest of: (0.25 - headroom fraction) / 0.25, 1 - ETA / 60 s, PSI some / 50%,
// PSI full / 25%, each clamped to 0..1; 1 at the oom level.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "campaign/oom_level.h"
#include "daemon/oom_estimator.h"
#include "kernel/memory_files.h"

namespace mt::daemon {

using campaign::OomLevel;

struct OomSignals {
  double t_s = 0;
  double usage_bytes = 0;
  double limit_bytes = 0;
  double reclaimable_bytes = 0;
  double rcu_waiting_bytes = 0;  // counted against this cgroup (or the system)
  std::optional<double> psi_some_avg10, psi_full_avg10;
  std::uint64_t oom_kills = 0;   // cumulative
  bool vmpressure_critical = false;  // a v1 memory.pressure_level "critical" since the last look
};

struct OomProximity {
  OomLevel level = OomLevel::ok;
  double score = 0;
  double unreclaimable_bytes = 0;
  double effective_headroom_bytes = 0;
  double headroom_fraction = 1;  // effective headroom / limit
  OomEstimate estimate;
  std::string reason;            // why this level: "headroom 3% (...) and falling 40 MiB/s; ..."
  bool changed = false;          // the level differs from the previous look's
  OomLevel previous = OomLevel::ok;
};

class OomProximityRule {
 public:
  struct Options {
    OomEstimator::Options estimator;
    double oom_hold_s = 2.0;
    double settle_s = 2.0;
    double critical_headroom = 0.05, elevated_headroom = 0.20;
    double critical_eta_s = 5, elevated_eta_s = 30;
    double critical_psi_full = 20, elevated_psi_some = 10;
  };
  OomProximityRule() : OomProximityRule(Options{}) {}
  explicit OomProximityRule(Options options) : opt_(options), estimator_(options.estimator) {}

  OomProximity look(const OomSignals& s);

 private:
  OomLevel instant_level(const OomSignals& s, const OomProximity& p) const;

  Options opt_;
  OomEstimator estimator_;
  OomLevel level_ = OomLevel::ok;
  std::optional<double> last_kill_s_;
  std::uint64_t kills_ = 0;
  std::optional<double> lower_since_s_;  // the instant level has been below level_ since
};

// One look at a cgroup's or the system's proximity, as the API and the report show it.
struct OomProximityView {
  double t_s = 0;
  OomLevel level = OomLevel::ok;
  double score = 0;
  std::string reason;
  std::optional<double> eta_s, eta_low_s, eta_high_s;
  double growth_bytes_per_s = 0;
  double usage_bytes = 0, limit_bytes = 0, reclaimable_bytes = 0, rcu_waiting_bytes = 0;
  double effective_headroom_bytes = 0;
  std::optional<double> psi_some_avg10, psi_full_avg10;
  std::uint64_t oom_kills = 0;
  std::uint64_t failcnt = 0;
  std::optional<double> scan_pages_per_s, steal_pages_per_s;
  std::array<std::uint64_t, 3> vmpressure_events{};  // low, medium, critical (v1), so far
};

OomProximityView make_view(const OomSignals& s, const OomProximity& p);

// The system's signals from /proc/meminfo: limit MemTotal, usage MemTotal - MemFree,
// reclaimable MemAvailable - MemFree (the kernel's own estimate of what it can take back).
// nullopt when a key is missing.
std::optional<OomSignals> system_signals(const std::map<std::string, std::uint64_t>& meminfo,
                                         double t_s);

// Scan and steal rates (pages/s) between successive readings of reclaim counters; none for the
// first reading or after a counter went backwards.
class ReclaimRates {
 public:
  void update(const kernel::ReclaimCounters& now, double t_s, OomProximityView& v);

 private:
  std::optional<kernel::ReclaimCounters> last_;
  double last_t_s_ = 0;
};

}  // namespace mt::daemon
