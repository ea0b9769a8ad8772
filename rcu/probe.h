// RCU probed on demand (the ProbeRcu RPC, `memtorturectl probe`): N grace periods timed one
// after the other, an rcu_barrier() timed (a write of 1 to rcutree's do_rcu_barrier, which
// returns once every callback queued before it has run), and the RCU ledger read over a window
// of seconds (opened for the probe, closed before it answers). Changes no knob and pauses
// nothing: with or without a campaign running, nothing is left changed or loaded afterwards.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "rcu/gp_latency.h"
#include "rcu/ledger.h"

namespace mt::rcu {

inline constexpr int kMaxProbeGracePeriods = 1000;
// The ledger's window (ProbeRequest::ledger_seconds), and how many caches and callback
// functions each of its lists keeps (the largest by bytes).
inline constexpr int kMinProbeLedgerSeconds = 1;
inline constexpr int kMaxProbeLedgerSeconds = 60;
inline constexpr std::size_t kProbeLedgerTop = 10;

// Times one rcu_barrier() through /sys/module/rcutree/parameters/do_rcu_barrier under `sys`.
// The kernel throttles barriers (rcu_barrier_throttled()): a write that returns at once may
// have run and found nothing, or been skipped; which one this cannot tell.
Result<std::chrono::nanoseconds> time_rcu_barrier(const std::filesystem::path& sys);

struct ProbeRequest {
  int grace_periods = 0;  // 0..kMaxProbeGracePeriods
  bool barrier = false;
  int ledger_seconds = 0;  // 0: no ledger; else kMinProbeLedgerSeconds..kMaxProbeLedgerSeconds
};

// The RCU ledger read by a probe, in this order: freed() at the start and after the window,
// pending_counts(), pending_bytes(), barrier_backlog() (the flood, if any, keeps running). A
// step that failed is empty (ProbeResult::ledger_error says why); lists are cut to
// kProbeLedgerTop.
struct ProbeLedger {
  LedgerFacts facts;                      // what it covers, and its notes on what not
  std::optional<FreedRates> freed;        // over the window
  std::optional<PendingCounts> counts;    // after the window
  std::optional<PendingBytes> bytes;      // a walk, after the counts
  std::optional<BarrierBacklog> barrier;  // last
};

struct ProbeResult {
  std::string knobs;             // "rcu_expedited=0 rcu_normal=0": in force while probing
  std::vector<double> gp_us;     // each grace period timed, in order
  LatencyStats gp;               // over gp_us
  std::string gp_error;          // why fewer than asked were timed
  std::optional<double> barrier_us;
  std::string barrier_error;
  std::optional<ProbeLedger> ledger;  // when asked for and the ledger opened
  std::string ledger_error;           // why it did not open, or each step that failed and why
};

using LedgerOpener = std::function<Result<std::unique_ptr<Ledger>>()>;
// Waits out the ledger's window; false when it was cut short (the call was cancelled).
using ProbeWait = std::function<bool(std::chrono::nanoseconds)>;

// ProbeEnv's defaults: Ledger::open() with default options; sleep_for(window), never cut short.
Result<std::unique_ptr<Ledger>> open_default_ledger();
bool sleep_through(std::chrono::nanoseconds window);

struct ProbeEnv {
  std::filesystem::path sys = "/sys";
  unsigned cpus = 0;
  GpProber::Measure measure_gp = time_global_membarrier;
  std::function<Result<std::chrono::nanoseconds>(const std::filesystem::path&)> barrier =
      time_rcu_barrier;
  LedgerOpener open_ledger = open_default_ledger;  // Ledger::open() with default options
  ProbeWait wait = sleep_through;
};

// Blocks for as long as the grace periods, the barrier and the ledger's window take (the
// ledger: its window plus ~1 s to open and a barrier that can take hundreds of ms under load).
ProbeResult probe(const ProbeRequest& request, const ProbeEnv& env);

// "rcu_expedited=0 rcu_normal=0" as read under `sys` ("?" for a knob that cannot be read).
std::string grace_period_knobs(const std::filesystem::path& sys);

}  // namespace mt::rcu
