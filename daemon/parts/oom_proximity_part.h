// How close the campaign cgroup and the system are to OOM, at every sample (the rule, the score
// and the time-to-OOM estimate: daemon/oom_proximity.h).
// Signals, for the cgroup: usage and limit (the sample), reclaimable memory from memory.stat
// (kernel::reclaimable_bytes), memory waiting in RCU (the ledger's latest walk, rcu.pending_bytes,
// at most 3 s old; it is system-wide, so at most the cgroup's kernel memory of it is counted
// against the cgroup), the cgroup's PSI, OOM kills, reclaim scan/steal rates (v2 memory.stat; v1
// has none per cgroup, so /proc/vmstat's, system-wide), and on v1 memory.pressure_level
// notifications (eventfds for low, medium and critical). For the system: /proc/meminfo
// (usage MemTotal - MemFree, reclaimable MemAvailable - MemFree), all of the RCU waiting, the
// system's PSI.
// Figures: oom.* (see declared()); a level change is a log line in the stream with the reason;
// the report (parts.oom_proximity) has the level changes, the lowest ETA, and for every OOM kill
// what the estimate said 10, 5, 2 and 1 s before it.
#pragma once

#include <array>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/campaign_part.h"
#include "daemon/fd_watch.h"
#include "daemon/oom_proximity.h"
#include "kernel/memory_files.h"

namespace mt::daemon {

struct OomProximityOptions {
  std::filesystem::path proc = "/proc";  // meminfo, vmstat
  OomProximityRule::Options rule;
};

class OomProximityPart final : public CampaignPart {
 public:
  OomProximityPart() : OomProximityPart(OomProximityOptions{}) {}
  explicit OomProximityPart(OomProximityOptions options);
  std::string_view name() const override { return "oom_proximity"; }
  std::vector<MetricDef> metrics() const override { return declared(); }
  static std::vector<MetricDef> declared();
  Status setup(PartContext& cx) override;
  Status measure(Sample& s, PartContext& cx) override;
  void on_event(const Event& e, PartContext& cx) override;
  Status teardown(PartContext& cx) override;
  void contribute(ReportData& report) const override;

  const std::optional<OomProximityView>& cgroup_view() const { return cgroup_; }
  const std::optional<OomProximityView>& system_view() const { return system_; }

 private:
  struct Change {
    double t_s;
    OomLevel from, to;
    std::string reason;
    bool system;
  };
  struct Before {  // what was said some seconds before a kill
    double offset_s;
    std::optional<OomProximityView> view;
  };
  struct KillLook {
    double t_s;
    std::uint64_t total;
    std::vector<Before> before;
  };
  std::optional<double> rcu_waiting(const Sample& s);
  void record_kill(double t_s, std::uint64_t total);

  OomProximityOptions opt_;
  OomProximityRule cgroup_rule_, system_rule_;
  std::optional<OomProximityView> cgroup_, system_;
  std::deque<OomProximityView> history_;  // the cgroup's views of the last kHistoryS seconds
  std::vector<Change> changes_;
  std::vector<KillLook> kills_;
  std::optional<double> lowest_eta_s_;
  std::optional<double> pending_bytes_, pending_t_s_;
  ReclaimRates reclaim_rates_;
  std::array<std::uint64_t, 3> vmpressure_{};       // events so far, by level
  std::array<std::uint64_t, 3> vmpressure_seen_{};  // as of the last sample
  std::vector<std::unique_ptr<FdWatch>> vmpressure_watch_;
  std::string vmpressure_note_ = "not a v1 memory cgroup";
  std::string reclaim_source_;
};

}  // namespace mt::daemon
