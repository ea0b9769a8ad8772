#include "daemon/oom_estimator.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mt::daemon {

OomEstimate OomEstimator::add(double t_s, double unreclaimable, double limit) {
  window_.push_back({t_s, unreclaimable});
  while (window_.size() > 1 && window_.front().t_s < t_s - opt_.window_s) window_.pop_front();
  OomEstimate e;
  e.headroom_bytes = limit - unreclaimable;
  const double span = window_.back().t_s - window_.front().t_s;
  if (window_.size() < opt_.min_points || span < opt_.min_span_s) return e;
  const double min_gap = span / 2;
  std::vector<double> slopes;
  for (std::size_t i = 0; i < window_.size(); ++i)
    for (std::size_t j = i + 1; j < window_.size(); ++j) {
      const double dt = window_[j].t_s - window_[i].t_s;
      if (dt >= min_gap && dt > 0) slopes.push_back((window_[j].bytes - window_[i].bytes) / dt);
    }
  if (slopes.empty()) return e;
  auto at = [&](double q) {
    const auto k = static_cast<std::size_t>(q * static_cast<double>(slopes.size() - 1) + 0.5);
    std::nth_element(slopes.begin(), slopes.begin() + static_cast<std::ptrdiff_t>(k), slopes.end());
    return slopes[k];
  };
  e.growth_bytes_per_s = at(0.5);
  const double fast = at(0.75), slow = at(0.25);
  if (slow < opt_.min_growth_bytes_per_s) return e;
  std::vector<double> offsets, residuals;
  for (const Point& p : window_) offsets.push_back(p.bytes - e.growth_bytes_per_s * p.t_s);
  std::nth_element(offsets.begin(), offsets.begin() + static_cast<std::ptrdiff_t>(offsets.size() / 2),
                   offsets.end());
  const double intercept = offsets[offsets.size() / 2];
  for (const Point& p : window_)
    residuals.push_back(std::abs(p.bytes - (e.growth_bytes_per_s * p.t_s + intercept)));
  std::nth_element(residuals.begin(),
                   residuals.begin() + static_cast<std::ptrdiff_t>(residuals.size() / 2),
                   residuals.end());
  const double noise = 1.4826 * residuals[residuals.size() / 2];
  if (e.growth_bytes_per_s * span < 3 * noise) return e;
  const double headroom = std::max(e.headroom_bytes, 0.0);
  e.eta_s = headroom / e.growth_bytes_per_s;
  e.eta_low_s = headroom / fast;
  e.eta_high_s = headroom / slow;
  return e;
}

}  // namespace mt::daemon
