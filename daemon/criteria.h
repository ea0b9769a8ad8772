// Live evaluation of a campaign's pass/fail criteria over its samples. The clock is injected:
// the time a criterion first failed is measured from `start` on that clock.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "campaign/spec.h"
#include "common/clock.h"
#include "daemon/model.h"

namespace mt::daemon {

class CriteriaEvaluator {
 public:
  CriteriaEvaluator(const campaign::Criteria& criteria, const Clock& clock,
                    Clock::time_point start);

  // Folds one sample in. Returns the criteria that failed for the first time with this sample
  // (for live events).
  std::vector<CriterionResult> observe(const Sample& sample);
  // Current outcome of every configured criterion, in a fixed order.
  std::vector<CriterionResult> results() const;
  bool all_pass() const;
  // Whether a PSI criterion had to use the system's PSI because the sample had no cgroup PSI.
  bool used_system_psi() const;

 private:
  struct Tracked {
    std::string name;    // "max_oom_kills", "max rcu.gp_latency_us"
    std::string figure;  // what it bounds, by name (daemon/metric_catalog.h)
    double limit = 0;
    bool higher_is_worse = true;  // max_* criteria; min_headroom is the other way
    std::optional<double> worst;  // nullopt until a sample carried the figure
    std::optional<double> first_violation_s;
    std::string unit;  // the figure's: "" | "%" | "bytes" | "us" ...
    bool from_system_psi = false;  // a PSI criterion fed by the system's PSI at some sample
    bool absent_is_fine = false;   // the figure's MetricDef::absent_is_fine
  };
  bool violates(const Tracked& t, double v) const;
  CriterionResult to_result(const Tracked& t) const;

  const Clock& clock_;
  Clock::time_point start_;
  std::vector<Tracked> tracked_;
};

}  // namespace mt::daemon
