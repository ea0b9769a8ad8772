// The campaign's pass/fail criteria, evaluated on every sample: a criterion that fails for the
// first time is an event at once, a PSI criterion that had to fall back to the system's PSI is
// said once, and the results go into the report and the verdict.
#pragma once

#include <optional>
#include <vector>

#include "campaign/spec.h"
#include "daemon/campaign_part.h"
#include "daemon/criteria.h"

namespace mt::daemon {

class CriteriaPart final : public CampaignPart {
 public:
  // `start`: the campaign's start on the scheduler's clock (first-failure times count from it).
  CriteriaPart(const campaign::Criteria& criteria, const Clock& clock, Clock::time_point start)
      : evaluator_(criteria, clock, start) {}
  std::string_view name() const override { return "criteria"; }
  void on_sample(const Sample& s, PartContext& cx) override;
  void contribute(ReportData& report) const override { report.criteria = results(); }
  std::vector<CriterionResult> results() const { return evaluator_.results(); }

 private:
  CriteriaEvaluator evaluator_;
};

}  // namespace mt::daemon
