#include "daemon/criteria.h"

#include <fmt/format.h>

#include <cmath>

#include "common/units.h"
#include "daemon/metric_catalog.h"

namespace mt::daemon {

CriteriaEvaluator::CriteriaEvaluator(const campaign::Criteria& c, const Clock& clock,
                                     Clock::time_point start)
    : clock_(clock), start_(start) {
  const std::vector<MetricDef> defs = all_metrics();
  auto track = [&](std::string name, std::string figure, double limit, bool higher_is_worse) {
    const MetricDef* def = find_metric(defs, figure);
    tracked_.push_back({.name = std::move(name),
                        .figure = std::move(figure),
                        .limit = limit,
                        .higher_is_worse = higher_is_worse,
                        .worst = std::nullopt,
                        .first_violation_s = std::nullopt,
                        .unit = def != nullptr ? def->unit : "",
                        .from_system_psi = false,
                        .absent_is_fine = def != nullptr && def->absent_is_fine});
  };
  // The named criteria of the first campaign files, each a bound on a core figure.
  if (c.max_oom_kills)
    track("max_oom_kills", "oom_kills", static_cast<double>(*c.max_oom_kills), true);
  if (c.max_psi_some_avg10)
    track("max_psi_some_avg10", "psi.some_avg10", *c.max_psi_some_avg10, true);
  if (c.max_psi_full_avg10)
    track("max_psi_full_avg10", "psi.full_avg10", *c.max_psi_full_avg10, true);
  if (c.min_headroom)
    track("min_headroom", "headroom_bytes", static_cast<double>(*c.min_headroom), false);
  if (c.min_oom_eta_s) track("min_oom_eta_s", "oom.eta_s", *c.min_oom_eta_s, false);
  for (const auto& b : c.max) track("max " + b.metric, b.metric, b.limit, true);
  for (const auto& b : c.min) track("min " + b.metric, b.metric, b.limit, false);
}

bool CriteriaEvaluator::used_system_psi() const {
  for (const auto& t : tracked_)
    if (t.from_system_psi) return true;
  return false;
}

bool CriteriaEvaluator::violates(const Tracked& t, double v) const {
  return t.higher_is_worse ? v > t.limit : v < t.limit;
}

std::vector<CriterionResult> CriteriaEvaluator::observe(const Sample& sample) {
  std::vector<CriterionResult> newly_failed;
  const double now_s = std::chrono::duration<double>(clock_.now() - start_).count();
  for (auto& t : tracked_) {
    bool from_system_psi = false;
    auto v = figure_by_name(t.figure, sample, &from_system_psi);
    if (!v) continue;
    if (from_system_psi) t.from_system_psi = true;
    if (!t.worst || (t.higher_is_worse ? *v > *t.worst : *v < *t.worst)) t.worst = v;
    if (violates(t, *v) && !t.first_violation_s) {
      t.first_violation_s = now_s;
      newly_failed.push_back(to_result(t));
    }
  }
  return newly_failed;
}

CriterionResult CriteriaEvaluator::to_result(const Tracked& t) const {
  CriterionResult r;
  r.name = t.name;
  r.limit = t.limit;
  auto show = [&](double v) {
    if (t.unit == "bytes") return human_bytes(v);
    if (t.unit == "%") return fmt::format("{:.2f}%", v);
    const std::string number = v == std::floor(v) && std::abs(v) < 1e15 ? fmt::format("{:.0f}", v)
                                                                         : fmt::format("{:.1f}", v);
    return t.unit.empty() ? number : number + " " + t.unit;
  };
  if (!t.worst && t.absent_is_fine) {
    r.pass = true;
    r.detail = fmt::format("no sample had one (limit {})", show(t.limit));
    return r;
  }
  if (!t.worst) {
    r.pass = false;
    r.detail = fmt::format("no sample carried this figure (limit {})", show(t.limit));
    return r;
  }
  r.value = *t.worst;
  r.pass = !t.first_violation_s;
  const char* relation = t.higher_is_worse ? (r.pass ? "<=" : ">") : (r.pass ? ">=" : "<");
  const char* word = t.higher_is_worse ? "worst" : "lowest";
  r.detail = fmt::format("{} {} {} limit {}", word, show(r.value), relation, show(t.limit));
  if (t.first_violation_s) r.detail += fmt::format(" (first at {:.1f} s)", *t.first_violation_s);
  if (t.from_system_psi)
    r.detail += " (system PSI: the campaign cgroup's PSI could not be read at some samples)";
  return r;
}

std::vector<CriterionResult> CriteriaEvaluator::results() const {
  std::vector<CriterionResult> out;
  for (const auto& t : tracked_) out.push_back(to_result(t));
  return out;
}

bool CriteriaEvaluator::all_pass() const {
  for (const auto& r : results())
    if (!r.pass) return false;
  return true;
}

}  // namespace mt::daemon
