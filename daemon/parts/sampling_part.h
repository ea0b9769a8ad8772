// The campaign's core figures, first in every sample: the cgroup's memory counters (usage,
// limit, kernel memory, the kernel's peak, failcnt, OOM kills) and PSI, the cgroup's where the
// host has it and the system's always, with stall-time deltas since the previous sample (the
// pure arithmetic is Sampler's). A cgroup that can no longer be read ends the campaign.
#pragma once

#include <filesystem>

#include "daemon/campaign_part.h"
#include "daemon/sampler.h"

namespace mt::daemon {

class SamplingPart final : public CampaignPart {
 public:
  // `system_pressure`: /proc/pressure/memory, or a fixture.
  explicit SamplingPart(std::filesystem::path system_pressure)
      : system_pressure_(std::move(system_pressure)) {}
  std::string_view name() const override { return "sampling"; }
  Status measure(Sample& s, PartContext& cx) override;

 private:
  std::filesystem::path system_pressure_;
  Sampler sampler_;
};

}  // namespace mt::daemon
