// The kernel PSI trigger on the campaign cgroup's memory.pressure: armed at setup where the host
// allows it, every event the kernel sends recorded and streamed, closed at teardown (before the
// cgroup goes, or its fd would report POLLERR forever). The report says whether it was armed,
// why not, and when it fired.
#pragma once

#include <memory>

#include "campaign/spec.h"
#include "daemon/campaign_part.h"
#include "daemon/psi_trigger.h"

namespace mt::daemon {

class PsiTriggerPart final : public CampaignPart {
 public:
  explicit PsiTriggerPart(campaign::PsiTriggerSpec spec) : spec_(spec) {}
  std::string_view name() const override { return "psi_trigger"; }
  Status setup(PartContext& cx) override;
  Status teardown(PartContext& cx) override;
  void contribute(ReportData& report) const override { report.psi_trigger = info_; }

 private:
  campaign::PsiTriggerSpec spec_;
  std::unique_ptr<PsiTrigger> trigger_;
  ReportData::Trigger info_;
};

}  // namespace mt::daemon
