// OOM kills in the campaign cgroup: counted from the cgroup's counter in every sample, and
// attributed to the workers they killed. The kernel counts kills but does not say whom: a worker
// that died of a SIGKILL the runner did not send, while the counter is ahead of the kills
// already attributed, is one of them (one per worker: two workers killed in one burst are reaped
// one after the other, and each finds the counter ahead). An attribution that comes before a
// sample has shown the kill is the kill's first word: it is emitted then, with the workload's
// name. The verdict asks this part which workloads were OOM-killed and how many kills there were.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "daemon/campaign_part.h"

namespace mt::daemon {

class OomPart final : public CampaignPart {
 public:
  std::string_view name() const override { return "oom"; }
  void on_sample(const Sample& s, PartContext& cx) override;
  void on_workload_exit(const WorkloadExit& e, PartContext& cx) override;
  void contribute(ReportData& report) const override { report.oom_kill_times_s = times_; }

  std::uint64_t kills() const { return seen_; }
  bool oom_killed(const std::string& workload) const { return killed_.contains(workload); }

 private:
  void count(std::uint64_t total, const std::string& workload, PartContext& cx);

  std::uint64_t seen_ = 0;        // kills said so far (emitted as OomKill)
  std::uint64_t attributed_ = 0;  // kills matched to a worker
  std::vector<double> times_;     // when each kill was first seen, seconds since the start
  std::set<std::string> killed_;
};

}  // namespace mt::daemon
