// Each workload's operations per second, sample by sample: the figure
// workload.<name>.ops_per_s (the name in lower case, '-' and '.' as '_'), from its worker's
// counters over the last sample interval. Absent while the workload is not running (before its
// start_after, after it ended). The HTML report plots them as the workloads' rates. Not in the
// metric catalog (daemon/metric_catalog.h): the names depend on the campaign, so criteria cannot
// bound them yet.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/campaign_part.h"

namespace mt::daemon {

class WorkloadRatePart final : public CampaignPart {
 public:
  explicit WorkloadRatePart(std::vector<std::string> workloads);
  std::string_view name() const override { return "workload_rates"; }
  std::vector<MetricDef> metrics() const override;
  Status measure(Sample& s, PartContext& cx) override;

  // "workload.<name>.ops_per_s" for a workload name (two names that read the same get a suffix).
  static std::string metric_name(const std::string& workload);

 private:
  struct Seen {
    std::string metric;
    std::optional<std::uint64_t> ops;  // at the previous sample, while running
    double t_s = 0;
  };
  std::map<std::string, Seen> seen_;  // by workload name
};

}  // namespace mt::daemon
