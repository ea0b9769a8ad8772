#include "daemon/criteria.h"

#include <fmt/format.h>

#include "common/units.h"

namespace mt::daemon {

CriteriaEvaluator::CriteriaEvaluator(const campaign::Criteria& c, const Clock& clock,
                                     Clock::time_point start)
    : clock_(clock), start_(start) {
  if (c.max_oom_kills)
    tracked_.push_back({"max_oom_kills", static_cast<double>(*c.max_oom_kills), true, {}, {}, ""});
  if (c.max_psi_some_avg10)
    tracked_.push_back({"max_psi_some_avg10", *c.max_psi_some_avg10, true, {}, {}, "%"});
  if (c.max_psi_full_avg10)
    tracked_.push_back({"max_psi_full_avg10", *c.max_psi_full_avg10, true, {}, {}, "%"});
  if (c.min_headroom)
    tracked_.push_back(
        {"min_headroom", static_cast<double>(*c.min_headroom), false, {}, {}, "bytes"});
}

// PSI criteria use the campaign cgroup's pressure where the host has per-cgroup PSI, else the
// system's.
std::optional<double> CriteriaEvaluator::figure(const std::string& name, const Sample& s) {
  if (name == "max_oom_kills") return static_cast<double>(s.oom_kills);
  if (name == "min_headroom") return static_cast<double>(lowest_headroom(s));
  const auto& psi = s.cgroup_psi ? s.cgroup_psi : s.system_psi;
  if (!psi) return std::nullopt;
  if (name == "max_psi_some_avg10") return psi->some_avg10;
  if (name == "max_psi_full_avg10") return psi->full_avg10;
  return std::nullopt;
}

bool CriteriaEvaluator::is_psi(const std::string& name) {
  return name == "max_psi_some_avg10" || name == "max_psi_full_avg10";
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
    auto v = figure(t.name, sample);
    if (!v) continue;
    if (is_psi(t.name) && !sample.cgroup_psi) t.from_system_psi = true;
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
    return fmt::format("{:.0f}", v);
  };
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
