// Grace-period latency during a campaign: every `interval` (the campaign's scheduler) one
// synchronize_rcu() is timed through membarrier on the prober's own thread. Each result is
// filed under the phase it ran in, a phase being the RCU knob values in force (rcu_expedited,
// rcu_normal, read when the probe starts), so a campaign that changes them reports each stretch
// apart. Figure: rcu.gp_latency_us, the latest grace period timed since the previous sample.
// Report: parts.gp_probe with count and p50/p90/p99/max per phase.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "daemon/campaign_part.h"
#include "rcu/gp_latency.h"

namespace mt::daemon {

struct GpProbeOptions {
  std::chrono::milliseconds interval{1000};  // 0: off
  std::filesystem::path sys = "/sys";         // where rcu_expedited and rcu_normal are read
  unsigned cpus = 0;                          // online CPUs (membarrier waits only with 2+)
  rcu::GpProber::Measure measure = rcu::time_global_membarrier;  // tests: a fake
};

class GpProbePart final : public CampaignPart {
 public:
  explicit GpProbePart(GpProbeOptions options) : opt_(std::move(options)) {}
  ~GpProbePart() override;
  std::string_view name() const override { return "gp_probe"; }
  std::vector<MetricDef> metrics() const override { return declared(); }
  // What it measures, without an instance (daemon/metric_catalog.cc lists it).
  static std::vector<MetricDef> declared();
  Status setup(PartContext& cx) override;
  Status measure(Sample& s, PartContext& cx) override;
  Status teardown(PartContext& cx) override;
  void contribute(ReportData& report) const override;

 private:
  struct Phase {
    rcu::LatencyStats stats;
  };
  void tick(PartContext& cx);
  void on_result(Result<std::chrono::nanoseconds> r, PartContext& cx);
  std::string current_phase() const;  // "rcu_expedited=0 rcu_normal=0"

  GpProbeOptions opt_;
  std::unique_ptr<rcu::GpProber> prober_;
  Scheduler::Id tick_task_ = 0;
  Scheduler* timers_ = nullptr;
  std::string running_phase_;  // of the probe in flight
  std::map<std::string, Phase> phases_;
  std::optional<double> latest_us_;  // since the previous sample
  std::uint64_t dropped_ = 0;        // ticks that found the previous probe still waiting
  std::string error_;                // why it does not run, or stopped
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mt::daemon
