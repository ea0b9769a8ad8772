// RCU CPU stall warnings during a campaign: /sys/kernel/rcu_stall_count (the kernel's count of
// stall warnings since boot) read at setup and at every sample. Figure: rcu.stalls, the warnings
// since the campaign started; each new one is told at once (a log line in the stream). Report:
// parts.rcu_stalls with the count before and after. A kernel without the file: the report says so.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "daemon/campaign_part.h"

namespace mt::daemon {

class RcuStallPart final : public CampaignPart {
 public:
  explicit RcuStallPart(std::filesystem::path sys) : file_(sys / "kernel/rcu_stall_count") {}
  std::string_view name() const override { return "rcu_stalls"; }
  std::vector<MetricDef> metrics() const override { return declared(); }
  static std::vector<MetricDef> declared();
  Status setup(PartContext& cx) override;
  Status measure(Sample& s, PartContext& cx) override;
  void contribute(ReportData& report) const override;

 private:
  std::filesystem::path file_;
  std::optional<std::uint64_t> before_, last_;
  std::string error_;  // why it is not counted
};

}  // namespace mt::daemon
